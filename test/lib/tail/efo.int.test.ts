/**
 * tail through enhanced fan-out (SubscribeToShard over HTTP/2) against a real kinesis-local: the same
 * records as polling, no GetRecords call, subscriptions renewed exactly where they stopped, a live
 * reshard followed, and the consumer registered for the tail gone afterwards.
 */
import {DescribeStreamSummaryCommand, PutRecordCommand, RegisterStreamConsumerCommand, SplitShardCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {hostname} from 'node:os'

import {createClients, type Clients} from '../../../src/lib/aws/clients.js'
import {hashKeyOf, shardForKey} from '../../../src/lib/kinesis/hashkey.js'
import {isOpen, listShards} from '../../../src/lib/kinesis/shards.js'
import {sleep} from '../../../src/lib/local/process.js'
import {listRegisteredConsumers as listConsumers} from '../../../src/lib/kinesis/consumer-list.js'
import {startEfo, tailConsumerName} from '../../../src/lib/tail/consumer.js'
import {planTail, type TailInput} from '../../../src/lib/tail/plan.js'
import type {TailRecord} from '../../../src/lib/tail/records.js'
import {tail, type TailHooks, type TailOptions, type TailSummary} from '../../../src/lib/tail/tail.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, waitActive, type KinesisLocal} from '../../helpers/kinesis-local.js'
import {aggregate, countCallsPerShard, eventOf, putAll} from './fixtures.js'

const n = (r: TailRecord) => (JSON.parse(Buffer.from(r.data).toString()) as {n: number}).n
const id = (r: TailRecord) => `${r.shardId}/${r.sequenceNumber}/${r.subSequenceNumber ?? ''}/${r.partitionKey}/${Buffer.from(r.data).toString('base64')}`

async function run(client: KinesisClient, stream: string, input: TailInput, options: TailOptions = {}, hooks: Partial<TailHooks> = {}) {
  const records: TailRecord[] = []
  const summary: TailSummary = await tail(client, stream, planTail(input, new Date()), {...hooks, onRecord: (r) => void records.push(r)}, options)
  return {records, summary}
}

/** Polls ListStreamConsumers until `name` is no longer listed (an event to wait for, bounded). */
async function waitGone(client: KinesisClient, arn: string, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await listConsumers(client, arn)).some((c) => c.consumerName === name)) return
    await sleep(200)
  }
  throw new Error(`consumer ${name} is still registered`)
}

