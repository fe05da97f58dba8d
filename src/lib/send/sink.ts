/**
 * What the batching writer needs from a destination (Kinesis PutRecords, the ingestion API's batch
 * route): its batch limits, a call that puts one batch and says what became of each entry, and a
 * classification of the errors a call can throw.
 */
import type {ClickopsError} from '../errors.js'

/** Per-record or per-call error names that mean "too fast": retried, and the sender slows down. */
export const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'LimitExceededException',
  'KMSThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
])

export interface Entry {
  /** The partition key (the event's user_id). */
  key: string
  /** The event as JSON. */
  body: string
  /** Bytes counted against the limits: data plus partition key. */
  size: number
  /** Attempts so far (set by the writer). */
  attempts: number
  /** When the entry joined the send queue (for the linger). */
  queuedAt: number
  /** When a retry may go (set by the writer). */
  notBefore: number
}

export type EntryOutcome =
  | {ok: true; shardId?: string}
  | {ok: false; code: string; message: string; retriable: boolean; throttled: boolean}

export interface BatchLimits {
  maxRecords: number
  maxBytes: number
  maxRecordBytes: number
  /** Where maxRecordBytes comes from, for the refusal message ("the stream's maximum record size"). */
  recordLimitName?: string
}

/** How a thrown call error is handled: retry the whole batch, retry as throttled, stop the run, or aborted. */
export type CallFailure =
  | {kind: 'retriable'; code: string; message: string}
  | {kind: 'throttled'; code: string; message: string}
  | {kind: 'fatal'; code: string; message: string; error: ClickopsError}
  | {kind: 'aborted'; code: string; message: string}

export interface BatchSink {
  readonly name: string
  readonly limits: BatchLimits
  /** Puts the batch; returns one outcome per entry, in order. Throws when the call fails as a whole. */
  put(entries: readonly Entry[], signal: AbortSignal): Promise<EntryOutcome[]>
  classify(error: unknown): CallFailure
}

/** The name and message of anything thrown, for counting failures. */
export function describeError(error: unknown): {code: string; message: string} {
  const e = (error ?? {}) as {name?: string; message?: string; code?: string}
  const code = e.name && e.name !== 'Error' ? e.name : (e.code ?? e.name ?? 'Error')
  const message = (e.message ?? String(error)).split('\n')[0]
  return {code, message}
}

/** Failure codes of the hard stop: never sent, or in flight (then it may or may not have been written). */
export const NOT_SENT = 'NotSent'
export const ABORTED_IN_FLIGHT = 'AbortedInFlight'
export const ABORTED_IN_FLIGHT_MESSAGE = 'In flight when the run was aborted (second Ctrl-C): it may or may not have been written.'

/** True for an abort (the hard stop of a second Ctrl-C), whatever layer threw it. */
export function isAbort(error: unknown): boolean {
  const name = (error as {name?: string} | undefined)?.name
  return name === 'AbortError'
}
