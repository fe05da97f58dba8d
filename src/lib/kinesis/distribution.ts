/**
 * The record distribution strategy of a stream: the one definition of what it means.
 *
 * `USER_PARTITION_KEY` (the default): the MD5 hash of the partition key (or the ExplicitHashKey)
 * picks the shard, so all records of a key are in one shard at a time (hashkey.ts).
 * `AUTO`: Kinesis spreads records evenly over the shards "and ignores any partition key and
 * ExplicitHashKey that producers supply"; records of one key may be in any shard. The setting is
 * changed with UpdateStreamRecordDistributionStrategy, takes effect for new records only (records
 * already in the stream keep their shards) and is supported only on on-demand streams
 * (InvalidArgumentException on a provisioned one).
 *
 * Sources: the @aws-sdk/client-kinesis 3.1141 models (RecordDistributionStrategy enum,
 * StreamDescriptionSummary.RecordDistributionStrategy "only present for streams that use the
 * on-demand capacity mode", UpdateStreamRecordDistributionStrategyCommand, PutRecord's PartitionKey
 * documentation). kinesis-local 0.6.2 neither implements UpdateStreamRecordDistributionStrategy
 * (it answers AccessDeniedException "Unable to determine service/operation name") nor reports the
 * field: a stream that does not report it is treated as USER_PARTITION_KEY, as before.
 */
import type {KinesisClient, StreamDescriptionSummary} from '@aws-sdk/client-kinesis'
import * as Kinesis from '../aws/kinesis.js'

export type RecordDistribution = 'USER_PARTITION_KEY' | 'AUTO'

export interface DistributionInfo {
  strategy: RecordDistribution
  /** False when DescribeStreamSummary did not name a strategy (provisioned streams, emulators). */
  reported: boolean
}

export function distributionOf(summary: Pick<StreamDescriptionSummary, 'RecordDistributionStrategy'> | undefined): DistributionInfo {
  const value = summary?.RecordDistributionStrategy
  if (value === 'AUTO') return {reported: true, strategy: 'AUTO'}
  return {reported: value === 'USER_PARTITION_KEY', strategy: 'USER_PARTITION_KEY'}
}

/** Whether the partition key decides the shard (false on AUTO streams). */
export function keysMapToShards(strategy: RecordDistribution | undefined): boolean {
  return strategy !== 'AUTO'
}

/** The sentence commands print when a key cannot be placed on a shard. */
export const AUTO_NOTICE = 'The stream distributes records AUTO: Kinesis ignores partition keys, so a key\'s records may be in any shard'

/**
 * The stream's strategy from DescribeStreamSummary; when the call fails or the field is absent, the
 * default (USER_PARTITION_KEY, `reported` false): callers behave as they did before AUTO existed.
 */
export async function readDistribution(kinesis: KinesisClient, streamName: string): Promise<DistributionInfo> {
  try {
    const out = await Kinesis.describeStreamSummary(kinesis, {StreamName: streamName})
    return distributionOf(out?.StreamDescriptionSummary)
  } catch {
    return distributionOf(undefined)
  }
}
