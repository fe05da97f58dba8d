/**
 * `clickops tail`: reads the records of one partition key (only the shards that hold its hash,
 * through its lineage) or of the whole stream (every shard, merged in arrival order), from a
 * starting point, until the tip, a limit, a time or a stop signal. Streams: every record is handed
 * to `onRecord` (awaited, so a slow consumer slows the reading) and nothing is kept.
 */
import type {ChildShard, KinesisClient, Shard} from '@aws-sdk/client-kinesis'

import {ClickopsError, ExitCode} from '../errors.js'
import {asStreamNotFound, isNotFound} from '../kinesis/status.js'
import {hashKeyOf} from '../kinesis/hashkey.js'
import {hashChain, parentsOf, sequenceCandidates} from '../kinesis/lineage.js'
import type {ReaderClock, ReaderEvent, ReaderPacing} from '../kinesis/reader.js'
import {isOpen, listShards} from '../kinesis/shards.js'
import {subscribeShard} from '../kinesis/subscriber.js'
import {followShards, type ShardReader} from './follow.js'
import type {TailStatus} from './format.js'
import {readPlan, type ReadPlan, type TailPlan} from './plan.js'
import {isAggregated, plainRecord, positionOf, userRecords, type TailRecord} from './records.js'
import * as Kinesis from '../aws/kinesis.js'

export type StopReason = 'tip' | 'limit' | 'until' | 'signal'

export interface TailSummary {
  streamName: string
  partitionKey?: string
  /** Kinesis records read (before filtering by key). */
  scanned: number
  /** Records handed out (user records, after de-aggregation and filtering). */
  matched: number
  /** Every shard read, in the order reading began. */
  shards: string[]
  stoppedBy: StopReason
  /** Sequence number of the last record handed out (`--from-sequence` starts at, and includes, it). */
  lastSequenceNumber?: string
  /**
   * Position of the last record handed out: its sequence number, or `SEQUENCE:SUBSEQUENCE` for a
   * user record of a KPL-aggregated record. `--after-sequence` carries on just after it.
   */
  lastPosition?: string
}

export interface TailHooks {
  /** Each matching record, in order. Awaited: return a promise to apply backpressure. */
  onRecord(record: TailRecord): void | Promise<void>
  /** The shards were listed and the readers are about to start. */
  onPlan?(plan: ReadPlan & {shardCount: number}): void
  /** Every starting shard answered once: from now on nothing that arrives is missed. `shards`: those being read now. */
  onReady?(shards: string[]): void
  /** Progress after each GetRecords call and each record handed out. */
  onStatus?(status: TailStatus): void
  /** A shard closed (reshard) and reading went on in its children; `reading`: the shards being read from then on. */
  onShardChange?(change: {closed: string; children: string[]} | {started: string; parents: string[]; reading: string[]}): void
  onReaderEvent?(event: ReaderEvent): void
}

export interface TailOptions {
  signal?: AbortSignal
  clock?: ReaderClock
  pacing?: Partial<ReaderPacing>
  random?: () => number
  /** Target name in error messages. */
  targetName?: string
  /** Records per GetRecords call (default: 10,000 for one key, 1,000 per shard for the whole stream). */
  recordsPerCall?: number
  /**
   * Read through this registered consumer with SubscribeToShard (enhanced fan-out) instead of
   * GetRecords; `kinesis` is a client with an HTTP/2 handler (Clients.kinesisEventStream). Every
   * other part of tail (shards chosen, key filter, de-aggregation, resume positions) is the same.
   */
  efo?: {consumerArn: string; kinesis: KinesisClient; renewAfterMs?: number; closedCheckMs?: number}
}

/** Records per call when every shard is read and merged: bounds memory at shards × this. */
export const WHOLE_STREAM_RECORDS_PER_CALL = 1000

