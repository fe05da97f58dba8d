/**
 * The load layer: per-shard write load of a stream over a window, from CloudWatch or from the
 * stream itself, and the utilisation model. `clickops heat` shows it; `clickops scale` decides on it.
 *
 *   collectLoad(...)   one snapshot of every open shard over [now − window, now]
 *   openLoadFeed(...)  the live variant: next(now) per refresh (the stream source keeps following)
 *   utilization(b, r)  max(b / 1 MiB, r / 1,000): the fraction of one shard's write limit
 */
import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {KinesisClient} from '@aws-sdk/client-kinesis'

import {UsageError} from '../errors.js'
import {collectCloudWatchLoad} from './cloudwatch.js'
import {StreamLoadFeed} from './stream.js'
import type {LoadSnapshot, LoadSourceName} from './types.js'

export {checkSourceAvailable, checkWindow, defaultSource, LOAD_SOURCES, WINDOW_BOUNDS} from './sources.js'
export {heatLevel, HEAT_HOT, HEAT_WARM, recordBytes, utilization, type HeatLevel} from './model.js'
export type {KeyLoad, LoadCost, LoadSnapshot, LoadSourceName, ShardLoad} from './types.js'

export interface CollectLoadArgs {
  source: LoadSourceName
  kinesis: KinesisClient
  /** Required for the cloudwatch source. */
  cloudwatch?: CloudWatchClient
  streamName: string
  windowMs: number
  now: Date
  onNotice?: (msg: string) => void
  signal?: AbortSignal
  /** Named in errors ("does not exist on target local"). */
  targetName?: string
  /** Hottest keys reported per shard (stream source; default 5). */
  topKeys?: number
  /** Concurrent GetMetricData calls (cloudwatch) or shards read at once (stream). */
  concurrency?: number
  /** Keep each shard's per-bucket sums in the snapshot (ShardLoad.sums), for `heat --record`. */
  withSums?: boolean
}

/** A live load source: each next(now) is a snapshot over [now − window, now]. */
export interface LoadFeed {
  readonly source: LoadSourceName
  next(now: Date): Promise<LoadSnapshot>
  close(): void
}

export function openLoadFeed(args: Omit<CollectLoadArgs, 'now'>): LoadFeed {
  if (args.source === 'stream') return new StreamLoadFeed(args)
  if (args.source !== 'cloudwatch') throw new UsageError(`Unknown load source "${String(args.source)}".`, 'Use cloudwatch or stream.')
  const cloudwatch = args.cloudwatch
  if (cloudwatch === undefined) throw new UsageError('The cloudwatch load source needs a CloudWatch client.')
  let closed = false
  return {
    close() {
      closed = true
    },
    next(now: Date) {
      if (closed) return Promise.reject(new Error('The load feed is closed.'))
      return collectCloudWatchLoad({...args, cloudwatch, now})
    },
    source: 'cloudwatch',
  }
}

/**
 * One snapshot of every open shard over [now − window, now]. The stream source reads from
 * AT_TIMESTAMP(now − window) to the tip once and returns.
 */
export async function collectLoad(args: CollectLoadArgs): Promise<LoadSnapshot> {
  const feed = openLoadFeed(args)
  try {
    return await feed.next(args.now)
  } finally {
    feed.close()
  }
}
