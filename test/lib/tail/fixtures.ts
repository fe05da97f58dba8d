/** Shared fixtures of the tail tests: a synthetic reshard history, writing to and counting calls on a real client. */
import {PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry, type Shard} from '@aws-sdk/client-kinesis'
import {createRequire} from 'node:module'

import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {PUT_RECORDS_MAX_RECORDS} from '../../../src/lib/kinesis/limits.js'

export const shardName = (n: number) => `shardId-${String(n).padStart(12, '0')}`

/**
 * A ListShards result after 4 shards were split into 8 and merged back into 4, as UpdateShardCount
 * lays them out: 0–3 closed, 4–11 closed (children of 0–3), 12–15 open (each merging two of 4–11).
 */
export function reshardHistory(): Shard[] {
  const shards: Shard[] = []
  let seq = 1000n
  const add = (n: number, r: {start: bigint; end: bigint}, parents: number[], closed: boolean) =>
    shards.push({
      AdjacentParentShardId: parents[1] === undefined ? undefined : shardName(parents[1]),
      HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
      ParentShardId: parents[0] === undefined ? undefined : shardName(parents[0]),
      SequenceNumberRange: {EndingSequenceNumber: closed ? '9223372036854775807' : undefined, StartingSequenceNumber: (seq += 1000n).toString()},
      ShardId: shardName(n),
    })
  uniformRanges(4).forEach((r, i) => add(i, r, [], true))
  uniformRanges(8).forEach((r, i) => add(4 + i, r, [Math.floor(i / 2)], true))
  uniformRanges(4).forEach((r, i) => add(12 + i, r, [4 + 2 * i, 5 + 2 * i], false))
  return shards
}

/** Writes records in PutRecords batches, in order, retrying the ones that failed. */
export async function putAll(client: KinesisClient, stream: string, records: PutRecordsRequestEntry[]): Promise<void> {
  for (let i = 0; i < records.length; i += PUT_RECORDS_MAX_RECORDS) {
    let batch = records.slice(i, i + PUT_RECORDS_MAX_RECORDS)
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt > 5) throw new Error('PutRecords keeps failing')
      const out = await client.send(new PutRecordsCommand({Records: batch, StreamName: stream}))
      batch = batch.filter((_, j) => out.Records?.[j]?.ErrorCode !== undefined)
    }
  }
}

/** A clickstream-like event of `user` with a running number `n`. */
export const eventOf = (user: string, n: number): PutRecordsRequestEntry => ({
  Data: Buffer.from(JSON.stringify({event_name: 'Search', n, user_id: user})),
  PartitionKey: user,
})

/**
 * Counts GetRecords (and GetShardIterator) calls per shard on a real client, with a middleware that
 * follows each iterator back to the shard it was taken for.
 */
export function countCallsPerShard(client: KinesisClient): {getRecords: Map<string, number>; getShardIterator: Map<string, number>} {
  const shardOfIterator = new Map<string, string>()
  const getRecords = new Map<string, number>()
  const getShardIterator = new Map<string, number>()
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {ShardId?: string; ShardIterator?: string}
      if (context.commandName === 'GetShardIteratorCommand') bump(getShardIterator, input.ShardId!)
      if (context.commandName === 'GetRecordsCommand') bump(getRecords, shardOfIterator.get(input.ShardIterator!) ?? 'unknown')
      const result = await next(args)
      const output = result.output as {ShardIterator?: string; NextShardIterator?: string}
      if (context.commandName === 'GetShardIteratorCommand' && output.ShardIterator) shardOfIterator.set(output.ShardIterator, input.ShardId!)
      if (context.commandName === 'GetRecordsCommand' && output.NextShardIterator) {
        shardOfIterator.set(output.NextShardIterator, shardOfIterator.get(input.ShardIterator!) ?? 'unknown')
      }
      return result
    },
    {name: 'countCallsPerShard', step: 'initialize'},
  )
  return {getRecords, getShardIterator}
}

interface EncodedRecord {
  partitionKey: string
  data: Buffer
  ExplicitHashKey?: string
}

/**
 * KPL-aggregates user records with aws-kinesis-agg's own `aggregate`, into PutRecords entries.
 *
 * aws-kinesis-agg 4.2.8 writes its partition-key table with Object.keys(), which lists integer-like
 * keys ("35") first and in ascending order, while the records' indexes follow insertion order: the
 * keys come out wrong after de-aggregation unless the keys are first seen in Object.keys order.
 * Refuse such input rather than write records with the wrong keys.
 */
export function aggregate(records: {partitionKey: string; data: string; explicitHashKey?: string}[]): Promise<PutRecordsRequestEntry[]> {
  const firstSeen = [...new Set(records.map((r) => r.partitionKey))]
  const table = Object.keys(Object.fromEntries(firstSeen.map((k) => [k, true])))
  if (table.join('\u0000') !== firstSeen.join('\u0000')) {
    throw new Error(`aws-kinesis-agg would mislabel these keys: first seen ${firstSeen.join(',')}, table ${table.join(',')}`)
  }
  const agg = createRequire(import.meta.url)('aws-kinesis-agg') as {
    aggregate(records: unknown[], onEncoded: (r: EncodedRecord, done: (err?: Error) => void) => void, after: () => void, onError: (e: Error) => void): void
  }
  return new Promise((resolve, reject) => {
    const out: PutRecordsRequestEntry[] = []
    agg.aggregate(
      records.map((r) => ({data: Buffer.from(r.data), explicitHashKey: r.explicitHashKey, partitionKey: r.partitionKey})),
      (encoded, done) => {
        out.push({Data: encoded.data, ExplicitHashKey: encoded.ExplicitHashKey, PartitionKey: encoded.partitionKey})
        done()
      },
      () => resolve(out),
      reject,
    )
  })
}
