/**
 * The JSON document of one scale check: what `clickops scale --json` prints and, line for line, what
 * the autoscale function logs. One definition for both.
 */
import type {LoadSourceName} from '../load/types.js'
import type {ScalingRun} from './index.js'
import type {PolicyKey, ScalingPolicy, SettingOrigin} from './policy.js'

export type ScaleDocument = ScalingRun & {
  target: string
  region: string
  streamName: string
  policy: ScalingPolicy & {source: LoadSourceName}
  policyOrigins: Record<PolicyKey, SettingOrigin>
}

/** What a failed check prints under --json (and the function logs): the error only. */
export interface ScaleErrorDocument {
  error: {exitCode: number; hint?: string; message: string; name: string}
}

export function scaleDocument(
  run: ScalingRun,
  context: {target: string; region: string; streamName: string; policy: ScalingPolicy; source: LoadSourceName; policyOrigins: Record<PolicyKey, SettingOrigin>},
): ScaleDocument {
  return {...run, policy: {...context.policy, source: context.source}, policyOrigins: context.policyOrigins, region: context.region, streamName: context.streamName, target: context.target}
}

export function errorDocument(error: {exitCode: number; hint?: string; message: string; name: string}): ScaleErrorDocument {
  return {error: {exitCode: error.exitCode, hint: error.hint, message: error.message, name: error.name}}
}
