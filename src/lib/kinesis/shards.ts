/** Listing shards (ListShards has no paginator: later pages send NextToken without StreamName). */
import type {KinesisClient, Shard, ShardFilter} from '@aws-sdk/client-kinesis'

import * as Kinesis from '../aws/kinesis.js'

export async function listShards(kinesis: KinesisClient, streamName: string, filter?: ShardFilter): Promise<Shard[]> {
  const shards: Shard[] = []
  let nextToken: string | undefined
  do {
    const page = await Kinesis.listShards(
      kinesis,
      nextToken === undefined ? {StreamName: streamName, ShardFilter: filter, MaxResults: 10_000} : {NextToken: nextToken, MaxResults: 10_000},
    )
    shards.push(...(page.Shards ?? []))
    nextToken = page.NextToken
  } while (nextToken !== undefined)
  return shards
}

/** A shard is open while its sequence number range has no end. */
export function isOpen(shard: Shard): boolean {
  return shard.SequenceNumberRange?.EndingSequenceNumber === undefined
}

export function openShards(shards: readonly Shard[]): Shard[] {
  return shards.filter((s) => isOpen(s))
}

/** Shards sorted by the start of their hash range. */
export function byHashRange(shards: readonly Shard[]): Shard[] {
  return [...shards].sort((a, b) => {
    const x = BigInt(a.HashKeyRange!.StartingHashKey!)
    const y = BigInt(b.HashKeyRange!.StartingHashKey!)
    return x < y ? -1 : x > y ? 1 : 0
  })
}
