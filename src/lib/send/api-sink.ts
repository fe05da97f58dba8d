/**
 * The ingestion API sink: POSTs each batch as `{"records": [event, ...]}` to the API's batch route,
 * with the `x-api-key` header when a key is given. API Gateway answers 429 when its throttling
 * (or Kinesis's, mapped by the integration response) refuses the batch, 5xx on integration
 * failures, 403 for a missing or wrong key, 400 when the body fails validation. A 200 carries the
 * PutRecords result, whose failed entries are retried like the Kinesis sink's.
 */
import {API_KEY_HEADER, BATCH_PATH} from '../api-contract.js'
import {ClickopsError, ExitCode} from '../errors.js'
import {API_GATEWAY_MAX_PAYLOAD_BYTES, MAX_RECORD_BYTES, PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_RECORDS} from '../kinesis/limits.js'
import {ABORTED_IN_FLIGHT, ABORTED_IN_FLIGHT_MESSAGE, describeError, isAbort, THROTTLING_ERRORS, type BatchSink, type CallFailure, type Entry, type EntryOutcome} from './sink.js'

export interface ApiSinkOptions {
  /** The batch route's full URL (…/events/batch). */
  batchUrl: string
  /** Sent as x-api-key; never logged. */
  apiKey?: string
  /** Per-request timeout, ms. */
  timeoutMs?: number
  fetch?: typeof fetch
}

/** The batch route under an API's invoke URL: `--api-url https://…/v1` → `https://…/v1/events/batch`. */
export function batchUrlOf(apiUrl: string): string {
  const trimmed = apiUrl.replace(/\/+$/, '')
  return trimmed.endsWith(BATCH_PATH) ? trimmed : `${trimmed}${BATCH_PATH}`
}

/** A non-2xx answer of the API; `type` is the Kinesis error type when the error came from Kinesis. */
export class ApiHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type?: string,
  ) {
    super(message)
    this.name = `HTTP ${status}`
  }
}

/** Kinesis error types behind a 5xx after which no call can succeed (the stream gone, no access). */
const FATAL_TYPES = ['ResourceNotFoundException', 'AccessDeniedException', 'KMSDisabledException', 'KMSNotFoundException', 'KMSAccessDeniedException', 'KMSInvalidStateException']

