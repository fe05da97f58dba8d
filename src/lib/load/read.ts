/**
 * The read side of a stream from CloudWatch: per shard OutgoingBytes, OutgoingRecords,
 * ReadProvisionedThroughputExceeded (Sum per minute) and IteratorAgeMilliseconds (Maximum per
 * minute), and per registered enhanced fan-out consumer its SubscribeToShardEvent.* metrics.
 * `clickops heat --read` shows it; `clickops lag` and the scale-in guard use its iterator ages.
 *
 * Facts (CloudWatch namespace AWS/Kinesis, period 60 s; sources: the Developer Guide's "Monitor the
 * Amazon Kinesis Data Streams service with Amazon CloudWatch",
 * https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html, and the API
 * Reference's EnhancedMetrics, https://docs.aws.amazon.com/kinesis/latest/APIReference/API_EnhancedMetrics.html):
 * - shard level (dimensions StreamName + ShardId; only with EnableEnhancedMonitoring of each metric):
 *   OutgoingBytes, OutgoingRecords, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds.
 * - stream level (dimension StreamName; always there, polling consumers only): GetRecords.Bytes,
 *   GetRecords.Records, ReadProvisionedThroughputExceeded, GetRecords.IteratorAgeMilliseconds.
 * - enhanced fan-out, per consumer (dimensions StreamName + ConsumerName, across all shards):
 *   SubscribeToShardEvent.Bytes, SubscribeToShardEvent.Records, SubscribeToShardEvent.MillisBehindLatest.
 * - Read limits: polling consumers share 2 MiB/s per shard; each registered EFO consumer has 2 MiB/s
 *   per shard of its own (src/lib/kinesis/limits.ts). CloudWatch has no per-shard EFO figure, so a
 *   consumer's utilisation is its bytes/s against 2 MiB/s × open shards (its average shard).
 */
import type {CloudWatchClient, MetricDataQuery} from '@aws-sdk/client-cloudwatch'
import type {KinesisClient} from '@aws-sdk/client-kinesis'

import {rangeOf, rangeShare} from '../kinesis/hashkey.js'
import {KINESIS_METRIC_PERIOD_SECONDS, SHARD_READ_BYTES_PER_SECOND} from '../kinesis/limits.js'
import {listRegisteredConsumers, type RegisteredConsumer} from '../kinesis/consumer-list.js'
import {describeStreamSummary} from '../kinesis/status.js'
import {fetchMetricData, metricWindow, NAMESPACE} from './cloudwatch.js'
import {identityOf, openShardsOf} from './shards.js'
import type {LoadCost, LoadSnapshot, ShardLoad} from './types.js'

export const READ_SHARD_METRICS = ['OutgoingBytes', 'OutgoingRecords', 'ReadProvisionedThroughputExceeded', 'IteratorAgeMilliseconds'] as const
/** The stream-level metrics for polling consumers (no enhanced monitoring needed). */
export const READ_STREAM_METRICS = {
  bytes: 'GetRecords.Bytes',
  iteratorAge: 'GetRecords.IteratorAgeMilliseconds',
  records: 'GetRecords.Records',
  throttles: 'ReadProvisionedThroughputExceeded',
} as const
/** Per registered enhanced fan-out consumer (dimension ConsumerName). */
export const EFO_CONSUMER_METRICS = {
  bytes: 'SubscribeToShardEvent.Bytes',
  millisBehindLatest: 'SubscribeToShardEvent.MillisBehindLatest',
  records: 'SubscribeToShardEvent.Records',
} as const

/** One registered enhanced fan-out consumer's reads over the window. */
export interface ConsumerReadLoad extends RegisteredConsumer {
  bytesPerSecond: number
  peakBytesPerSecond: number
  recordsPerSecond: number
  /** Against its own 2 MiB/s per shard × open shards. */
  meanUtilization: number
  peakUtilization: number
  /** SubscribeToShardEvent.MillisBehindLatest: the latest minute's maximum and the window's peak; null without datapoints. */
  millisBehindLatest: number | null
  peakMillisBehindLatest: number | null
}

