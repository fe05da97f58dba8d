import {expect} from 'chai'

import {createRandom} from '../../../src/lib/clickstream/random.js'
import {MAX_RECORD_BYTES, PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_RECORDS} from '../../../src/lib/kinesis/limits.js'
import {SendStats} from '../../../src/lib/send/stats.js'
import {BatchWriter, type WriterOptions} from '../../../src/lib/send/writer.js'
import {FakeSink, throttled, type Behaviour} from './fakes.js'

const KINESIS_LIMITS = {maxBytes: PUT_RECORDS_MAX_BYTES, maxRecordBytes: MAX_RECORD_BYTES, maxRecords: PUT_RECORDS_MAX_RECORDS}
const now = () => performance.now()

function setup(sink: FakeSink, options: Partial<WriterOptions> = {}) {
  const stats = new SendStats(now)
  const writer = new BatchWriter({
    backoffBaseMs: 1,
    backoffCapMs: 5,
    concurrency: 4,
    lingerMs: 5,
    maxAttempts: 20,
    now,
    random: createRandom(1),
    sink,
    stats,
    ...options,
  })
  return {stats, writer}
}

async function feed(writer: BatchWriter, stats: SendStats, bodies: string[], key = (i: number) => String(i % 100)) {
  for (let i = 0; i < bodies.length; i++) {
    if (!writer.hasRoom()) await writer.waitForRoom()
    stats.generated += 1
    writer.add(key(i), bodies[i])
  }
  await writer.drain()
}

/** Feeds events (one key) until the writer stops accepting them, then drains. */
async function feedUntilStopped(writer: BatchWriter, stats: SendStats, input: string[]) {
  for (const b of input) {
    if (!writer.hasRoom()) await writer.waitForRoom()
    if (writer.stopped) break
    stats.generated += 1
    writer.add('1', b)
  }
  await writer.drain()
}

const bodies = (n: number, size = 40) => Array.from({length: n}, (_, i) => JSON.stringify({i, pad: 'x'.repeat(Math.max(0, size - 20))}))