export function apiSink(options: ApiSinkOptions): BatchSink {
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 30_000
  const headers: Record<string, string> = {'content-type': 'application/json'}
  if (options.apiKey !== undefined) headers[API_KEY_HEADER] = options.apiKey
  const where = safeUrl(options.batchUrl)
  return {
    classify(error: unknown): CallFailure {
      if (isAbort(error)) return {code: ABORTED_IN_FLIGHT, kind: 'aborted', message: ABORTED_IN_FLIGHT_MESSAGE}
      if (error instanceof ApiHttpError) {
        const code = error.type ? `HTTP ${error.status} ${error.type}` : `HTTP ${error.status}`
        const message = error.message
        if (error.status === 429) return {code, kind: 'throttled', message}
        if (error.status >= 500 && error.type !== undefined && FATAL_TYPES.some((t) => error.type!.endsWith(t))) {
          const e = new ClickopsError(`The ingestion API cannot write to its stream (${error.type}): ${message}`, {
            exitCode: ExitCode.NOT_FOUND,
            hint: 'Check the stream with `clickops status`; create it again with `clickops provision`.',
          })
          return {code, error: e, kind: 'fatal', message}
        }
        if (error.status >= 500) return {code, kind: 'retriable', message}
        if (error.status === 403 || error.status === 401) {
          const e = new ClickopsError(`The ingestion API refused the request (${error.status}): ${message}`, {
            exitCode: ExitCode.AWS,
            hint:
              options.apiKey === undefined
                ? 'The API may require a key (pass --api-key or CLICKOPS_API_KEY), or the URL names no route (check --api-url).'
                : 'Check the key (--api-key or CLICKOPS_API_KEY) and the URL (--api-url).',
          })
          return {code, error: e, kind: 'fatal', message}
        }
        if (error.status === 404) {
          const e = new ClickopsError(`The ingestion API has no batch route at ${where} (404).`, {
            exitCode: ExitCode.NOT_FOUND,
            hint: 'Check --api-url (the invoke URL printed by `clickops provision`).',
          })
          return {code, error: e, kind: 'fatal', message}
        }
        const e = new ClickopsError(`The ingestion API rejected a batch (${error.status}): ${message}`, {
          hint: 'The API definition and this version of clickops disagree on the event; provision again with this version.',
        })
        return {code, error: e, kind: 'fatal', message}
      }
      const {code, message} = describeError(error)
      const cause = describeError((error as {cause?: unknown}).cause)
      if (cause.message === 'bad port') {
        // fetch() never connects to ports reserved for other protocols (1, 9, 25, 6000, ...): no retry can help.
        const e = new ClickopsError(`Cannot send to ${where}: fetch refuses its port, which is reserved for another protocol.`, {
          exitCode: ExitCode.USAGE,
          hint: 'Serve the API on another port and pass its URL with --api-url.',
        })
        return {code: 'BadPort', error: e, kind: 'fatal', message: `${message}: bad port`}
      }
      // fetch() wraps network errors as TypeError("fetch failed") with the socket error as cause.
      return {code: cause.code !== 'Error' ? cause.code : code, kind: 'retriable', message: cause.message !== 'undefined' ? `${message}: ${cause.message}` : message}
    },
    // The API's integration calls PutRecords on the stream, so a batch keeps within the default
    // PutRecords limits (5 MiB, 1 MiB a record: the API does not read the stream's own maximum; the
    // event schema bounds events far below it), and within API Gateway's 10 MB request payload.
    limits: {
      maxBytes: Math.min(PUT_RECORDS_MAX_BYTES, API_GATEWAY_MAX_PAYLOAD_BYTES),
      maxRecordBytes: MAX_RECORD_BYTES,
      maxRecords: PUT_RECORDS_MAX_RECORDS,
      recordLimitName: 'the ingestion API\'s record limit (the default 1 MiB)',
    },
    name: 'api',
    async put(entries: readonly Entry[], signal: AbortSignal): Promise<EntryOutcome[]> {
      let body = '{"records":['
      for (let i = 0; i < entries.length; i++) body += (i === 0 ? '' : ',') + entries[i].body
      body += ']}'
      const response = await doFetch(options.batchUrl, {
        body,
        headers,
        method: 'POST',
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      })
      const text = await response.text()
      if (response.status < 200 || response.status > 299) {
        const {message, type} = apiError(text, response.statusText)
        throw new ApiHttpError(response.status, message, type)
      }
      return outcomesOf(text, entries.length)
    },
  }
}

/**
 * Per-entry outcomes from a 2xx body: the provisioned API's `{"failedRecordCount", "records":
 * [{shardId, sequenceNumber} | {errorCode}]}`, or PutRecords' own `{"Records": [...]}` passed
 * through; any other body means every record was taken.
 */
export function outcomesOf(text: string, count: number): EntryOutcome[] {
  let parsed: {records?: unknown; Records?: unknown} | undefined
  try {
    parsed = JSON.parse(text) as typeof parsed
  } catch {
    parsed = undefined
  }
  const records = parsed?.records ?? parsed?.Records
  if (!Array.isArray(records) || records.length !== count) return Array.from({length: count}, () => ({ok: true}))
  return records.map((r: {errorCode?: string; ErrorCode?: string; errorMessage?: string; ErrorMessage?: string; shardId?: string; ShardId?: string}): EntryOutcome => {
    const errorCode = r?.errorCode ?? r?.ErrorCode
    if (errorCode === undefined || errorCode === null || errorCode === '') return {ok: true, shardId: r?.shardId ?? r?.ShardId}
    const message = r.errorMessage ?? r.ErrorMessage ?? errorCode
    return {code: errorCode, message, ok: false, retriable: true, throttled: THROTTLING_ERRORS.has(errorCode)}
  })
}

/** The API's error body is {"message", "type"?, "details"?}; anything else is cut to one line. */
function apiError(text: string, fallback: string): {message: string; type?: string} {
  try {
    const m = (JSON.parse(text) as {message?: unknown; Message?: unknown; type?: unknown; details?: unknown}) ?? {}
    const message = m.message ?? m.Message
    if (typeof message === 'string' && message !== '') {
      const details = typeof m.details === 'string' && m.details !== '' ? ` (${m.details})` : ''
      return {message: message + details, type: typeof m.type === 'string' && m.type !== '' ? m.type : undefined}
    }
  } catch {
    /* not JSON */
  }
  const line = text.split('\n')[0].trim().slice(0, 200)
  return {message: line === '' ? fallback : line}
}

/** The URL without query string (which could hold credentials) for messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}
