/**
 * The ingestion API, as one OpenAPI 3.0 document with API Gateway's extensions. It is a pure
 * function of the stream, the region, the integration role and whether a key is required; the very
 * same document is imported into API Gateway (ImportRestApi, then PutRestApi mode overwrite) and
 * served by the local gateway.
 *
 *   POST /events        one event          → Kinesis PutRecord,  PartitionKey = user_id
 *   POST /events/batch  {"records": [...]} → Kinesis PutRecords, 1–500 events
 *
 * The stream name is fixed inside the request templates (never taken from the caller), the body is
 * validated against a draft-04 model of the event before anything reaches Kinesis, and Kinesis
 * errors come back as 400 (bad record), 429 (throughput exceeded), 500 (stream unavailable) or 503.
 */
import {createHash} from 'node:crypto'

import {batchSchema, EVENT_SCHEMA} from '../clickstream/schema.js'
import {PUT_RECORDS_MAX_RECORDS} from '../kinesis/limits.js'
import {API_KEY_HEADER, apiName, BATCH_PATH, EVENTS_PATH} from '../api-contract.js'
import {kinesisActionUri, PARTITION_PATTERN} from '../aws/arn.js'


export type JsonSchema = Record<string, unknown>

export interface IntegrationResponse {
  statusCode: string
  responseTemplates?: Record<string, string>
  responseParameters?: Record<string, string>
}

export interface Integration {
  type: 'aws'
  httpMethod: 'POST'
  /** `arn:aws:apigateway:<region>:kinesis:action/<Action>` */
  uri: string
  credentials: string
  requestParameters: Record<string, string>
  requestTemplates: Record<string, string>
  passthroughBehavior: 'never' | 'when_no_match' | 'when_no_templates'
  timeoutInMillis: number
  /** Keyed by selection pattern (a regex matched against Kinesis' HTTP status), plus `default`. */
  responses: Record<string, IntegrationResponse>
}

export interface Operation {
  operationId: string
  summary: string
  requestBody: {required: boolean; content: Record<string, {schema: {$ref: string}}>}
  responses: Record<string, {description: string; content?: Record<string, {schema: {$ref: string}}>}>
  security?: Record<string, string[]>[]
  'x-amazon-apigateway-request-validator': string
  'x-amazon-apigateway-integration': Integration
}

export interface GatewayResponse {
  /** Omitted on DEFAULT_4XX/DEFAULT_5XX: each response type keeps its own status. */
  statusCode?: string
  responseTemplates: Record<string, string>
  responseParameters?: Record<string, string>
}

export interface ApiDocument {
  openapi: '3.0.1'
  info: {title: string; description: string; version: string}
  paths: Record<string, Record<string, Operation>>
  components: {
    schemas: Record<string, JsonSchema>
    securitySchemes?: Record<string, {type: 'apiKey'; name: string; in: 'header'}>
  }
  'x-amazon-apigateway-api-key-source'?: 'HEADER'
  'x-amazon-apigateway-request-validators': Record<string, {validateRequestBody: boolean; validateRequestParameters: boolean}>
  'x-amazon-apigateway-gateway-responses': Record<string, GatewayResponse>
}

export interface ApiDocumentOptions {
  stream: string
  region: string
  /** The role API Gateway assumes to call Kinesis (locally a placeholder ARN: nothing assumes it). */
  roleArn: string
  apiKeyRequired: boolean
}

/** The Kinesis actions the integrations call: the integration role allows exactly these. */
export const INTEGRATION_ACTIONS = ['PutRecord', 'PutRecords'] as const
export type IntegrationAction = (typeof INTEGRATION_ACTIONS)[number]

/**
 * Content types the routes accept, each with the same template and model. API Gateway treats a
 * request without Content-Type as application/json; `curl -d` sends application/x-www-form-urlencoded.
 * Anything else is refused with 415 (passthroughBehavior never).
 */
export const ACCEPTED_CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const

export const REQUEST_VALIDATOR = 'body'
export const API_KEY_SCHEME = 'api_key'
/** API Gateway's integration timeout ceiling for REST APIs. */
export const INTEGRATION_TIMEOUT_MS = 29_000

