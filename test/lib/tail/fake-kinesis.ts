/**
 * An in-memory stream behind aws-sdk-client-mock, for what kinesis-local cannot do on demand:
 * expired iterators, throttling, transient failures, chosen arrival times. GetShardIterator and
 * GetRecords follow the Kinesis contract (iterator types, Limit, MillisBehindLatest, ChildShards
 * with no NextShardIterator once a closed shard is read), ListShards lists the shards.
 */
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  type ChildShard,
  type GetShardIteratorCommandInput,
  type Shard,
  type _Record,
} from '@aws-sdk/client-kinesis'
import {mockClient, type AwsClientStub} from 'aws-sdk-client-mock'

import {hashKeyOf, rangeContains, rangeOf} from '../../../src/lib/kinesis/hashkey.js'
import type {ReaderClock} from '../../../src/lib/kinesis/reader.js'

export interface FakeShard {
  shard: Shard
  records: _Record[]
  closed: boolean
  children: ChildShard[]
}

export type Fault = 'expired' | 'throttled' | 'internal' | Error

/** A virtual clock: sleeping advances time at once and is recorded. */
export class FakeClock implements ReaderClock {
  time = 1_700_000_000_000
  sleeps: number[] = []
  now(): number {
    return this.time
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return
    this.sleeps.push(ms)
    this.time += Math.max(0, ms)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

let seq = 10n ** 20n

export class FakeStream {
  readonly shards = new Map<string, FakeShard>()
  readonly client = new KinesisClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})
  readonly mock: AwsClientStub<KinesisClient>
  /** Faults for the next GetRecords calls on a shard, taken one per call. */
  readonly getRecordsFaults = new Map<string, Fault[]>()
  /** Faults for the next GetShardIterator calls on a shard. */
  readonly iteratorFaults = new Map<string, Fault[]>()
  readonly getRecordsCalls: string[] = []
  readonly iteratorCalls: GetShardIteratorCommandInput[] = []
  /** Called before each GetRecords is answered (to write records or reshard mid-read). */
  beforeGetRecords?: (shardId: string, callIndex: number) => void
  /** Report MillisBehindLatest 0 even on a page cut short by Limit (as kinesis-local does). */
  reportZeroBehind = false
  private readonly iterators = new Map<string, {shardId: string; index: number}>()
  private nextIterator = 0

  constructor(private readonly clock: {now(): number}) {
    this.mock = mockClient(this.client)
    this.mock.on(ListShardsCommand).callsFake(async () => ({Shards: [...this.shards.values()].map((s) => s.shard)}))
    this.mock.on(GetShardIteratorCommand).callsFake(async (input: GetShardIteratorCommandInput) => this.getShardIterator(input))
    this.mock.on(GetRecordsCommand).callsFake(async (input: {ShardIterator: string; Limit?: number}) => this.getRecords(input))
  }

  addShard(shardId: string, range: [bigint, bigint], parents: string[] = []): FakeShard {
    const s: FakeShard = {
      children: [],
      closed: false,
      records: [],
      shard: {
        AdjacentParentShardId: parents[1],
        HashKeyRange: {EndingHashKey: range[1].toString(), StartingHashKey: range[0].toString()},
        ParentShardId: parents[0],
        SequenceNumberRange: {StartingSequenceNumber: (seq++).toString()},
        ShardId: shardId,
      },
    }
    this.shards.set(shardId, s)
    return s
  }

  /** Appends a record; its arrival time is the clock's now unless given. */
  put(shardId: string, partitionKey: string, data: string | Uint8Array, arrival = this.clock.now()): _Record {
    const s = this.shards.get(shardId)!
    if (s.closed) throw new Error(`${shardId} is closed`)
    const record: _Record = {
      ApproximateArrivalTimestamp: new Date(arrival),
      Data: typeof data === 'string' ? Buffer.from(data) : data,
      PartitionKey: partitionKey,
      SequenceNumber: (seq++).toString(),
    }
    s.records.push(record)
    return record
  }

  /** Appends a record to the open shard that holds the key's hash, as Kinesis routes it. */
  putKey(partitionKey: string, data: string | Uint8Array, arrival?: number): {shardId: string; record: _Record} {
    const hash = hashKeyOf(partitionKey)
    const open = [...this.shards.values()].find((s) => !s.closed && rangeContains(rangeOf(s.shard), hash))!
    return {record: this.put(open.shard.ShardId!, partitionKey, data, arrival), shardId: open.shard.ShardId!}
  }

