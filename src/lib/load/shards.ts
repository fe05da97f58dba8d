/** The open shards a load snapshot covers, with a not-found stream turned into its typed error. */
import {DescribeStreamSummaryCommand, type KinesisClient, type Shard} from '@aws-sdk/client-kinesis'

import {StreamNotFoundError} from '../errors.js'
import {rangeOf} from '../kinesis/hashkey.js'
import {byHashRange, listShards, openShards} from '../kinesis/shards.js'
import {isNotFound} from '../kinesis/status.js'
import type {ShardIdentity} from './model.js'

export async function openShardsOf(kinesis: KinesisClient, streamName: string, targetName = 'this target'): Promise<Shard[]> {
  try {
    return byHashRange(openShards(await listShards(kinesis, streamName)))
  } catch (error) {
    if (isNotFound(error)) throw new StreamNotFoundError(streamName, targetName, error)
    throw error
  }
}

/** The shard-level metrics enabled on the stream (EnableEnhancedMonitoring), `ALL` expanded by the caller. */
export async function enhancedMetricsOf(kinesis: KinesisClient, streamName: string, targetName = 'this target'): Promise<Set<string>> {
  try {
    const summary = (await kinesis.send(new DescribeStreamSummaryCommand({StreamName: streamName}))).StreamDescriptionSummary
    return new Set((summary?.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []))
  } catch (error) {
    if (isNotFound(error)) throw new StreamNotFoundError(streamName, targetName, error)
    throw error
  }
}

export function identityOf(shard: Shard): ShardIdentity {
  const range = rangeOf(shard)
  return {endingHashKey: range.end.toString(), shardId: shard.ShardId!, startingHashKey: range.start.toString()}
}
