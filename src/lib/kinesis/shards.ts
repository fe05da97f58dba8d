/** Listing shards (ListShards has no paginator: later pages send NextToken without StreamName). */
import {ListShardsCommand, type KinesisClient, type Shard, type ShardFilter} from '@aws-sdk/client-kinesis'

export async function listShards(kinesis: KinesisClient, streamName: string, filter?: ShardFilter): Promise<Shard[]> {
  const shards: Shard[] = []
  let nextToken: string | undefined
  do {
    const page = await kinesis.send(
      nextToken === undefined
        ? new ListShardsCommand({StreamName: streamName, ShardFilter: filter, MaxResults: 10_000})
        : new ListShardsCommand({NextToken: nextToken, MaxResults: 10_000}),
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