export async function tail(kinesis: KinesisClient, streamName: string, plan: TailPlan, hooks: TailHooks, options: TailOptions = {}): Promise<TailSummary> {
  const targetName = options.targetName ?? 'this target'
  let shards
  try {
    shards = await listShards(kinesis, streamName)
  } catch (error) {
    throw asStreamNotFound(error, streamName, targetName)
  }
  let sequenceShardId: string | undefined
  if (plan.start.kind === 'sequence' && plan.partitionKey !== undefined && !plan.allShards) {
    sequenceShardId = await locateSequence(kinesis, streamName, sequenceCandidates(hashChain(shards, hashKeyOf(plan.partitionKey)), BigInt(plan.start.sequenceNumber)), plan.start.sequenceNumber)
  }
  const read = readPlan(plan, shards, sequenceShardId)
  hooks.onPlan?.({...read, shardCount: shards.length})

  const summary: TailSummary = {matched: 0, partitionKey: plan.partitionKey, scanned: 0, shards: [], stoppedBy: 'tip', streamName}
  const status: TailStatus = {matched: 0, scanned: 0, shards: [], throttles: 0}
  const until = plan.until?.getTime()
  const key = plan.partitionKey
  // A start inside an aggregate (SEQUENCE:SUBSEQUENCE): the aggregate is read again from its first
  // user record, and those before the position (or up to it, with --after-sequence) are skipped.
  let resume = plan.start.kind === 'sequence' && plan.start.subSequenceNumber !== undefined ? plan.start : undefined
  const skipped = (record: TailRecord): boolean => {
    if (resume === undefined || record.sequenceNumber !== resume.sequenceNumber) return false
    const sub = resume.subSequenceNumber!
    if (record.subSequenceNumber === undefined) return Boolean(resume.after) // a plain record: SEQ:k names the record itself
    return resume.after ? record.subSequenceNumber <= sub : record.subSequenceNumber < sub
  }

  const findChildren = async (shardId: string): Promise<ChildShard[]> =>
    (await listShards(kinesis, streamName))
      .filter((s) => parentsOf(s).includes(shardId))
      .map((s) => ({HashKeyRange: s.HashKeyRange, ParentShards: parentsOf(s), ShardId: s.ShardId}))

  const shardReader = options.efo === undefined ? undefined : efoReader(options.efo, kinesis, streamName)

  const items = followShards({
    childStart: read.childStart,
    clock: options.clock,
    findChildren,
    initial: read.initial,
    kinesis,
    limit: options.recordsPerCall ?? (key === undefined || plan.allShards ? WHOLE_STREAM_RECORDS_PER_CALL : undefined),
    onEvent: (event) => {
      if (event.type === 'throttled') status.throttles += 1
      hooks.onReaderEvent?.(event)
    },
    pacing: options.pacing,
    planned: read.planned,
    random: options.random,
    selectChild: read.selectChild,
    shardReader,
    signal: options.signal,
    stopAtTip: !plan.follow,
    streamName,
  })
  for (const {shardId} of read.initial) summary.shards.push(shardId)
  status.shards = read.initial.map((i) => i.shardId)

  try {
    outer: for await (const item of items) {
      switch (item.kind) {
        case 'record': {
          summary.scanned += 1
          status.scanned = summary.scanned
          const t = item.record.ApproximateArrivalTimestamp?.getTime()
          if (until !== undefined && t !== undefined && t > until) {
            summary.stoppedBy = 'until'
            break outer
          }
          const records = isAggregated(item.record.Data) ? await userRecords(item.record, item.shardId) : [plainRecord(item.record, item.shardId)]
          if (resume !== undefined && item.record.SequenceNumber !== resume.sequenceNumber) resume = undefined
          for (const record of records) {
            if (key !== undefined && record.partitionKey !== key) continue
            if (skipped(record)) continue
            summary.matched += 1
            status.matched = summary.matched
            summary.lastSequenceNumber = record.sequenceNumber
            summary.lastPosition = positionOf(record)
            await hooks.onRecord(record)
            if (plan.limit !== undefined && summary.matched >= plan.limit) {
              summary.stoppedBy = 'limit'
              break outer
            }
          }
          hooks.onStatus?.(status)
          break
        }
        case 'progress': {
          status.shards = item.lanes.map((l) => l.shardId)
          status.millisBehindLatest = item.lanes.reduce<number | undefined>(
            (max, l) => (l.millisBehindLatest === undefined ? max : Math.max(max ?? 0, l.millisBehindLatest)),
            undefined,
          )
          hooks.onStatus?.(status)
          if (until !== undefined && item.watermark > until) {
            summary.stoppedBy = 'until'
            break outer
          }
          break
        }
        case 'ready': {
          hooks.onReady?.(item.shards)
          break
        }
        case 'shard-closed': {
          hooks.onShardChange?.({children: item.children, closed: item.shardId})
          break
        }
        case 'shard-started': {
          summary.shards.push(item.shardId)
          hooks.onShardChange?.({parents: item.parents, reading: item.reading, started: item.shardId})
          break
        }
      }
    }
  } catch (error) {
    if (isNotFound(error)) throw asStreamNotFound(error, streamName, targetName)
    if ((error as {name?: string})?.name === 'InvalidArgumentException') {
      throw new ClickopsError(`Kinesis rejected the starting point: ${(error as Error).message}`, {
        cause: error,
        exitCode: ExitCode.USAGE,
        hint: `Check ${plan.start.kind === 'sequence' && plan.start.after ? '--after-sequence' : '--from-sequence'} (it must belong to a shard that holds the key), or start with --from.`,
      })
    }
    throw error
  }
  if (options.signal?.aborted && summary.stoppedBy === 'tip') summary.stoppedBy = 'signal'
  return summary
}

