/**
 * Following several shards at once, through resharding, merged into one sequence in arrival order.
 *
 * One reader (src/lib/kinesis/reader.ts) per shard being read. When a shard closes, its children
 * that `selectChild` accepts are read next, each from `childStart`, once every parent of theirs
 * that is being read (or planned to be) has been read to its end: so a key's records come out in
 * order across a split or a merge, none lost and none twice.
 *
 * Records come out in ApproximateArrivalTimestamp order. A record is released only when no other
 * shard can still produce an earlier one: each shard has a watermark (the arrival time of its last
 * record, or the time of its last empty call at the tip), and a record waits while some shard with
 * nothing buffered has a lower watermark. While catching up on history the order is exact; at the
 * tip it is as exact as the clocks (records arriving within the same millisecond on different
 * shards come out in either order). Memory holds at most one GetRecords batch per shard being read.
 */
import type {ChildShard, _Record} from '@aws-sdk/client-kinesis'
import {setMaxListeners} from 'node:events'

import {readShard, systemClock, type ReadShardOptions, type ShardBatch, type StartPosition} from '../kinesis/reader.js'

/** The reader options that apply to every shard being read (see readShard). */
type SharedReaderOptions = Pick<ReadShardOptions, 'kinesis' | 'streamName' | 'stopAtTip' | 'limit' | 'signal' | 'clock' | 'pacing' | 'random' | 'onEvent'>

export interface FollowOptions extends SharedReaderOptions {
  /** The shards read first, each from its own position. */
  initial: {shardId: string; start: StartPosition}[]
  /** Shards expected to be read later (listed descendants): a child waits for those of its parents. */
  planned?: Iterable<string>
  /** Where a child shard is read from (TRIM_HORIZON, or AT_TIMESTAMP for a start in time). */
  childStart: StartPosition
  /** Whether to read a child shard (default: all). */
  selectChild?: (child: ChildShard) => boolean
  /** Children of a closed shard when GetRecords did not name them (e.g. from ListShards). */
  findChildren?: (shardId: string) => Promise<ChildShard[]>
  /** How one shard is read (default readShard, GetRecords; subscribeShard for enhanced fan-out). */
  shardReader?: ShardReader
}

/** Reads one shard as a sequence of batches: readShard's contract. */
export type ShardReader = (options: ReadShardOptions) => AsyncGenerator<ShardBatch, void, undefined>

export interface LaneState {
  shardId: string
  millisBehindLatest?: number
}

export type FollowItem =
  | {kind: 'record'; shardId: string; record: _Record}
  /** After every GetRecords call: the shards being read, and the earliest arrival time still to come. */
  | {kind: 'progress'; shardId: string; records: number; atTip: boolean; millisBehindLatest?: number; lanes: LaneState[]; watermark: number}
  /** Every initial shard has answered once: from here on nothing that arrives is missed. `shards`: those being read now. */
  | {kind: 'ready'; shards: string[]}
  /** A child shard is read from now on; `reading`: every shard being read once it started. */
  | {kind: 'shard-started'; shardId: string; parents: string[]; reading: string[]}
  | {kind: 'shard-closed'; shardId: string; children: string[]}

interface Lane {
  shardId: string
  initial: boolean
  reader: AsyncGenerator<ShardBatch, void, undefined>
  records: _Record[]
  pos: number
  /** No record this shard yields later arrived before this time (ms). */
  watermark: number
  requestedAt: number
  pending?: Promise<void>
  result?: IteratorResult<ShardBatch, void>
  error?: unknown
  answered: boolean
  millisBehindLatest?: number
  children?: ChildShard[]
  closed: boolean
}

