/**
 * The local gateway: an HTTP server that executes the provisioned API documents the way API Gateway
 * does. For each request to /<stream>/<stage>/<path>:
 *
 *   route (method + path) → API key (when the operation requires one) → stage throttling
 *   (token bucket) → body size and content type → body validation (the draft-04 model, ajv) →
 *   request template (velocityjs) → the integration queue → the Kinesis action of the integration URI (SDK) →
 *   integration response (selection pattern on Kinesis' status) → response template.
 *
 * Refusals use the document's gateway responses, so the bodies match API Gateway's. The APIs are
 * read from the state folder on every request (a stat per file), so `provision` and `destroy` take
 * effect at once without restarting the gateway.
 */
import type {KinesisClient} from '@aws-sdk/client-kinesis'
import type {ValidateFunction} from 'ajv'
import {randomUUID, timingSafeEqual} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import pLimit, {type LimitFunction} from 'p-limit'

import {DEFAULT_MAX_SOCKETS} from '../aws/clients.js'
import {API_KEY_HEADER} from '../api-contract.js'
import {API_GATEWAY_MAX_PAYLOAD_BYTES} from '../kinesis/limits.js'
import {actionOf, API_KEY_SCHEME, regionOf, routesOf, type ApiDocument, type IntegrationAction, type Operation} from './openapi.js'
import {performKinesisAction, TemplateOutputError} from './kinesis-action.js'
import {listLocalApiFiles, type LocalApiState} from './state.js'
import {TokenBucket} from './throttle.js'
import {compileModels, describeInexactNumber, inexactNumbers, problemList, validationErrorString} from './validate.js'
import {formatRequestTime, renderTemplate, type RequestParams, type VtlContext} from './vtl.js'

/**
 * PutRecords calls in flight per region. kinesis-local's throughput does not grow with the calls in
 * flight, but each call's latency does (50 batches of 500 in flight took 30 s each, past the SDK's
 * request timeout, and answered 504 for records Kinesis had stored; with 8 in flight, 12 of 100
 * still did). Two batches keep it busy and each is answered in seconds, however many wait in the
 * gateway.
 */
export const MAX_BATCH_CALLS_IN_FLIGHT = 2

/** API Gateway's payload limit for REST APIs (defined with the other limits). */
export const MAX_PAYLOAD_BYTES = API_GATEWAY_MAX_PAYLOAD_BYTES

export interface GatewayOptions {
  /** The folder of the API files (`<CLICKOPS_HOME>/local/apis`). */
  apisDir: string
  /** A Kinesis client for a region (the region of the integration URI). */
  kinesis: (region: string) => Promise<KinesisClient>
  now?: () => number
  newId?: () => string
  /** One line per failed request (5xx) and per (re)loaded API. */
  log?: (line: string) => void
  maxPayloadBytes?: number
  /**
   * Kinesis calls in flight per region; further accepted requests wait their turn in the gateway.
   * The SDK's connection timeout counts a wait for a socket, so this must not exceed the client's
   * sockets (default: DEFAULT_MAX_SOCKETS, the clients' default).
   */
  maxConcurrentCalls?: number
}

/** API Gateway's built-in refusals: status, message and the x-amzn-ErrorType header. */
export const GATEWAY_ERRORS = {
  BAD_REQUEST_BODY: {status: 400, message: 'Invalid request body', errorType: 'BadRequestException'},
  INVALID_API_KEY: {status: 403, message: 'Forbidden', errorType: 'ForbiddenException'},
  MISSING_AUTHENTICATION_TOKEN: {status: 403, message: 'Missing Authentication Token', errorType: 'MissingAuthenticationTokenException'},
  REQUEST_TOO_LARGE: {status: 413, message: 'Request Too Long', errorType: 'RequestTooLongException'},
  UNSUPPORTED_MEDIA_TYPE: {status: 415, message: 'Unsupported Media Type', errorType: 'UnsupportedMediaTypeException'},
  THROTTLED: {status: 429, message: 'Too Many Requests', errorType: 'TooManyRequestsException'},
  INTEGRATION_FAILURE: {status: 504, message: 'Internal server error', errorType: 'InternalServerErrorException'},
  API_CONFIGURATION_ERROR: {status: 500, message: 'Internal server error', errorType: 'InternalServerErrorException'},
} as const
export type GatewayErrorType = keyof typeof GATEWAY_ERRORS