export const MODEL_NAMES = {
  event: 'ClickEvent',
  batch: 'ClickEventBatch',
  putResult: 'PutEventResult',
  batchResult: 'PutEventsResult',
  error: 'Error',
} as const

const ref = (model: string) => ({$ref: `#/components/schemas/${model}`})

/** `arn:aws:apigateway:<region>:kinesis:action/<Action>` (the partition follows the region). */
export function integrationUri(region: string, action: IntegrationAction): string {
  return kinesisActionUri(region, action)
}


/** The action an integration URI names, or undefined when it is not one of ours. */
export function actionOf(uri: string): IntegrationAction | undefined {
  const match = new RegExp(`^arn:${PARTITION_PATTERN}:apigateway:([a-z0-9-]+):kinesis:action/([A-Za-z]+)$`).exec(uri)
  const action = match?.[2]
  return (INTEGRATION_ACTIONS as readonly string[]).includes(action ?? '') ? (action as IntegrationAction) : undefined
}

export function regionOf(uri: string): string | undefined {
  return new RegExp(`^arn:${PARTITION_PATTERN}:apigateway:([a-z0-9-]+):`).exec(uri)?.[1]
}

/**
 * A caller's value inside a JSON string of a request template: `$util.escapeJavaScript` escapes
 * quotes, backslashes and control characters, so a value cannot end the string and add fields
 * (`1", "StreamName": "other`); its `\'` is not JSON, so it goes back to `'` (API Gateway's
 * documented idiom).
 */
export const jsonStringOf = (reference: string) => `$util.escapeJavaScript(${reference}).replaceAll("\\\\'","'")`

/** PutRecord: the whole body is the record; the stream name is fixed here. */
export function putRecordTemplate(stream: string): string {
  return [
    '{',
    `  "StreamName": "${stream}",`,
    `  "Data": "$util.base64Encode($input.json('$'))",`,
    `  "PartitionKey": "${jsonStringOf("$input.path('$.user_id')")}"`,
    '}',
  ].join('\n')
}

/** PutRecords: one record per element of `records`, each the JSON of that event. */
export function putRecordsTemplate(stream: string): string {
  return [
    '{',
    `  "StreamName": "${stream}",`,
    '  "Records": [',
    "#foreach($event in $input.path('$.records'))",
    `    {"Data": "$util.base64Encode($input.json("$.records[$foreach.index]"))", "PartitionKey": "${jsonStringOf('$event.user_id')}"}#if($foreach.hasNext),#end`,
    '#end',
    '  ]',
    '}',
  ].join('\n')
}

export const PUT_RECORD_RESPONSE_TEMPLATE = `{"shardId": "$input.path('$.ShardId')", "sequenceNumber": "$input.path('$.SequenceNumber')"}`

/** PutRecords answers 200 even when some records failed: failedRecordCount says how many, errorCode which. */
export const PUT_RECORDS_RESPONSE_TEMPLATE = [
  "{\"failedRecordCount\": $input.path('$.FailedRecordCount'), \"records\": [",
  "#foreach($r in $input.path('$.Records'))",
  '#if($r.ErrorCode){"errorCode": "$r.ErrorCode"}#else{"shardId": "$r.ShardId", "sequenceNumber": "$r.SequenceNumber"}#end#if($foreach.hasNext),#end',
  '#end',
  ']}',
].join('\n')

/** Kinesis' JSON errors carry their type in `__type`; the caller gets the type, never Kinesis' message. */
const THROTTLING_TYPES = ['ProvisionedThroughputExceededException', 'LimitExceededException', 'KMSThrottlingException']
const CLIENT_ERROR_TYPES = ['ValidationException', 'InvalidArgumentException', 'SerializationException']
const anyOf = (types: string[]) => types.map((t) => `$type.endsWith("${t}")`).join(' || ')

export const CLIENT_ERROR_RESPONSE_TEMPLATE = [
  "#set($type = $input.path('$.__type'))",
  '#if("$!type" == "")#set($type = "UnknownError")#end',
  `#if(${anyOf(THROTTLING_TYPES)})`,
  '#set($context.responseOverride.status = 429)',
  '{"message": "Throughput exceeded; retry with backoff.", "type": "$type"}',
  `#elseif(${anyOf(CLIENT_ERROR_TYPES)})`,
  '{"message": "Kinesis rejected the record.", "type": "$type"}',
  '#else',
  '#set($context.responseOverride.status = 500)',
  '{"message": "The ingestion stream is not available.", "type": "$type"}',
  '#end',
].join('\n')

