/**
 * Consumer lag: how far behind the tip each reader of a stream is, now and at its peak over a
 * window, from CloudWatch (`clickops lag`, and the scale-in guard of `clickops scale`).
 *
 * - Registered enhanced fan-out consumers (ListStreamConsumers): SubscribeToShardEvent.MillisBehindLatest
 *   (Maximum per minute, dimensions StreamName + ConsumerName).
 * - Polling consumers (GetRecords) are not registered anywhere: together they are one row, the
 *   stream-level GetRecords.IteratorAgeMilliseconds (Maximum per minute, dimension StreamName).
 * The metric names and their sources are in src/lib/load/read.ts. Without CloudWatch (the embedded
 * local stack) the consumers are listed with their lag unknown.
 */
import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {KinesisClient} from '@aws-sdk/client-kinesis'

import {listRegisteredConsumers, type RegisteredConsumer} from './kinesis/consumer-list.js'
import {KINESIS_METRIC_PERIOD_SECONDS} from './kinesis/limits.js'
import {describeStreamSummary} from './kinesis/status.js'
import {fetchMetricData, metricWindow, NAMESPACE} from './load/cloudwatch.js'
import {EFO_CONSUMER_METRICS, latestAndPeak, READ_STREAM_METRICS} from './load/read.js'

/** `clickops lag --max-lag` default, and `scale --max-lag-for-scale-in`'s. */
export const DEFAULT_MAX_LAG_MS = 5 * 60 * 1000

export const POLLING_ROW_NAME = 'polling consumers (GetRecords)'

export interface ConsumerLag {
  name: string
  kind: 'polling' | 'efo'
  /** The CloudWatch metric the lag comes from. */
  metric: string
  /** EFO: the registered consumer. */
  consumerArn?: string
  status?: string
  createdAt?: string
  /** Milliseconds behind the tip: the latest minute's maximum, and the window's peak; null = unknown. */
  lagMs: number | null
  peakLagMs: number | null
  /** When lagMs was measured (the start of its minute). */
  at?: string
  /** Why the lag is unknown, when it is. */
  unknown?: string
  /** lagMs above the maximum. */
  exceeded: boolean
}

export interface LagReport {
  streamName: string
  from?: string
  to?: string
  windowSeconds: number
  maxLagMs: number
  /** False when there is no CloudWatch (the embedded local stack): every lag is unknown. */
  cloudwatch: boolean
  /** Most behind first; unknown lags last. */
  consumers: ConsumerLag[]
  /** Names of the consumers whose lag now exceeds the maximum. */
  exceeded: string[]
  notices: string[]
}

export interface CollectLagArgs {
  kinesis: KinesisClient
  /** Undefined: no CloudWatch on this target (lags unknown). */
  cloudwatch?: CloudWatchClient
  streamName: string
  windowMs: number
  maxLagMs: number
  now: Date
  signal?: AbortSignal
  targetName?: string
}

/** The report from the consumers and their lag series (pure): marks, sorts, lists what exceeds. */
export function lagReport(parts: {
  streamName: string
  maxLagMs: number
  windowSeconds: number
  from?: string
  to?: string
  cloudwatch: boolean
  rows: Omit<ConsumerLag, 'exceeded'>[]
  notices: string[]
}): LagReport {
  const consumers = parts.rows.map((r) => ({...r, exceeded: r.lagMs !== null && r.lagMs > parts.maxLagMs}))
  consumers.sort((a, b) => (b.lagMs ?? -1) - (a.lagMs ?? -1) || (b.peakLagMs ?? -1) - (a.peakLagMs ?? -1) || (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'polling' ? -1 : 1))
  return {
    cloudwatch: parts.cloudwatch,
    consumers,
    exceeded: consumers.filter((c) => c.exceeded).map((c) => c.name),
    maxLagMs: parts.maxLagMs,
    notices: parts.notices,
    streamName: parts.streamName,
    windowSeconds: parts.windowSeconds,
    ...(parts.from === undefined ? {} : {from: parts.from}),
    ...(parts.to === undefined ? {} : {to: parts.to}),
  }
}