export type ReadLoadSnapshot = LoadSnapshot & {
  side: 'read'
  /** ReadProvisionedThroughputExceeded in the window (GetRecords calls throttled). */
  readThrottles: number
  /** The oldest iterator on any shard: latest minute and peak (polling consumers). */
  iteratorAgeMs: number | null
  peakIteratorAgeMs: number | null
  consumers: ConsumerReadLoad[]
}

export interface ReadLoadArgs {
  kinesis: KinesisClient
  cloudwatch: CloudWatchClient
  streamName: string
  windowMs: number
  now: Date
  signal?: AbortSignal
  targetName?: string
  concurrency?: number
  onNotice?: (msg: string) => void
}

type Stat = 'Sum' | 'Maximum'

function query(id: string, metric: string, stat: Stat, dims: Record<string, string>): {id: string; query: MetricDataQuery} {
  return {
    id,
    query: {
      Id: id,
      MetricStat: {Metric: {Dimensions: Object.entries(dims).map(([Name, Value]) => ({Name, Value})), MetricName: metric, Namespace: NAMESPACE}, Period: KINESIS_METRIC_PERIOD_SECONDS, Stat: stat},
      ReturnData: true,
    },
  }
}

/** Latest bucket with a datapoint, and the peak; null when there is none (NaN = no datapoint). */
export function latestAndPeak(series: ArrayLike<number>): {latest: number | null; peak: number | null} {
  let latest: number | null = null
  let peak: number | null = null
  for (let i = 0; i < series.length; i++) {
    const v = series[i]
    if (Number.isNaN(v)) continue
    latest = v
    if (peak === null || v > peak) peak = v
  }
  return {latest, peak}
}

function sumOf(xs: ArrayLike<number>): number {
  let t = 0
  for (let i = 0; i < xs.length; i++) t += Number.isNaN(xs[i]) ? 0 : xs[i]
  return t
}

function maxOf(xs: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i]
  return m
}

/** A shard's read load from its per-minute sums and ages (pure). */
export function shardReadLoad(
  id: {shardId: string; startingHashKey: string; endingHashKey: string},
  m: {bytes: ArrayLike<number>; records: ArrayLike<number>; throttles: number; ages: ArrayLike<number>},
  bucketSeconds: number,
): ShardLoad {
  const n = m.bytes.length
  const windowSeconds = n * bucketSeconds
  const series = Array.from({length: n}, (_, i) => m.bytes[i] / bucketSeconds / SHARD_READ_BYTES_PER_SECOND)
  const bytes = sumOf(m.bytes)
  const records = sumOf(m.records)
  const ages = latestAndPeak(m.ages)
  const bytesPerSecond = windowSeconds > 0 ? bytes / windowSeconds : 0
  const peakBytesPerSecond = maxOf(m.bytes) / bucketSeconds
  return {
    ...id,
    bytesPerSecond,
    iteratorAgeMs: ages.latest,
    meanUtilization: bytesPerSecond / SHARD_READ_BYTES_PER_SECOND,
    peakBytesPerSecond,
    peakIteratorAgeMs: ages.peak,
    peakRecordsPerSecond: maxOf(m.records) / bucketSeconds,
    peakUtilization: peakBytesPerSecond / SHARD_READ_BYTES_PER_SECOND,
    readThrottles: m.throttles,
    recordsPerSecond: windowSeconds > 0 ? records / windowSeconds : 0,
    series,
    writeThrottles: 0,
  }
}

/**
 * One read-side snapshot over [now − window, now] (whole minutes). Without the shard-level read
 * metrics enabled, the stream-level GetRecords.* figures are split by hash-range share and marked
 * estimated, and a notice says so (with the command that enables them).
 */