describe('batching writer', () => {
  it('packs batches within the record-count limit and delivers every event once', async () => {
    const sink = new FakeSink(KINESIS_LIMITS)
    const {stats, writer} = setup(sink)
    const input = bodies(2345)
    await feed(writer, stats, input)
    expect(Math.max(...sink.calls.map((c) => c.bodies.length))).to.equal(500)
    expect(sink.accepted.sort()).to.deep.equal([...input].sort())
    expect(stats.delivered).to.equal(2345)
    expect(stats.failed).to.equal(0)
    expect(stats.pending).to.equal(0)
  })

  it('keeps each batch within the byte limit, partition keys included', async () => {
    const sink = new FakeSink(KINESIS_LIMITS)
    const {stats, writer} = setup(sink)
    const key = (i: number) => `k${'9'.repeat(200)}${i}`
    const input = bodies(700, 40_000) // 500 records would be ~20 MB: bytes must bound the batch
    await feed(writer, stats, input, key)
    for (const call of sink.calls) expect(call.bytes).to.be.at.most(PUT_RECORDS_MAX_BYTES)
    const largest = Math.max(...sink.calls.map((c) => c.bodies.length))
    expect(largest).to.equal(Math.floor(PUT_RECORDS_MAX_BYTES / (Buffer.byteLength(input[0]) + key(100).length)))
    expect(stats.delivered).to.equal(700)
  })

  it('fails a record larger than 1 MiB (data and key) at once, without a call', async () => {
    const sink = new FakeSink(KINESIS_LIMITS)
    const {stats, writer} = setup(sink)
    await feed(writer, stats, ['x'.repeat(MAX_RECORD_BYTES - 2)], () => 'abc')
    expect(sink.calls).to.have.length(0)
    expect(stats.failed).to.equal(1)
    expect(stats.failureCounts()[0].code).to.equal('RecordTooLarge')
  })

  it('never has more than --concurrency calls in flight', async () => {
    const sink = new FakeSink(KINESIS_LIMITS, undefined, 5)
    const {stats, writer} = setup(sink, {concurrency: 3})
    await feed(writer, stats, bodies(10_000))
    expect(sink.maxInFlight).to.equal(3)
    expect(stats.delivered).to.equal(10_000)
  })

  it('keeps --concurrency 32 calls in flight without a listener-leak warning on the shared abort signal', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)
    process.on('warning', onWarning)
    try {
      const sink = new FakeSink(KINESIS_LIMITS, undefined, 20)
      const {stats, writer} = setup(sink, {concurrency: 32})
      await feed(writer, stats, bodies(32 * 500))
      await new Promise((r) => setImmediate(r))
      expect(sink.maxInFlight).to.equal(32)
      expect(stats.delivered).to.equal(32 * 500)
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).to.deep.equal([])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('waits for the linger to fill a batch, and sends a partial batch after it', async () => {
    // The writer's clock and timer in the test's hands: time moves only when the test says so.
    let t = 0
    const timers: {run: () => void; ms: number}[] = []
    const schedule = (run: () => void, ms: number) => {
      const timer = {ms, run}
      timers.push(timer)
      return () => void timers.splice(timers.indexOf(timer), 1)
    }
    const fire = (at: number) => {
      t = at
      timers.splice(0).forEach((timer) => timer.run())
    }
    const sink = new FakeSink(KINESIS_LIMITS)
    const {stats, writer} = setup(sink, {lingerMs: 200, now: () => t, schedule})
    for (const b of bodies(3)) {
      stats.generated += 1
      writer.add('1', b)
    }
    expect(sink.calls).to.have.length(0)
    expect(timers.map((x) => x.ms)).to.deep.equal([200]) // woken at the linger's end
    fire(199) // early: still waiting, for the last millisecond
    expect(sink.calls).to.have.length(0)
    expect(timers.map((x) => x.ms)).to.deep.equal([1])
    fire(200)
    expect(sink.calls.map((c) => c.bodies.length)).to.deep.equal([3])
    await writer.drain()
    expect(stats.delivered).to.equal(3)
  })

  it('bounds memory: no room while maxPending events are unsettled, room again once they settle', async () => {
    const sink = new FakeSink(KINESIS_LIMITS, undefined, 20)
    const {stats, writer} = setup(sink, {concurrency: 1, maxPending: 600})
    let i = 0
    while (writer.hasRoom()) {
      stats.generated += 1
      writer.add('1', `{"i":${i++}}`)
    }
    expect(i).to.equal(600)
    expect(writer.pending).to.equal(600)
    await writer.waitForRoom()
    expect(writer.pending).to.be.below(600)
    await writer.drain()
    expect(stats.delivered).to.equal(600)
  })

  it('retries throttled and internal-failure entries until delivered; the counts add up', async () => {
    const random = createRandom(77)
    const behaviour: Behaviour = (batch) =>
      batch.map(() => {
        const u = random.float()
        if (u < 0.3) return throttled()
        if (u < 0.35) return {code: 'InternalFailure', message: 'Internal service failure.', ok: false, retriable: true, throttled: false}
        return {ok: true, shardId: 'shardId-000000000001'}
      })
    const sink = new FakeSink(KINESIS_LIMITS, behaviour)
    const {stats, writer} = setup(sink, {aimd: {minRate: 100_000}})
    const input = bodies(3000)
    await feed(writer, stats, input)
    expect(stats.delivered).to.equal(3000)
    expect(stats.failed).to.equal(0)
    expect(sink.accepted.sort()).to.deep.equal([...input].sort())
    const attempts = sink.calls.reduce((a, c) => a + c.bodies.length, 0)
    expect(stats.retried).to.equal(attempts - 3000)
    expect(stats.throttled).to.be.greaterThan(0)
    expect(writer.limiter.decreases).to.be.greaterThan(0)
  })

  it('counts an event as failed after --max-attempts, with the last error', async () => {
    const sink = new FakeSink(KINESIS_LIMITS, (batch) => batch.map(() => throttled()))
    const {stats, writer} = setup(sink, {aimd: {minRate: 1_000_000}, maxAttempts: 3})
    await feed(writer, stats, bodies(10))
    expect(stats.failed).to.equal(10)
    expect(stats.delivered).to.equal(0)
    expect(stats.retried).to.equal(20)
    expect(sink.calls.reduce((a, c) => a + c.bodies.length, 0)).to.equal(30)
    const [f] = stats.failureCounts()
    expect(f.code).to.equal('ProvisionedThroughputExceededException')
    expect(f.message).to.match(/Gave up after 3 attempts/)
  })

  it('retries whole calls that fail with a retriable error (HTTP 500)', async () => {
    const sink = new FakeSink(KINESIS_LIMITS, (batch, call) => (call % 3 === 0 ? Object.assign(new Error('We encountered an internal error.'), {name: 'InternalFailure'}) : batch.map(() => ({ok: true}))))
    const {stats, writer} = setup(sink)
    await feed(writer, stats, bodies(1500))
    expect(stats.delivered).to.equal(1500)
    expect(stats.callErrors).to.be.greaterThan(0)
    expect(new Set(sink.accepted).size).to.equal(1500)
    expect(sink.accepted).to.have.length(1500)
  })

  it('stops at a fatal error: that batch and everything queued count as failed, nothing more is sent', async () => {
    const sink = new FakeSink(KINESIS_LIMITS, (batch, call) => (call >= 2 ? Object.assign(new Error('Stream gone'), {fatal: true, name: 'ResourceNotFoundException'}) : batch.map(() => ({ok: true}))), 2)
    const {stats, writer} = setup(sink, {concurrency: 1})
    await feedUntilStopped(writer, stats, bodies(3000))
    expect(writer.stopped).to.equal(true)
    expect(writer.fatal?.message).to.equal('Stream gone')
    expect(stats.delivered).to.equal(1000)
    expect(stats.delivered + stats.failed).to.equal(stats.generated)
    expect(stats.failureCounts().map((f) => f.code)).to.include('ResourceNotFoundException')
    expect(sink.calls).to.have.length(3)
  })

  it('stops when the endpoint stays unreachable, counting every event, instead of retrying for minutes', async () => {
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4568'), {code: 'ECONNREFUSED'})
    const sink = new FakeSink(KINESIS_LIMITS, (batch, call) => (call >= 2 ? refused() : batch.map(() => ({ok: true}))))
    const {stats, writer} = setup(sink, {concurrency: 1, maxAttempts: 1000, unreachableLimitMs: 50})
    await feedUntilStopped(writer, stats, bodies(3000))
    expect(writer.stopped).to.equal(true)
    expect(writer.fatal?.message).to.match(/^Cannot reach the .* endpoint: no answer for 0 s/)
    expect(writer.fatal?.exitCode).to.equal(5)
    expect(stats.delivered).to.equal(1000)
    expect(stats.delivered + stats.failed).to.equal(stats.generated)
  })

  it('abort(): calls in flight and everything queued count as failed, told apart', async () => {
    const sink = new FakeSink(KINESIS_LIMITS, undefined, 10_000)
    const {stats, writer} = setup(sink, {concurrency: 2})
    for (const b of bodies(1500)) {
      stats.generated += 1
      writer.add('1', b)
    }
    await new Promise((r) => setTimeout(r, 20))
    expect(stats.inFlight).to.equal(1000)
    writer.abort()
    await writer.drain()
    expect(stats.delivered).to.equal(0)
    expect(stats.failed).to.equal(1500)
    expect(stats.failureCounts().map((f) => [f.code, f.count])).to.deep.equal([
      ['AbortedInFlight', 1000],
      ['NotSent', 500],
    ])
  })
})
