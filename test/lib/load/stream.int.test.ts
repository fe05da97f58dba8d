/** The stream source against a real kinesis-local. */
import {GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand, UpdateShardCountCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'

import {StreamNotFoundError} from '../../../src/lib/errors.js'
import {shardForKey} from '../../../src/lib/kinesis/hashkey.js'
import {listShards} from '../../../src/lib/kinesis/shards.js'
import {collectLoad, openLoadFeed} from '../../../src/lib/load/index.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, waitActive} from '../../helpers/kinesis-local.js'

const DATA = new Uint8Array(100)

async function put(client: KinesisClient, stream: string, key: string, count: number) {
  const out = await client.send(new PutRecordsCommand({Records: Array.from({length: count}, () => ({Data: DATA, PartitionKey: key})), StreamName: stream}))
  expect(out.FailedRecordCount ?? 0).to.equal(0)
}

/** Arrival seconds of every record in one shard, read independently of the load layer. */
async function arrivalHistogram(client: KinesisClient, stream: string, shardId: string, from: Date): Promise<Map<number, number>> {
  const hist = new Map<number, number>()
  let it = (await client.send(new GetShardIteratorCommand({ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP', StreamName: stream, Timestamp: from}))).ShardIterator
  for (;;) {
    const page = await client.send(new GetRecordsCommand({ShardIterator: it}))
    for (const r of page.Records ?? []) {
      const sec = Math.floor(r.ApproximateArrivalTimestamp!.getTime() / 1000)
      hist.set(sec, (hist.get(sec) ?? 0) + 1)
    }
    it = page.NextShardIterator
    if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) return hist
  }
}

describe('load: stream source (kinesis-local)', () => {
  let client: KinesisClient
  let stream: string
  let start: Date

  let hist: Map<number, number>
  let hotShardId: string

  before(async () => {
    const local = await sharedKinesisLocal()
    client = local.client()
    // Send 1,000 records of one key right after a second boundary, in two PutRecords calls of 500 at
    // once. kinesis-local stamps ApproximateArrivalTimestamp as it stores each call's records; on a
    // busy machine a call can straddle a second boundary, so try a fresh stream up to three times
    // until all 1,000 arrival times fall within one second (read back independently below).
    for (let attempt = 0; attempt < 3; attempt++) {
      stream = uniqueStreamName('heat')
      await createStream(client, stream, 4)
      start = new Date(Date.now() - 1000)
      const ms = Date.now() % 1000
      await new Promise((r) => setTimeout(r, 1000 - ms + 20))
      await Promise.all([put(client, stream, '35', 500), put(client, stream, '35', 500)])
      hotShardId = shardForKey(await listShards(client, stream), '35')!.ShardId!
      hist = await arrivalHistogram(client, stream, hotShardId, start)
      if (hist.size === 1) break
    }
  })

  it('1,000 records of one key within one second: that shard peaks at 100% with the key on top', async () => {
    const notices: string[] = []
    const snap = await collectLoad({kinesis: client, now: new Date(), onNotice: (m) => notices.push(m), source: 'stream', streamName: stream, windowMs: 60_000})
    expect(snap.source).to.equal('stream')
    expect(snap.bucketSeconds).to.equal(1)
    expect(snap.windowSeconds).to.equal(60)
    expect(snap.shards).to.have.length(4)
    const load = snap.shards.find((s) => s.shardId === hotShardId)!
    // The per-second series is exactly the arrival histogram read independently.
    const busiest = Math.max(...hist.values())
    expect(load.series.filter((u) => u > 0)).to.deep.equal([...hist.values()].map((n) => n / 1000))
    expect(load.peakRecordsPerSecond).to.equal(busiest)
    expect(load.peakBytesPerSecond).to.equal(busiest * (100 + 2)) // data + the 2-byte key
    expect(load.peakUtilization).to.equal(busiest / 1000)
    expect(load.topKeys![0]).to.deep.include({bytes: 102_000, partitionKey: '35', records: 1000, share: 1})
    expect(load.topKeys![0].peakUtilization).to.equal(busiest / 1000)
    // What the test is about: the arrival times fell within one second, so the shard is at 100%.
    expect([...hist.values()], 'arrival seconds of the 1,000 records (three tries on a busy machine)').to.deep.equal([1000])
    expect(load.peakUtilization).to.equal(1)
    expect(load.topKeys![0].peakUtilization).to.equal(1)
    expect(load.recordsPerSecond).to.equal(1000 / 60)
    for (const other of snap.shards.filter((s) => s.shardId !== hotShardId)) {
      expect(other.peakUtilization).to.equal(0)
      expect(other.topKeys).to.deep.equal([])
    }
    expect(snap.totalRecordsPerSecond).to.equal(1000 / 60)
    expect(snap.capacityRecordsPerSecond).to.equal(4000)
    expect(snap.streamSeries!.filter((u) => u > 0)).to.deep.equal([0.25])
    // It says what the reading cost: every record read once, at least one call per shard.
    expect(snap.cost!.recordsRead).to.equal(1000)
    expect(snap.cost!.bytesRead).to.equal(100_000)
    expect(snap.cost!.getRecordsCalls).to.be.at.least(4)
    expect(snap.cost!.getShardIteratorCalls).to.equal(4)
    expect(notices.join('\n')).to.match(/Read 1,000 records .* GetRecords calls from 4 shards/)
  })

  it('keeps following: the next refresh reads only what arrived since, from the same iterators', async () => {
    const feed = openLoadFeed({kinesis: client, source: 'stream', streamName: stream, windowMs: 120_000})
    try {
      const first = await feed.next(new Date())
      expect(first.cost!.recordsRead).to.equal(1000)
      await put(client, stream, '1', 10)
      const second = await feed.next(new Date())
      expect(second.cost!.recordsRead).to.equal(1010)
      expect(second.cost!.getShardIteratorCalls).to.equal(4)
      const shards = await listShards(client, stream)
      const load = second.shards.find((s) => s.shardId === shardForKey(shards, '1')!.ShardId)!
      expect(load.topKeys!.map((k) => k.partitionKey)).to.include('1')
      expect(second.totalRecordsPerSecond).to.equal(1010 / 120)
    } finally {
      feed.close()
    }
  })

  it('follows a reshard: closed parents drop out, their children are read', async () => {
    const name = uniqueStreamName('heat-reshard')
    await createStream(client, name, 2)
    const feed = openLoadFeed({kinesis: client, source: 'stream', streamName: name, windowMs: 120_000})
    try {
      await put(client, name, '35', 5)
      const before = await feed.next(new Date())
      expect(before.shards).to.have.length(2)
      expect(before.totalRecordsPerSecond * 120).to.equal(5)
      await client.send(new UpdateShardCountCommand({ScalingType: 'UNIFORM_SCALING', StreamName: name, TargetShardCount: 4}))
      await waitActive(client, name)
      await put(client, name, '35', 7)
      const after = await feed.next(new Date())
      const open = (await listShards(client, name)).filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
      expect(after.shards.map((s) => s.shardId).sort()).to.deep.equal(open.map((s) => s.ShardId).sort())
      const child = after.shards.find((s) => s.shardId === shardForKey(open, '35')!.ShardId)!
      expect(child.topKeys!.map((k) => k.partitionKey)).to.deep.equal(['35'])
      expect(child.recordsPerSecond * 120).to.equal(7) // the child holds only what arrived after the reshard
      expect(after.cost!.recordsRead).to.equal(12)
    } finally {
      feed.close()
    }
  })

  it('stops when its signal aborts', async () => {
    const controller = new AbortController()
    controller.abort()
    const err = await collectLoad({kinesis: client, now: new Date(), signal: controller.signal, source: 'stream', streamName: stream, windowMs: 60_000}).catch((e) => e)
    expect(err).to.be.instanceOf(Error)
    expect(err.name).to.equal('AbortError')
  })

  it('reports a missing stream as StreamNotFoundError', async () => {
    const err = await collectLoad({kinesis: client, now: new Date(), source: 'stream', streamName: uniqueStreamName('missing'), targetName: 'local', windowMs: 10_000}).catch((e) => e)
    expect(err).to.be.instanceOf(StreamNotFoundError)
    expect(err.message).to.match(/does not exist on target local/)
  })
})