export async function collectReadLoad(args: ReadLoadArgs): Promise<ReadLoadSnapshot> {
  const {cloudwatch, kinesis, streamName} = args
  const notices: string[] = []
  const notice = (m: string) => {
    notices.push(m)
    args.onNotice?.(m)
  }
  const [summary, shards] = await Promise.all([describeStreamSummary(kinesis, streamName, args.targetName), openShardsOf(kinesis, streamName, args.targetName)])
  const enabled = new Set((summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []))
  const has = (metric: string) => enabled.has('ALL') || enabled.has(metric as never)
  const consumers = summary.StreamARN ? await listRegisteredConsumers(kinesis, summary.StreamARN, args.signal) : []
  const window = metricWindow(args.now, args.windowMs)
  const ids = shards.map((s) => identityOf(s))
  const shardLevel = has('OutgoingBytes') && has('OutgoingRecords')
  const shardThrottles = shardLevel && has('ReadProvisionedThroughputExceeded')
  const shardAges = shardLevel && has('IteratorAgeMilliseconds')
  const dims = (shardId?: string): Record<string, string> => (shardId === undefined ? {StreamName: streamName} : {ShardId: shardId, StreamName: streamName})

  const sums: ReturnType<typeof query>[] = []
  const maxima: ReturnType<typeof query>[] = []
  if (shardLevel) {
    ids.forEach((s, i) => {
      sums.push(query(`s${i}_b`, 'OutgoingBytes', 'Sum', dims(s.shardId)), query(`s${i}_r`, 'OutgoingRecords', 'Sum', dims(s.shardId)))
      if (shardThrottles) sums.push(query(`s${i}_t`, 'ReadProvisionedThroughputExceeded', 'Sum', dims(s.shardId)))
      if (shardAges) maxima.push(query(`s${i}_a`, 'IteratorAgeMilliseconds', 'Maximum', dims(s.shardId)))
    })
  } else {
    sums.push(query('stream_b', READ_STREAM_METRICS.bytes, 'Sum', dims()), query('stream_r', READ_STREAM_METRICS.records, 'Sum', dims()))
  }
  if (!shardThrottles) sums.push(query('stream_t', READ_STREAM_METRICS.throttles, 'Sum', dims()))
  if (!shardAges) maxima.push(query('stream_a', READ_STREAM_METRICS.iteratorAge, 'Maximum', dims()))
  consumers.forEach((c, i) => {
    const d = {ConsumerName: c.consumerName, StreamName: streamName}
    sums.push(query(`c${i}_b`, EFO_CONSUMER_METRICS.bytes, 'Sum', d), query(`c${i}_r`, EFO_CONSUMER_METRICS.records, 'Sum', d))
    maxima.push(query(`c${i}_l`, EFO_CONSUMER_METRICS.millisBehindLatest, 'Maximum', d))
  })

  const cost: LoadCost = {}
  const options = {concurrency: args.concurrency, cost, signal: args.signal}
  const [sumValues, maxValues] = await Promise.all([fetchMetricData(cloudwatch, sums, window, options), fetchMetricData(cloudwatch, maxima, window, {...options, missingAsNaN: true})])

  const enable = (metrics: string[]) =>
    `aws kinesis enable-enhanced-monitoring --stream-name ${streamName} --shard-level-metrics ${metrics.join(' ')}`
  const missing = READ_SHARD_METRICS.filter((m) => !has(m))
  if (!shardLevel) {
    notice(
      `Shard-level read metrics (OutgoingBytes, OutgoingRecords) are not enabled on stream "${streamName}": each shard's figures are the stream-level GetRecords.* total (polling consumers only) split by its share of the hash-key space, and its iterator age is the stream's. Enable them (billed per shard and metric) with: ${enable(missing)}`,
    )
  } else if (missing.length > 0) {
    notice(`Shard-level ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not enabled on stream "${streamName}": ${missing.length === 1 ? 'it is' : 'they are'} the stream-level figure${missing.length === 1 ? '' : 's'} instead. Enable with: ${enable(missing)}`)
  }

  const bucket = KINESIS_METRIC_PERIOD_SECONDS
  const streamAges = maxValues.get('stream_a')
  const streamThrottles = sumValues.get('stream_t')
  const loads = ids.map((id, i) => {
    const share = rangeShare(rangeOf(shards[i]))
    const bytes = shardLevel ? sumValues.get(`s${i}_b`)! : sumValues.get('stream_b')!.map((b) => b * share)
    const records = shardLevel ? sumValues.get(`s${i}_r`)! : sumValues.get('stream_r')!.map((r) => r * share)
    const throttles = shardThrottles ? sumOf(sumValues.get(`s${i}_t`)!) : sumOf(streamThrottles!) * share
    const ages = shardAges ? maxValues.get(`s${i}_a`)! : streamAges!
    const load = shardReadLoad(id, {ages, bytes, records, throttles}, bucket)
    if (!shardLevel) load.estimated = true
    return load
  })

  const open = Math.max(1, shards.length)
  const consumerLoads: ConsumerReadLoad[] = consumers.map((c, i) => {
    const b = sumValues.get(`c${i}_b`)!
    const r = sumValues.get(`c${i}_r`)!
    const lag = latestAndPeak(maxValues.get(`c${i}_l`)!)
    const windowSeconds = window.buckets * bucket
    const bytesPerSecond = sumOf(b) / windowSeconds
    const peakBytesPerSecond = maxOf(b) / bucket
    return {
      ...c,
      bytesPerSecond,
      meanUtilization: bytesPerSecond / (SHARD_READ_BYTES_PER_SECOND * open),
      millisBehindLatest: lag.latest,
      peakBytesPerSecond,
      peakMillisBehindLatest: lag.peak,
      peakUtilization: peakBytesPerSecond / (SHARD_READ_BYTES_PER_SECOND * open),
      recordsPerSecond: sumOf(r) / windowSeconds,
    }
  })
  if (consumers.length > 0) notice('Enhanced fan-out consumers have 2 MiB/s per shard each, apart from the polling consumers; CloudWatch reports them per consumer across all shards, so a consumer\'s utilisation is against its average shard.')

  const windowSeconds = window.buckets * bucket
  const streamBytes = new Float64Array(window.buckets)
  let totalThrottles = 0
  let oldest: number | null = null
  let peakAge: number | null = null
  for (const s of loads) {
    totalThrottles += s.readThrottles ?? 0
    if (s.iteratorAgeMs != null && (oldest === null || s.iteratorAgeMs > oldest)) oldest = s.iteratorAgeMs
    if (s.peakIteratorAgeMs != null && (peakAge === null || s.peakIteratorAgeMs > peakAge)) peakAge = s.peakIteratorAgeMs
  }
  for (let k = 0; k < window.buckets; k++) {
    for (let i = 0; i < loads.length; i++) {
      streamBytes[k] += loads[i].series[k] * SHARD_READ_BYTES_PER_SECOND * bucket
    }
  }
  let totalBytes = 0
  let totalRecords = 0
  for (const s of loads) {
    totalBytes += s.bytesPerSecond
    totalRecords += s.recordsPerSecond
  }
  const capacity = shards.length * SHARD_READ_BYTES_PER_SECOND
  return {
    bucketSeconds: bucket,
    capacityBytesPerSecond: capacity,
    consumers: consumerLoads,
    cost,
    from: new Date(window.startMs).toISOString(),
    iteratorAgeMs: oldest,
    notices,
    peakIteratorAgeMs: peakAge,
    readThrottles: shardThrottles ? totalThrottles : sumOf(streamThrottles!),
    shards: loads,
    side: 'read',
    source: 'cloudwatch',
    streamLevelOnly: !shardLevel,
    streamName,
    streamSeries: Array.from(streamBytes, (b) => (capacity > 0 ? b / bucket / capacity : 0)),
    to: new Date(window.endMs).toISOString(),
    totalBytesPerSecond: totalBytes,
    totalRecordsPerSecond: totalRecords,
    windowSeconds,
    writeThrottles: 0,
  }
}
