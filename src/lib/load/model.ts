/**
 * The load model: pure functions from per-bucket byte and record counts to per-shard rates and
 * utilisation against the shard write limits (src/lib/kinesis/limits.ts). Both sources end here.
 */
import {formatInt} from '../format.js'
import {SHARD_GET_RECORDS_CALLS_PER_SECOND, SHARD_READ_BYTES_PER_SECOND, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND} from '../kinesis/limits.js'
import type {KeyLoad, LoadCost, LoadSnapshot, LoadSourceName, ShardLoad} from './types.js'

/**
 * The shard-level metrics clickops reads from CloudWatch (Sum per minute): what `provision
 * --enhanced-monitoring` enables, no more (each is billed per shard and month).
 */
export const HEAT_SHARD_METRICS = ['IncomingBytes', 'IncomingRecords', 'WriteProvisionedThroughputExceeded'] as const

/**
 * Utilisation of one shard's write limit: max(bytes / 1 MiB, records / 1,000) per second, as a
 * fraction (1 = at the limit, above 1 = over it, which Kinesis throttles).
 */
export function utilization(bytesPerSecond: number, recordsPerSecond: number): number {
  return Math.max(bytesPerSecond / SHARD_WRITE_BYTES_PER_SECOND, recordsPerSecond / SHARD_WRITE_RECORDS_PER_SECOND)
}

/** The bytes a record counts against the write limit: its data plus its partition key (UTF-8). */
export function recordBytes(dataBytes: number, partitionKey: string): number {
  return dataBytes + Buffer.byteLength(partitionKey, 'utf8')
}

/** The absolute heat scale: below 50% cool, 50–80% warm, 80–100% hot, above 100% or throttled. */
export type HeatLevel = 'cool' | 'warm' | 'hot' | 'throttled'
export const HEAT_WARM = 0.5
export const HEAT_HOT = 0.8

const pct = (f: number) => `${Math.round(f * 100)}%`
const mib = (bytes: number) => `${bytes / (1024 * 1024)} MiB`

/** The limits and the scale in words, from the numbers above (help texts of heat and scale). */
export const LIMIT_TEXT = {
  /** "max(bytes/s ÷ 1 MiB, records/s ÷ 1,000)" */
  utilization: `max(bytes/s ÷ ${mib(SHARD_WRITE_BYTES_PER_SECOND)}, records/s ÷ ${formatInt(SHARD_WRITE_RECORDS_PER_SECOND)})`,
  /** "1 MiB/s or 1,000 records/s" */
  write: `${mib(SHARD_WRITE_BYTES_PER_SECOND)}/s or ${formatInt(SHARD_WRITE_RECORDS_PER_SECOND)} records/s`,
  /** "2 MiB/s, 5 GetRecords/s" */
  read: `${mib(SHARD_READ_BYTES_PER_SECOND)}/s, ${SHARD_GET_RECORDS_CALLS_PER_SECOND} GetRecords/s`,
  /** "below 50% cool, 50–80% warm, 80–100% hot, over 100% or throttled" */
  heatScale: `below ${pct(HEAT_WARM)} cool, ${pct(HEAT_WARM).slice(0, -1)}–${pct(HEAT_HOT)} warm, ${pct(HEAT_HOT).slice(0, -1)}–100% hot, over 100% or throttled`,
} as const

export function heatLevel(utilizationFraction: number, throttles = 0): HeatLevel {
  if (throttles > 0 || utilizationFraction > 1) return 'throttled'
  if (utilizationFraction >= HEAT_HOT) return 'hot'
  if (utilizationFraction >= HEAT_WARM) return 'warm'
  return 'cool'
}

export interface ShardIdentity {
  shardId: string
  startingHashKey: string
  endingHashKey: string
}

export interface ShardBuckets {
  /** Bytes and records per bucket (sums), oldest first; equal lengths. */
  bytes: ArrayLike<number>
  records: ArrayLike<number>
  /** Write throttles per bucket, or a total. */
  throttles?: ArrayLike<number> | number
}

/**
 * A shard's load from its per-bucket sums. Means are over the whole window (buckets × seconds);
 * peaks are the busiest bucket's rate; utilisation per bucket feeds the sparkline.
 */
