/**
 * A reader of one shard: an async generator of GetRecords batches that keeps within the shard's
 * read limits and survives what a long-running reader meets.
 *
 * - Starts from any iterator type: LATEST, TRIM_HORIZON, AT_TIMESTAMP, AT_SEQUENCE_NUMBER or
 *   AFTER_SEQUENCE_NUMBER.
 * - Paces its calls: at most SHARD_GET_RECORDS_CALLS_PER_SECOND per shard and no faster than
 *   SHARD_READ_BYTES_PER_SECOND allows for what the last call returned; one call per
 *   `idleIntervalMs` (1 s) once it is at the tip, so an idle tail leaves the shard's read budget to
 *   the other consumers.
 * - Backs off exponentially (with jitter) on ProvisionedThroughputExceededException and other
 *   throttles, and retries transient failures (5xx, network, timeouts) a bounded number of times.
 * - Renews an expired iterator AFTER_SEQUENCE_NUMBER of the last record it yielded (or at its
 *   original start when it yielded none; a LATEST start is pinned to the time its first iterator
 *   was taken), so nothing is lost or repeated.
 * - Reports MillisBehindLatest with every batch, and whether the batch reached the tip.
 * - Ends after the batch that closes the shard (no NextShardIterator), which carries ChildShards,
 *   and, with `stopAtTip`, after the first batch at the tip.
 * - Stops quietly when `signal` aborts (an in-flight call is cancelled).
 *
 * The caller owns the pace of consumption: the next call goes out only when the caller asks for the
 * next batch, so memory holds at most one batch per reader.
 *
 * ```ts
 * for await (const batch of readShard({kinesis, streamName, shardId, start: {type: 'TRIM_HORIZON'}, stopAtTip: true})) {
 *   for (const record of batch.records) handle(record)
 * }
 * ```
 */
import type {ChildShard, GetShardIteratorCommandInput, KinesisClient, _Record} from '@aws-sdk/client-kinesis'
import {setTimeout as delay} from 'node:timers/promises'

import {GET_RECORDS_MAX_RECORDS, SHARD_GET_RECORDS_CALLS_PER_SECOND, SHARD_READ_BYTES_PER_SECOND} from './limits.js'
import * as Kinesis from '../aws/kinesis.js'

/** Where a reader starts in its shard. */
export type StartPosition =
  | {type: 'LATEST'}
  | {type: 'TRIM_HORIZON'}
  | {type: 'AT_TIMESTAMP'; timestamp: Date}
  | {type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string}

/** Time, injectable so tests run the pacing and back-off without waiting. */
export interface ReaderClock {
  now(): number
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: ReaderClock = {
  now: () => Date.now(),
  async sleep(ms, signal) {
    if (ms <= 0 || signal?.aborted) return
    try {
      await delay(ms, undefined, {signal})
    } catch {
      // aborted: the caller checks its signal
    }
  },
}

/** Shortest spacing of GetRecords calls on one shard (5 calls/s → 200 ms). */
export const MIN_CALL_INTERVAL_MS = 1000 / SHARD_GET_RECORDS_CALLS_PER_SECOND
/** Spacing once the reader is at the tip. */
export const IDLE_INTERVAL_MS = 1000

export interface ReaderPacing {
  /** Spacing while behind the tip (default MIN_CALL_INTERVAL_MS). */
  busyIntervalMs: number
  /** Spacing at the tip (default IDLE_INTERVAL_MS). */
  idleIntervalMs: number
  /** First back-off after a throttle or transient error; doubles each time (default 500 ms). */
  backoffBaseMs: number
  /** Longest back-off (default 10 s). */
  backoffMaxMs: number
  /** Consecutive transient failures tolerated before the error is thrown (default 8). */
  maxTransientRetries: number
  /** Read throughput the spacing keeps to (default SHARD_READ_BYTES_PER_SECOND; Infinity turns it off). */
  readBytesPerSecond: number
}

export const DEFAULT_PACING: ReaderPacing = {
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  busyIntervalMs: MIN_CALL_INTERVAL_MS,
  idleIntervalMs: IDLE_INTERVAL_MS,
  maxTransientRetries: 8,
  readBytesPerSecond: SHARD_READ_BYTES_PER_SECOND,
}

/** What one GetRecords call returned. */
export interface ShardBatch {
  shardId: string
  records: _Record[]
  /** As GetRecords reported it; 0 means caught up. */
  millisBehindLatest?: number
  /** Bytes of record data in the batch. */
  bytes: number
  /** The reader reached the tip: MillisBehindLatest 0 and a batch short of the call's Limit. */
  atTip: boolean
  /** This batch ends a closed shard; `childShards` are where its hash ranges continue. */
  closed: boolean
  childShards: ChildShard[]
}

/** Things worth telling the operator about, as they happen. */
export type ReaderEvent =
  | {type: 'iterator'; shardId: string; iteratorType: string; renewed: boolean}
  | {type: 'throttled'; shardId: string; operation: string; delayMs: number}
  | {type: 'retry'; shardId: string; operation: string; delayMs: number; error: string}

export interface ReadShardOptions {
  kinesis: KinesisClient
  streamName: string
  shardId: string
  start: StartPosition
  /** End after the first batch at the tip instead of following (default false). */
  stopAtTip?: boolean
  /** Records per GetRecords call (default and maximum GET_RECORDS_MAX_RECORDS). */
  limit?: number
  signal?: AbortSignal
  clock?: ReaderClock
  pacing?: Partial<ReaderPacing>
  /** Randomness for back-off jitter, in [0, 1) (default Math.random). */
  random?: () => number
  onEvent?: (event: ReaderEvent) => void
}

const THROTTLES = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
])
const TRANSIENT = new Set([
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
])
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED', 'EAI_AGAIN', 'ENOTFOUND'])