/** The index of the latest bucket with a datapoint, or -1. */
function latestIndex(series: ArrayLike<number>): number {
  for (let i = series.length - 1; i >= 0; i--) if (!Number.isNaN(series[i])) return i
  return -1
}

export async function collectLag(args: CollectLagArgs): Promise<LagReport> {
  const {kinesis, cloudwatch, streamName} = args
  const summary = await describeStreamSummary(kinesis, streamName, args.targetName)
  const registered: RegisteredConsumer[] = summary.StreamARN ? await listRegisteredConsumers(kinesis, summary.StreamARN, args.signal) : []
  const notices: string[] = []
  const efoRow = (c: RegisteredConsumer) => ({
    consumerArn: c.consumerArn,
    kind: 'efo' as const,
    metric: EFO_CONSUMER_METRICS.millisBehindLatest,
    name: c.consumerName,
    status: c.status,
    ...(c.createdAt ? {createdAt: c.createdAt} : {}),
  })
  const pollingRow = {kind: 'polling' as const, metric: READ_STREAM_METRICS.iteratorAge, name: POLLING_ROW_NAME}

  if (cloudwatch === undefined) {
    const unknown = 'unknown — no CloudWatch locally (kinesis-local publishes no metrics)'
    notices.push(`Lag is ${unknown}; the registered consumers are listed as they are.`)
    return lagReport({
      cloudwatch: false,
      maxLagMs: args.maxLagMs,
      notices,
      rows: [pollingRow, ...registered.map(efoRow)].map((r) => ({...r, lagMs: null, peakLagMs: null, unknown})),
      streamName,
      windowSeconds: Math.round(args.windowMs / 1000),
    })
  }

  const window = metricWindow(args.now, args.windowMs)
  const q = (id: string, metric: string, dims: Record<string, string>) => ({
    id,
    query: {
      Id: id,
      MetricStat: {Metric: {Dimensions: Object.entries(dims).map(([Name, Value]) => ({Name, Value})), MetricName: metric, Namespace: NAMESPACE}, Period: KINESIS_METRIC_PERIOD_SECONDS, Stat: 'Maximum'},
      ReturnData: true,
    },
  })
  const queries = [q('stream_a', READ_STREAM_METRICS.iteratorAge, {StreamName: streamName}), ...registered.map((c, i) => q(`c${i}_l`, EFO_CONSUMER_METRICS.millisBehindLatest, {ConsumerName: c.consumerName, StreamName: streamName}))]
  const values = await fetchMetricData(cloudwatch, queries, window, {missingAsNaN: true, signal: args.signal})
  const measured = (series: Float64Array, none: string) => {
    const {latest, peak} = latestAndPeak(series)
    const i = latestIndex(series)
    return {
      lagMs: latest,
      peakLagMs: peak,
      ...(i >= 0 ? {at: new Date(window.startMs + i * KINESIS_METRIC_PERIOD_SECONDS * 1000).toISOString()} : {unknown: none}),
    }
  }
  const rows = [
    {...pollingRow, ...measured(values.get('stream_a')!, 'no GetRecords call in the window: no polling consumer read (a stopped consumer looks the same)')},
    ...registered.map((c, i) => ({...efoRow(c), ...measured(values.get(`c${i}_l`)!, 'no SubscribeToShard event in the window: the consumer is not subscribed')})),
  ]
  return lagReport({
    cloudwatch: true,
    from: new Date(window.startMs).toISOString(),
    maxLagMs: args.maxLagMs,
    notices,
    rows,
    streamName,
    to: new Date(window.endMs).toISOString(),
    windowSeconds: window.buckets * KINESIS_METRIC_PERIOD_SECONDS,
  })
}

/** The oldest known lag now across every consumer (the scale-in guard's figure), or null. */
export function oldestLag(report: LagReport): {name: string; lagMs: number} | null {
  const first = report.consumers.find((c) => c.lagMs !== null)
  return first ? {lagMs: first.lagMs!, name: first.name} : null
}