export function shardLoadFromBuckets(
  shard: ShardIdentity,
  buckets: ShardBuckets,
  bucketSeconds: number,
  topKeys?: KeyLoad[],
): ShardLoad {
  const n = buckets.bytes.length
  const windowSeconds = n * bucketSeconds
  let totalBytes = 0
  let totalRecords = 0
  let peakBytes = 0
  let peakRecords = 0
  const series = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const b = buckets.bytes[i]
    const r = buckets.records[i]
    totalBytes += b
    totalRecords += r
    if (b > peakBytes) peakBytes = b
    if (r > peakRecords) peakRecords = r
    series[i] = utilization(b / bucketSeconds, r / bucketSeconds)
  }
  let throttles = 0
  if (typeof buckets.throttles === 'number') throttles = buckets.throttles
  else if (buckets.throttles) for (let i = 0; i < buckets.throttles.length; i++) throttles += buckets.throttles[i]
  const bytesPerSecond = windowSeconds > 0 ? totalBytes / windowSeconds : 0
  const recordsPerSecond = windowSeconds > 0 ? totalRecords / windowSeconds : 0
  // Fields named one by one (no object spread): a backtest builds this hundreds of thousands of times.
  const load: ShardLoad = {
    shardId: shard.shardId,
    startingHashKey: shard.startingHashKey,
    endingHashKey: shard.endingHashKey,
    bytesPerSecond,
    recordsPerSecond,
    peakBytesPerSecond: peakBytes / bucketSeconds,
    peakRecordsPerSecond: peakRecords / bucketSeconds,
    writeThrottles: throttles,
    meanUtilization: utilization(bytesPerSecond, recordsPerSecond),
    peakUtilization: utilization(peakBytes / bucketSeconds, peakRecords / bucketSeconds),
    series,
  }
  if (topKeys !== undefined) load.topKeys = topKeys
  return load
}

/** The stream's utilisation of its whole write capacity (the open shards' limits together). */
export function streamUtilization(bytesPerSecond: number, recordsPerSecond: number, openShards: number): number {
  if (openShards <= 0) return 0
  return utilization(bytesPerSecond / openShards, recordsPerSecond / openShards)
}

export interface SnapshotParts {
  streamName: string
  source: LoadSourceName
  fromMs: number
  toMs: number
  windowSeconds: number
  bucketSeconds: number
  shards: ShardLoad[]
  /** Stream-wide sums per bucket (bytes, records), oldest first. */
  streamBytes: ArrayLike<number>
  streamRecords: ArrayLike<number>
  /** Stream-wide throttles when known apart from the shards (stream-level metrics). */
  streamThrottles?: number
  streamLevelOnly: boolean
  notices: string[]
  cost?: LoadCost
}

/** Assembles a snapshot: stream totals, capacity and the stream-wide utilisation series. */
export function assembleSnapshot(p: SnapshotParts): LoadSnapshot {
  const n = p.streamBytes.length
  let bytes = 0
  let records = 0
  const streamSeries = new Array<number>(n)
  const open = p.shards.length
  for (let i = 0; i < n; i++) {
    bytes += p.streamBytes[i]
    records += p.streamRecords[i]
    streamSeries[i] = streamUtilization(p.streamBytes[i] / p.bucketSeconds, p.streamRecords[i] / p.bucketSeconds, open)
  }
  const writeThrottles = p.streamThrottles ?? p.shards.reduce((t, s) => t + s.writeThrottles, 0)
  const snapshot: LoadSnapshot = {
    streamName: p.streamName,
    source: p.source,
    from: new Date(p.fromMs).toISOString(),
    to: new Date(p.toMs).toISOString(),
    windowSeconds: p.windowSeconds,
    bucketSeconds: p.bucketSeconds,
    shards: p.shards,
    totalBytesPerSecond: p.windowSeconds > 0 ? bytes / p.windowSeconds : 0,
    totalRecordsPerSecond: p.windowSeconds > 0 ? records / p.windowSeconds : 0,
    writeThrottles,
    streamLevelOnly: p.streamLevelOnly,
    notices: p.notices,
    capacityBytesPerSecond: open * SHARD_WRITE_BYTES_PER_SECOND,
    capacityRecordsPerSecond: open * SHARD_WRITE_RECORDS_PER_SECOND,
    streamSeries,
  }
  if (p.cost !== undefined) snapshot.cost = p.cost
  return snapshot
}
