/**
 * The names and tags of everything `clickops provision` creates for a stream: one definition, used
 * by provision, destroy, status and `send --via api` to find the same resources again.
 */
import {createHash} from 'node:crypto'

/** Every resource clickops creates carries this tag; destroy removes only what carries it. */
export const MANAGED_TAG = {key: 'managed-by', value: 'clickops'} as const
/** Names the stream a resource belongs to (API, stage, role, key, usage plan). */
export const STREAM_TAG_KEY = 'clickops:stream'

/** The stage used when --stage is not given. */
export const DEFAULT_STAGE = 'v1'
/** The header API Gateway reads the API key from (x-amazon-apigateway-api-key-source: HEADER). */
export const API_KEY_HEADER = 'x-api-key'
/** Routes relative to the stage's invoke URL. */
export const EVENTS_PATH = '/events'
export const BATCH_PATH = '/events/batch'

/** Path of the IAM roles clickops creates, so that they are easy to find and to scope. */
export const ROLE_PATH = '/clickops/'
/** The role's one inline policy. */
export const ROLE_POLICY_NAME = 'kinesis-put-records'

/** IAM role names are at most 64 characters; longer stream names are shortened with a stable hash. */
const ROLE_NAME_MAX = 64

export function tagsFor(stream: string): Record<string, string> {
  return {[MANAGED_TAG.key]: MANAGED_TAG.value, [STREAM_TAG_KEY]: stream}
}

/** The REST API's name: `clickops-<stream>`. */
export function apiName(stream: string): string {
  return `clickops-${stream}`
}

export function apiKeyName(stream: string): string {
  return `clickops-${stream}`
}

export function usagePlanName(stream: string): string {
  return `clickops-${stream}`
}

/** `clickops-<stream>-apigw`, or a shortened form with a hash of the stream name when too long. */
export function roleName(stream: string): string {
  const name = `clickops-${stream}-apigw`
  if (name.length <= ROLE_NAME_MAX) return name
  const hash = createHash('sha256').update(stream).digest('hex').slice(0, 8)
  const head = `clickops-${stream}`.slice(0, ROLE_NAME_MAX - '-apigw'.length - hash.length - 1)
  return `${head}-${hash}-apigw`
}

/** Stage names: letters, digits, hyphens and underscores, at most 128 characters (API Gateway's rule). */
export function isValidStageName(stage: string): boolean {
  return /^[a-zA-Z0-9_-]{1,128}$/.test(stage)
}

/** The execute-api invoke URL of a stage. */
export function awsInvokeUrl(apiId: string, region: string, stage: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'
  return `https://${apiId}.execute-api.${region}.${suffix}/${stage}`
}

/** The local gateway serves each stream's API under /<stream>/<stage>, like execute-api's /<stage>. */
export function localInvokeUrl(gatewayEndpoint: string, stream: string, stage: string): string {
  return `${gatewayEndpoint.replace(/\/+$/, '')}/${encodeURIComponent(stream)}/${stage}`
}