interface ErrorLike {
  name?: string
  code?: string
  message?: string
  $metadata?: {httpStatusCode?: number}
  $retryable?: {throttling?: boolean}
}

export function isThrottle(error: unknown): boolean {
  const e = (error ?? {}) as ErrorLike
  return THROTTLES.has(e.name ?? '') || e.$retryable?.throttling === true
}

export function isTransient(error: unknown): boolean {
  const e = (error ?? {}) as ErrorLike
  if (TRANSIENT.has(e.name ?? '') || TRANSIENT_CODES.has(e.code ?? '')) return true
  const status = e.$metadata?.httpStatusCode
  return status !== undefined && status >= 500
}

/** Reads one shard; see the module comment. */
export async function* readShard(options: ReadShardOptions): AsyncGenerator<ShardBatch, void, undefined> {
  const {kinesis, shardId, signal, streamName} = options
  const clock = options.clock ?? systemClock
  const pacing = {...DEFAULT_PACING, ...options.pacing}
  const random = options.random ?? Math.random
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? GET_RECORDS_MAX_RECORDS)), GET_RECORDS_MAX_RECORDS)
  const emit = options.onEvent ?? (() => {})

  /** Where a new iterator would start: the start, then after the last record yielded. */
  let position: StartPosition = options.start
  let iterator: string | undefined
  let renewed = false
  let nextCallAt = 0
  /** Consecutive failed calls (the back-off exponent) and, among them, transient ones. */
  let failures = 0
  let transientFailures = 0

  const backoff = () => {
    const ms = Math.min(pacing.backoffMaxMs, pacing.backoffBaseMs * 2 ** Math.min(failures, 20))
    failures += 1
    return Math.round(ms / 2 + (random() * ms) / 2)
  }

  /** Handles a failed call: true to try again (after a pause), false when the reader was stopped. */
  const recover = async (error: unknown, operation: string): Promise<boolean> => {
    if (signal?.aborted) return false
    if (isThrottle(error)) {
      const ms = backoff()
      emit({delayMs: ms, operation, shardId, type: 'throttled'})
      nextCallAt = clock.now() + ms
      return true
    }
    if (isTransient(error) && transientFailures < pacing.maxTransientRetries) {
      transientFailures += 1
      const ms = backoff()
      emit({delayMs: ms, error: (error as ErrorLike).name ?? String(error), operation, shardId, type: 'retry'})
      nextCallAt = clock.now() + ms
      return true
    }
    throw error
  }

  const waitTurn = async () => {
    const wait = nextCallAt - clock.now()
    if (wait > 0) await clock.sleep(wait, signal)
  }

  while (!signal?.aborted) {
    if (iterator === undefined) {
      await waitTurn()
      if (signal?.aborted) return
      const takenAt = clock.now()
      try {
        const out = await Kinesis.getShardIterator(kinesis, iteratorInput(streamName, shardId, position), {abortSignal: signal})
        iterator = out.ShardIterator
      } catch (error) {
        if (await recover(error, 'GetShardIterator')) continue
        return
      }
      failures = 0
      transientFailures = 0
      emit({iteratorType: position.type, renewed, shardId, type: 'iterator'})
      // A renewal of LATEST must not skip what arrived in between: pin it to when it was taken.
      if (position.type === 'LATEST') position = {timestamp: new Date(takenAt), type: 'AT_TIMESTAMP'}
      if (iterator === undefined) {
        // No iterator: the shard has nothing more to give (closed and read, or gone).
        yield {atTip: true, bytes: 0, childShards: [], closed: true, records: [], shardId}
        return
      }
    }

    await waitTurn()
    if (signal?.aborted) return
    let page
    try {
      page = await Kinesis.getRecords(kinesis, {Limit: limit, ShardIterator: iterator}, {abortSignal: signal})
    } catch (error) {
      if ((error as ErrorLike).name === 'ExpiredIteratorException') {
        iterator = undefined
        renewed = true
        continue
      }
      if (await recover(error, 'GetRecords')) continue
      return
    }
    failures = 0
    transientFailures = 0

    const records = page.Records ?? []
    let bytes = 0
    for (const r of records) bytes += r.Data?.byteLength ?? 0
    const last = records.at(-1)?.SequenceNumber
    if (last !== undefined) position = {sequenceNumber: last, type: 'AFTER_SEQUENCE_NUMBER'}
    iterator = page.NextShardIterator ?? undefined
    const closed = iterator === undefined
    const atTip = closed || (page.MillisBehindLatest === 0 && records.length < limit)
    const interval = atTip ? pacing.idleIntervalMs : pacing.busyIntervalMs
    nextCallAt = clock.now() + Math.max(interval, (bytes / pacing.readBytesPerSecond) * 1000)

    yield {atTip, bytes, childShards: page.ChildShards ?? [], closed, millisBehindLatest: page.MillisBehindLatest, records, shardId}
    if (closed || (atTip && options.stopAtTip)) return
  }
}

function iteratorInput(streamName: string, shardId: string, position: StartPosition): GetShardIteratorCommandInput {
  const input: GetShardIteratorCommandInput = {ShardId: shardId, ShardIteratorType: position.type, StreamName: streamName}
  if (position.type === 'AT_TIMESTAMP') input.Timestamp = position.timestamp
  if (position.type === 'AT_SEQUENCE_NUMBER' || position.type === 'AFTER_SEQUENCE_NUMBER') input.StartingSequenceNumber = position.sequenceNumber
  return input
}
