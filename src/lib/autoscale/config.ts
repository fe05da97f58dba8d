/**
 * What the autoscale function is told, in one environment variable (never credentials): the stream,
 * the resolved policy with where each setting came from, the load source and how long to wait for
 * a change. Written by `autoscale deploy`, read by the handler; one definition of the format.
 */
import type {LoadSourceName} from '../load/types.js'
import type {PolicyKey, ScalingPolicy, SettingOrigin} from '../scaling/policy.js'

/** The environment variable holding the configuration (JSON). */
export const CONFIG_ENV = 'CLICKOPS_AUTOSCALE_CONFIG'
export const CONFIG_VERSION = 1

export interface AutoscaleConfig {
  version: typeof CONFIG_VERSION
  /** `aws` on Lambda, `local` under the embedded stack's scheduler. */
  target: 'aws' | 'local'
  stream: string
  policy: ScalingPolicy
  source: LoadSourceName
  policyOrigins: Record<PolicyKey, SettingOrigin>
  /** How long a run waits for the stream to be ACTIVE after its last step (the function's timeout allows it). */
  waitTimeoutMs: number
}

export function encodeConfig(config: AutoscaleConfig): string {
  return JSON.stringify(config)
}

/** The configuration from the environment; throws an Error with one sentence when it is missing or malformed. */
export function decodeConfig(text: string | undefined): AutoscaleConfig {
  if (text === undefined || text === '') throw new Error(`${CONFIG_ENV} is not set: deploy the function with \`clickops autoscale deploy\`.`)
  let doc: AutoscaleConfig
  try {
    doc = JSON.parse(text) as AutoscaleConfig
  } catch {
    throw new Error(`${CONFIG_ENV} is not valid JSON: deploy the function again with \`clickops autoscale deploy\`.`)
  }
  if (doc?.version !== CONFIG_VERSION || typeof doc.stream !== 'string' || typeof doc.policy !== 'object' || doc.policy === null) {
    throw new Error(`${CONFIG_ENV} is not a version ${CONFIG_VERSION} autoscale configuration: deploy the function again with this clickops.`)
  }
  return doc
}
