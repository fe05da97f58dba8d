/** The shard reader: pacing, back-off, iterator renewal, tip and close, stop. Faults come from a mocked client. */
import {GetRecordsCommand, GetShardIteratorCommand} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'

import {SHARD_GET_RECORDS_CALLS_PER_SECOND, SHARD_READ_BYTES_PER_SECOND} from '../../../src/lib/kinesis/limits.js'
import {IDLE_INTERVAL_MS, MIN_CALL_INTERVAL_MS, readShard, type ReaderEvent, type ReadShardOptions, type ShardBatch} from '../../../src/lib/kinesis/reader.js'
import {FakeClock, FakeStream, text} from '../tail/fake-kinesis.js'

const FULL: [bigint, bigint] = [0n, (1n << 128n) - 1n]

function setup(count = 10) {
  const clock = new FakeClock()
  const stream = new FakeStream(clock)
  stream.addShard('shard-a', FULL)
  for (let i = 0; i < count; i++) {
    stream.put('shard-a', 'k', `r${i}`)
    clock.time += 10
  }
  return {clock, stream}
}

async function collect(options: Partial<ReadShardOptions> & Pick<ReadShardOptions, 'kinesis'>, maxBatches = 1000): Promise<ShardBatch[]> {
  const batches: ShardBatch[] = []
  for await (const b of readShard({random: () => 0.5, shardId: 'shard-a', start: {type: 'TRIM_HORIZON'}, streamName: 's', ...options})) {
    batches.push(b)
    if (batches.length >= maxBatches) break
  }
  return batches
}

const texts = (batches: ShardBatch[]) => batches.flatMap((b) => b.records.map(text))