export const SERVER_ERROR_RESPONSE_TEMPLATE = [
  "#set($type = $input.path('$.__type'))",
  '#if("$!type" == "")#set($type = "InternalFailure")#end',
  '{"message": "Kinesis is temporarily unavailable; retry.", "type": "$type"}',
].join('\n')

/** API Gateway's own refusals, in one JSON shape: {"message": ...} (plus details for a bad body). */
const MESSAGE_ONLY = '{"message": $context.error.messageString}'
export const GATEWAY_RESPONSES: Record<string, GatewayResponse> = {
  BAD_REQUEST_BODY: {
    statusCode: '400',
    responseTemplates: {'application/json': '{"message": $context.error.messageString, "details": "$context.error.validationErrorString"}'},
  },
  INVALID_API_KEY: {statusCode: '403', responseTemplates: {'application/json': MESSAGE_ONLY}},
  MISSING_AUTHENTICATION_TOKEN: {statusCode: '403', responseTemplates: {'application/json': MESSAGE_ONLY}},
  REQUEST_TOO_LARGE: {statusCode: '413', responseTemplates: {'application/json': MESSAGE_ONLY}},
  UNSUPPORTED_MEDIA_TYPE: {statusCode: '415', responseTemplates: {'application/json': MESSAGE_ONLY}},
  THROTTLED: {statusCode: '429', responseTemplates: {'application/json': MESSAGE_ONLY}},
  QUOTA_EXCEEDED: {statusCode: '429', responseTemplates: {'application/json': MESSAGE_ONLY}},
  DEFAULT_4XX: {responseTemplates: {'application/json': MESSAGE_ONLY}},
  DEFAULT_5XX: {responseTemplates: {'application/json': MESSAGE_ONLY}},
}

/** The models: the event and the batch derive from the one schema in src/lib/clickstream. */
export function apiModels(): Record<string, JsonSchema> {
  const {$schema: _eventDialect, ...event} = EVENT_SCHEMA
  const {$schema: _batchDialect, ...batch} = batchSchema(PUT_RECORDS_MAX_RECORDS)
  // API Gateway models refer to each other by $ref (it rewrites these to model URLs on import).
  const batchModel = {...batch, properties: {records: {...batch.properties.records, items: ref(MODEL_NAMES.event)}}}
  return {
    [MODEL_NAMES.event]: structuredClone(event) as JsonSchema,
    [MODEL_NAMES.batch]: batchModel as JsonSchema,
    [MODEL_NAMES.putResult]: {
      title: MODEL_NAMES.putResult,
      type: 'object',
      required: ['shardId', 'sequenceNumber'],
      properties: {shardId: {type: 'string'}, sequenceNumber: {type: 'string'}},
    },
    [MODEL_NAMES.batchResult]: {
      title: MODEL_NAMES.batchResult,
      type: 'object',
      required: ['failedRecordCount', 'records'],
      properties: {
        failedRecordCount: {type: 'integer', minimum: 0},
        records: {
          type: 'array',
          items: {type: 'object', properties: {shardId: {type: 'string'}, sequenceNumber: {type: 'string'}, errorCode: {type: 'string'}}},
        },
      },
    },
    [MODEL_NAMES.error]: {
      title: MODEL_NAMES.error,
      type: 'object',
      required: ['message'],
      properties: {message: {type: 'string'}, type: {type: 'string'}, details: {type: 'string'}},
    },
  }
}

