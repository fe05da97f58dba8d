/**
 * The CloudWatch source: shard-level IncomingBytes, IncomingRecords and
 * WriteProvisionedThroughputExceeded (Sum per minute) of every open shard through GetMetricData,
 * at most GET_METRIC_DATA_MAX_QUERIES queries per call, NextToken pages followed, calls issued
 * concurrently within a bound. With enhanced monitoring off only stream-level metrics exist: the
 * snapshot then says so (streamLevelOnly) and splits the total by hash-range share, marked estimated.
 */
import type {CloudWatchClient, MetricDataQuery} from '@aws-sdk/client-cloudwatch'
import pLimit from 'p-limit'

import {rangeOf, rangeShare} from '../kinesis/hashkey.js'
import {GET_METRIC_DATA_MAX_QUERIES, KINESIS_METRIC_PERIOD_SECONDS} from '../kinesis/limits.js'
import {assembleSnapshot, HEAT_SHARD_METRICS, shardLoadFromBuckets} from './model.js'
import {enhancedMetricsOf, identityOf, openShardsOf} from './shards.js'
import type {CollectLoadArgs} from './index.js'
import type {LoadCost, LoadSnapshot, ShardLoad} from './types.js'
import * as CloudWatch from '../aws/cloudwatch.js'

export const NAMESPACE = 'AWS/Kinesis'
export const SHARD_METRICS = HEAT_SHARD_METRICS
export type ShardMetric = (typeof SHARD_METRICS)[number]
const ABBREV: Record<ShardMetric, string> = {IncomingBytes: 'b', IncomingRecords: 'r', WriteProvisionedThroughputExceeded: 't'}

/** GetMetricData calls in flight at once (the API's default quota is 50 TPS per account and region). */
export const DEFAULT_METRIC_CONCURRENCY = 10

export type CloudWatchLoadArgs = Omit<CollectLoadArgs, 'source' | 'topKeys' | 'cloudwatch'> & {cloudwatch: CloudWatchClient}

/** One metric query: its id (valid for GetMetricData: [a-z][a-zA-Z0-9_]*) and what it maps back to. */
export interface PlannedQuery {
  id: string
  metric: ShardMetric
  /** Index into the shard list, or -1 for a stream-level query. */
  shard: number
  query: MetricDataQuery
}

const PERIOD_MS = KINESIS_METRIC_PERIOD_SECONDS * 1000

/** The minute-aligned window: it ends at the last whole minute before `now`. */
export function metricWindow(now: Date, windowMs: number): {startMs: number; endMs: number; buckets: number} {
  const endMs = Math.floor(now.getTime() / PERIOD_MS) * PERIOD_MS
  const buckets = Math.max(1, Math.ceil(windowMs / PERIOD_MS))
  return {buckets, endMs, startMs: endMs - buckets * PERIOD_MS}
}

export function planQueries(streamName: string, shardIds: readonly string[], metrics: readonly ShardMetric[], streamMetrics: readonly ShardMetric[] = []): PlannedQuery[] {
  const queries: PlannedQuery[] = []
  const make = (id: string, metric: ShardMetric, shard: number, shardId?: string): PlannedQuery => ({
    id,
    metric,
    query: {
      Id: id,
      MetricStat: {
        Metric: {
          Dimensions: shardId === undefined ? [{Name: 'StreamName', Value: streamName}] : [{Name: 'StreamName', Value: streamName}, {Name: 'ShardId', Value: shardId}],
          MetricName: metric,
          Namespace: NAMESPACE,
        },
        Period: KINESIS_METRIC_PERIOD_SECONDS,
        Stat: 'Sum',
      },
      ReturnData: true,
    },
    shard,
  })
  shardIds.forEach((shardId, i) => {
    for (const metric of metrics) queries.push(make(`s${i}_${ABBREV[metric]}`, metric, i, shardId))
  })
  for (const metric of streamMetrics) queries.push(make(`stream_${ABBREV[metric]}`, metric, -1))
  return queries
}

/**
 * Runs the queries in calls of at most GET_METRIC_DATA_MAX_QUERIES, `concurrency` calls at a time,
 * each call's NextToken pages followed; returns the per-minute sums of every query id.
 */
export async function fetchMetricData(
  cloudwatch: CloudWatchClient,
  queries: readonly Pick<PlannedQuery, 'id' | 'query'>[],
  window: {startMs: number; endMs: number; buckets: number},
  options: {
    concurrency?: number
    signal?: AbortSignal
    cost?: LoadCost
    onCall?: (done: {calls: number; chunks: number; chunksDone: number}) => void
    /** Buckets without a datapoint stay NaN instead of 0 (a Maximum such as an iterator age: no datapoint is not 0). */
    missingAsNaN?: boolean
  } = {},
): Promise<Map<string, Float64Array>> {
  const values = new Map<string, Float64Array>()
  for (const q of queries) values.set(q.id, new Float64Array(window.buckets).fill(options.missingAsNaN ? Number.NaN : 0))
  const cost = options.cost ?? {}
  const limit = pLimit(options.concurrency ?? DEFAULT_METRIC_CONCURRENCY)
  const chunks: Pick<PlannedQuery, 'id' | 'query'>[][] = []
  for (let i = 0; i < queries.length; i += GET_METRIC_DATA_MAX_QUERIES) chunks.push(queries.slice(i, i + GET_METRIC_DATA_MAX_QUERIES))
  let calls = 0
  let chunksDone = 0
  await Promise.all(
    chunks.map((chunk) =>
      limit(async () => {
        let nextToken: string | undefined
        do {
          options.signal?.throwIfAborted()
          cost.getMetricDataCalls = (cost.getMetricDataCalls ?? 0) + 1
          const page = await CloudWatch.getMetricData(cloudwatch, {
            EndTime: new Date(window.endMs),
            MetricDataQueries: chunk.map((q) => q.query),
            NextToken: nextToken,
            ScanBy: 'TimestampAscending',
            StartTime: new Date(window.startMs),
          }, {abortSignal: options.signal})
          for (const result of page.MetricDataResults ?? []) {
            const series = result.Id === undefined ? undefined : values.get(result.Id)
            if (series === undefined) continue
            const ts = result.Timestamps ?? []
            const vs = result.Values ?? []
            for (let k = 0; k < ts.length && k < vs.length; k++) {
              const bucket = Math.floor((new Date(ts[k]).getTime() - window.startMs) / PERIOD_MS)
              if (bucket >= 0 && bucket < window.buckets) series[bucket] = Number.isNaN(series[bucket]) ? vs[k] : series[bucket] + vs[k]
            }
          }
          nextToken = page.NextToken
          calls++
          if (nextToken === undefined || nextToken === '') chunksDone++
          options.onCall?.({calls, chunks: chunks.length, chunksDone})
        } while (nextToken !== undefined && nextToken !== '')
      }),
    ),
  )
  cost.metricQueries = (cost.metricQueries ?? 0) + queries.length
  return values
}