interface Route {
  method: string
  path: string
  operation: Operation
  action: IntegrationAction
  region: string
  apiKeyRequired: boolean
  validateBody: boolean
  /** Model reference per content type (lower case). */
  models: Record<string, string>
}

interface LoadedApi {
  state: LocalApiState
  mtimeMs: number
  routes: Route[]
  model: (ref: string) => ValidateFunction
  bucket: TokenBucket
}

interface Reply {
  status: number
  body: string
  headers: Record<string, string>
}

function compileRoutes(doc: ApiDocument): Route[] {
  const validators = doc['x-amazon-apigateway-request-validators'] ?? {}
  return routesOf(doc).map(({method, operation, path}) => {
    const integration = operation['x-amazon-apigateway-integration']
    const action = actionOf(integration.uri)
    const region = regionOf(integration.uri)
    if (!action || !region) throw new Error(`${method} ${path}: unsupported integration URI ${integration.uri}`)
    const validator = validators[operation['x-amazon-apigateway-request-validator']]
    const models = Object.fromEntries(Object.entries(operation.requestBody?.content ?? {}).map(([type, c]) => [type.toLowerCase(), c.schema.$ref]))
    return {
      action,
      apiKeyRequired: (operation.security ?? []).some((s) => API_KEY_SCHEME in s),
      method,
      models,
      operation,
      path,
      region,
      validateBody: validator?.validateRequestBody === true,
    }
  })
}

/** Keeps the parsed APIs; re-reads a file only when its modification time changed. */
class Registry {
  private apis = new Map<string, LoadedApi>()

  constructor(private readonly options: GatewayOptions) {}

  async refresh(): Promise<Map<string, LoadedApi>> {
    const files = await listLocalApiFiles(this.options.apisDir)
    const seen = new Set<string>()
    for (const {file, mtimeMs, stream} of files) {
      seen.add(stream)
      const current = this.apis.get(stream)
      if (current && current.mtimeMs === mtimeMs) continue
      try {
        const state = JSON.parse(await readFile(file, 'utf8')) as LocalApiState
        if (state.version !== 1 || state.stream !== stream) continue
        const sameThrottle = current && current.state.throttle.rateLimit === state.throttle.rateLimit && current.state.throttle.burstLimit === state.throttle.burstLimit
        const reuse = current && current.state.documentVersion === state.documentVersion
        this.apis.set(stream, {
          bucket: sameThrottle ? current.bucket : new TokenBucket(state.throttle.rateLimit, state.throttle.burstLimit, this.options.now),
          model: reuse ? current.model : compileModels(state.document),
          mtimeMs,
          routes: reuse ? current.routes : compileRoutes(state.document),
          state,
        })
        this.options.log?.(`loaded the API of stream "${stream}" (stage ${state.stage}, document ${state.documentVersion})`)
      } catch (error) {
        // A file being replaced or a broken document: keep serving the previous version, if any.
        this.options.log?.(`cannot load ${file}: ${(error as Error).message}`)
      }
    }
    for (const stream of [...this.apis.keys()]) if (!seen.has(stream)) this.apis.delete(stream)
    return this.apis
  }
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {body: JSON.stringify(value), headers, status}
}

function keyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) {
    // The API key never reaches a template.
    if (v !== undefined && k !== API_KEY_HEADER) headers[k] = Array.isArray(v) ? v.join(',') : v
  }
  return headers
}

/** Reads the body up to `limit` bytes; undefined when it is larger (then it stops reading). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.pause()
        chunks.length = 0
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
  })
}

/** The path and query of a request target (origin-form `/p?q`, or absolute-form); undefined for anything else. */
function requestTarget(target: string): {pathname: string; searchParams: URLSearchParams} | undefined {
  if (target.startsWith('/')) {
    // Not `new URL(target, base)`: it reads `//host/...` as an authority, and throws on some.
    const q = target.indexOf('?')
    return {pathname: q === -1 ? target : target.slice(0, q), searchParams: new URLSearchParams(q === -1 ? '' : target.slice(q + 1))}
  }
  if (!URL.canParse(target)) return undefined
  const url = new URL(target)
  return {pathname: url.pathname, searchParams: url.searchParams}
}

function percentDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

