/** The stream's summary as `clickops status` shows it. */
import type {KinesisClient, StreamDescriptionSummary, Tag} from '@aws-sdk/client-kinesis'

import {StreamNotFoundError} from '../errors.js'
import {describeCapacity, type StreamCapacity} from './capacity.js'
import {distributionOf, type RecordDistribution} from './distribution.js'
import {rangeOf, rangeShare} from './hashkey.js'
import {MAX_RECORD_SIZE_KIB_DEFAULT} from './limits.js'
import {byHashRange, isOpen, listShards} from './shards.js'
import * as Kinesis from '../aws/kinesis.js'

export interface ShardSummary {
  shardId: string
  startingHashKey: string
  endingHashKey: string
  /** Share of the hash-key space, in percent. */
  hashSpacePercent: number
  parentShardId?: string
}

export interface StreamStatus {
  streamName: string
  streamArn: string
  status: string
  mode: 'PROVISIONED' | 'ON_DEMAND'
  openShardCount: number
  closedShardCount: number
  retentionHours: number
  encryption: 'KMS' | 'NONE'
  kmsKeyId?: string
  /** Shard-level metrics enabled with EnableEnhancedMonitoring. */
  enhancedMonitoring: string[]
  tags: Record<string, string>
  createdAt?: string
  openShards: ShardSummary[]
  /** Capacity mode (provisioned / on-demand Standard / on-demand Advantage), account setting, warm throughput. */
  capacity: StreamCapacity
  /** Per stream: the largest record it accepts, KiB (MaxRecordSizeInKiB; 1024 when not reported). */
  maxRecordSizeKiB: number
  /** Per stream: how records are placed on shards; `recordDistributionReported` false when not reported. */
  recordDistribution: RecordDistribution
  recordDistributionReported: boolean
}

export function isNotFound(error: unknown): boolean {
  return (error as {name?: string})?.name === 'ResourceNotFoundException'
}

/** `error` as StreamNotFoundError when Kinesis said the stream does not exist; otherwise `error` itself. */
export function asStreamNotFound(error: unknown, streamName: string, targetName = 'this target'): unknown {
  return isNotFound(error) ? new StreamNotFoundError(streamName, targetName, error) : error
}

/** Whether the stream exists (DescribeStreamSummary). */
export async function streamExists(kinesis: KinesisClient, streamName: string): Promise<boolean> {
  try {
    await Kinesis.describeStreamSummary(kinesis, {StreamName: streamName})
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
}

/** DescribeStreamSummary, with a missing stream turned into StreamNotFoundError. */
export async function describeStreamSummary(kinesis: KinesisClient, streamName: string, targetName = 'this target'): Promise<StreamDescriptionSummary> {
  let summary
  try {
    summary = (await Kinesis.describeStreamSummary(kinesis, {StreamName: streamName})).StreamDescriptionSummary
  } catch (error) {
    throw asStreamNotFound(error, streamName, targetName)
  }
  if (summary === undefined) throw new StreamNotFoundError(streamName, targetName)
  return summary
}

export async function getStreamStatus(kinesis: KinesisClient, streamName: string, targetName = 'this target'): Promise<StreamStatus> {
  const summary = await describeStreamSummary(kinesis, streamName, targetName)
  const [shards, tags] = await Promise.all([listShards(kinesis, streamName), listTags(kinesis, streamName)])
  const open = byHashRange(shards.filter((s) => isOpen(s)))
  return {
    streamName,
    streamArn: summary.StreamARN ?? '',
    status: summary.StreamStatus ?? 'UNKNOWN',
    mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED',
    openShardCount: open.length,
    closedShardCount: shards.length - open.length,
    retentionHours: summary.RetentionPeriodHours ?? 24,
    encryption: summary.EncryptionType === 'KMS' ? 'KMS' : 'NONE',
    kmsKeyId: summary.KeyId,
    enhancedMonitoring: (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []).sort(),
    tags: Object.fromEntries(tags.map((t) => [t.Key!, t.Value ?? ''])),
    createdAt: summary.StreamCreationTimestamp?.toISOString(),
    openShards: open.map((s) => {
      const range = rangeOf(s)
      return {
        shardId: s.ShardId!,
        startingHashKey: range.start.toString(),
        endingHashKey: range.end.toString(),
        hashSpacePercent: Math.round(rangeShare(range) * 100 * 1000) / 1000,
        parentShardId: s.ParentShardId,
      }
    }),
    capacity: await describeCapacity(kinesis, summary),
    maxRecordSizeKiB: summary.MaxRecordSizeInKiB ?? MAX_RECORD_SIZE_KIB_DEFAULT,
    recordDistribution: distributionOf(summary).strategy,
    recordDistributionReported: distributionOf(summary).reported,
  }
}

/** All tags of a stream (ListTagsForStream pages with ExclusiveStartTagKey). */
export async function listTags(kinesis: KinesisClient, streamName: string): Promise<Tag[]> {
  const tags: Tag[] = []
  let exclusiveStartTagKey: string | undefined
  for (;;) {
    const page = await Kinesis.listTagsForStream(kinesis, {StreamName: streamName, ExclusiveStartTagKey: exclusiveStartTagKey})
    tags.push(...(page.Tags ?? []))
    if (!page.HasMoreTags || !page.Tags?.length) return tags
    exclusiveStartTagKey = page.Tags.at(-1)!.Key
  }
}
