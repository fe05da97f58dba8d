/**
 * tail survives what kinesis-local cannot produce on demand: expired iterators and throttling (a
 * mocked client), while following a key live through a reshard.
 */
import {GetRecordsCommand, GetShardIteratorCommand} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'

import {hashKeyOf, rangeContains, rangeOf} from '../../../src/lib/kinesis/hashkey.js'
import {planTail} from '../../../src/lib/tail/plan.js'
import type {TailRecord} from '../../../src/lib/tail/records.js'
import {tail} from '../../../src/lib/tail/tail.js'
import {FakeClock, FakeStream} from './fake-kinesis.js'

const MAX = (1n << 128n) - 1n
const HALF = 1n << 127n
const QUARTER = 1n << 126n

describe('tail with expired iterators and throttling (mocked client)', () => {
  it('follows a key through a reshard, renewing expired iterators and backing off, with nothing lost or repeated', async () => {
    const clock = new FakeClock()
    const stream = new FakeStream(clock)
    stream.addShard('shard-low', [0n, HALF - 1n])
    stream.addShard('shard-high', [HALF, MAX])
    const hash = hashKeyOf('35')
    expect(hash < QUARTER).to.equal(true) // 35 lives in the low half, then in its lower child

    let written = 0
    const write = (count: number) => {
      for (let i = 0; i < count; i++) {
        stream.putKey('35', JSON.stringify({n: written++, user_id: '35'}))
        stream.putKey('7', JSON.stringify({n: -1, user_id: '7'})) // noise, same shard or not
        clock.time += 3
      }
    }
    stream.beforeGetRecords = (_shard, call) => {
      if (call === 2) write(10)
      if (call === 3) stream.fault('getRecords', 'shard-low', 'expired')
      if (call === 5) write(10)
      if (call === 6) stream.fault('getRecords', 'shard-low', 'throttled', 'throttled')
      if (call === 9) {
        stream.reshard(['shard-low'], [
          {id: 'child-a', range: [0n, QUARTER - 1n]},
          {id: 'child-b', range: [QUARTER, HALF - 1n]},
        ])
        write(10)
        stream.fault('getRecords', 'child-a', 'throttled', 'expired', 'internal')
      }
      if (call === 14) write(10)
    }

    const records: TailRecord[] = []
    const summary = await tail(
      stream.client,
      's',
      planTail({limit: 40, user: '35'}, new Date(clock.now())),
      {onRecord: (r) => void records.push(r)},
      {clock, random: () => 0.5},
    )

    expect(records.map((r) => JSON.parse(Buffer.from(r.data).toString()).n)).to.deep.equal(Array.from({length: 40}, (_, i) => i))
    expect(new Set(records.map((r) => r.sequenceNumber)).size).to.equal(40)
    expect(summary).to.deep.include({matched: 40, shards: ['shard-low', 'child-a'], stoppedBy: 'limit'})
    const childA = stream.shards.get('child-a')!.shard
    expect(rangeContains(rangeOf(childA), hash)).to.equal(true)
    // Never read: the other half, and the child that does not hold the key.
    expect(stream.getRecordsCalls).not.to.include('shard-high')
    expect(stream.getRecordsCalls).not.to.include('child-b')
    const renewals = stream.mock.commandCalls(GetShardIteratorCommand).map((c) => c.args[0].input)
    expect(renewals.map((i) => `${i.ShardId}:${i.ShardIteratorType}`)).to.deep.equal([
      'shard-low:LATEST',
      'shard-low:AFTER_SEQUENCE_NUMBER',
      'child-a:TRIM_HORIZON',
      'child-a:TRIM_HORIZON', // expired before any record of the child was read: its start again
    ])
    // 3 throttles and 1 transient error were retried after a pause.
    const calls = stream.mock.commandCalls(GetRecordsCommand).length
    expect(calls).to.be.greaterThan(14)
    expect(clock.sleeps.filter((ms) => ms === 375 || ms === 750)).to.have.length.at.least(3)
  })

  it('a starting sequence number Kinesis rejects: exit 2, and the hint names the flag that was given', async () => {
    for (const [input, flag] of [
      [{afterSequence: '900000000000000000000'}, '--after-sequence'],
      [{fromSequence: '900000000000000000000'}, '--from-sequence'],
    ] as const) {
      const clock = new FakeClock()
      const stream = new FakeStream(clock)
      stream.addShard('shard-0', [0n, MAX])
      // As AWS answers a sequence number of another shard or stream.
      stream.fault('iterator', 'shard-0', Object.assign(new Error('StartingSequenceNumber 900000000000000000000 used in GetShardIterator on shard shard-0 is invalid.'), {name: 'InvalidArgumentException'}))
      const error = await tail(stream.client, 's', planTail({...input, follow: false, user: '35'}, new Date(clock.now())), {onRecord: () => undefined}, {clock, random: () => 0.5}).then(
        () => undefined,
        (e: unknown) => e as {exitCode?: number; hint?: string; message?: string},
      )
      expect(error?.message).to.match(/^Kinesis rejected the starting point/)
      expect(error?.exitCode).to.equal(2)
      expect(error?.hint).to.equal(`Check ${flag} (it must belong to a shard that holds the key), or start with --from.`)
    }
  })
})
