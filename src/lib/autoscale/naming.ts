/** The names and tags of everything `clickops autoscale deploy` creates for a stream; one definition. */
import {createHash} from 'node:crypto'

import {tagsFor} from '../api-contract.js'

/** Lambda function, IAM role and schedule group names: at most 64 characters. */
const NAME_MAX = 64

/** Shortens `${head}${suffix}` to 64 characters with a stable hash of `hashed` when too long. */
function shortened(head: string, suffix: string, hashed: string): string {
  const name = `${head}${suffix}`
  if (name.length <= NAME_MAX) return name
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 8)
  return `${head.slice(0, NAME_MAX - suffix.length - hash.length - 1)}-${hash}${suffix}`
}

/** `clickops-autoscale-<stream>`: the function, its log group, its schedule and schedule group. */
export const functionName = (stream: string) => shortened(`clickops-autoscale-${stream}`, '', stream)
/** IAM is global: the region keeps two regions' functions of one stream name apart. */
export const executionRoleName = (stream: string, region: string) => shortened(`clickops-${region}-${stream}`, '-autoscale', `${region}/${stream}`)
export const schedulerRoleName = (stream: string, region: string) => shortened(`clickops-${region}-${stream}`, '-autoscale-sched', `${region}/${stream}`)
export const EXECUTION_POLICY_NAME = 'scale-the-stream'
export const SCHEDULER_POLICY_NAME = 'invoke-the-function'
export const alarmName = (stream: string) => `clickops-autoscale-${stream}-write-throttled`
/** The Lambda permission statement that lets the alarm invoke the function. */
export const ALARM_PERMISSION_ID = 'clickops-write-throttled-alarm'
export const ALARM_PRINCIPAL = 'lambda.alarms.cloudwatch.amazonaws.com'
export const SCHEDULER_PRINCIPAL = 'scheduler.amazonaws.com'

export const autoscaleTags = (stream: string) => ({...tagsFor(stream), 'clickops:component': 'autoscale'})
