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

/** Tag of the role: the region whose stream it serves (IAM is global, streams are regional). */
export const REGION_TAG_KEY = 'clickops:region'

/** The service that assumes the ingestion role. */
export const API_GATEWAY_PRINCIPAL = 'apigateway.amazonaws.com'

/**
 * The permissions boundary of every role clickops creates: a customer managed policy made from
 * iam/clickops-permissions-boundary.json, at this path and name (the operator policy in iam/ lets
 * provision create roles only with it attached).
 */
export const BOUNDARY_POLICY_PATH = '/clickops/'
export const BOUNDARY_POLICY_NAME = 'clickops-permissions-boundary'

/** IAM role names are at most 64 characters; longer stream names are shortened with a stable hash. */
const ROLE_NAME_MAX = 64

export function tagsFor(stream: string): Record<string, string> {
  return {[MANAGED_TAG.key]: MANAGED_TAG.value, [STREAM_TAG_KEY]: stream}
}

/** The ingestion role's tags: those of every resource, and the region it serves. */
export function roleTagsFor(stream: string, region: string): Record<string, string> {
  return {...tagsFor(stream), [REGION_TAG_KEY]: region}
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

/**
 * `clickops-<region>-<stream>-apigw`, or a shortened form with a hash of region and stream when too
 * long. IAM is global: the region in the name keeps the same stream name in two regions from sharing
 * (and overwriting) one role.
 */
export function roleName(stream: string, region: string): string {
  return shortened(`clickops-${region}-${stream}`, `${region}/${stream}`)
}

/**
 * The name roles had before the region was part of it, `clickops-<stream>-apigw`: destroy still
 * finds and removes such a role, and provision leaves it to destroy.
 */
export function legacyRoleName(stream: string): string {
  return shortened(`clickops-${stream}`, stream)
}

function shortened(head: string, hashed: string): string {
  const name = `${head}-apigw`
  if (name.length <= ROLE_NAME_MAX) return name
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 8)
  return `${head.slice(0, ROLE_NAME_MAX - '-apigw'.length - hash.length - 1)}-${hash}-apigw`
}

/** The AWS partition of a region: `aws-cn` (China), `aws-us-gov` (GovCloud) or `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

/** The DNS suffix of the region's partition: `amazonaws.com.cn` in China, `amazonaws.com` elsewhere. */
export function dnsSuffix(region: string): string {
  return partitionOf(region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
}

/** A regional service endpoint's host name, `<service>.<region>.<dns suffix>` (e.g. for kms:ViaService). */
export function serviceHost(service: string, region: string): string {
  return `${service}.${region}.${dnsSuffix(region)}`
}

/** The ARN of the permissions boundary in an account (the partition follows the region). */
export function boundaryArnFor(account: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:policy${BOUNDARY_POLICY_PATH}${BOUNDARY_POLICY_NAME}`
}

/** Stage names: letters, digits, hyphens and underscores, at most 128 characters (API Gateway's rule). */
export function isValidStageName(stage: string): boolean {
  return /^[a-zA-Z0-9_-]{1,128}$/.test(stage)
}

/** The execute-api invoke URL of a stage. */
export function awsInvokeUrl(apiId: string, region: string, stage: string): string {
  return `https://${serviceHost(`${apiId}.execute-api`, region)}/${stage}`
}

/** The local gateway serves each stream's API under /<stream>/<stage>, like execute-api's /<stage>. */
export function localInvokeUrl(gatewayEndpoint: string, stream: string, stage: string): string {
  return `${gatewayEndpoint.replace(/\/+$/, '')}/${encodeURIComponent(stream)}/${stage}`
}