describe('tail --efo against kinesis-local', function () {
  let local: KinesisLocal
  let client: KinesisClient
  let clients: Clients
  let h2: KinesisClient

  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
    clients = createClients(local.target)
    h2 = await clients.kinesisEventStream()
  })

  after(() => clients.destroy())

  const arnOf = async (stream: string) => (await client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary!.StreamARN!

  /** startEfo as the command calls it, never finding consumers to remove. */
  const consumerFor = async (stream: string) =>
    startEfo(client, await arnOf(stream), {confirmRemoval: async () => false, host: hostname(), isAlive: () => true, pid: process.pid})

  describe('600 records of 50 users and KPL aggregates on 3 shards', () => {
    const stream = uniqueStreamName('efo')

    before(async () => {
      await createStream(client, stream, 3)
      await putAll(client, stream, Array.from({length: 600}, (_, i) => eventOf(String(i % 50), i)))
      await putAll(client, stream, await aggregate(Array.from({length: 30}, (_, i) => ({data: JSON.stringify({n: 1000 + i}), partitionKey: '35'}))))
    })

    it('reads the same records as polling, whole stream and one key, with no GetRecords call; the consumer is gone afterwards', async () => {
      const polled = await run(client, stream, {follow: false, from: 'trim-horizon'})
      const polledKey = await run(client, stream, {follow: false, from: 'trim-horizon', user: '35'})
      expect(polled.records).to.have.length(630)

      const started = await consumerFor(stream)
      expect(started.lease).to.include({consumerName: tailConsumerName(hostname(), process.pid), owned: true})
      const reader = local.client()
      const calls = countCallsPerShard(reader)
      try {
        const efo = {consumerArn: started.lease.consumerArn, kinesis: h2}
        const streamed = await run(reader, stream, {follow: false, from: 'trim-horizon'}, {efo})
        const streamedKey = await run(reader, stream, {follow: false, from: 'trim-horizon', user: '35'}, {efo})

        expect(streamed.records.map(id).sort()).to.deep.equal(polled.records.map(id).sort())
        expect(streamed.summary).to.deep.include({matched: 630, scanned: polled.summary.scanned, stoppedBy: 'tip'})
        expect(streamedKey.records.map(id), 'one key: the same records in the same order').to.deep.equal(polledKey.records.map(id))
        expect(streamedKey.records.map(n)).to.include.members([1000, 1003, 1027])
        expect(streamedKey.summary.lastPosition).to.equal(polledKey.summary.lastPosition)
        expect(calls.getRecords.size, 'GetRecords calls').to.equal(0)
        expect(calls.getShardIterator.size, 'GetShardIterator calls').to.equal(0)
      } finally {
        await started.lease.release()
      }
      await waitGone(client, started.streamArn, started.lease.consumerName)
    })

    it('resumes exactly: --after-sequence inside an aggregate gives the rest, as with polling', async () => {
      const first = await run(client, stream, {follow: false, from: 'trim-horizon', limit: 15, user: '35'})
      const position = first.summary.lastPosition!
      expect(position).to.match(/:2$/) // inside the aggregate
      const polled = await run(client, stream, {afterSequence: position, follow: false, user: '35'})
      const started = await consumerFor(stream)
      try {
        const streamed = await run(client, stream, {afterSequence: position, follow: false, user: '35'}, {efo: {consumerArn: started.lease.consumerArn, kinesis: h2}})
        expect(streamed.records.map(id)).to.deep.equal(polled.records.map(id))
        expect(streamed.records.length).to.be.greaterThan(0)
      } finally {
        await started.lease.release()
      }
    })
  })

  it('renews subscriptions where they stopped: records written across several renewals come out once each, in order', async () => {
    const stream = uniqueStreamName('efo-renew')
    await createStream(client, stream, 1)
    const started = await consumerFor(stream)
    const subscriptions: boolean[] = []
    try {
      const total = 12
      let written = 0
      const writer = (async () => {
        // One record per second: renewals every 2 s fall between records and inside bursts of none.
        while (written < total) {
          await client.send(new PutRecordCommand({Data: Buffer.from(JSON.stringify({n: written})), PartitionKey: 'k', StreamName: stream}))
          written += 1
          await sleep(700)
        }
      })()
      const {records} = await run(
        client,
        stream,
        {from: 'trim-horizon', limit: total, user: 'k'},
        {efo: {consumerArn: started.lease.consumerArn, kinesis: h2, renewAfterMs: 2000}, pacing: {backoffBaseMs: 200}},
        {onReaderEvent: (e) => void (e.type === 'iterator' && subscriptions.push(e.renewed))},
      ).then(async (r) => {
        await writer
        return r
      })
      expect(records.map(n)).to.deep.equal(Array.from({length: total}, (_, i) => i))
      expect(subscriptions[0], 'the first subscription').to.equal(false)
      expect(subscriptions.filter(Boolean).length, 'renewals').to.be.at.least(2)
    } finally {
      await started.lease.release()
    }
  })

  it('follows a live reshard: records of a key before and after a split of its shard, none lost or repeated', async () => {
    const stream = uniqueStreamName('efo-split')
    await createStream(client, stream, 1)
    const started = await consumerFor(stream)
    const key = '35'
    try {
      for (let i = 0; i < 5; i++) await client.send(new PutRecordCommand({Data: Buffer.from(JSON.stringify({n: i})), PartitionKey: key, StreamName: stream}))
      const parent = (await listShards(client, stream))[0].ShardId!
      let split = false
      const changes: string[] = []
      const records: TailRecord[] = []
      const summary = await tail(
        client,
        stream,
        planTail({from: 'trim-horizon', limit: 10, user: key}, new Date()),
        {
          onRecord: async (r) => {
            records.push(r)
            if (records.length === 5 && !split) {
              split = true
              // The split goes live while the tail follows the parent shard.
              await client.send(new SplitShardCommand({NewStartingHashKey: (hashKeyOf(key) + 1n).toString(), ShardToSplit: parent, StreamName: stream}))
              await waitActive(client, stream)
              for (let i = 5; i < 10; i++) await client.send(new PutRecordCommand({Data: Buffer.from(JSON.stringify({n: i})), PartitionKey: key, StreamName: stream}))
            }
          },
          onShardChange: (c) => changes.push('closed' in c ? `closed ${c.closed}` : `started ${c.started}`),
        },
        {efo: {closedCheckMs: 500, consumerArn: started.lease.consumerArn, kinesis: h2}},
      )
      const child = shardForKey((await listShards(client, stream)).filter(isOpen), key)!.ShardId!
      expect(child).to.not.equal(parent)
      expect(records.map(n)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      expect(records.slice(0, 5).every((r) => r.shardId === parent)).to.equal(true)
      expect(records.slice(5).every((r) => r.shardId === child)).to.equal(true)
      expect(summary.shards).to.deep.equal([parent, child])
      expect(changes).to.deep.equal([`closed ${parent}`, `started ${child}`])
    } finally {
      await started.lease.release()
    }
  })

  it('offers the consumers of dead tails of this host for removal, and removes them only when confirmed', async () => {
    const stream = uniqueStreamName('efo-stale')
    await createStream(client, stream, 1)
    const arn = await arnOf(stream)
    const dead = tailConsumerName(hostname(), 999_999)
    const otherHost = tailConsumerName('some-other-host', 999_998)
    for (const name of [dead, otherHost, 'analytics']) await client.send(new RegisterStreamConsumerCommand({ConsumerName: name, StreamARN: arn}))
    const isAlive = (pid: number) => pid !== 999_999 && pid !== 999_998
    const offered: string[][] = []

    const kept = await startEfo(client, arn, {confirmRemoval: async (s) => (offered.push(s.map((c) => c.consumerName)), false), host: hostname(), isAlive, pid: process.pid})
    await kept.lease.release()
    expect(offered).to.deep.equal([[dead]])
    expect(kept).to.deep.include({kept: [dead], removed: []})
    expect((await listConsumers(client, arn)).map((c) => c.consumerName)).to.include.members([dead, otherHost, 'analytics'])

    const removed = await startEfo(client, arn, {confirmRemoval: async () => true, host: hostname(), isAlive, pid: process.pid})
    await removed.lease.release()
    expect(removed.removed).to.deep.equal([dead])
    await waitGone(client, arn, dead)
    await waitGone(client, arn, removed.lease.consumerName)
    expect((await listConsumers(client, arn)).map((c) => c.consumerName).sort()).to.deep.equal(['analytics', otherHost].sort())

    const reused = await startEfo(client, arn, {confirmRemoval: async () => false, consumerName: 'analytics', host: hostname(), isAlive, pid: process.pid})
    expect(reused.lease).to.include({consumerName: 'analytics', owned: false})
    await reused.lease.release()
    expect((await listConsumers(client, arn)).map((c) => c.consumerName), '--consumer leaves it registered').to.include('analytics')
  })
})
