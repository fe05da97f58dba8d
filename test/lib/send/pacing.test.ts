import {expect} from 'chai'

import {AimdRateLimiter} from '../../../src/lib/send/aimd.js'
import {Pacer} from '../../../src/lib/send/pacing.js'
import {LatencyHistogram, RateMeter, SendStats} from '../../../src/lib/send/stats.js'
import {etaMs, formatStatusLine} from '../../../src/lib/send/progress.js'

describe('pacing', () => {
  it('spreads a second of events evenly over that second', () => {
    const pacer = new Pacer(100, 0)
    const issuedAt: number[] = []
    for (let t = 0; t < 1000; t++) {
      const n = pacer.due(t)
      pacer.take(n)
      for (let i = 0; i < n; i++) issuedAt.push(t)
    }
    expect(issuedAt).to.have.length(100)
    expect(issuedAt.slice(0, 4)).to.deep.equal([0, 10, 20, 30])
    expect(pacer.waitMs(1000)).to.equal(0)
    expect(pacer.waitMs(995)).to.equal(5)
  })

  it('lets at most a second of debt build up when the sink is slow', () => {
    const pacer = new Pacer(100, 0)
    pacer.take(pacer.due(0))
    expect(pacer.due(10_000)).to.equal(101) // not 1,000: the lag is capped at one second
  })

  it('does not pace at rate 0', () => {
    const pacer = new Pacer(0, 0)
    expect(pacer.due(0, 256)).to.equal(256)
    expect(pacer.waitMs(0)).to.equal(0)
  })
})

describe('AIMD rate limiter', () => {
  function clock() {
    let t = 0
    return {advance: (ms: number) => (t += ms), now: () => t}
  }

  it('is unlimited until throttled, then caps at half the attempted rate', () => {
    const c = clock()
    const l = new AimdRateLimiter({now: c.now})
    expect(l.delayFor(500)).to.equal(0)
    for (let i = 0; i < 10; i++) {
      l.consume(400)
      c.advance(100)
    } // 4,000 records in one second
    expect(l.onThrottle(c.now() - 50)).to.equal(true)
    expect(l.limit).to.be.closeTo(2000, 1)
    expect(l.delayFor(200)).to.equal(100) // an empty bucket refills at 2,000/s
  })

  it('decreases at most once per cooldown and ignores calls that started before the decrease', () => {
    const c = clock()
    const l = new AimdRateLimiter({cooldownMs: 1000, now: c.now})
    l.consume(1000)
    c.advance(500)
    const started = c.now()
    expect(l.onThrottle(started)).to.equal(true)
    const after = l.limit
    c.advance(10)
    expect(l.onThrottle(started - 1)).to.equal(false)
    expect(l.onThrottle(c.now())).to.equal(false) // within the cooldown
    c.advance(1000)
    expect(l.onThrottle(c.now())).to.equal(true)
    expect(l.limit).to.be.below(after)
    expect(l.decreases).to.equal(2)
  })

  it('never goes below the floor, grows back while calls are clean, and lifts the cap', () => {
    const c = clock()
    const l = new AimdRateLimiter({minRate: 50, now: c.now})
    for (let i = 0; i < 10; i++) {
      c.advance(1001)
      l.onThrottle(c.now())
    }
    expect(l.limit).to.equal(50)
    const floor = l.limit
    c.advance(500)
    l.onClean()
    expect(l.limit).to.be.above(floor)
    // Nothing attempted for a while: the cap is far above the attempted rate and is lifted.
    c.advance(5000)
    l.onClean()
    expect(l.limited).to.equal(false)
  })

  it('asks for batches of about 100 ms of records while capped', () => {
    const c = clock()
    const l = new AimdRateLimiter({minRate: 10, now: c.now})
    expect(l.batchSize(500)).to.equal(500)
    l.consume(2000)
    c.advance(1000)
    l.onThrottle(c.now())
    expect(l.batchSize(500)).to.equal(Math.floor(l.limit / 10))
  })
})

describe('send statistics', () => {
  it('keeps latency quantiles in constant memory, within a bucket (4%)', () => {
    const h = new LatencyHistogram()
    for (let i = 1; i <= 1000; i++) h.record(i)
    expect(h.quantile(0.5)).to.be.within(500, 540)
    expect(h.quantile(0.99)).to.be.within(990, 1000)
    expect(h.max).to.equal(1000)
    expect(new LatencyHistogram().quantile(0.5)).to.equal(undefined)
  })

  it('measures a rate over the last second', () => {
    const m = new RateMeter()
    m.update(0, 0)
    m.update(500, 100)
    expect(m.update(1000, 200)).to.equal(200)
    expect(m.update(2000, 1200)).to.be.closeTo(1000, 1)
  })

  it('adds up: pending = generated - delivered - failed; failures grouped by code', () => {
    const s = new SendStats(() => 0)
    s.generated = 10
    s.recordDelivered(6, 'shardId-1')
    s.recordFailed('X', 'first', 1)
    s.recordFailed('X', 'second', 2)
    expect(s.pending).to.equal(1)
    expect(s.failureCounts()).to.deep.equal([{code: 'X', count: 3, message: 'first'}])
    expect(Object.fromEntries(s.byShard)).to.deep.equal({'shardId-1': 6})
  })

  it('formats the live line with ETA by count or duration', () => {
    const snapshot = {...new SendStats(() => 0).snapshot(), delivered: 500, elapsedMs: 5000, failed: 2, inFlight: 100, retried: 7, throttled: 3}
    const line = formatStatusLine({count: 1500, currentRate: 100, p50: 12.3, p99: 80, snapshot})
    expect(line).to.equal('sent 500/1,500 · 100/s · in flight 100 · retried 7 · throttled 3 · failed 2 · p50 12ms p99 80ms · 5s · ETA 10s')
    expect(etaMs({count: undefined, currentRate: 100, durationMs: 60_000, snapshot})).to.equal(55_000)
    expect(etaMs({currentRate: 100, snapshot})).to.equal(undefined)
    expect(formatStatusLine({currentRate: 0, draining: true, snapshot: {...snapshot, pending: 40}})).to.match(/draining 40 \(Ctrl-C again to abort\)$/)
  })
})
