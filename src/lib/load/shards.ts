/** The open shards a load snapshot covers, with a not-found stream turned into its typed error. */
import type {KinesisClient, Shard} from '@aws-sdk/client-kinesis'

import {rangeOf} from '../kinesis/hashkey.js'
import {byHashRange, listShards, openShards} from '../kinesis/shards.js'
import {asStreamNotFound, describeStreamSummary} from '../kinesis/status.js'
import type {ShardIdentity} from './model.js'

export async function openShardsOf(kinesis: KinesisClient, streamName: string, targetName = 'this target'): Promise<Shard[]> {
  try {
    return byHashRange(openShards(await listShards(kinesis, streamName)))
  } catch (error) {
    throw asStreamNotFound(error, streamName, targetName)
  }
}

/** The shard-level metrics enabled on the stream (EnableEnhancedMonitoring), `ALL` expanded by the caller. */
export async function enhancedMetricsOf(kinesis: KinesisClient, streamName: string, targetName = 'this target'): Promise<Set<string>> {
  const summary = await describeStreamSummary(kinesis, streamName, targetName)
  return new Set((summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []))
}

export function identityOf(shard: Shard): ShardIdentity {
  const range = rangeOf(shard)
  return {endingHashKey: range.end.toString(), shardId: shard.ShardId!, startingHashKey: range.start.toString()}
}