/** Shard readers on SubscribeToShard, sharing one recent shard list to learn whether a shard closed. */
function efoReader(efo: NonNullable<TailOptions['efo']>, kinesis: KinesisClient, streamName: string): ShardReader {
  let listed: {at: number; shards: Promise<Shard[]>} | undefined
  const isClosed = async (shardId: string): Promise<boolean> => {
    const now = Date.now()
    if (listed === undefined || now - listed.at > 1000) listed = {at: now, shards: listShards(kinesis, streamName)}
    const shard = (await listed.shards).find((s) => s.ShardId === shardId)
    return shard === undefined || !isOpen(shard)
  }
  return (o) =>
    subscribeShard({
      clock: o.clock,
      closedCheckMs: efo.closedCheckMs,
      consumerArn: efo.consumerArn,
      isClosed,
      kinesis: efo.kinesis,
      onEvent: o.onEvent,
      pacing: o.pacing,
      random: o.random,
      renewAfterMs: efo.renewAfterMs,
      shardId: o.shardId,
      signal: o.signal,
      start: o.start,
      stopAtTip: o.stopAtTip,
    })
}

/**
 * Which of the candidate shards holds `sequenceNumber`: the first whose record at that sequence
 * number is that record (one GetShardIterator and one GetRecords of 1 record per candidate tried).
 * With a single candidate nothing is checked. Undefined when none holds it.
 */
async function locateSequence(kinesis: KinesisClient, streamName: string, candidates: Shard[], sequenceNumber: string): Promise<string | undefined> {
  if (candidates.length <= 1) return candidates[0]?.ShardId
  for (const shard of candidates) {
    try {
      const it = await Kinesis.getShardIterator(kinesis, {ShardId: shard.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: sequenceNumber, StreamName: streamName})
      const page = await Kinesis.getRecords(kinesis, {Limit: 1, ShardIterator: it.ShardIterator})
      if (page.Records?.[0]?.SequenceNumber === sequenceNumber) return shard.ShardId
    } catch (error) {
      const name = (error as {name?: string}).name
      if (name !== 'InvalidArgumentException' && name !== 'ResourceNotFoundException') throw error
    }
  }
  throw new ClickopsError(`Sequence number ${sequenceNumber} is in none of the retained shards that hold the key.`, {
    exitCode: ExitCode.USAGE,
    hint: 'Take a sequence number of this key from `tail --output json`, or start with --from.',
  })
}