function operation(options: ApiDocumentOptions, spec: {id: string; summary: string; action: IntegrationAction; model: string; result: string; template: string; responseTemplate: string}): Operation {
  const content = Object.fromEntries(ACCEPTED_CONTENT_TYPES.map((type) => [type, {schema: ref(spec.model)}]))
  const error = (description: string) => ({description, content: {'application/json': {schema: ref(MODEL_NAMES.error)}}})
  const op: Operation = {
    operationId: spec.id,
    summary: spec.summary,
    requestBody: {required: true, content},
    responses: {
      '200': {description: 'Accepted by Kinesis.', content: {'application/json': {schema: ref(spec.result)}}},
      '400': error('The body is not a valid event, or Kinesis rejected the record.'),
      '429': error('Throughput exceeded (stage throttling or the write limit of the shards): retry with backoff.'),
      '500': error('The stream is not available (missing, or the integration role lacks access).'),
      '503': error('Kinesis is temporarily unavailable: retry.'),
    },
    'x-amazon-apigateway-request-validator': REQUEST_VALIDATOR,
    'x-amazon-apigateway-integration': {
      type: 'aws',
      httpMethod: 'POST',
      uri: integrationUri(options.region, spec.action),
      credentials: options.roleArn,
      requestParameters: {'integration.request.header.Content-Type': "'application/x-amz-json-1.1'"},
      requestTemplates: Object.fromEntries(ACCEPTED_CONTENT_TYPES.map((type) => [type, spec.template])),
      passthroughBehavior: 'never',
      timeoutInMillis: INTEGRATION_TIMEOUT_MS,
      responses: {
        default: {statusCode: '200', responseTemplates: {'application/json': spec.responseTemplate}},
        '4\\d{2}': {statusCode: '400', responseTemplates: {'application/json': CLIENT_ERROR_RESPONSE_TEMPLATE}},
        '5\\d{2}': {statusCode: '503', responseTemplates: {'application/json': SERVER_ERROR_RESPONSE_TEMPLATE}},
      },
    },
  }
  if (options.apiKeyRequired) op.security = [{[API_KEY_SCHEME]: []}]
  return op
}

/** The whole API document, with `info.version` set to a hash of everything else. */
export function buildApiDocument(options: ApiDocumentOptions): ApiDocument {
  const doc: ApiDocument = {
    openapi: '3.0.1',
    info: {
      title: apiName(options.stream),
      description: `clickops ingestion API for the Kinesis stream "${options.stream}" (managed by clickops).`,
      version: '',
    },
    paths: {
      [EVENTS_PATH]: {
        post: operation(options, {
          id: 'putEvent',
          summary: 'Put one click event into the stream (partition key: user_id).',
          action: 'PutRecord',
          model: MODEL_NAMES.event,
          result: MODEL_NAMES.putResult,
          template: putRecordTemplate(options.stream),
          responseTemplate: PUT_RECORD_RESPONSE_TEMPLATE,
        }),
      },
      [BATCH_PATH]: {
        post: operation(options, {
          id: 'putEvents',
          summary: `Put 1 to ${PUT_RECORDS_MAX_RECORDS} click events into the stream in one call.`,
          action: 'PutRecords',
          model: MODEL_NAMES.batch,
          result: MODEL_NAMES.batchResult,
          template: putRecordsTemplate(options.stream),
          responseTemplate: PUT_RECORDS_RESPONSE_TEMPLATE,
        }),
      },
    },
    components: {schemas: apiModels()},
    'x-amazon-apigateway-request-validators': {[REQUEST_VALIDATOR]: {validateRequestBody: true, validateRequestParameters: false}},
    'x-amazon-apigateway-gateway-responses': structuredClone(GATEWAY_RESPONSES),
  }
  if (options.apiKeyRequired) {
    doc.components.securitySchemes = {[API_KEY_SCHEME]: {type: 'apiKey', name: API_KEY_HEADER, in: 'header'}}
    doc['x-amazon-apigateway-api-key-source'] = 'HEADER'
  }
  doc.info.version = documentVersion(doc)
  return doc
}

/** 16 hex digits of the SHA-256 of the document with an empty version: equal documents, equal versions. */
export function documentVersion(doc: ApiDocument): string {
  const bare = {...doc, info: {...doc.info, version: ''}}
  return createHash('sha256').update(JSON.stringify(bare)).digest('hex').slice(0, 16)
}

/** The document as the bytes sent to ImportRestApi / PutRestApi. */
export function serializeDocument(doc: ApiDocument): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc, null, 2))
}

/** Every route of the document: method, path, the operation. */
export function routesOf(doc: ApiDocument): {method: string; path: string; operation: Operation}[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({method: method.toUpperCase(), operation: op, path})))
}