export interface Gateway {
  server: Server
  /** Handles one request (exported for tests that do not need a socket). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
}

export function createGateway(options: GatewayOptions): Gateway {
  const registry = new Registry(options)
  const now = options.now ?? Date.now
  const newId = options.newId ?? randomUUID
  const maxPayload = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES
  const log = options.log ?? (() => {})
  // Requests the throttle let in wait here, not in the SDK: a request queued for a socket inside
  // the SDK fails with its connection timeout (a 504 for a request within the throttle).
  const queues = new Map<string, {calls: LimitFunction; batches: LimitFunction}>()
  function enqueue<T>(region: string, action: IntegrationAction, call: () => Promise<T>): Promise<T> {
    let queue = queues.get(region)
    if (queue === undefined) {
      queue = {batches: pLimit(MAX_BATCH_CALLS_IN_FLIGHT), calls: pLimit(options.maxConcurrentCalls ?? DEFAULT_MAX_SOCKETS)}
      queues.set(region, queue)
    }
    const {batches, calls} = queue
    return action === 'PutRecords' ? batches(() => calls(call)) : calls(call)
  }

  function gatewayResponse(api: LoadedApi, type: GatewayErrorType, context: VtlContext, validationErrors?: string): Reply {
    const spec = GATEWAY_ERRORS[type]
    const responses = api.state.document['x-amazon-apigateway-gateway-responses'] ?? {}
    const fallback = spec.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'
    const configured = responses[type] ?? responses[fallback]
    const status = Number(responses[type]?.statusCode ?? spec.status)
    const error = {
      message: spec.message,
      messageString: JSON.stringify(spec.message),
      responseType: type,
      validationErrorString: validationErrors === undefined ? '' : JSON.stringify(validationErrors).slice(1, -1),
    }
    const template = configured?.responseTemplates?.['application/json']
    const headers = {'x-amzn-ErrorType': spec.errorType}
    if (template === undefined) return json(status, {message: spec.message}, headers)
    const rendered = renderTemplate(template, {body: '', context: {...context, error}})
    return {body: rendered.output, headers, status}
  }

  async function serve(req: IncomingMessage, requestId: string): Promise<Reply> {
    const url = requestTarget(req.url ?? '/')
    if (url === undefined) {
      return json(400, {message: 'The request target is not a path.'}, {'x-amzn-ErrorType': 'BadRequestException'})
    }
    const method = (req.method ?? 'GET').toUpperCase()
    if (url.pathname === '/health' || url.pathname === '/healthcheck') {
      // The health and nothing else: which streams and stages exist is not for whoever asks.
      if (method === 'GET' || method === 'HEAD') return json(200, {status: 'ok'})
      return json(405, {message: `${url.pathname} answers GET only.`}, {allow: 'GET, HEAD'})
    }
    const apis = await registry.refresh()

    const [streamSegment = '', stage = '', ...rest] = url.pathname.split('/').slice(1)
    const stream = percentDecode(streamSegment)
    if (stream === undefined) {
      return json(400, {message: 'The request path is not valid percent-encoding.'}, {'x-amzn-ErrorType': 'BadRequestException'})
    }
    const api = apis.get(stream)
    if (!api || api.state.stage !== stage) {
      const known = api ? ` (its stage is "${api.state.stage}")` : ''
      return json(404, {message: `No API is provisioned for stream "${stream}" with stage "${stage}" on this gateway${known}. Run \`clickops provision --stream ${stream || '<stream>'}\`.`})
    }
    const resourcePath = `/${rest.join('/')}`.replace(/\/+$/, '') || '/'
    const route = api.routes.find((r) => r.method === method && r.path === resourcePath)
    const requestTimeEpoch = now()
    const context: VtlContext = {
      accountId: /^arn:[^:]+:iam::(\d+):/.exec(route?.operation['x-amazon-apigateway-integration'].credentials ?? '')?.[1] ?? '000000000000',
      apiId: api.state.apiId,
      domainName: req.headers.host ?? '127.0.0.1',
      error: {},
      extendedRequestId: requestId,
      httpMethod: method,
      identity: {sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: String(req.headers['user-agent'] ?? '')},
      path: url.pathname,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: formatRequestTime(requestTimeEpoch),
      requestTimeEpoch,
      resourcePath,
      responseOverride: {header: {}},
      stage,
    }
    if (!route) {
      return gatewayResponse(api, 'MISSING_AUTHENTICATION_TOKEN', context)
    }

    if (route.apiKeyRequired) {
      const given = req.headers[API_KEY_HEADER]
      if (!api.state.apiKey || !keyMatches(Array.isArray(given) ? given[0] : given, api.state.apiKey.value)) {
          return gatewayResponse(api, 'INVALID_API_KEY', context)
      }
      context.identity.apiKeyId = api.state.apiKey.id
    }
    if (!api.bucket.take()) {
      return gatewayResponse(api, 'THROTTLED', context)
    }

    const raw = await readBody(req, maxPayload)
    if (raw === undefined) return gatewayResponse(api, 'REQUEST_TOO_LARGE', context)
    const body = raw.toString('utf8')

    // API Gateway treats a request without Content-Type as application/json.
    const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase()
    const integration = route.operation['x-amazon-apigateway-integration']
    const templateKey = Object.keys(integration.requestTemplates).find((k) => k.toLowerCase() === contentType)
    if (templateKey === undefined && integration.passthroughBehavior !== 'when_no_match') return gatewayResponse(api, 'UNSUPPORTED_MEDIA_TYPE', context)

    if (route.validateBody) {
      const ref = route.models[contentType]
      if (ref !== undefined) {
        let parsed: unknown
        try {
          parsed = JSON.parse(body)
        } catch (error) {
          return gatewayResponse(api, 'BAD_REQUEST_BODY', context, `[body is not valid JSON: ${(error as Error).message}]`)
        }
        const validate = api.model(ref)
        if (!validate(parsed)) return gatewayResponse(api, 'BAD_REQUEST_BODY', context, validationErrorString(validate.errors ?? []))
        // The record is the body re-serialised ($input.json): a number that would change on the way
        // (1e400 → null, 2^64+1 → 18446744073709552000) is refused, naming the field. Checked on
        // valid bodies only: they are shallow.
        const inexact = await inexactNumbers(body)
        if (inexact.length > 0) return gatewayResponse(api, 'BAD_REQUEST_BODY', context, problemList(inexact.map((n) => describeInexactNumber(n))))
      }
    }

    const params: RequestParams = {header: headersOf(req), path: {}, querystring: Object.fromEntries(url.searchParams)}
    let input: unknown
    try {
      const rendered = templateKey === undefined ? body : renderTemplate(integration.requestTemplates[templateKey], {body, context, params}).output
      input = JSON.parse(rendered)
    } catch (error) {
      log(`${method} ${url.pathname}: the request template failed: ${(error as Error).message}`)
      return gatewayResponse(api, 'API_CONFIGURATION_ERROR', context)
    }

    let answer
    try {
      const kinesis = await options.kinesis(route.region)
      answer = await enqueue(route.region, route.action, () => performKinesisAction(kinesis, route.action, input))
    } catch (error) {
      const type = error instanceof TemplateOutputError ? 'API_CONFIGURATION_ERROR' : 'INTEGRATION_FAILURE'
      log(`${method} ${url.pathname}: ${route.action} failed: ${(error as Error).message}`)
      return gatewayResponse(api, type, context)
    }

    const status = String(answer.status)
    const selected =
      Object.entries(integration.responses).find(([pattern]) => pattern !== 'default' && new RegExp(`^(?:${pattern})$`).test(status))?.[1] ??
      integration.responses.default
    if (!selected) return gatewayResponse(api, 'API_CONFIGURATION_ERROR', context)
    const template = selected.responseTemplates?.['application/json']
    if (template === undefined) return {body: JSON.stringify(answer.body), headers: {}, status: Number(selected.statusCode)}
    const rendered = renderTemplate(template, {body: JSON.stringify(answer.body), context})
    return {body: rendered.output, headers: rendered.headers, status: rendered.status ?? Number(selected.statusCode)}
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newId()
    let reply: Reply
    try {
      reply = await serve(req, requestId)
    } catch (error) {
      log(`${req.method} ${req.url}: ${(error as Error).stack ?? error}`)
      reply = json(500, {message: 'Internal server error'})
    }
    if (reply.status >= 500) log(`${req.method} ${req.url} -> ${reply.status} (request ${requestId})`)
    // Answered before the body arrived (a refusal): close the connection rather than read a body
    // nobody will use, however long the sender keeps sending.
    if (!req.complete) reply.headers.connection = 'close'
    res.writeHead(reply.status, {
      'content-length': Buffer.byteLength(reply.body),
      'content-type': 'application/json',
      'x-amzn-RequestId': requestId,
      ...reply.headers,
    })
    res.end(reply.body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.keepAliveTimeout = 65_000
  return {handle, server}
}
