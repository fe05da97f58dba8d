/** What a peer policy sees: the stream-level load so far (no peeking) and the stream's shard count. */
import {SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND} from '../../kinesis/limits.js'

export interface StreamView {
  /** Index of the minute just completed (the decision is made at its end). */
  minute: number
  /** Stream-wide write sums per minute, oldest first; entries after `minute` are not there yet. */
  bytes: ArrayLike<number>
  records: ArrayLike<number>
  openShards: number
  /** The minute the last change completed (its first minute on the new count); undefined: none yet. */
  lastChangeMinute?: number
}

/** A peer's decision: the shard count to UpdateShardCount to, or undefined to hold. */
export interface PeerPolicy {
  name: string
  /** The tool and the rules it follows, one line. */
  describe: string
  decide(view: StreamView): number | undefined
}

/**
 * The stream's utilisation in minute `m` measured against `shards` (total bytes/s ÷ (shards × 1 MiB)
 * or records/s ÷ (shards × 1,000), whichever is higher): what CloudWatch metric math over the
 * stream-level IncomingBytes and IncomingRecords gives.
 */
export function streamUtilizationAt(view: StreamView, m: number, shards = view.openShards): number {
  return Math.max(view.bytes[m] / 60 / (shards * SHARD_WRITE_BYTES_PER_SECOND), view.records[m] / 60 / (shards * SHARD_WRITE_RECORDS_PER_SECOND))
}

/** Minutes since the last change completed (Infinity before the first). */
export function minutesSinceChange(view: StreamView): number {
  return view.lastChangeMinute === undefined ? Number.POSITIVE_INFINITY : view.minute - view.lastChangeMinute + 1
}
