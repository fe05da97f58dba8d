/**
 * A reader of one shard through enhanced fan-out: SubscribeToShard instead of GetRecords, as an
 * async generator of the same ShardBatch values readShard (reader.ts) yields, so that everything
 * built on readShard (followShards, tail) works unchanged on top of it.
 *
 * - Each subscription lasts at most 5 minutes (SUBSCRIPTION_TTL_MS). It is renewed at an event
 *   boundary once `renewAfterMs` (default 4 min 30 s) have passed, and again whenever the service
 *   ends it: the next subscription starts AFTER_SEQUENCE_NUMBER of the last record yielded (or at
 *   the original start when none was; a LATEST start is pinned to the time the first subscription
 *   was made), so no record is lost or repeated.
 * - A shard that closed ends the reader after its last records: on AWS the final event has no
 *   ContinuationSequenceNumber and names the ChildShards. kinesis-local 0.6.2 never says so (its
 *   events keep the same continuation and no ChildShards after a reshard): at the tip the reader
 *   asks `isClosed` (the shard list, at most once per `closedCheckMs`) and, once the shard is known
 *   to be closed, the next event at the tip is its end; the caller finds the children in the shard
 *   list (followShards' findChildren).
 * - ResourceInUseException (the previous subscription of this consumer to this shard is still
 *   open, for up to 5 s), throttles and transient errors are retried with back-off.
 * - Stops quietly when `signal` aborts; the open subscription is cancelled.
 * - Backpressure: the next event is taken from the stream only when the caller asks for the next
 *   batch (HTTP/2 flow control holds the rest at the service).
 */
import type {KinesisClient, StartingPosition, SubscribeToShardEvent} from '@aws-sdk/client-kinesis'

import {SUBSCRIPTION_TTL_MS} from './limits.js'
import {DEFAULT_PACING, isThrottle, isTransient, systemClock, type ReaderClock, type ReaderEvent, type ReaderPacing, type ShardBatch, type StartPosition} from './reader.js'
import * as Kinesis from '../aws/kinesis.js'

/** Renewed this long after a subscription began: half a minute before the service ends it. */
export const RENEW_AFTER_MS = SUBSCRIPTION_TTL_MS - 30_000
/** How often a reader at the tip may ask whether its shard closed, when the events do not say. */
export const CLOSED_CHECK_MS = 5000
/** Attempts to subscribe while the previous subscription is still held (ResourceInUseException). */
export const MAX_IN_USE_RETRIES = 20

export interface SubscribeShardOptions {
  /** A client with an HTTP/2 handler (Clients.kinesisEventStream). */
  kinesis: KinesisClient
  consumerArn: string
  shardId: string
  start: StartPosition
  stopAtTip?: boolean
  signal?: AbortSignal
  clock?: ReaderClock
  pacing?: Partial<ReaderPacing>
  random?: () => number
  onEvent?: (event: ReaderEvent) => void
  /** Whether the shard is closed (from the shard list); used when the events do not tell. */
  isClosed?: (shardId: string) => Promise<boolean>
  renewAfterMs?: number
  closedCheckMs?: number
}

interface ErrorLike {
  name?: string
  message?: string
}

/** The exception an event-stream member carries, if it is one. */
function eventError(event: Record<string, unknown>): Error | undefined {
  for (const [name, value] of Object.entries(event)) {
    if (name === 'SubscribeToShardEvent' || value === undefined) continue
    const message = (value as {message?: string; Message?: string})?.message ?? (value as {Message?: string})?.Message ?? name
    return Object.assign(new Error(message), {name: name === '$unknown' ? 'UnknownEventError' : name})
  }
  return undefined
}

function startingPosition(position: StartPosition): StartingPosition {
  switch (position.type) {
    case 'AT_TIMESTAMP':
      return {Timestamp: position.timestamp, Type: 'AT_TIMESTAMP'}
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      return {SequenceNumber: position.sequenceNumber, Type: position.type}
    default:
      return {Type: position.type}
  }
}

