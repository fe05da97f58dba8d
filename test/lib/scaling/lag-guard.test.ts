/** The scale-in guard on consumer lag (pure planner): no scale-in, nor merge, while a consumer is too far behind. */
import {expect} from 'chai'

import {planScaling} from '../../../src/lib/scaling/planner.js'
import {resolvePolicy} from '../../../src/lib/scaling/policy.js'
import {UsageError} from '../../../src/lib/errors.js'
import {input, uniformShards} from './fixtures.js'

describe('planner: the scale-in guard on consumer lag', () => {
  // 8 shards at 0.1 MiB/s: a scale-in to 2 without the guard.
  const light = () => uniformShards(Array.from({length: 8}, () => 0.1))

  it('blocks a scale-in while the most-behind consumer is over --max-lag-for-scale-in, with the reason', () => {
    const plan = planScaling(input(light(), {lag: {ageMs: 6 * 60_000, consumer: 'analytics'}}))
    expect(plan.decision).to.equal('scale-in')
    expect(plan.blocked?.kind).to.equal('lag')
    expect(plan.blocked?.message).to.equal('Consumer lag: analytics is 6m behind the tip, above the 5m of --max-lag-for-scale-in; no scale-in until it catches up.')
    expect(plan.runnableSteps).to.equal(0)
  })

  it('lets the scale-in through at or under the maximum, and when the lag is unknown (absent: a backtest, no CloudWatch)', () => {
    expect(planScaling(input(light(), {lag: {ageMs: 5 * 60_000, consumer: 'analytics'}})).blocked).to.equal(undefined)
    expect(planScaling(input(light(), {lag: {ageMs: 20 * 60_000, consumer: 'analytics'}}, {maxLagForScaleInMs: 30 * 60_000})).blocked).to.equal(undefined)
    const unknown = planScaling(input(light()))
    expect(unknown.blocked).to.equal(undefined)
    expect(unknown.runnableSteps).to.equal(2)
  })

  it('never holds a scale-out: lagging consumers need more shards, not fewer', () => {
    const plan = planScaling(input(uniformShards([0.9, 0.9]), {lag: {ageMs: 3_600_000, consumer: 'analytics'}}))
    expect(plan.decision).to.equal('scale-out')
    expect(plan.blocked).to.equal(undefined)
  })

  it('targeted: the merges wait with the reason, splits go ahead', () => {
    const shards = uniformShards([1.0, 0.05, 0.05, 0.05])
    const plan = planScaling(input(shards, {lag: {ageMs: 10 * 60_000, consumer: 'polling consumers (GetRecords)'}}, {strategy: 'targeted'}))
    expect(plan.steps.map((s) => s.action)).to.deep.equal(['split'])
    expect(plan.reasons.join('\n')).to.include('Merges of cold shards wait: Consumer lag: polling consumers (GetRecords) is 10m behind')
  })

  it('the policy key max-lag-for-scale-in: flag or file, a duration from 1s, default 5m', () => {
    expect(resolvePolicy({flags: {}, stream: 's'}).policy.maxLagForScaleInMs).to.equal(300_000)
    expect(resolvePolicy({flags: {'max-lag-for-scale-in': '10m'}, stream: 's'}).policy.maxLagForScaleInMs).to.equal(600_000)
    const file = {defaults: {'max-lag-for-scale-in': '2m'}, path: 'p.yaml', streams: {}}
    expect(resolvePolicy({file, flags: {}, stream: 's'}).policy.maxLagForScaleInMs).to.equal(120_000)
    expect(() => resolvePolicy({flags: {'max-lag-for-scale-in': '0s'}, stream: 's'})).to.throw(UsageError, /--max-lag-for-scale-in must be from 1s/)
  })
})
