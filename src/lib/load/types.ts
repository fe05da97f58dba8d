/**
 * The load layer's interface: what `clickops heat` shows and what `clickops scale` decides on.
 * Both sources (CloudWatch, a stream scan) produce a LoadSnapshot.
 */

export type LoadSourceName = 'cloudwatch' | 'stream'

/** One partition key's share of a shard's records over the window (from the stream source). */
export interface KeyLoad {
  partitionKey: string
  records: number
  bytes: number
  /** Fraction of the shard's records in the window, 0..1. */
  share: number
  /** Peak per-second utilisation this key alone puts on one shard (0..n; 1 = the shard limit). */
  peakUtilization: number
}

/** Write load of one open shard over the window. Rates are per second. */
export interface ShardLoad {
  shardId: string
  startingHashKey: string
  endingHashKey: string
  /** Mean over the window. */
  bytesPerSecond: number
  recordsPerSecond: number
  /** Highest per-second (stream source) or per-minute-average (CloudWatch) value in the window. */
  peakBytesPerSecond: number
  peakRecordsPerSecond: number
  /** Write throttles (WriteProvisionedThroughputExceeded) in the window. */
  writeThrottles: number
  /** max(bytes / 1 MiB, records / 1,000) per second, as a fraction of the shard write limit. */
  meanUtilization: number
  peakUtilization: number
  /** Utilisation per bucket across the window, oldest first (for sparklines). */
  series: number[]
  /** Hottest keys, most records first (stream source only). */
  topKeys?: KeyLoad[]
  /** Per-bucket sums across the window, oldest first, only when asked for (`withSums`: `heat --record`). */
  sums?: {bytes: number[]; records: number[]; throttles?: number[]}
  /**
   * True when the figures are not this shard's own but the stream total split by the shard's share
   * of the hash-key space (CloudWatch with enhanced monitoring off: `streamLevelOnly`).
   */
  estimated?: boolean
  /** Read side (`heat --read`): GetRecords calls throttled (ReadProvisionedThroughputExceeded) in the window. */
  readThrottles?: number
  /** Read side: IteratorAgeMilliseconds, the latest minute's maximum and the window's peak; null: no datapoint (nobody read). */
  iteratorAgeMs?: number | null
  peakIteratorAgeMs?: number | null
}

/** What producing a snapshot cost (API calls and bytes read), cumulative for a live feed. */
export interface LoadCost {
  /** CloudWatch source. */
  getMetricDataCalls?: number
  metricQueries?: number
  /** Stream source. */
  getShardIteratorCalls?: number
  getRecordsCalls?: number
  recordsRead?: number
  bytesRead?: number
  /** GetRecords calls refused with ProvisionedThroughputExceeded and retried. */
  readThrottles?: number
  listShardsCalls?: number
}

export interface LoadSnapshot {
  streamName: string
  source: LoadSourceName
  /** Window start and end, ISO-8601. */
  from: string
  to: string
  windowSeconds: number
  /** Seconds per bucket of `series` (1 for stream, 60 for CloudWatch). */
  bucketSeconds: number
  shards: ShardLoad[]
  /** Stream totals. */
  totalBytesPerSecond: number
  totalRecordsPerSecond: number
  writeThrottles: number
  /** True when only stream-level data was available (enhanced monitoring off). */
  streamLevelOnly: boolean
  /** Notices for the user (fallbacks, what the reading costs). */
  notices: string[]
  /** Open shards × the per-shard write limits: the stream's write capacity. */
  capacityBytesPerSecond?: number
  capacityRecordsPerSecond?: number
  /** Stream-wide utilisation per bucket (total against capacity), oldest first. */
  streamSeries?: number[]
  /** API calls and bytes the snapshot took. */
  cost?: LoadCost
  /** Which side the figures are: writes (the default, absent) or reads (`heat --read`, ReadLoadSnapshot). */
  side?: 'write' | 'read'
}
