/**
 * A minimal shard reader for the stream source: reads one shard from a point in time to its tip,
 * within the per-shard read limits (5 GetRecords calls/s, 2 MiB/s), renewing expired iterators
 * after the last sequence number seen, backing off on ProvisionedThroughputExceeded.
 * (Internal to the load layer; a cursor can be resumed on the next refresh to keep following.)
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis'
import {setTimeout as delay} from 'node:timers/promises'

import {GET_RECORDS_MAX_RECORDS, SHARD_GET_RECORDS_CALLS_PER_SECOND, SHARD_READ_BYTES_PER_SECOND} from '../kinesis/limits.js'
import type {LoadCost} from './types.js'

export interface ShardCursor {
  shardId: string
  iterator?: string
  lastSequenceNumber?: string
  /** The shard was closed by a reshard and read to its end. */
  closed: boolean
  /** Earliest time (ms since epoch) the next GetRecords may go out. */
  notBefore: number
}

export interface ReadOptions {
  streamName: string
  /** Where a fresh cursor starts (AT_TIMESTAMP). */
  fromMs: number
  onRecords: (records: readonly _Record[]) => void
  cost: LoadCost
  signal?: AbortSignal
  /** Injected for tests; default Date.now and a timer. */
  clock?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** Minimal spacing of GetRecords calls on one shard. */
export const MIN_CALL_INTERVAL_MS = 1000 / SHARD_GET_RECORDS_CALLS_PER_SECOND
/** Back-off after a read throttle. */
export const THROTTLE_BACKOFF_MS = 1000

export function newCursor(shardId: string): ShardCursor {
  return {closed: false, notBefore: 0, shardId}
}

const defaultSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, {signal})

/** Reads `cursor`'s shard until it is at the tip (MillisBehindLatest 0) or closed. */
export async function readToTip(kinesis: KinesisClient, cursor: ShardCursor, options: ReadOptions): Promise<void> {
  const clock = options.clock ?? Date.now
  const sleep = options.sleep ?? defaultSleep
  const cost = options.cost
  while (!cursor.closed) {
    options.signal?.throwIfAborted()
    if (cursor.iterator === undefined) {
      cost.getShardIteratorCalls = (cost.getShardIteratorCalls ?? 0) + 1
      const out = await kinesis.send(
        new GetShardIteratorCommand(
          cursor.lastSequenceNumber === undefined
            ? {ShardId: cursor.shardId, ShardIteratorType: 'AT_TIMESTAMP', StreamName: options.streamName, Timestamp: new Date(options.fromMs)}
            : {ShardId: cursor.shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: cursor.lastSequenceNumber, StreamName: options.streamName},
        ),
        {abortSignal: options.signal},
      )
      cursor.iterator = out.ShardIterator
      if (cursor.iterator === undefined) {
        cursor.closed = true
        return
      }
    }
    const wait = cursor.notBefore - clock()
    if (wait > 0) await sleep(wait, options.signal)
    let page
    try {
      cost.getRecordsCalls = (cost.getRecordsCalls ?? 0) + 1
      page = await kinesis.send(new GetRecordsCommand({Limit: GET_RECORDS_MAX_RECORDS, ShardIterator: cursor.iterator}), {abortSignal: options.signal})
    } catch (error) {
      const name = (error as {name?: string}).name
      if (name === 'ProvisionedThroughputExceededException') {
        cost.readThrottles = (cost.readThrottles ?? 0) + 1
        cursor.notBefore = clock() + THROTTLE_BACKOFF_MS
        continue
      }
      if (name === 'ExpiredIteratorException') {
        cursor.iterator = undefined
        continue
      }
      throw error
    }
    const records = page.Records ?? []
    let bytes = 0
    for (const r of records) bytes += r.Data?.length ?? 0
    cost.recordsRead = (cost.recordsRead ?? 0) + records.length
    cost.bytesRead = (cost.bytesRead ?? 0) + bytes
    // Keep within 5 calls/s and 2 MiB/s on this shard.
    cursor.notBefore = clock() + Math.max(MIN_CALL_INTERVAL_MS, (bytes / SHARD_READ_BYTES_PER_SECOND) * 1000)
    if (records.length > 0) {
      options.onRecords(records)
      cursor.lastSequenceNumber = records.at(-1)!.SequenceNumber
    }
    cursor.iterator = page.NextShardIterator
    if (cursor.iterator === undefined) {
      cursor.closed = true
      return
    }
    if (page.MillisBehindLatest === 0 || (page.MillisBehindLatest === undefined && records.length === 0)) return
  }
}