/** Merges the shards' records in arrival order; see the module comment. */
export async function* followShards(options: FollowOptions): AsyncGenerator<FollowItem, void, undefined> {
  const clock = options.clock ?? systemClock
  const selectChild = options.selectChild ?? (() => true)
  const stop = new AbortController()
  const onAbort = () => stop.abort()
  options.signal?.addEventListener('abort', onAbort, {once: true})
  if (options.signal?.aborted) stop.abort()

  const lanes: Lane[] = []
  const planned = new Set(options.planned ?? [])
  const started = new Set<string>()
  const done = new Set<string>()
  const waiting = new Map<string, ChildShard>()
  let unanswered = options.initial.length
  /** Results delivered and not yet taken in. */
  let arrived = 0
  let wake: (() => void) | undefined
  const wakeUp = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  stop.signal.addEventListener('abort', wakeUp, {once: true})

  const startLane = (shardId: string, start: StartPosition, initial: boolean) => {
    started.add(shardId)
    planned.add(shardId)
    const reader = (options.shardReader ?? readShard)({
      clock,
      kinesis: options.kinesis,
      limit: options.limit,
      onEvent: options.onEvent,
      pacing: options.pacing,
      random: options.random,
      shardId,
      signal: stop.signal,
      start,
      stopAtTip: options.stopAtTip,
      streamName: options.streamName,
    })
    lanes.push({answered: false, closed: false, initial, pos: 0, reader, records: [], requestedAt: clock.now(), shardId, watermark: -Infinity})
    // Each reader listens on the stop signal while its call or its pause runs: more than Node's
    // default of 10 once a dozen shards are read, which is no leak.
    setMaxListeners(10 + 4 * lanes.length, stop.signal)
  }

  const request = (lane: Lane) => {
    lane.requestedAt = clock.now()
    lane.pending = lane.reader.next().then(
      (r) => {
        lane.result = r
        arrived += 1
      },
      (error) => {
        lane.error = error
        arrived += 1
      },
    )
    lane.pending.finally(() => {
      lane.pending = undefined
      wakeUp()
    })
  }

  /** Starts the children whose parents (among those read or planned) are all done. */
  const startReadyChildren = (): ChildShard[] => {
    const ready: ChildShard[] = []
    for (const child of waiting.values()) {
      if ((child.ParentShards ?? []).every((p) => !planned.has(p) || done.has(p))) ready.push(child)
    }
    // Nothing else is being read: a parent we wait for can no longer finish; go on rather than hang.
    if (ready.length === 0 && lanes.length === 0) ready.push(...waiting.values())
    for (const child of ready) {
      waiting.delete(child.ShardId!)
      startLane(child.ShardId!, options.childStart, false)
    }
    return ready
  }

  const startedItems = (children: ChildShard[]): FollowItem[] => {
    const reading = lanes.map((l) => l.shardId)
    return children.map((c) => ({kind: 'shard-started', parents: c.ParentShards ?? [], reading, shardId: c.ShardId!}))
  }

  const lanesState = (): LaneState[] => lanes.map((l) => ({millisBehindLatest: l.millisBehindLatest, shardId: l.shardId}))
  const headTime = (lane: Lane): number => lane.records[lane.pos]?.ApproximateArrivalTimestamp?.getTime() ?? lane.watermark
  const watermark = (): number => {
    let min = Infinity
    for (const l of lanes) min = Math.min(min, l.pos < l.records.length ? headTime(l) : l.watermark)
    return min
  }

  try {
    for (const {shardId, start} of options.initial) startLane(shardId, start, true)
    if (unanswered === 0) yield {kind: 'ready', shards: []}

    while (!stop.signal.aborted) {
      // 1. Take in what the readers delivered.
      for (const lane of arrived > 0 ? [...lanes] : []) {
        if (lane.error !== undefined) throw lane.error
        const result = lane.result
        if (result === undefined) continue
        lane.result = undefined
        arrived -= 1
        if (!lane.answered) {
          lane.answered = true
          if (lane.initial && --unanswered === 0) yield {kind: 'ready', shards: lanes.map((l) => l.shardId)}
        }
        if (result.done) {
          lanes.splice(lanes.indexOf(lane), 1)
          done.add(lane.shardId)
          let children = lane.children ?? []
          if (lane.closed && children.length === 0 && options.findChildren) children = await options.findChildren(lane.shardId)
          if (lane.closed) yield {children: children.map((c) => c.ShardId!), kind: 'shard-closed', shardId: lane.shardId}
          for (const child of children) {
            const id = child.ShardId!
            if (started.has(id) || waiting.has(id) || !selectChild(child)) continue
            planned.add(id)
            waiting.set(id, child)
          }
          yield* startedItems(startReadyChildren())
          continue
        }
        const batch = result.value
        lane.records = batch.records
        lane.pos = 0
        lane.millisBehindLatest = batch.millisBehindLatest
        const last = batch.records.at(-1)?.ApproximateArrivalTimestamp?.getTime()
        if (last !== undefined) lane.watermark = Math.max(lane.watermark, last)
        else if (batch.atTip) lane.watermark = Math.max(lane.watermark, lane.requestedAt)
        if (batch.closed) {
          lane.closed = true
          lane.children = batch.childShards
        }
        yield {
          atTip: batch.atTip,
          kind: 'progress',
          lanes: lanesState(),
          millisBehindLatest: batch.millisBehindLatest,
          records: batch.records.length,
          shardId: lane.shardId,
          watermark: watermark(),
        }
      }
      if (stop.signal.aborted) return
      if (lanes.length === 0) {
        if (waiting.size === 0) return
        yield* startedItems(startReadyChildren())
        continue
      }

      // 2. Ask every shard with nothing buffered for its next batch.
      for (const lane of lanes) {
        if (lane.pos >= lane.records.length && lane.pending === undefined && lane.result === undefined && lane.error === undefined) request(lane)
      }

      // 3. Release the earliest buffered record unless a shard with nothing buffered may still be earlier.
      let best: Lane | undefined
      let bestTime = Infinity
      for (const lane of lanes) {
        if (lane.pos >= lane.records.length) continue
        const t = headTime(lane)
        if (best === undefined || t < bestTime) {
          best = lane
          bestTime = t
        }
      }
      if (best !== undefined && !lanes.some((l) => l !== best && l.pos >= l.records.length && l.watermark < bestTime)) {
        const record = best.records[best.pos]
        best.pos += 1
        if (best.pos >= best.records.length) best.records = []
        yield {kind: 'record', record, shardId: best.shardId}
        continue
      }

      // 4. Wait for a reader.
      if (arrived > 0) continue
      await new Promise<void>((resolve) => {
        wake = resolve
        if (stop.signal.aborted) wakeUp()
      })
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    stop.abort()
    await Promise.allSettled(lanes.map((l) => l.pending))
    await Promise.allSettled(lanes.map((l) => l.reader.return()))
  }
}