function enabled(metrics: Set<string>, metric: ShardMetric): boolean {
  return metrics.has('ALL') || metrics.has(metric)
}

export async function collectCloudWatchLoad(args: CloudWatchLoadArgs): Promise<LoadSnapshot> {
  const {kinesis, cloudwatch, streamName} = args
  const notices: string[] = []
  const notice = (msg: string) => {
    notices.push(msg)
    args.onNotice?.(msg)
  }
  const [metrics, shards] = await Promise.all([
    enhancedMetricsOf(kinesis, streamName, args.targetName),
    openShardsOf(kinesis, streamName, args.targetName),
  ])
  const window = metricWindow(args.now, args.windowMs)
  const cost: LoadCost = {}
  const ids = shards.map((s) => identityOf(s))
  const shardLevel = enabled(metrics, 'IncomingBytes') && enabled(metrics, 'IncomingRecords')

  let loads: ShardLoad[]
  let streamBytes: Float64Array
  let streamRecords: Float64Array
  let streamThrottles: number | undefined
  if (shardLevel) {
    const perShard: ShardMetric[] = enabled(metrics, 'WriteProvisionedThroughputExceeded')
      ? [...SHARD_METRICS]
      : ['IncomingBytes', 'IncomingRecords']
    const streamLevel: ShardMetric[] = perShard.length === 3 ? [] : ['WriteProvisionedThroughputExceeded']
    if (streamLevel.length > 0) {
      notice(`Shard-level WriteProvisionedThroughputExceeded is not enabled on stream "${streamName}": throttles are the stream total only.`)
    }
    const queries = planQueries(streamName, ids.map((s) => s.shardId), perShard, streamLevel)
    const values = await fetchMetricData(cloudwatch, queries, window, {concurrency: args.concurrency, cost, signal: args.signal})
    streamBytes = new Float64Array(window.buckets)
    streamRecords = new Float64Array(window.buckets)
    loads = ids.map((id, i) => {
      const bytes = values.get(`s${i}_b`)!
      const records = values.get(`s${i}_r`)!
      for (let k = 0; k < window.buckets; k++) {
        streamBytes[k] += bytes[k]
        streamRecords[k] += records[k]
      }
      const throttles = values.get(`s${i}_t`)
      const load = shardLoadFromBuckets(id, {bytes, records, throttles: throttles ?? 0}, KINESIS_METRIC_PERIOD_SECONDS)
      if (args.withSums) load.sums = {bytes: Array.from(bytes), records: Array.from(records), ...(throttles ? {throttles: Array.from(throttles)} : {})}
      return load
    })
    if (streamLevel.length > 0) streamThrottles = sum(values.get('stream_t')!)
  } else {
    notice(
      `Enhanced (shard-level) monitoring is off for stream "${streamName}": only the stream total is known, and each shard's figures are that total split by its share of the hash-key space. ` +
        `Enable it (billed per shard and metric) with: aws kinesis enable-enhanced-monitoring --stream-name ${streamName} --shard-level-metrics IncomingBytes IncomingRecords WriteProvisionedThroughputExceeded`,
    )
    const queries = planQueries(streamName, [], [], SHARD_METRICS)
    const values = await fetchMetricData(cloudwatch, queries, window, {concurrency: args.concurrency, cost, signal: args.signal})
    streamBytes = values.get('stream_b')!
    streamRecords = values.get('stream_r')!
    streamThrottles = sum(values.get('stream_t')!)
    loads = shards.map((s, i) => {
      const share = rangeShare(rangeOf(s))
      const load = shardLoadFromBuckets(
        ids[i],
        {bytes: streamBytes.map((b) => b * share), records: streamRecords.map((r) => r * share), throttles: streamThrottles! * share},
        KINESIS_METRIC_PERIOD_SECONDS,
      )
      load.estimated = true
      return load
    })
  }
  return assembleSnapshot({
    bucketSeconds: KINESIS_METRIC_PERIOD_SECONDS,
    cost,
    fromMs: window.startMs,
    notices,
    shards: loads,
    source: 'cloudwatch',
    streamBytes,
    streamLevelOnly: !shardLevel,
    streamName,
    streamRecords,
    streamThrottles,
    toMs: window.endMs,
    windowSeconds: window.buckets * KINESIS_METRIC_PERIOD_SECONDS,
  })
}

function sum(xs: ArrayLike<number>): number {
  let t = 0
  for (let i = 0; i < xs.length; i++) t += xs[i]
  return t
}