describe('kinesis/reader', () => {
  it('reads from TRIM_HORIZON to the tip, 5 calls/s at most while behind, and stops there with stopAtTip', async () => {
    const {clock, stream} = setup(10)
    clock.sleeps = []
    const batches = await collect({clock, kinesis: stream.client, limit: 3, stopAtTip: true})
    expect(texts(batches)).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'])
    expect(batches.map((b) => b.records.length)).to.deep.equal([3, 3, 3, 1])
    expect(batches.at(-1)!.atTip).to.equal(true)
    expect(batches.slice(0, -1).every((b) => !b.atTip && b.millisBehindLatest! > 0)).to.equal(true)
    // Three waits between four calls, each the busy spacing.
    expect(MIN_CALL_INTERVAL_MS).to.equal(1000 / SHARD_GET_RECORDS_CALLS_PER_SECOND)
    expect(clock.sleeps).to.deep.equal([MIN_CALL_INTERVAL_MS, MIN_CALL_INTERVAL_MS, MIN_CALL_INTERVAL_MS])
    expect(stream.mock.commandCalls(GetShardIteratorCommand)).to.have.length(1)
  })

  it('does not take a full page with MillisBehindLatest 0 for the tip (kinesis-local reports 0 on cut pages)', async () => {
    const {clock, stream} = setup(7)
    stream.reportZeroBehind = true
    const batches = await collect({clock, kinesis: stream.client, limit: 7, stopAtTip: true})
    // A full page, then an empty one: only the short page is the tip.
    expect(batches.map((b) => [b.records.length, b.atTip])).to.deep.equal([
      [7, false],
      [0, true],
    ])
  })

  it('polls once a second at the tip while following, and picks up new records', async () => {
    const {clock, stream} = setup(2)
    clock.sleeps = []
    stream.beforeGetRecords = (_shard, call) => {
      if (call === 3) stream.put('shard-a', 'k', 'late')
    }
    const batches = await collect({clock, kinesis: stream.client}, 5)
    expect(texts(batches)).to.deep.equal(['r0', 'r1', 'late'])
    expect(batches.map((b) => b.atTip)).to.deep.equal([true, true, true, true, true])
    expect(clock.sleeps).to.deep.equal([IDLE_INTERVAL_MS, IDLE_INTERVAL_MS, IDLE_INTERVAL_MS, IDLE_INTERVAL_MS])
  })

  it('slows down to the 2 MiB/s read limit after a large batch', async () => {
    const clock = new FakeClock()
    const stream = new FakeStream(clock)
    stream.addShard('shard-a', FULL)
    const mib = new Uint8Array(1024 * 1024)
    for (let i = 0; i < 5; i++) stream.put('shard-a', 'k', mib)
    clock.sleeps = []
    await collect({clock, kinesis: stream.client, limit: 4, stopAtTip: true})
    // 4 MiB in the first call: the next one waits 2 s, not 200 ms.
    expect(clock.sleeps[0]).to.equal(((4 * 1024 * 1024) / SHARD_READ_BYTES_PER_SECOND) * 1000)
    expect(clock.sleeps[0]).to.equal(2000)
  })

  it('renews an expired iterator AFTER_SEQUENCE_NUMBER of the last record: nothing lost or repeated', async () => {
    const {clock, stream} = setup(9)
    stream.beforeGetRecords = (_shard, call) => {
      if (call === 1) stream.fault('getRecords', 'shard-a', 'expired')
    }
    const events: ReaderEvent[] = []
    const batches = await collect({clock, kinesis: stream.client, limit: 4, onEvent: (e) => events.push(e), stopAtTip: true})
    expect(texts(batches)).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'])
    const iteratorCalls = stream.iteratorCalls
    expect(iteratorCalls).to.have.length(2)
    expect(iteratorCalls[1].ShardIteratorType).to.equal('AFTER_SEQUENCE_NUMBER')
    expect(iteratorCalls[1].StartingSequenceNumber).to.equal(stream.shards.get('shard-a')!.records[3].SequenceNumber)
    expect(events.filter((e) => e.type === 'iterator').map((e) => (e as {renewed: boolean}).renewed)).to.deep.equal([false, true])
  })

  it('renews an iterator that expired before any record at the time LATEST was taken, not at the new tip', async () => {
    const {clock, stream} = setup(2)
    const takenAt = clock.now()
    stream.beforeGetRecords = (_shard, call) => {
      if (call === 0) {
        clock.time += 60_000
        stream.put('shard-a', 'k', 'arrived-while-expired')
        stream.fault('getRecords', 'shard-a', 'expired')
      }
    }
    const batches = await collect({clock, kinesis: stream.client, start: {type: 'LATEST'}}, 1)
    expect(texts(batches)).to.deep.equal(['arrived-while-expired'])
    expect(stream.iteratorCalls[1].ShardIteratorType).to.equal('AT_TIMESTAMP')
    expect(stream.iteratorCalls[1].Timestamp!.getTime()).to.equal(takenAt)
  })

  it('backs off exponentially on ProvisionedThroughputExceededException and carries on', async () => {
    const {clock, stream} = setup(6)
    stream.fault('getRecords', 'shard-a', 'throttled', 'throttled', 'throttled')
    clock.sleeps = []
    const events: ReaderEvent[] = []
    const batches = await collect({clock, kinesis: stream.client, limit: 10, onEvent: (e) => events.push(e), stopAtTip: true})
    expect(texts(batches)).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4', 'r5'])
    const throttles = events.filter((e) => e.type === 'throttled') as {delayMs: number}[]
    expect(throttles).to.have.length(3)
    // base 500 ms doubling, jitter in [50%, 100%] (random fixed at 0.5 → 75%).
    expect(throttles.map((t) => t.delayMs)).to.deep.equal([375, 750, 1500])
    expect(clock.sleeps).to.deep.equal([375, 750, 1500])
    expect(stream.mock.commandCalls(GetRecordsCommand)).to.have.length(4)
  })

  it('retries transient failures a bounded number of times, then gives up with the error', async () => {
    const {clock, stream} = setup(3)
    stream.fault('getRecords', 'shard-a', 'internal', 'internal')
    const batches = await collect({clock, kinesis: stream.client, stopAtTip: true})
    expect(texts(batches)).to.deep.equal(['r0', 'r1', 'r2'])

    const again = setup(3)
    again.stream.fault('getRecords', 'shard-a', 'internal', 'internal', 'internal', 'internal')
    let error: unknown
    try {
      await collect({clock: again.clock, kinesis: again.stream.client, pacing: {maxTransientRetries: 3}, stopAtTip: true})
    } catch (error_) {
      error = error_
    }
    expect((error as Error).name).to.equal('InternalFailure')
    expect(again.stream.mock.commandCalls(GetRecordsCommand)).to.have.length(4)
  })

  it('throws errors that retrying cannot fix', async () => {
    const {clock, stream} = setup(3)
    stream.fault('getRecords', 'shard-a', Object.assign(new Error('Stream s not found'), {name: 'ResourceNotFoundException'}))
    let error: unknown
    try {
      await collect({clock, kinesis: stream.client})
    } catch (error_) {
      error = error_
    }
    expect((error as Error).name).to.equal('ResourceNotFoundException')
  })

  it('ends after the batch that closes the shard, with its child shards', async () => {
    const {clock, stream} = setup(3)
    stream.reshard(['shard-a'], [
      {id: 'child-1', range: [0n, 1n << 127n]},
      {id: 'child-2', range: [(1n << 127n) + 1n, FULL[1]]},
    ])
    const batches = await collect({clock, kinesis: stream.client})
    expect(texts(batches)).to.deep.equal(['r0', 'r1', 'r2'])
    const last = batches.at(-1)!
    expect(last.closed).to.equal(true)
    expect(last.childShards.map((c) => c.ShardId)).to.deep.equal(['child-1', 'child-2'])
  })

  it('stops quietly when its signal aborts, with no call after that', async () => {
    const {clock, stream} = setup(2)
    const stop = new AbortController()
    const seen: string[] = []
    for await (const b of readShard({clock, kinesis: stream.client, shardId: 'shard-a', signal: stop.signal, start: {type: 'TRIM_HORIZON'}, streamName: 's'})) {
      seen.push(...b.records.map(text))
      stop.abort()
    }
    expect(seen).to.deep.equal(['r0', 'r1'])
    expect(stream.mock.commandCalls(GetRecordsCommand)).to.have.length(1)
  })

  it('starts at a sequence number or a time', async () => {
    const {clock, stream} = setup(6)
    const records = stream.shards.get('shard-a')!.records
    const at = await collect({clock, kinesis: stream.client, start: {sequenceNumber: records[2].SequenceNumber!, type: 'AT_SEQUENCE_NUMBER'}, stopAtTip: true})
    expect(texts(at)).to.deep.equal(['r2', 'r3', 'r4', 'r5'])
    const after = await collect({clock, kinesis: stream.client, start: {sequenceNumber: records[2].SequenceNumber!, type: 'AFTER_SEQUENCE_NUMBER'}, stopAtTip: true})
    expect(texts(after)).to.deep.equal(['r3', 'r4', 'r5'])
    const time = await collect({clock, kinesis: stream.client, start: {timestamp: records[4].ApproximateArrivalTimestamp!, type: 'AT_TIMESTAMP'}, stopAtTip: true})
    expect(texts(time)).to.deep.equal(['r4', 'r5'])
  })
})