/** Reads one shard through a registered consumer; see the module comment. */
export async function* subscribeShard(options: SubscribeShardOptions): AsyncGenerator<ShardBatch, void, undefined> {
  const {consumerArn, kinesis, shardId, signal} = options
  const clock = options.clock ?? systemClock
  const pacing = {...DEFAULT_PACING, ...options.pacing}
  const random = options.random ?? Math.random
  const emit = options.onEvent ?? (() => {})
  const renewAfterMs = options.renewAfterMs ?? RENEW_AFTER_MS
  const closedCheckMs = options.closedCheckMs ?? CLOSED_CHECK_MS

  let position: StartPosition = options.start
  let renewed = false
  let failures = 0
  let transientFailures = 0
  let inUse = 0
  let lastClosedCheck = -Infinity
  let knownClosed = false

  const backoff = () => {
    const ms = Math.min(pacing.backoffMaxMs, pacing.backoffBaseMs * 2 ** Math.min(failures, 20))
    failures += 1
    return Math.round(ms / 2 + (random() * ms) / 2)
  }

  /** A failed subscription: pause and return true to try again; throw what cannot be retried. */
  const recover = async (error: unknown): Promise<boolean> => {
    if (signal?.aborted) return false
    const name = (error as ErrorLike).name ?? ''
    let ms: number
    if (name === 'ResourceInUseException' && inUse < MAX_IN_USE_RETRIES) {
      inUse += 1
      ms = Math.max(1000, backoff())
      emit({delayMs: ms, operation: 'SubscribeToShard', shardId, type: 'throttled'})
    } else if (isThrottle(error)) {
      ms = backoff()
      emit({delayMs: ms, operation: 'SubscribeToShard', shardId, type: 'throttled'})
    } else if (isTransient(error) && transientFailures < pacing.maxTransientRetries) {
      transientFailures += 1
      ms = backoff()
      emit({delayMs: ms, error: name || String(error), operation: 'SubscribeToShard', shardId, type: 'retry'})
    } else {
      throw error
    }
    await clock.sleep(ms, signal)
    return !signal?.aborted
  }

  while (!signal?.aborted) {
    const subscription = new AbortController()
    const onAbort = () => subscription.abort()
    signal?.addEventListener('abort', onAbort, {once: true})
    const subscribedAt = clock.now()
    try {
      let stream: AsyncIterable<Record<string, unknown>> | undefined
      try {
        const out = await Kinesis.subscribeToShard(kinesis, {ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: startingPosition(position)}, {
          abortSignal: subscription.signal,
        })
        stream = out.EventStream as AsyncIterable<Record<string, unknown>> | undefined
      } catch (error) {
        if (await recover(error)) continue
        return
      }
      emit({iteratorType: position.type, renewed, shardId, type: 'iterator'})
      // A renewal of LATEST must not skip what arrived in between: pin it to when it was made.
      if (position.type === 'LATEST') position = {timestamp: new Date(subscribedAt), type: 'AT_TIMESTAMP'}
      renewed = true
      if (stream === undefined) continue

      try {
        for await (const member of stream) {
          const error = eventError(member)
          if (error) throw error
          const event = member.SubscribeToShardEvent as SubscribeToShardEvent | undefined
          if (event === undefined) continue
          failures = 0
          transientFailures = 0
          inUse = 0
          const records = event.Records ?? []
          let bytes = 0
          for (const r of records) bytes += r.Data?.byteLength ?? 0
          const last = records.at(-1)?.SequenceNumber
          if (last !== undefined) position = {sequenceNumber: last, type: 'AFTER_SEQUENCE_NUMBER'}
          const atTip = event.MillisBehindLatest === 0
          let closed = event.ContinuationSequenceNumber === undefined || event.ContinuationSequenceNumber === null
          if (!closed && atTip && options.isClosed) {
            if (knownClosed) {
              // The shard was closed before this event was produced, and the event finds nothing
              // more: everything the shard held has been read.
              closed = true
            } else if (clock.now() - lastClosedCheck >= closedCheckMs) {
              lastClosedCheck = clock.now()
              knownClosed = await options.isClosed(shardId)
            }
          }
          yield {atTip: closed || atTip, bytes, childShards: event.ChildShards ?? [], closed, millisBehindLatest: event.MillisBehindLatest, records, shardId}
          if (closed || (atTip && options.stopAtTip)) return
          if (signal?.aborted) return
          if (clock.now() - subscribedAt >= renewAfterMs) break
        }
      } catch (error) {
        if (await recover(error)) continue
        return
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      subscription.abort()
    }
  }
}