  /** Closes `parents` and opens `children` (a split: one parent; a merge: two). */
  reshard(parents: string[], children: {id: string; range: [bigint, bigint]}[]): void {
    const created = children.map((c) => this.addShard(c.id, c.range, parents))
    for (const p of parents) {
      const s = this.shards.get(p)!
      s.closed = true
      s.shard.SequenceNumberRange!.EndingSequenceNumber = (seq++).toString()
      s.children = created.map((c) => ({HashKeyRange: c.shard.HashKeyRange, ParentShards: parents, ShardId: c.shard.ShardId}))
    }
  }

  fault(kind: 'getRecords' | 'iterator', shardId: string, ...faults: Fault[]): void {
    const map = kind === 'getRecords' ? this.getRecordsFaults : this.iteratorFaults
    map.set(shardId, [...(map.get(shardId) ?? []), ...faults])
  }

  private raise(map: Map<string, Fault[]>, shardId: string): void {
    const fault = map.get(shardId)?.shift()
    if (fault === undefined) return
    if (fault === 'expired') throw new ExpiredIteratorException({$metadata: {httpStatusCode: 400}, message: 'Iterator expired'})
    if (fault === 'throttled') throw new ProvisionedThroughputExceededException({$metadata: {httpStatusCode: 400}, message: 'Rate exceeded for shard'})
    if (fault === 'internal') throw Object.assign(new Error('We encountered an internal error.'), {$metadata: {httpStatusCode: 500}, name: 'InternalFailure'})
    throw fault
  }

  private getShardIterator(input: GetShardIteratorCommandInput) {
    this.iteratorCalls.push(input)
    const s = this.shards.get(input.ShardId!)
    if (!s) throw Object.assign(new Error(`Shard ${input.ShardId} not found`), {name: 'ResourceNotFoundException'})
    this.raise(this.iteratorFaults, input.ShardId!)
    let index: number
    const bySeq = (n: string) => s.records.findIndex((r) => BigInt(r.SequenceNumber!) >= BigInt(n))
    switch (input.ShardIteratorType) {
      case 'TRIM_HORIZON':
        index = 0
        break
      case 'LATEST':
        index = s.records.length
        break
      case 'AT_TIMESTAMP': {
        const t = input.Timestamp!.getTime()
        index = s.records.findIndex((r) => r.ApproximateArrivalTimestamp!.getTime() >= t)
        break
      }
      case 'AT_SEQUENCE_NUMBER':
        index = bySeq(input.StartingSequenceNumber!)
        break
      case 'AFTER_SEQUENCE_NUMBER':
        index = s.records.findIndex((r) => BigInt(r.SequenceNumber!) > BigInt(input.StartingSequenceNumber!))
        break
      default:
        throw new Error(`unsupported ${input.ShardIteratorType}`)
    }
    if (index < 0) index = s.records.length
    return {ShardIterator: this.issue(input.ShardId!, index)}
  }

  private issue(shardId: string, index: number): string {
    const token = `it-${this.nextIterator++}`
    this.iterators.set(token, {index, shardId})
    return token
  }

  private getRecords(input: {ShardIterator: string; Limit?: number}) {
    const it = this.iterators.get(input.ShardIterator)
    if (!it) throw Object.assign(new Error('Invalid ShardIterator'), {name: 'InvalidArgumentException'})
    this.getRecordsCalls.push(it.shardId)
    this.beforeGetRecords?.(it.shardId, this.getRecordsCalls.length - 1)
    this.raise(this.getRecordsFaults, it.shardId)
    const s = this.shards.get(it.shardId)!
    const limit = input.Limit ?? 10_000
    const records = s.records.slice(it.index, it.index + limit)
    const end = it.index + records.length
    const atEnd = end >= s.records.length
    const newest = s.records.at(-1)?.ApproximateArrivalTimestamp?.getTime()
    const behind = atEnd || this.reportZeroBehind || newest === undefined ? 0 : Math.max(1, newest - s.records[end].ApproximateArrivalTimestamp!.getTime())
    if (s.closed && atEnd) return {ChildShards: s.children, MillisBehindLatest: 0, Records: records}
    return {MillisBehindLatest: behind, NextShardIterator: this.issue(it.shardId, end), Records: records}
  }
}

/** Record data as text. */
export const text = (r: {Data?: Uint8Array}) => Buffer.from(r.Data ?? []).toString()
