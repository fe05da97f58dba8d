/**
 * The stream source: reads every open shard from AT_TIMESTAMP(window start) to the tip, bins the
 * records per second of ApproximateArrivalTimestamp (data plus partition-key bytes), keeps each
 * shard's hottest keys in bounded memory, and on every later refresh reads only what arrived since,
 * so a live view keeps following (through reshards: the shard list is re-read each refresh).
 */
import type {KinesisClient} from '@aws-sdk/client-kinesis'
import pLimit from 'p-limit'

import {formatInt as fmtInt, formatMiB as fmtMiB} from '../format.js'
import {readShard, type ReaderClock, type ReaderEvent, type ShardBatch} from '../kinesis/reader.js'
import {ShardAccumulator} from './accumulate.js'
import {assembleSnapshot, LIMIT_TEXT, recordBytes, shardLoadFromBuckets, type ShardIdentity} from './model.js'
import {identityOf, openShardsOf} from './shards.js'
import type {LoadCost, LoadSnapshot, ShardLoad} from './types.js'

/** Shards read at once. */
export const DEFAULT_READ_CONCURRENCY = 16
/** Keys reported per shard. */
export const DEFAULT_TOP_KEYS = 5

export interface StreamLoadArgs {
  kinesis: KinesisClient
  streamName: string
  windowMs: number
  onNotice?: (msg: string) => void
  signal?: AbortSignal
  targetName?: string
  concurrency?: number
  topKeys?: number
  /** Keep the per-second sums in the snapshot (ShardLoad.sums). */
  withSums?: boolean
  /** Injected for tests (the reader's pacing); default the system clock. */
  clock?: ReaderClock
}

interface Tracked {
  /** The shard's reader, kept across refreshes: each refresh pulls batches until one is at the tip. */
  reader: AsyncGenerator<ShardBatch, void, undefined>
  /** The reader ended: the shard was closed by a reshard and read to its end. */
  done: boolean
  acc: ShardAccumulator
}

export class StreamLoadFeed {
  readonly source = 'stream' as const
  readonly cost: LoadCost = {}
  private readonly tracked = new Map<string, Tracked>()
  private readonly windowSeconds: number
  private closed = false

  constructor(private readonly args: StreamLoadArgs) {
    this.windowSeconds = Math.max(1, Math.round(args.windowMs / 1000))
  }

  /** The window [now − window, now] per whole second; reads every open shard up to its tip first. */
  async next(now: Date): Promise<LoadSnapshot> {
    if (this.closed) throw new Error('The load feed is closed.')
    const {kinesis, streamName} = this.args
    const endSec = Math.floor(now.getTime() / 1000)
    const startSec = endSec - this.windowSeconds + 1
    this.cost.listShardsCalls = (this.cost.listShardsCalls ?? 0) + 1
    const open = await openShardsOf(kinesis, streamName, this.args.targetName)
    const ids: ShardIdentity[] = open.map((s) => identityOf(s))
    const openIds = new Set(ids.map((s) => s.shardId))
    for (const [id, t] of this.tracked) {
      if (!openIds.has(id)) {
        void t.reader.return()
        this.tracked.delete(id)
      }
    }
    for (const id of ids) {
      if (!this.tracked.has(id.shardId)) {
        this.tracked.set(id.shardId, {
          acc: new ShardAccumulator({windowSeconds: this.windowSeconds}),
          done: false,
          reader: readShard({
            clock: this.args.clock,
            kinesis,
            onEvent: (e) => this.count(e),
            shardId: id.shardId,
            signal: this.args.signal,
            start: {timestamp: new Date(startSec * 1000), type: 'AT_TIMESTAMP'},
            streamName,
          }),
        })
      }
    }

    const limit = pLimit(this.args.concurrency ?? DEFAULT_READ_CONCURRENCY)
    try {
      await Promise.all(ids.map(({shardId}) => limit(() => this.readToTip(this.tracked.get(shardId)!, startSec))))
    } finally {
      limit.clearQueue()
    }
    this.args.signal?.throwIfAborted()

    const streamBytes = new Float64Array(this.windowSeconds)
    const streamRecords = new Float64Array(this.windowSeconds)
    const topN = this.args.topKeys ?? DEFAULT_TOP_KEYS
    const shards: ShardLoad[] = ids.map((id) => {
      const {acc} = this.tracked.get(id.shardId)!
      acc.prune(startSec)
      const buckets = acc.buckets(startSec, endSec)
      for (let k = 0; k < this.windowSeconds; k++) {
        streamBytes[k] += buckets.bytes[k]
        streamRecords[k] += buckets.records[k]
      }
      const load = shardLoadFromBuckets(id, buckets, 1, acc.topKeys(topN))
      if (this.args.withSums) load.sums = {bytes: Array.from(buckets.bytes), records: Array.from(buckets.records)}
      return load
    })

    const notices = [
      `Read ${fmtInt(this.cost.recordsRead ?? 0)} records (${fmtMiB(this.cost.bytesRead ?? 0)} MiB) with ${fmtInt(this.cost.getRecordsCalls ?? 0)} GetRecords calls from ${fmtInt(ids.length)} shards; this reading shares each shard's read limits (${LIMIT_TEXT.read}) with the stream's consumers.`,
      'Write throttles are not visible in the stream itself (rejected records never arrive); --source cloudwatch reports them.',
    ]
    if ((this.cost.readThrottles ?? 0) > 0) notices.push(`${fmtInt(this.cost.readThrottles!)} read calls were throttled and retried after a back-off.`)
    for (const n of notices) this.args.onNotice?.(n)
    return assembleSnapshot({
      bucketSeconds: 1,
      cost: {...this.cost},
      fromMs: startSec * 1000,
      notices,
      shards,
      source: 'stream',
      streamBytes,
      streamLevelOnly: false,
      streamName,
      streamRecords,
      toMs: now.getTime(),
      windowSeconds: this.windowSeconds,
    })
  }

  close(): void {
    this.closed = true
    for (const t of this.tracked.values()) void t.reader.return()
    this.tracked.clear()
  }

  /** Pulls batches from a shard's reader until one reaches the tip (or the shard ends). */
  private async readToTip(t: Tracked, startSec: number): Promise<void> {
    while (!t.done) {
      const step = await t.reader.next()
      if (step.done) {
        t.done = true
        return
      }
      const batch = step.value
      this.cost.getRecordsCalls = (this.cost.getRecordsCalls ?? 0) + 1
      this.cost.recordsRead = (this.cost.recordsRead ?? 0) + batch.records.length
      this.cost.bytesRead = (this.cost.bytesRead ?? 0) + batch.bytes
      for (const r of batch.records) {
        const ts = r.ApproximateArrivalTimestamp?.getTime()
        if (ts === undefined) continue
        const sec = Math.floor(ts / 1000)
        if (sec < startSec) continue
        const key = r.PartitionKey ?? ''
        t.acc.add(sec, recordBytes(r.Data?.length ?? 0, key), key)
      }
      if (batch.atTip) return
    }
  }

  private count(event: ReaderEvent): void {
    if (event.type === 'iterator') this.cost.getShardIteratorCalls = (this.cost.getShardIteratorCalls ?? 0) + 1
    else if (event.type === 'throttled') this.cost.readThrottles = (this.cost.readThrottles ?? 0) + 1
  }
}


