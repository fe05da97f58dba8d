/**
 * A trace from CloudWatch (`clickops scale backtest --from 14d` on AWS): every retained shard's
 * IncomingBytes, IncomingRecords and WriteProvisionedThroughputExceeded (Sum, 60 s) over the
 * window, through the CloudWatch source's own GetMetricData batching (at most 500 queries per call,
 * NextToken pages followed). CloudWatch keeps one-minute data for 15 days.
 *
 * Resharding during the window is mapped through the shard list: ListShards returns the closed
 * shards still retained beside the open ones, each with its own hash range and parents. A shard
 * counts as open from the window start (a shard without a listed parent) or its first minute with
 * traffic (a child), to the window end (an open shard) or its last minute with traffic (a closed
 * one); in the minute of a reshard parent and child may both carry load, which adds up. So each
 * minute's load lands on the hash ranges that carried it, not on shard ids.
 */
import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {KinesisClient, Shard} from '@aws-sdk/client-kinesis'

import {UsageError} from '../errors.js'
import {CLOUDWATCH_ONE_MINUTE_RETENTION_MS} from '../kinesis/limits.js'
import {parentsOf} from '../kinesis/lineage.js'
import {byHashRange, isOpen, listShards} from '../kinesis/shards.js'
import {asStreamNotFound} from '../kinesis/status.js'
import {fetchMetricData, metricWindow, planQueries, SHARD_METRICS} from '../load/cloudwatch.js'
import {identityOf} from '../load/shards.js'
import {MINUTE_MS, type Trace, type TraceShard} from './trace.js'
import {formatInt} from '../format.js'

/** Shard-minutes held in memory at most (three metrics of 8 bytes each: about 240 MB). */
export const MAX_SHARD_MINUTES = 10_000_000

export interface CloudWatchTraceArgs {
  kinesis: KinesisClient
  cloudwatch: CloudWatchClient
  streamName: string
  now: Date
  /** How far back, ms (at most 15 days). */
  windowMs: number
  targetName?: string
  concurrency?: number
  signal?: AbortSignal
  onProgress?: (p: {calls: number; chunks: number; chunksDone: number}) => void
}

export interface CloudWatchTrace extends Trace {
  shardsListed: number
  closedShards: number
  getMetricDataCalls: number
}

export async function readCloudWatchTrace(args: CloudWatchTraceArgs): Promise<CloudWatchTrace> {
  if (args.windowMs > CLOUDWATCH_ONE_MINUTE_RETENTION_MS) throw new UsageError('CloudWatch keeps one-minute data for 15 days: use --from 15d or less.')
  let shards: Shard[]
  try {
    shards = byHashRange(await listShards(args.kinesis, args.streamName))
  } catch (error) {
    throw asStreamNotFound(error, args.streamName, args.targetName ?? 'this target')
  }
  const window = metricWindow(args.now, args.windowMs)
  if (shards.length * window.buckets > MAX_SHARD_MINUTES) {
    throw new UsageError(
      `${shards.length} shards × ${window.buckets} minutes is more history than one backtest holds (${formatInt(MAX_SHARD_MINUTES)} shard-minutes).`,
      'Use a shorter --from.',
    )
  }
  const ids = shards.map((s) => identityOf(s))
  const queries = planQueries(args.streamName, ids.map((s) => s.shardId), SHARD_METRICS)
  const cost: {getMetricDataCalls?: number} = {}
  const values = await fetchMetricData(args.cloudwatch, queries, window, {concurrency: args.concurrency, cost, onCall: args.onProgress, signal: args.signal})

  const listed = new Set(ids.map((s) => s.shardId))
  const n = window.buckets
  const spans = shards.map((s, i) => {
    const bytes = values.get(`s${i}_b`)!
    const records = values.get(`s${i}_r`)!
    let first = -1
    let last = -1
    for (let m = 0; m < n; m++) {
      if (bytes[m] > 0 || records[m] > 0) {
        if (first < 0) first = m
        last = m
      }
    }
    const root = !parentsOf(s).some((p) => listed.has(p))
    const from = root ? 0 : first < 0 ? n : first
    const to = isOpen(s) ? n - 1 : last
    return {from, to}
  })
  const minute = (m: number): TraceShard[] => {
    const out: TraceShard[] = []
    for (let i = 0; i < shards.length; i++) {
      if (m < spans[i].from || m > spans[i].to) continue
      const shard: TraceShard = {bytes: values.get(`s${i}_b`)![m], endingHashKey: ids[i].endingHashKey, records: values.get(`s${i}_r`)![m], startingHashKey: ids[i].startingHashKey}
      const throttled = values.get(`s${i}_t`)![m]
      if (throttled > 0) shard.throttled = throttled
      out.push(shard)
    }
    return out
  }
  return {
    closedShards: shards.filter((s) => !isOpen(s)).length,
    getMetricDataCalls: cost.getMetricDataCalls ?? 0,
    hasKeys: false,
    minute: (m) => (m >= 0 && m < n ? minute(m) : []),
    minutes: n,
    shardsListed: shards.length,
    source: `CloudWatch, stream ${args.streamName}`,
    startMs: window.startMs,
  }
}

export {MINUTE_MS}
