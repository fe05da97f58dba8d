/** tail against a real kinesis-local: one key's shard only, the whole stream merged, history across reshards, KPL. */
import {UpdateShardCountCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'

import {hashKeyOf, shardForKey, uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {hashChain} from '../../../src/lib/kinesis/lineage.js'
import {listShards} from '../../../src/lib/kinesis/shards.js'
import {sleep} from '../../../src/lib/local/process.js'
import {planTail, type TailInput} from '../../../src/lib/tail/plan.js'
import type {TailRecord} from '../../../src/lib/tail/records.js'
import {tail, type TailSummary} from '../../../src/lib/tail/tail.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, waitActive, type KinesisLocal} from '../../helpers/kinesis-local.js'
import {aggregate, countCallsPerShard, eventOf, putAll} from './fixtures.js'

const n = (r: TailRecord) => (JSON.parse(Buffer.from(r.data).toString()) as {n: number}).n
const ts = (r: TailRecord) => r.approximateArrivalTimestamp!.getTime()

async function run(client: KinesisClient, stream: string, input: TailInput): Promise<{records: TailRecord[]; summary: TailSummary}> {
  const records: TailRecord[] = []
  const summary = await tail(client, stream, planTail(input, new Date()), {onRecord: (r) => void records.push(r)})
  return {records, summary}
}

/** Each record once, and within each shard in sequence order. */
function expectNoDuplicateAndShardOrder(records: TailRecord[]): void {
  const ids = records.map((r) => `${r.sequenceNumber}/${r.subSequenceNumber ?? ''}`)
  expect(new Set(ids).size).to.equal(ids.length)
  const last = new Map<string, bigint>()
  for (const r of records) {
    const s = BigInt(r.sequenceNumber)
    expect(s >= (last.get(r.shardId) ?? 0n)).to.equal(true)
    last.set(r.shardId, s)
  }
}

describe('tail against kinesis-local', function () {
  let local: KinesisLocal
  let client: KinesisClient

  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
  })

  describe('2,000 records of 200 users on 4 shards', () => {
    const stream = uniqueStreamName('tail-2000')

    before(async () => {
      await createStream(client, stream, 4)
      await putAll(client, stream, Array.from({length: 2000}, (_, i) => eventOf(String(i % 200), i)))
    })

    it("--user 35 --from trim-horizon --no-follow prints exactly user 35's records in sequence order, reading only its shard", async () => {
      const reader = local.client()
      const calls = countCallsPerShard(reader)
      const {records, summary} = await run(reader, stream, {follow: false, from: 'trim-horizon', user: '35'})

      expect(records.map(n)).to.deep.equal([35, 235, 435, 635, 835, 1035, 1235, 1435, 1635, 1835])
      expect(records.every((r) => r.partitionKey === '35')).to.equal(true)
      const seqs = records.map((r) => BigInt(r.sequenceNumber))
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).to.equal(true)

      const holder = shardForKey(await listShards(client, stream), '35')!.ShardId!
      expect(records.every((r) => r.shardId === holder)).to.equal(true)
      expect([...calls.getRecords.keys()]).to.deep.equal([holder])
      expect([...calls.getShardIterator.keys()]).to.deep.equal([holder])
      expect(calls.getRecords.get(holder)).to.be.at.least(1)
      expect(summary).to.deep.include({matched: 10, partitionKey: '35', shards: [holder], stoppedBy: 'tip'})
      expect(summary.scanned).to.be.greaterThan(10).and.lessThan(2000) // only that shard's records were scanned
      expect(summary.lastSequenceNumber).to.equal(records.at(-1)!.sequenceNumber)
    })

    it('without a key reads every shard and merges all 2,000 records in arrival order, each once', async () => {
      const reader = local.client()
      const calls = countCallsPerShard(reader)
      const {records, summary} = await run(reader, stream, {follow: false, from: 'trim-horizon'})
      expect(records).to.have.length(2000)
      expect(new Set(records.map(n)).size).to.equal(2000)
      expectNoDuplicateAndShardOrder(records)
      for (let i = 1; i < records.length; i++) expect(ts(records[i])).to.be.at.least(ts(records[i - 1]))
      expect(calls.getRecords.size).to.equal(4)
      expect(summary).to.deep.include({matched: 2000, scanned: 2000, stoppedBy: 'tip'})
    })

    it('stops after --limit matching records', async () => {
      const {records, summary} = await run(local.client(), stream, {follow: false, from: 'trim-horizon', limit: 3, user: '35'})
      expect(records.map(n)).to.deep.equal([35, 235, 435])
      expect(summary.stoppedBy).to.equal('limit')
    })

    it('reports an unknown stream as not found', async () => {
      let error: unknown
      try {
        await run(local.client(), 'no-such-stream-here', {follow: false, from: 'trim-horizon'})
      } catch (error_) {
        error = error_
      }
      expect(error).to.have.property('name', 'StreamNotFoundError')
      expect((error as Error).message).to.equal('Stream "no-such-stream-here" does not exist on target this target.')
    })
  })

  describe('history across 4 → 8 → 4 shards', () => {
    const stream = uniqueStreamName('tail-history')
    const others = Array.from({length: 20}, (_, i) => String(100 + i))
    let counter = 0
    let markB: Date
    /** 20 records of user 35 and 40 of twenty other users, interleaved. */
    const phase = () =>
      putAll(
        client,
        stream,
        Array.from({length: 60}, (_, i) => (i % 3 === 0 ? eventOf('35', counter++) : eventOf(others[i % 20], 1000 + i))),
      )
    const reshard = async (to: number) => {
      await client.send(new UpdateShardCountCommand({ScalingType: 'UNIFORM_SCALING', StreamName: stream, TargetShardCount: to}))
      await waitActive(client, stream)
    }

    before(async () => {
      await createStream(client, stream, 4)
      await phase()
      await sleep(50)
      markB = new Date()
      await sleep(50)
      await reshard(8)
      await phase()
      await reshard(4)
      await phase()
    })

    it("--from trim-horizon --no-follow returns all of 35's records from parent, child and grandchild", async () => {
      const {records, summary} = await run(local.client(), stream, {follow: false, from: 'trim-horizon', user: '35'})
      expect(records.map(n)).to.deep.equal(Array.from({length: 60}, (_, i) => i))
      const chain = hashChain(await listShards(client, stream), hashKeyOf('35')).map((s) => s.ShardId!)
      expect(chain).to.have.length(3)
      expect([...new Set(records.map((r) => r.shardId))]).to.deep.equal(chain)
      expect(summary.shards).to.deep.equal(chain)
    })

    it('without a key returns every record of every generation once, each key in order', async () => {
      const {records} = await run(local.client(), stream, {follow: false, from: 'trim-horizon'})
      expect(records).to.have.length(180)
      expectNoDuplicateAndShardOrder(records)
      const of35 = records.filter((r) => r.partitionKey === '35').map(n)
      expect(of35).to.deep.equal(Array.from({length: 60}, (_, i) => i))
      for (let i = 1; i < records.length; i++) expect(ts(records[i])).to.be.at.least(ts(records[i - 1]))
    })

    it('starts at a time: only what arrived after it, through the lineage', async () => {
      const {records} = await run(local.client(), stream, {follow: false, from: markB.toISOString(), user: '35'})
      expect(records.map(n)).to.deep.equal(Array.from({length: 40}, (_, i) => 20 + i))
    })

    it('starts at a sequence number in the middle of the lineage', async () => {
      const all = (await run(local.client(), stream, {follow: false, from: 'trim-horizon', user: '35'})).records
      const {records} = await run(local.client(), stream, {follow: false, fromSequence: all[25].sequenceNumber, user: '35'})
      expect(records.map(n)).to.deep.equal(Array.from({length: 35}, (_, i) => 25 + i))
    })

    it('starts just after a sequence number (--after-sequence): the rest of the history, nothing repeated, also from the last record of a closed parent', async () => {
      const all = (await run(local.client(), stream, {follow: false, from: 'trim-horizon', user: '35'})).records
      const {records} = await run(local.client(), stream, {afterSequence: all[25].sequenceNumber, follow: false, user: '35'})
      expect(records.map(n)).to.deep.equal(Array.from({length: 34}, (_, i) => 26 + i))
      // The last record a parent shard holds before the reshard: the next one is in its child.
      const edge = all.findIndex((r, i) => i + 1 < all.length && r.shardId !== all[i + 1].shardId)
      expect(edge).to.be.greaterThan(-1)
      const rest = (await run(local.client(), stream, {afterSequence: all[edge].sequenceNumber, follow: false, user: '35'})).records
      expect(rest.map(n)).to.deep.equal(all.slice(edge + 1).map(n))
    })

    it('stops at --until', async () => {
      const {records, summary} = await run(local.client(), stream, {follow: false, from: 'trim-horizon', until: markB.toISOString(), user: '35'})
      expect(records.map(n)).to.deep.equal(Array.from({length: 20}, (_, i) => i))
      expect(summary.stoppedBy).to.equal('until')
    })
  })

  describe('KPL-aggregated input', () => {
    const stream = uniqueStreamName('tail-kpl')
    const ranges = uniformRanges(4).map((r, i) => ({HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()}, ShardId: String(i)}))
    const shardOf = (key: string) => shardForKey(ranges, key)!.ShardId
    const users = Array.from({length: 200}, (_, i) => String(i))
    // Like the KPL, aggregate the records of keys that go to the same shard: one key below 35 and two
    // above, first seen in ascending order (see `aggregate` in fixtures.ts for why).
    const sameShard = users.filter((u) => u !== '35' && shardOf(u) === shardOf('35'))
    const neighbours = [sameShard.filter((u) => Number(u) < 35)[0], ...sameShard.filter((u) => Number(u) > 35).slice(0, 2)]
    const strangers = users.filter((u) => shardOf(u) !== shardOf('35')).slice(0, 3)
    const expected: string[] = []

    before(async () => {
      await createStream(client, stream, 4)
      let k = 0
      for (let group = 0; group < 4; group++) {
        const userRecords = Array.from({length: 16}, (_, i) => {
          const user = [neighbours[0], '35', neighbours[1], neighbours[2]][i % 4]
          const tag = user === '35' ? `agg-${k}` : ''
          if (tag !== '') expected.push(tag)
          return {data: JSON.stringify({n: k++, tag, user_id: user}), partitionKey: user}
        })
        const aggregated = await aggregate(userRecords)
        expect(aggregated).to.have.length(1)
        await putAll(client, stream, aggregated)
        await putAll(client, stream, [{Data: Buffer.from(JSON.stringify({n: k, tag: `plain-${k}`, user_id: '35'})), PartitionKey: '35'}])
        expected.push(`plain-${k}`)
        k++
      }
      await putAll(client, stream, await aggregate(strangers.map((u, i) => ({data: JSON.stringify({n: 900 + i, user_id: u}), partitionKey: u}))))
    })

    it("yields exactly the key's user records, de-aggregated, in order", async () => {
      const {records, summary} = await run(local.client(), stream, {follow: false, from: 'trim-horizon', user: '35'})
      const tags = records.map((r) => (JSON.parse(Buffer.from(r.data).toString()) as {tag: string}).tag)
      expect(tags).to.deep.equal(expected)
      expect(records.every((r) => r.partitionKey === '35')).to.equal(true)
      expect(records.filter((r) => r.subSequenceNumber !== undefined)).to.have.length(16)
      expect(records.filter((r) => r.subSequenceNumber === undefined)).to.have.length(4)
      expect(summary.scanned).to.equal(8) // four aggregated and four plain Kinesis records on that shard
    })

    it('without a key yields every user record', async () => {
      const {records} = await run(local.client(), stream, {follow: false, from: 'trim-horizon'})
      expect(records).to.have.length(4 * 16 + 4 + strangers.length)
    })

    const tagOf = (r: TailRecord) => (JSON.parse(Buffer.from(r.data).toString()) as {tag: string}).tag

    it('stops inside an aggregate at SEQUENCE:SUBSEQUENCE, and --after-sequence carries on: nothing repeated, nothing lost', async () => {
      // 35's records: 4 user records in the first aggregate, then a plain one, ... Stop after 2: inside the first aggregate.
      const head = await run(local.client(), stream, {from: 'trim-horizon', limit: 2, user: '35'})
      expect(head.records.map(tagOf)).to.deep.equal(expected.slice(0, 2))
      const second = head.records[1]
      expect(second.subSequenceNumber).to.be.a('number')
      expect(head.summary.lastPosition).to.equal(`${second.sequenceNumber}:${second.subSequenceNumber}`)

      const rest = await run(local.client(), stream, {afterSequence: head.summary.lastPosition, follow: false, user: '35'})
      expect(rest.records.map(tagOf)).to.deep.equal(expected.slice(2))

      // Stop at every position in turn: the two halves always make the whole, once.
      for (let k = 1; k < expected.length; k++) {
        const a = await run(local.client(), stream, {from: 'trim-horizon', limit: k, user: '35'})
        const b = await run(local.client(), stream, {afterSequence: a.summary.lastPosition, follow: false, user: '35'})
        expect([...a.records, ...b.records].map(tagOf), `stopped after ${k}`).to.deep.equal(expected)
      }
    })

    it('--from-sequence SEQUENCE:SUBSEQUENCE starts at that user record of the aggregate', async () => {
      const all = (await run(local.client(), stream, {follow: false, from: 'trim-horizon', user: '35'})).records
      const third = all[2]
      expect(third.subSequenceNumber).to.be.a('number')
      const {records} = await run(local.client(), stream, {follow: false, fromSequence: `${third.sequenceNumber}:${third.subSequenceNumber}`, user: '35'})
      expect(records.map(tagOf)).to.deep.equal(expected.slice(2))
    })
  })

  describe('explicit hash keys', () => {
    const stream = uniqueStreamName('tail-ehk')
    let other: string

    before(async () => {
      await createStream(client, stream, 4)
      const shards = await listShards(client, stream)
      const own = hashKeyOf('35')
      // The middle of a shard that does not hold 35's hash.
      const range = shards.map((s) => s.HashKeyRange!).find((r) => !(BigInt(r.StartingHashKey!) <= own && own <= BigInt(r.EndingHashKey!)))!
      other = ((BigInt(range.StartingHashKey!) + BigInt(range.EndingHashKey!)) / 2n).toString()
      // An aggregate on 35's own shard: the first user record names an explicit hash key, the second none.
      await putAll(client, stream, await aggregate([
        {data: JSON.stringify({n: 0, tag: 'with-ehk', user_id: '35'}), explicitHashKey: own.toString(), partitionKey: '35'},
        {data: JSON.stringify({n: 1, tag: 'without-ehk', user_id: '35'}), partitionKey: '35'},
      ]))
      // A plain record of 35 sent to another shard by its explicit hash key.
      await putAll(client, stream, [{Data: Buffer.from(JSON.stringify({n: 2, tag: 'elsewhere', user_id: '35'})), ExplicitHashKey: other, PartitionKey: '35'}])
    })

    it('a user record without explicit_hash_key_index has no explicitHashKey', async () => {
      const {records} = await run(local.client(), stream, {follow: false, from: 'trim-horizon', user: '35'})
      const byTag = Object.fromEntries(records.map((r) => [(JSON.parse(Buffer.from(r.data).toString()) as {tag: string}).tag, r]))
      expect(byTag['with-ehk'].explicitHashKey).to.equal(hashKeyOf('35').toString())
      expect(byTag['without-ehk']).to.not.have.property('explicitHashKey')
    })

    it('--user misses a record sent elsewhere by its explicit hash key; --all-shards reads every shard and finds it', async () => {
      const one = await run(local.client(), stream, {follow: false, from: 'trim-horizon', user: '35'})
      expect(one.records.map((r) => (JSON.parse(Buffer.from(r.data).toString()) as {tag: string}).tag)).to.deep.equal(['with-ehk', 'without-ehk'])
      const all = await run(local.client(), stream, {allShards: true, follow: false, from: 'trim-horizon', user: '35'})
      expect(all.records.map((r) => (JSON.parse(Buffer.from(r.data).toString()) as {tag: string}).tag)).to.deep.equal(['with-ehk', 'without-ehk', 'elsewhere'])
      expect(all.records.every((r) => r.partitionKey === '35')).to.equal(true)
      expect(all.summary.shards).to.have.length(4)
    })
  })
})
