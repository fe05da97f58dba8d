import {expect} from 'chai'

import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import type {ScalingEvent} from '../../../src/lib/scaling/history.js'
import {planScaling, stepPath} from '../../../src/lib/scaling/planner.js'
import {input, MiB, minutesAgo, NOW, shardLoad, uniformShards} from './fixtures.js'

const close = (actual: number, expected: number) => expect(actual).to.be.closeTo(expected, 1e-9)
const path = (plan: ReturnType<typeof planScaling>) => plan.steps.map((s) => `${s.from}→${s.to}`)

describe('scaling planner', () => {
  describe('hand-computed cases', () => {
    it('4 shards, one at 1.5 MiB/s and three at 0.1, target 0.7 → 9 via 4 → 8 → 9 (the average says 3)', () => {
      // The hot shard's 1.5 MiB/s spread over a quarter of the hash space is 6 MiB/s per unit of
      // space: N uniform shards put 6/N MiB/s on the hottest, ≤ 0.7 first at N = 9 (6/8 = 0.75).
      const plan = planScaling(input(uniformShards([1.5, 0.1, 0.1, 0.1]), {}, {targetUtilization: 0.7}))
      expect(plan.decision).to.equal('scale-out')
      expect(plan.neededShards).to.equal(9)
      expect(plan.averageBasedShards).to.equal(3)
      expect(plan.targetShards).to.equal(9)
      expect(path(plan)).to.deep.equal(['4→8', '8→9'])
      close(plan.current.maxUtilization, 1.5)
      close(plan.steps[0].projectedMaxUtilization, 0.75)
      close(plan.steps[1].projectedMaxUtilization, 6 / 9)
      close(plan.steps[1].projectedMeanUtilization, 1.8 / 9)
      expect(plan.steps.map((s) => s.budgetLeft)).to.deep.equal([9, 8])
      expect(plan.runnableSteps).to.equal(2)
      expect(plan.blocked).to.equal(undefined)
      expect(plan.reasons.join('\n')).to.match(/average would give 3/)
    })

    it('a uniform 5 MiB/s on 4 shards → 8 in one step', () => {
      const plan = planScaling(input(uniformShards([1.25, 1.25, 1.25, 1.25])))
      expect(plan.neededShards).to.equal(8)
      expect(path(plan)).to.deep.equal(['4→8'])
      close(plan.steps[0].projectedMaxUtilization, 0.625)
      close(plan.steps[0].projectedMeanUtilization, 0.625)
    })

    it('2 → 20 in doubling steps: 2 → 4 → 8 → 16 → 20', () => {
      // 13.8 MiB/s: 13.8 / 20 = 0.69 ≤ 0.7 and 13.8 / 19 = 0.726 > 0.7.
      const plan = planScaling(input(uniformShards([6.9, 6.9])))
      expect(plan.neededShards).to.equal(20)
      expect(path(plan)).to.deep.equal(['2→4', '4→8', '8→16', '16→20'])
      close(plan.steps[3].projectedMaxUtilization, 0.69)
    })

    it('each step stays within [ceil(n/2), 2n]', () => {
      expect(stepPath(4, 20).map((s) => s.to)).to.deep.equal([8, 16, 20])
      expect(stepPath(20, 3).map((s) => s.to)).to.deep.equal([10, 5, 3])
      expect(stepPath(9, 5).map((s) => s.to)).to.deep.equal([5])
      expect(stepPath(7, 7)).to.deep.equal([])
    })
  })

  describe('scale-in', () => {
    // 8 shards at 0.1 MiB/s: 0.8 MiB/s in all; under 0.7 − 0.1 = 0.6 first at 2 shards (0.4).
    const light = () => uniformShards(Array.from({length: 8}, () => 0.1))

    it('scales in when the smaller count stays under target minus the margin', () => {
      const plan = planScaling(input(light()))
      expect(plan.decision).to.equal('scale-in')
      expect(plan.targetShards).to.equal(2)
      expect(path(plan)).to.deep.equal(['8→4', '4→2'])
      close(plan.steps[1].projectedMaxUtilization, 0.4)
    })

    it('does not shrink a stream created within the scale-in cooldown (the first cron run after provision)', () => {
      const young = {mode: 'PROVISIONED' as const, openShardCount: 8, status: 'ACTIVE', streamName: 'clicks', createdAt: new Date(minutesAgo(5)).toISOString()}
      const plan = planScaling(input(light(), {stream: young}))
      expect(plan.decision).to.equal('scale-in')
      expect(plan.blocked?.kind).to.equal('cooldown')
      expect(plan.blocked?.message).to.match(/the stream was created 5m ago/)
      expect(plan.runnableSteps).to.equal(0)
      const old = planScaling(input(light(), {stream: {...young, createdAt: new Date(minutesAgo(120)).toISOString()}}))
      expect(old.blocked).to.equal(undefined)
      // A scale-out of a young stream is not held.
      const hot = planScaling(input(uniformShards([1.25, 1.25, 1.25, 1.25]), {stream: {...young, openShardCount: 4}}))
      expect(hot.blocked).to.equal(undefined)
    })

    it('is blocked by the scale-in cooldown after a recent change', () => {
      const history: ScalingEvent[] = [{at: minutesAgo(30), from: 4, to: 8}]
      const plan = planScaling(input(light(), {history}))
      expect(plan.decision).to.equal('scale-in')
      expect(plan.blocked?.kind).to.equal('cooldown')
      expect(plan.blocked?.until).to.equal(new Date(minutesAgo(30) + 3_600_000).toISOString())
      expect(plan.runnableSteps).to.equal(0)
      expect(plan.steps.every((s) => !s.runnable)).to.equal(true)
      // After the cooldown the same history allows it.
      const later = planScaling(input(light(), {history, now: new Date(NOW.getTime() + 31 * 60_000)}))
      expect(later.blocked).to.equal(undefined)
      expect(later.runnableSteps).to.equal(2)
    })

    it('a scale-in also waits until the load window postdates the last change', () => {
      // Cooldown-in 10m, window 30m: 20 minutes after a change the window still holds the old layout.
      const history: ScalingEvent[] = [{at: minutesAgo(20), from: 4, to: 8}]
      const plan = planScaling(input(light(), {history}, {cooldownInMs: 10 * 60_000, windowMs: 30 * 60_000}))
      expect(plan.blocked?.kind).to.equal('cooldown')
      expect(plan.blocked?.message).to.match(/30m load window no longer reaches back before it/)
      expect(plan.blocked?.until).to.equal(new Date(minutesAgo(20) + 30 * 60_000).toISOString())
    })

    it('a scale-out only waits for the shorter scale-out cooldown', () => {
      const hot = uniformShards([1.5, 0.1, 0.1, 0.1])
      expect(planScaling(input(hot, {history: [{at: minutesAgo(3), from: 2, to: 4}]})).blocked?.kind).to.equal('cooldown')
      expect(planScaling(input(hot, {history: [{at: minutesAgo(6), from: 2, to: 4}]})).blocked).to.equal(undefined)
    })

    it('holds when the smaller count would not stay under target by the margin', () => {
      // 4 × 0.46 = 1.84 MiB/s: 3 shards would run at 0.613: under 0.7, not under 0.6.
      const shards = uniformShards([0.46, 0.46, 0.46, 0.46])
      const plan = planScaling(input(shards))
      expect(plan.neededShards).to.equal(3)
      expect(plan.decision).to.equal('hold')
      expect(plan.steps).to.deep.equal([])
      expect(plan.reasons.join('\n')).to.match(/Holding at 4: 3 shards would run the hottest at 61%/)
      // Without a margin it would scale in.
      const noMargin = planScaling(input(shards, {}, {scaleInMargin: 0}))
      expect(noMargin.decision).to.equal('scale-in')
      expect(noMargin.targetShards).to.equal(3)
    })
  })

  describe('the 10-calls-per-24-h budget from history', () => {
    const calls = (minutes: number[]): ScalingEvent[] => minutes.map((m, i) => ({at: minutesAgo(m), from: 2 + i, to: 3 + i}))

    it('stops at the budget and says when the next call is possible', () => {
      // 8 calls in the last 24 h, the oldest 20 h ago; one 25 h ago no longer counts.
      const history = calls([25 * 60, 20 * 60, 600, 500, 400, 300, 200, 100, 60])
      const plan = planScaling(input(uniformShards([6.9, 6.9]), {history}))
      expect(plan.budget).to.include({left: 2, limit: 10, used: 8})
      expect(plan.budget.nextCallAt).to.equal(new Date(minutesAgo(20 * 60) + 86_400_000).toISOString())
      expect(plan.steps).to.have.length(4)
      expect(plan.runnableSteps).to.equal(2)
      expect(plan.steps.map((s) => s.runnable)).to.deep.equal([true, true, false, false])
      expect(plan.steps.map((s) => s.budgetLeft)).to.deep.equal([1, 0, -1, -2])
      expect(plan.blocked).to.equal(undefined)
      expect(plan.reasons.join('\n')).to.match(/needs 4 calls but only 2 of 10 are left.*stops at 8/)
    })

    it('is blocked when the budget is used up', () => {
      const history = calls([1000, 900, 800, 700, 600, 500, 400, 300, 200, 100])
      const plan = planScaling(input(uniformShards([1.5, 0.1, 0.1, 0.1]), {history}))
      expect(plan.blocked?.kind).to.equal('budget')
      expect(plan.blocked?.until).to.equal(new Date(minutesAgo(1000) + 86_400_000).toISOString())
      expect(plan.runnableSteps).to.equal(0)
    })
  })

  describe('limits and clamps', () => {
    it('clamps to --max-shards and says the load needs more', () => {
      const plan = planScaling(input(uniformShards([1.5, 0.1, 0.1, 0.1]), {}, {maxShards: 6}))
      expect(plan.targetShards).to.equal(6)
      expect(path(plan)).to.deep.equal(['4→6'])
      expect(plan.reasons.join('\n')).to.match(/needs 9 shards; the maximum of 6 caps the plan/)
    })

    it('holds at the maximum (exit "nothing to do") when the load needs more', () => {
      const plan = planScaling(input(uniformShards([1.5, 0.1, 0.1, 0.1]), {}, {maxShards: 4}))
      expect(plan.decision).to.equal('hold')
      expect(plan.reasons.join('\n')).to.match(/needs 9 shards, but the maximum is 4/)
    })

    it('scales in to the maximum when above it, and out to the minimum when below it', () => {
      const above = planScaling(input(uniformShards(Array.from({length: 12}, () => 0.5)), {}, {maxShards: 8}))
      expect(above.decision).to.equal('scale-in')
      expect(above.targetShards).to.equal(8)
      const below = planScaling(input(uniformShards([0.01]), {}, {minShards: 3}))
      expect(below.decision).to.equal('scale-out')
      expect(path(below)).to.deep.equal(['1→2', '2→3'])
      const floor = planScaling(input(uniformShards(Array.from({length: 8}, () => 0.01)), {}, {minShards: 5}))
      expect(floor.decision).to.equal('scale-in')
      expect(floor.targetShards).to.equal(5)
    })

    it('stops at the account quota, and is blocked when it is used up', () => {
      const hot = uniformShards([1.5, 0.1, 0.1, 0.1])
      const partial = planScaling(input(hot, {quota: {openShardCount: 45, shardLimit: 50}}))
      expect(partial.limits.quotaMaxShards).to.equal(9)
      expect(partial.targetShards).to.equal(9)
      const tight = planScaling(input(hot, {quota: {openShardCount: 48, shardLimit: 50}}))
      expect(tight.targetShards).to.equal(6)
      expect(tight.reasons.join('\n')).to.match(/shard quota \(48 of 50 open\) allows 6/)
      const full = planScaling(input(hot, {quota: {openShardCount: 50, shardLimit: 50}}))
      expect(full.blocked?.kind).to.equal('quota')
      expect(full.runnableSteps).to.equal(0)
    })

    it('reports on-demand streams and never plans a change for them', () => {
      const shards = uniformShards([1.5, 0.1, 0.1, 0.1])
      const plan = planScaling(input(shards, {stream: {mode: 'ON_DEMAND', openShardCount: 4, status: 'ACTIVE', streamName: 'clicks'}}))
      expect(plan.blocked?.kind).to.equal('on-demand')
      expect(plan.steps).to.deep.equal([])
      expect(plan.neededShards).to.equal(9)
    })

    it('is blocked while the stream is UPDATING, and when the history cannot be recorded', () => {
      const shards = uniformShards([1.5, 0.1, 0.1, 0.1])
      expect(planScaling(input(shards, {stream: {mode: 'PROVISIONED', openShardCount: 4, status: 'UPDATING', streamName: 'clicks'}})).blocked?.kind).to.equal('in-progress')
      expect(planScaling(input(shards, {historyWritable: false})).blocked?.kind).to.equal('history-tag')
    })
  })

  describe('partition keys', () => {
    // Key "35" hashes to 0.1102 of the space: shard 0 of 4.
    const keyed = (keyMiB: number, windowSeconds = 60) => {
      const ranges = uniformRanges(4)
      const keyBytes = keyMiB * MiB * windowSeconds
      const shard0 = shardLoad(0, ranges[0], 1 * MiB, [
        {bytes: keyBytes, partitionKey: '35', peakUtilization: keyMiB, records: keyBytes / 4096, share: keyMiB},
      ])
      return [shard0, ...[1, 2, 3].map((i) => shardLoad(i, ranges[i], 0.1 * MiB))]
    }

    it('keeps a known key as a point: its neighbours must fit beside it', () => {
      // Shard 0: 1 MiB/s, of which key "35" 0.6. Spread uniformly, 4/N ≤ 0.75 gives 6 shards; with
      // the key kept whole, its shard carries 0.6 + 1.6/N ≤ 0.75 first at N = 11.
      const uniform = planScaling(input(uniformShards([1, 0.1, 0.1, 0.1]), {}, {targetUtilization: 0.75}))
      expect(uniform.neededShards).to.equal(6)
      const plan = planScaling(input(keyed(0.6), {windowSeconds: 60}, {targetUtilization: 0.75}))
      expect(plan.neededShards).to.equal(11)
      expect(plan.hotKeys).to.deep.equal([])
    })

    it('reports a key hotter than the target and adds no shards for it', () => {
      // Key "35" at 0.9 alone: no count fixes it. Shard 2 at 1.5 MiB/s still needs 9.
      const ranges = uniformRanges(4)
      const keyBytes = 0.9 * MiB * 60
      const shards = [
        shardLoad(0, ranges[0], 1 * MiB, [{bytes: keyBytes, partitionKey: '35', peakUtilization: 0.9, records: keyBytes / 4096, share: 0.9}]),
        shardLoad(1, ranges[1], 0.1 * MiB),
        shardLoad(2, ranges[2], 1.5 * MiB),
        shardLoad(3, ranges[3], 0.1 * MiB),
      ]
      const plan = planScaling(input(shards, {windowSeconds: 60}))
      expect(plan.hotKeys).to.have.length(1)
      expect(plan.hotKeys[0]).to.include({partitionKey: '35', shardId: 'shardId-000000000000'})
      close(plan.hotKeys[0].utilization, 0.9)
      expect(plan.neededShards).to.equal(9)
      expect(plan.reasons.join('\n')).to.match(/Partition key "35" alone puts 90% on shard shardId-000000000000/)
      // The projection shown stays honest: the key's shard is still over the target.
      expect(plan.steps.at(-1)!.projectedMaxUtilization).to.be.at.least(0.9)
    })

    it('does not scale in onto a hot key', () => {
      // Everything but the hot key is light: the rest would fit on 1 shard, but that would pile it onto the key's shard.
      const plan = planScaling(input(keyed(0.9), {windowSeconds: 60}))
      expect(plan.hotKeys.map((k) => k.partitionKey)).to.deep.equal(['35'])
      expect(plan.decision).to.equal('hold')
      expect(plan.reasons.join('\n')).to.match(/Not scaling in/)
    })

    it('holding because of the margin, names the figure it decided on (without the hot keys)', () => {
      // Shard 0: 1 MiB/s, key "35" 0.9 of it; shards 1–3 at 0.5 MiB/s. Without the key 3 shards fit
      // the target (the hottest at 0.5 × 4 / 3 = 0.667) but not target − margin (0.6): hold at 4.
      // With the key, 3 shards would run its shard at 1.167: not the figure the hold was decided on.
      const ranges = uniformRanges(4)
      const keyBytes = 0.9 * MiB * 60
      const shards = [
        shardLoad(0, ranges[0], 1 * MiB, [{bytes: keyBytes, partitionKey: '35', peakUtilization: 0.9, records: keyBytes / 4096, share: 0.9}]),
        ...[1, 2, 3].map((i) => shardLoad(i, ranges[i], 0.5 * MiB)),
      ]
      const plan = planScaling(input(shards, {windowSeconds: 60}))
      expect(plan.hotKeys.map((k) => k.partitionKey)).to.deep.equal(['35'])
      expect(plan.neededShards).to.equal(3)
      expect(plan.decision).to.equal('hold')
      expect(plan.reasons.join('\n')).to.include('Holding at 4: 3 shards would run the hottest at 67% (without the hot keys), above the target minus the scale-in margin (60%).')
    })
  })

  describe('10,000 shards', () => {
    it('plans a scale-in of a lightly loaded 10,000-shard stream in one halving step', () => {
      // 0.3 MiB/s each: 3,000 MiB/s; under 0.6 first at 5,000 shards.
      const plan = planScaling(input(uniformShards(Array.from({length: 10_000}, () => 0.3))))
      expect(plan.decision).to.equal('scale-in')
      expect(plan.targetShards).to.equal(5000)
      expect(path(plan)).to.deep.equal(['10000→5000'])
      close(plan.steps[0].projectedMaxUtilization, 0.6)
    })

    it('stops at 10,000 shards when a hot shard needs more', () => {
      // One shard of 5,000 at 1.5 MiB/s: 7,500 MiB/s per unit of space needs 10,715 shards.
      const loads = Array.from({length: 5000}, (_, i) => (i === 1234 ? 1.5 : 0.05))
      const plan = planScaling(input(uniformShards(loads)))
      expect(plan.neededShards).to.equal(null)
      expect(plan.targetShards).to.equal(10_000)
      expect(path(plan)).to.deep.equal(['5000→10000'])
      close(plan.steps[0].projectedMaxUtilization, 0.75)
      const atMax = planScaling(input(uniformShards(Array.from({length: 10_000}, (_, i) => (i === 42 ? 1.5 : 0.05)))))
      expect(atMax.blocked?.kind).to.equal('quota')
      expect(atMax.blocked?.message).to.match(/per-stream maximum/)
    })

    it('finds a skewed target among 10,000 shards', () => {
      // 10,000 shards at 0.02 MiB/s with a band of 100 shards at 0.5: the band's density needs
      // 0.5 × 10,000 / 0.7 → 7,143 shards... but it already has 10,000 finer ones; scale-in is
      // limited by the band: 0.5 × 10,000 / N ≤ 0.6 → N ≥ 8,334, and no N straddles better.
      const loads = Array.from({length: 10_000}, (_, i) => (i >= 5000 && i < 5100 ? 0.5 : 0.02))
      const plan = planScaling(input(uniformShards(loads)))
      expect(plan.decision).to.equal('scale-in')
      expect(plan.targetShards).to.equal(8334)
      expect(plan.neededShards).to.equal(7143)
      expect(plan.averageBasedShards).to.equal(Math.ceil((9900 * 0.02 + 100 * 0.5) / 0.7))
    })
  })
})
