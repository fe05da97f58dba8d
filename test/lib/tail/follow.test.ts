/**
 * Following several shards: the arrival-order merge and the hand-over to children after a split or a
 * merge. Arrival times must be chosen to test the merge, so these run on the in-memory stream.
 */
import {expect} from 'chai'

import {hashKeyOf, uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {holdsHash} from '../../../src/lib/kinesis/lineage.js'
import {followShards, type FollowItem, type FollowOptions} from '../../../src/lib/tail/follow.js'
import {systemClock} from '../../../src/lib/kinesis/reader.js'
import {FakeClock, FakeStream, text} from './fake-kinesis.js'

const MAX = (1n << 128n) - 1n
const HALF = 1n << 127n

async function run(options: Omit<FollowOptions, 'streamName'>): Promise<FollowItem[]> {
  const items: FollowItem[] = []
  for await (const item of followShards({streamName: 's', ...options})) items.push(item)
  return items
}

/** Two shards, a (lower half) and b (upper half), on a fresh virtual clock. */
function twoShards() {
  const clock = new FakeClock()
  const stream = new FakeStream(clock)
  stream.addShard('a', [0n, HALF - 1n])
  stream.addShard('b', [HALF, MAX])
  return {clock, stream}
}

/** Reads a and b from TRIM_HORIZON to the tip, `limit` records per call. */
const readBoth = (clock: FakeClock, stream: FakeStream, limit: number, extra: Partial<FollowOptions> = {}) =>
  run({
    childStart: {type: 'TRIM_HORIZON'},
    clock,
    initial: [
      {shardId: 'a', start: {type: 'TRIM_HORIZON'}},
      {shardId: 'b', start: {type: 'TRIM_HORIZON'}},
    ],
    kinesis: stream.client,
    limit,
    stopAtTip: true,
    ...extra,
  })

const recordTexts = (items: FollowItem[]) => items.flatMap((i) => (i.kind === 'record' ? [text(i.record)] : []))

describe('tail/follow', () => {
  it('merges shards in arrival order, whatever pace each shard is read at', async () => {
    const {clock, stream} = twoShards()
    // a: t = 0, 10, 20, ... ; b: t = 5, 15, 25, ... (b has fewer, bigger gaps at the end)
    const t0 = clock.now()
    for (let i = 0; i < 12; i++) stream.put('a', 'x', `a${i * 10}`, t0 + i * 10)
    for (let i = 0; i < 6; i++) stream.put('b', 'y', `b${i * 10 + 5}`, t0 + i * 10 + 5)
    stream.put('b', 'y', 'b200', t0 + 200)
    // Pages of 3 on both sides: the merge must wait for the slower side.
    const items = await readBoth(clock, stream, 3)
    const got = recordTexts(items)
    const expected = [...stream.shards.get('a')!.records, ...stream.shards.get('b')!.records]
      .sort((x, y) => x.ApproximateArrivalTimestamp!.getTime() - y.ApproximateArrivalTimestamp!.getTime())
      .map(text)
    expect(got).to.deep.equal(expected)
    expect(got.slice(0, 4)).to.deep.equal(['a0', 'b5', 'a10', 'b15'])
    expect(items.filter((i) => i.kind === 'ready')).to.have.length(1)
  })

  it('after a split reads only the child that holds the key, from its first record', async () => {
    const clock = new FakeClock()
    const stream = new FakeStream(clock)
    stream.addShard('p', [0n, MAX])
    const key = '35'
    const hash = hashKeyOf(key)
    for (let i = 0; i < 3; i++) stream.putKey(key, `p${i}`)
    stream.reshard(['p'], [
      {id: 'low', range: [0n, HALF - 1n]},
      {id: 'high', range: [HALF, MAX]},
    ])
    for (let i = 0; i < 3; i++) stream.putKey(key, `c${i}`)
    stream.putKey('1', 'other') // key "1" hashes into the upper half
    const items = await run({
      childStart: {type: 'TRIM_HORIZON'},
      clock,
      initial: [{shardId: 'p', start: {type: 'TRIM_HORIZON'}}],
      kinesis: stream.client,
      selectChild: (c) => holdsHash(c, hash),
      stopAtTip: true,
    })
    expect(recordTexts(items)).to.deep.equal(['p0', 'p1', 'p2', 'c0', 'c1', 'c2'])
    expect(new Set(stream.getRecordsCalls)).to.deep.equal(new Set(['p', 'low']))
    const changes = items.filter((i) => i.kind === 'shard-closed' || i.kind === 'shard-started')
    expect(changes).to.deep.equal([
      {children: ['low', 'high'], kind: 'shard-closed', shardId: 'p'},
      {kind: 'shard-started', parents: ['p'], reading: ['low'], shardId: 'low'},
    ])
  })

  it('starts a merged child only once both its parents are read to their end', async () => {
    const {clock, stream} = twoShards()
    stream.put('a', 'x', 'a0')
    for (let i = 0; i < 9; i++) stream.put('b', 'y', `b${i}`) // b takes many more calls than a
    stream.reshard(['a', 'b'], [{id: 'c', range: [0n, MAX]}])
    clock.time += 1000
    stream.put('c', 'x', 'c0')
    const items = await readBoth(clock, stream, 2, {planned: ['a', 'b']})
    expect(recordTexts(items).at(-1)).to.equal('c0')
    expect(recordTexts(items)).to.have.length(11)
    const calls = stream.getRecordsCalls
    expect(calls.indexOf('c')).to.be.greaterThan(calls.lastIndexOf('b'))
    expect(items.filter((i) => i.kind === 'shard-started')).to.have.length(1)
  })

  it('follows new records and a reshard live, and stops when its signal aborts', async () => {
    const clock = new FakeClock()
    const stream = new FakeStream(clock)
    stream.addShard('p', [0n, MAX])
    stream.beforeGetRecords = (_shard, call) => {
      if (call === 2) stream.putKey('35', 'before')
      if (call === 4) stream.reshard(['p'], [{id: 'c1', range: [0n, HALF - 1n]}, {id: 'c2', range: [HALF, MAX]}])
      if (call === 5) stream.putKey('35', 'after')
    }
    const stop = new AbortController()
    const got: string[] = []
    for await (const item of followShards({
      childStart: {type: 'TRIM_HORIZON'},
      clock,
      initial: [{shardId: 'p', start: {type: 'LATEST'}}],
      kinesis: stream.client,
      signal: stop.signal,
      streamName: 's',
    })) {
      if (item.kind === 'record') got.push(text(item.record))
      if (got.length === 2) stop.abort()
    }
    expect(got).to.deep.equal(['before', 'after'])
    // Both children are read (no key): the one holding nothing is idle, not skipped.
    expect(new Set(stream.getRecordsCalls)).to.deep.equal(new Set(['p', 'c1', 'c2']))
  })

  it('follows 16 shards at once without a listener-leak warning on the shared stop signal', async () => {
    // Real timers: each shard's reader waits for its next call with the stop signal, all at once.
    const stream = new FakeStream(systemClock)
    const ids = uniformRanges(16).map((r, i) => stream.addShard(`s${i}`, [r.start, r.end]).shard.ShardId!)
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)
    process.on('warning', onWarning)
    const stop = new AbortController()
    // Stopped once every shard was asked, waited on and asked again.
    const timer = setInterval(() => {
      if (new Set(stream.getRecordsCalls).size === 16 && stream.getRecordsCalls.length >= 32) stop.abort()
    }, 5)
    try {
      const items = await run({
        childStart: {type: 'TRIM_HORIZON'},
        initial: ids.map((shardId) => ({shardId, start: {type: 'TRIM_HORIZON'}})),
        kinesis: stream.client,
        pacing: {idleIntervalMs: 20},
        signal: stop.signal,
      })
      await new Promise((r) => setImmediate(r))
      expect(items.filter((i) => i.kind === 'ready')).to.have.length(1)
      expect(new Set(stream.getRecordsCalls).size).to.equal(16)
      expect(stream.getRecordsCalls.length).to.be.greaterThan(16) // every shard was waited on and asked again
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).to.deep.equal([])
    } finally {
      clearInterval(timer)
      process.off('warning', onWarning)
    }
  })
})
