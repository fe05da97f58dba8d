/**
 * The ingestion API's contract, in one place: its routes, header, stage, bodies, the names of the
 * AWS resources behind it and the tags that mark them as clickops's. The local gateway and the API
 * definition (src/lib/gateway), `send --via api`, `status`, provision and destroy all import it.
 */
import {serviceHost} from './aws/arn.js'

/** Every resource clickops creates carries this tag; destroy removes only what carries it. */
export const MANAGED_TAG = {key: 'managed-by', value: 'clickops'} as const
/** Names the stream a resource belongs to (API, stage, role, key, usage plan). */
export const STREAM_TAG_KEY = 'clickops:stream'
/** Tag of the role: the region whose stream it serves (IAM is global, streams are regional). */
export const REGION_TAG_KEY = 'clickops:region'

/** The stage used when --stage is not given. */
export const DEFAULT_STAGE = 'v1'
/** The header API Gateway reads the API key from (x-amazon-apigateway-api-key-source: HEADER). */
export const API_KEY_HEADER = 'x-api-key'
/** Routes relative to the stage's invoke URL. */
export const EVENTS_PATH = '/events'
export const BATCH_PATH = '/events/batch'

/** The tags of every resource of a stream's pipeline. */
export function tagsFor(stream: string): Record<string, string> {
  return {[MANAGED_TAG.key]: MANAGED_TAG.value, [STREAM_TAG_KEY]: stream}
}

/** The ingestion role's tags: those of every resource, and the region it serves. */
export function roleTagsFor(stream: string, region: string): Record<string, string> {
  return {...tagsFor(stream), [REGION_TAG_KEY]: region}
}

/** Whether `tags` include every one of `wanted`. */
export const hasTags = (tags: Record<string, string> | undefined, wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => tags?.[k] === v)

/** Whether a resource carries the tags clickops gives the resources of `stream`. */
export const isOurs = (tags: Record<string, string> | undefined, stream: string) => hasTags(tags, tagsFor(stream))

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

/** The body of a 200 from POST /events. */
export interface PutEventResponse {
  shardId: string
  sequenceNumber: string
}

/** The body of a 200 from POST /events/batch: records in request order; failed ones carry errorCode. */
export interface PutEventsResponse {
  failedRecordCount: number
  records: ({shardId: string; sequenceNumber: string} | {errorCode: string})[]
}

/** The body of every error (gateway refusals and mapped Kinesis errors). */
export interface ApiErrorResponse {
  message: string
  /** The Kinesis error type, for errors coming from Kinesis. */
  type?: string
  /** Validation problems, for 400 "Invalid request body". */
  details?: string
}
