import {expect} from 'chai'

import {hashKeyOf, uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {applySplit, projectMinute, ShardIds, uniformLayout} from '../../../src/lib/backtest/layout.js'
import {alarmPolicy} from '../../../src/lib/backtest/peers/alarm.js'
import {averagePolicy} from '../../../src/lib/backtest/peers/average.js'
import {tieredFactor, tieredPolicy} from '../../../src/lib/backtest/peers/tiered.js'
import type {StreamView} from '../../../src/lib/backtest/peers/types.js'
import {POLICY_NAMES, runBacktest, type BacktestOptions, type PolicyResult} from '../../../src/lib/backtest/simulate.js'
import {parseSyntheticSpec, syntheticTrace} from '../../../src/lib/backtest/synthetic.js'
import {MINUTE_MS, parseTrace, traceOf, type Trace, type TraceShard} from '../../../src/lib/backtest/trace.js'
import {UsageError} from '../../../src/lib/errors.js'
import {UPDATE_SHARD_COUNT_WINDOW_MS} from '../../../src/lib/kinesis/limits.js'
import {planScaling} from '../../../src/lib/scaling/planner.js'
import {POLICY_DEFAULTS, type ScalingPolicy} from '../../../src/lib/scaling/policy.js'

const START = Date.parse('2026-03-02T00:00:00Z')
const RECORDS_AT_FULL = 60_000 // records per shard-minute at the write limit

/** A trace on `shards` uniform shards; utilisation(minute, shard) in records against the limit (100-byte records). */
function trace(minutes: number, shards: number, util: (m: number, s: number) => number): Trace {
  const ranges = uniformRanges(shards)
  const list = []
  for (let m = 0; m < minutes; m++) {
    list.push({
      shards: ranges.map((r, s): TraceShard => {
        const records = Math.round(util(m, s) * RECORDS_AT_FULL)
        return {bytes: records * 100, endingHashKey: r.end.toString(), records, startingHashKey: r.start.toString()}
      }),
      t: START + m * MINUTE_MS,
    })
  }
  return traceOf(list, 'test')
}

const policy = (o: Partial<ScalingPolicy> = {}): ScalingPolicy => ({...POLICY_DEFAULTS, ...o})
const run = (t: Trace, o: Partial<BacktestOptions> = {}) => runBacktest({policies: POLICY_NAMES, policy: policy(), trace: t, ...o})
const by = (r: ReturnType<typeof runBacktest>) => Object.fromEntries(r.policies.map((p) => [p.policy, p])) as Record<string, PolicyResult>

describe('backtest simulation', () => {
  it('a step in load: each policy reacts by its own rules, and the minutes over the limit follow from them', () => {
    // 4 shards at 50% for an hour, then 150% each (the stream at 150%).
    const r = by(run(trace(180, 4, (m) => (m < 60 ? 0.5 : 1.5))))
    // average: the 5-minute mean reaches 75% at minute 61 → 8 shards, 2 min to reshard → from minute 64.
    expect(r.average.minutesOverLimit).to.equal(4)
    expect(r.average.changes[0]).to.include({from: 4, to: 8})
    // tiered: 70% for 5 whole minutes at minute 64 → ×2 → from minute 67.
    expect(r.tiered.minutesOverLimit).to.equal(7)
    // alarm: 5 of 5 five-minute points at 75% first at minute 84 → ×2 → from minute 87.
    expect(r.alarm.minutesOverLimit).to.equal(27)
    // clickops, every 5 minutes: at minute 64, 4 → 8 → 9 (two calls of 2 min) → from minute 69.
    expect(r.clickops.minutesOverLimit).to.equal(9)
    expect(r.clickops.calls).to.deep.equal({merge: 0, split: 0, updateShardCount: 2})
    expect(r.clickops.endShards).to.equal(9)
    // Over the limit by half: a third of the records of each over-limit minute are the excess.
    expect(r.alarm.throttledRecords).to.be.closeTo(27 * 4 * 90_000 * (1 - 1 / 1.5), 1)
    expect(r['on-demand'].minutesOverLimit).to.equal(null)
  })

  it('a hot shard: clickops splits it (and merges the cold ones); the average-driven peers see 45% and never act', () => {
    const r = by(run(trace(120, 4, (_m, s) => (s === 0 ? 1.2 : 0.2))))
    for (const peer of ['average', 'alarm', 'tiered']) {
      expect(r[peer].minutesOverLimit, peer).to.equal(120)
      expect(r[peer].calls.updateShardCount, peer).to.equal(0)
    }
    // First check at minute 4: split the hot shard, merge the three cold ones (0.6 together, at the
    // target minus the margin): three calls of 30 s → the new layout from minute 7.
    expect(r.clickops.calls).to.deep.equal({merge: 2, split: 1, updateShardCount: 0})
    expect(r.clickops.minutesOverLimit).to.equal(7)
    expect(r.clickops.endShards).to.equal(3)
    expect(r.clickops.peakUtilization).to.equal(1.2)
  })

  it('a slow ramp: every step within half to double the count', () => {
    const r = run(trace(12 * 60, 2, (m) => 0.2 + (3 * m) / (12 * 60)))
    for (const p of r.policies) {
      for (const c of p.changes) {
        if (c.calls.updateShardCount !== 1) continue
        expect(c.to, p.policy).to.be.at.most(2 * c.from)
        expect(c.to, p.policy).to.be.at.least(Math.ceil(c.from / 2))
      }
    }
    // Everyone ends well above the 2 shards they started with.
    for (const p of r.policies.filter((x) => x.policy !== 'on-demand')) expect(p.endShards, p.policy).to.be.at.least(6)
  })

  it('the 24 h budget: at most 10 UpdateShardCount calls in any rolling 24 h, refusals counted', () => {
    // Load flips between 5% and 160% every 90 minutes for two days: everyone wants to change a lot.
    const r = run(trace(2 * 1440, 4, (m) => (Math.floor(m / 90) % 2 === 0 ? 0.05 : 1.6)), {policy: policy({cooldownInMs: 10 * 60_000, strategy: 'uniform', windowMs: 5 * 60_000})})
    let refused = 0
    for (const p of r.policies) {
      const times = p.changes.flatMap((c) => Array.from({length: c.calls.updateShardCount}, () => Date.parse(c.decidedAt)))
      for (const t of times) expect(times.filter((x) => x > t - UPDATE_SHARD_COUNT_WINDOW_MS && x <= t).length, p.policy).to.be.at.most(10)
      refused += p.budgetRefusals
    }
    expect(refused).to.be.greaterThan(0)
  })

  it('a spike shorter than the cooldowns: no policy sees it coming (no peeking), all take its minutes over the limit', () => {
    const spikeAt = 120
    const r = run(trace(240, 4, (m) => (m >= spikeAt && m < spikeAt + 3 ? 1.3 : 0.5)))
    for (const p of r.policies.filter((x) => x.policy !== 'on-demand')) {
      expect(p.minutesOverLimit, p.policy).to.equal(3)
      for (const c of p.changes) expect(Date.parse(c.decidedAt), p.policy).to.be.at.least(START + (spikeAt + 1) * MINUTE_MS)
    }
    // The alarm's five-minute points average the spike away.
    expect(by(r).alarm.calls.updateShardCount).to.equal(0)
  })

  it('the quota caps every policy', () => {
    const r = run(trace(180, 4, (m) => (m < 30 ? 0.5 : 3)), {quota: 6})
    for (const p of r.policies.filter((x) => x.policy !== 'on-demand')) expect(p.maxShards, p.policy).to.be.at.most(6)
  })

  it("clickops's decisions are the planner's on the same load, minute by minute", () => {
    for (const spec of ['diurnal,hot-user=35:0.3,peak=3000rps,minutes=600', 'diurnal,launch,peak=2000rps,minutes=900,shards=3']) {
      const t = syntheticTrace(parseSyntheticSpec(spec))
      const window = 15
      let plans = 0
      let changes = 0
      const layouts: string[] = []
      runBacktest({
        checkEveryMs: MINUTE_MS,
        onPlan(minute, input, plan) {
          plans++
          // The same input gives `clickops scale --dry-run` the same plan.
          expect(planScaling(input), `${spec} minute ${minute}`).to.deep.equal(plan)
          if (plan.runnableSteps > 0 && plan.blocked === undefined) changes++
          layouts.push(input.shards.map((s) => s.startingHashKey).join(','))
          // Before any change the load is the trace's own, shard by shard, over the window.
          if (changes === 0 || (changes === 1 && plan.runnableSteps > 0)) {
            const from = Math.max(0, minute - window + 1)
            input.shards.forEach((s, k) => {
              let records = 0
              let peak = 0
              for (let m = from; m <= minute; m++) {
                records += t.minute(m)[k].records
                peak = Math.max(peak, t.minute(m)[k].records)
              }
              expect(s.recordsPerSecond).to.be.closeTo(records / ((minute - from + 1) * 60), 1e-6)
              expect(s.peakRecordsPerSecond).to.be.closeTo(peak / 60, 1e-6)
            })
          }
        },
        policies: ['clickops'],
        policy: policy(),
        trace: t,
      })
      expect(plans, spec).to.be.greaterThan(100)
      expect(changes, spec).to.be.greaterThan(0)
      expect(new Set(layouts).size, spec).to.be.greaterThan(1)
    }
  })

  it('on-demand costs the same traffic at on-demand list prices', () => {
    // 1,000 records a minute of 100 bytes for 60 minutes: 6 MB and one stream-hour.
    const r = by(run(trace(60, 1, () => 1 / 60), {policies: ['on-demand']}))
    const gb = (60 * 1000 * 100) / 1e9
    expect(r['on-demand'].cost).to.be.closeTo(0.04 + gb * 0.08, 1e-9)
  })
})

describe('backtest projection', () => {
  it('a known key goes with the child its hash falls in, the rest spreads by hash-space share', () => {
    const ids = new ShardIds()
    const [whole] = uniformLayout(1, ids)
    const key = '35'
    const hash = hashKeyOf(key)
    const split = applySplit([whole], whole.startingHashKey, whole.endingHashKey, (hash + 1n).toString(), ids)!
    const load = projectMinute(
      [{bytes: 1000, endingHashKey: whole.endingHashKey, keys: [{bytes: 400, key, records: 40}], records: 100, startingHashKey: whole.startingHashKey}],
      split,
      true,
    )
    const leftShare = Number(hash + 1n) / 2 ** 128
    expect(load.records[0]).to.be.closeTo(40 + 60 * leftShare, 1e-6)
    expect(load.records[1]).to.be.closeTo(60 * (1 - leftShare), 1e-6)
    expect(load.keys?.[0]?.[0]).to.deep.equal({bytes: 400, key, records: 40})
  })
})

describe('peer rules on the cases of their own documentation', () => {
  const view = (utils: number[], shards: number, lastChangeMinute?: number): StreamView => ({
    bytes: utils.map(() => 0),
    lastChangeMinute,
    minute: utils.length - 1,
    openShards: shards,
    records: utils.map((u) => u * shards * RECORDS_AT_FULL),
  })
  it('alarm: 5 of 5 five-minute points at 75% double the count; 4 of 5 do not; 57 of 60 under 25% halve it', () => {
    expect(alarmPolicy.decide(view(Array(25).fill(0.8), 4))).to.equal(8)
    expect(alarmPolicy.decide(view([...Array(5).fill(0.5), ...Array(20).fill(0.8)], 4))).to.equal(undefined)
    expect(alarmPolicy.decide(view([...Array(15).fill(0.5), ...Array(285).fill(0.1)], 8))).to.equal(4)
    expect(alarmPolicy.decide(view([...Array(20).fill(0.5), ...Array(280).fill(0.1)], 8))).to.equal(undefined)
    // Between period ends the alarms do not evaluate.
    expect(alarmPolicy.decide(view(Array(26).fill(0.8), 4))).to.equal(undefined)
  })
  it('average: 75% for 5 minutes scales up by 100%, not within the cool-off; 30 minutes under 25% scale down by 50%', () => {
    expect(averagePolicy.decide(view(Array(5).fill(0.8), 4))).to.equal(8)
    expect(averagePolicy.decide(view(Array(10).fill(0.8), 4, 5))).to.equal(undefined)
    expect(averagePolicy.decide(view(Array(90).fill(0.1), 8, 10))).to.equal(4)
  })
  it('tiered: 70% for 5 minutes scales up by a factor that shrinks with size; 35% for 60 minutes halves', () => {
    expect([4, 20, 60, 200].map(tieredFactor)).to.deep.equal([2, 1.75, 1.5, 1.25])
    expect(tieredPolicy.decide(view(Array(5).fill(0.7), 20))).to.equal(35)
    expect(tieredPolicy.decide(view(Array(5).fill(0.69), 20))).to.equal(undefined)
    expect(tieredPolicy.decide(view(Array(60).fill(0.35), 20))).to.equal(10)
  })
})

describe('trace files', () => {
  const line = (o: unknown) => JSON.stringify(o)
  const shard = {bytes: 10, endingHashKey: '340282366920938463463374607431768211455', records: 1, startingHashKey: '0'}
  it('reads minutes, with gaps carrying no load', () => {
    const t = parseTrace([line({shards: [shard], t: '2026-03-02T00:00:00Z'}), '', line({shards: [shard], t: '2026-03-02T00:03:00Z'})].join('\n'), 'x.ndjson')
    expect(t.minutes).to.equal(4)
    expect(t.minute(1)).to.deep.equal([])
    expect(t.minute(3)[0].records).to.equal(1)
  })
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{', /line 2: not valid JSON/],
    ['a negative byte count', line({shards: [{...shard, bytes: -1}], t: '2026-03-02T00:01:00Z'}), /line 2: shards\[0\]\.bytes must be a number/],
    ['a bad hash key', line({shards: [{...shard, startingHashKey: 'x'}], t: '2026-03-02T00:01:00Z'}), /line 2: shards\[0\]\.startingHashKey must be a decimal hash key/],
    ['a time not on a minute', line({shards: [], t: '2026-03-02T00:01:30Z'}), /line 2: t must be a whole minute/],
    ['a minute out of order', line({shards: [], t: '2026-03-01T00:00:00Z'}), /line 2: t .* is not after the line before/],
    ['a key without records', line({shards: [{...shard, keys: [{bytes: 1, key: '35'}]}], t: '2026-03-02T00:01:00Z'}), /line 2: shards\[0\]\.keys\[0\]\.records must be a number/],
  ]
  for (const [what, second, message] of cases) {
    it(`names the line and field of ${what}`, () => {
      const text = [line({shards: [shard], t: '2026-03-02T00:00:00Z'}), second].join('\n')
      expect(() => parseTrace(text, 'x.ndjson'))
        .to.throw(UsageError, message)
        .with.property('exitCode', 2)
    })
  }
})

describe('synthetic traces', () => {
  it('are seeded: the same spec gives the same minutes, another seed others', () => {
    const a = syntheticTrace(parseSyntheticSpec('diurnal,hot-user=35:0.3,days=1'))
    const b = syntheticTrace(parseSyntheticSpec('diurnal,hot-user=35:0.3,days=1'))
    const c = syntheticTrace(parseSyntheticSpec('diurnal,hot-user=35:0.3,days=1,seed=2'))
    expect(a.minute(700)).to.deep.equal(b.minute(700))
    expect(a.minute(700)).to.not.deep.equal(c.minute(700))
    const hot = a.minute(700).find((s) => s.keys !== undefined)!
    const total = a.minute(700).reduce((n, s) => n + s.records, 0)
    expect(hot.keys![0].records / total).to.be.closeTo(0.3, 0.03)
  })
  it('peak is the rate at 16:00 UTC on a diurnal trace', () => {
    const t = syntheticTrace(parseSyntheticSpec('diurnal,peak=5000rps'))
    const at = (m: number) => t.minute(m).reduce((n, s) => n + s.records, 0) / 60
    expect(at(16 * 60)).to.be.closeTo(5000, 5000 * 0.05)
    expect(at(4 * 60)).to.be.closeTo(1250, 1250 * 0.05)
  })
  it('rejects an unknown part, naming it', () => {
    expect(() => parseSyntheticSpec('diurnal,hot=35')).to.throw(UsageError, /"hot=35" is not a known part/)
    expect(() => parseSyntheticSpec('days=40')).to.throw(UsageError, /"days=40" needs a whole number from 1 to 15/)
  })
})
