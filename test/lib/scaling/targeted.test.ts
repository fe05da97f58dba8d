/**
 * The targeted planner (pure): hand-computed split and merge plans, auto's choice between targeted
 * and uniform, the uniform planner on a non-uniform layout, and brute-force cross-checks.
 */
import {expect} from 'chai'

import {createRandom} from '../../../src/lib/clickstream/random.js'

import {hashKeyOf, uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {planScaling} from '../../../src/lib/scaling/planner.js'
import {UsageError} from '../../../src/lib/errors.js'
import {validateSettings} from '../../../src/lib/scaling/policy.js'
import {balancedCuts, fragmentsOf, isUniformLayout, shardModel} from '../../../src/lib/scaling/targeted.js'
import {input, MiB, minutesAgo, shardLoad, uniformShards} from './fixtures.js'

const SPACE = 1n << 128n
const close = (actual: number, expected: number, tolerance = 1e-6) => expect(actual).to.be.closeTo(expected, tolerance)
const old = {createdAt: new Date(minutesAgo(24 * 60)).toISOString()}
const stream = (n: number, extra: object = {}) => ({mode: 'PROVISIONED' as const, openShardCount: n, status: 'ACTIVE', streamName: 'clicks', ...old, ...extra})
const targeted = (loads: number[], target: number, more: object = {}) =>
  planScaling(input(uniformShards(loads), {stream: stream(loads.length)}, {strategy: 'targeted', targetUtilization: target, ...more}))

/** Partition keys whose hash lies in [lo, hi) of the whole hash space (fractions). */
function keysIn(lo: number, hi: number, count: number): string[] {
  const keys: string[] = []
  for (let i = 0; keys.length < count; i++) {
    const x = Number(hashKeyOf(`user-${i}`)) / 2 ** 128
    if (x >= lo && x < hi) keys.push(`user-${i}`)
  }
  return keys
}

/** A seeded uniform source in [0, 1) (the generator's PRNG). */
const prng = (seed: number) => createRandom(seed).float

describe('targeted planner', () => {
  describe('hand-computed cases', () => {
    it('4 uniform shards, shard 0 at 140% spread evenly, target 70%: split at the midpoint → 5 shards; uniform needs 8', () => {
      // Targeted: 1.4 / 2 = 0.7 per half. Uniform: shard 0's density 4 × 1.4 = 5.6 per unit of hash
      // space, 5.6 / N ≤ 0.7 first at N = 8. The others (0.5 each) cannot merge under 0.6.
      const plan = targeted([1.4, 0.5, 0.5, 0.5], 0.7)
      expect(plan.strategy).to.equal('targeted')
      expect(plan.decision).to.equal('scale-out')
      expect(plan.targetShards).to.equal(5)
      expect(plan.steps).to.have.length(1)
      const [r0] = uniformRanges(4)
      expect(plan.steps[0]).to.deep.include({
        action: 'split',
        endingHashKey: r0.end.toString(),
        from: 4,
        newStartingHashKey: (SPACE / 8n).toString(),
        runnable: true,
        shardId: 'shardId-000000000000',
        startingHashKey: '0',
        to: 5,
      })
      close(plan.steps[0].projectedMaxUtilization, 0.7)
      expect(plan.targeted!.splits[0].partUtilizations.map((u) => Math.round(u * 1000))).to.deep.equal([700, 700])
      const uniform = planScaling(input(uniformShards([1.4, 0.5, 0.5, 0.5]), {stream: stream(4)}, {strategy: 'uniform'}))
      expect(uniform.targetShards).to.equal(8)
      expect(plan.reasons.join('\n')).to.match(/this source knows no partition keys \(CloudWatch\)/)
      expect(plan.reasons.join('\n')).to.match(/do not use the 10 UpdateShardCount calls per rolling 24 h \(10 left\)/)
    })

    it('the uniform planner\'s 4 → 8 → 9 (shard 0 at 150%, target 70%) is 6 shards targeted: shard 0 in thirds', () => {
      const plan = targeted([1.5, 0.5, 0.5, 0.5], 0.7)
      expect(plan.targetShards).to.equal(6)
      const cuts = plan.steps.map((s) => BigInt(s.newStartingHashKey!))
      // Thirds of [0, 2^126): within 2^-40 of the shard's width (cuts are rounded to that grid).
      const third = (1n << 126n) / 3n
      expect(Number(cuts[0] - third)).to.be.at.most(2 ** 88)
      expect(Number(cuts[1] - 2n * third)).to.be.at.most(2 ** 88)
      expect(plan.steps.map((s) => s.startingHashKey)).to.deep.equal(['0', cuts[0].toString()])
      // The second split acts on the shard the first one created: no id yet, found by its range.
      expect(plan.steps[1].shardId).to.equal(undefined)
      const auto = planScaling(input(uniformShards([1.5, 0.5, 0.5, 0.5]), {stream: stream(4)}, {strategy: 'auto', targetUtilization: 0.7}))
      expect(auto.strategy).to.equal('targeted')
      expect(auto.alternative).to.deep.include({calls: 2, fits: true, strategy: 'uniform', targetShards: 9})
      expect(auto.reasons.at(-1)).to.match(/^Strategy auto chose targeted: it would need 6 shards in 2 calls \(split shardId-000000000000 at .*\); uniform would need 9 shards via 4 → 8 → 9\.$/)
    })

    it('load concentrated in the lower quarter of shard 0 (four known keys there): the split key lies in that quarter and both sides fit', () => {
      // Shard 0 = [0, 1/4) of the space: 1.2 MiB/s, of which four keys in [0, 1/16) at 0.25 each.
      const keys = keysIn(0, 1 / 16, 4)
      const windowSeconds = 60
      const keyLoads = keys.map((k) => ({bytes: 0.25 * MiB * windowSeconds, partitionKey: k, peakUtilization: 0.25, records: (0.25 * MiB * windowSeconds) / 4096, share: 0.25 / 1.2}))
      const ranges = uniformRanges(4)
      const shards = [shardLoad(0, ranges[0], 1.2 * MiB, keyLoads), ...[1, 2, 3].map((i) => shardLoad(i, ranges[i], 0.5 * MiB))]
      const plan = planScaling(input(shards, {stream: stream(4), windowSeconds}, {strategy: 'targeted', targetUtilization: 0.7}))
      expect(plan.targetShards).to.equal(5)
      const key = BigInt(plan.steps[0].newStartingHashKey!)
      expect(key > 0n && key < SPACE / 16n, 'in the lower quarter of shard 0').to.equal(true)
      // Two keys (0.5) and a little spread below; two keys and the rest of the spread above.
      const [lower, upper] = plan.targeted!.splits[0].partUtilizations
      expect(lower).to.be.at.most(0.7 + 1e-9)
      expect(upper).to.be.at.most(0.7 + 1e-9)
      close(lower + upper, 1.2)
      const sorted = keys.map((k) => hashKeyOf(k)).sort((a, b) => (a < b ? -1 : 1))
      expect(key > sorted[1] && key <= sorted[2], 'between the second and third key').to.equal(true)
      expect(plan.reasons.join('\n')).to.match(/each shard's known keys stay at their hash/)
      // A midpoint split would not fit: the lower half would carry all four keys (1.0 + 0.1).
    })

    it('one key at 120% of a shard: no split helps; the key is reported and kept whole', () => {
      const ranges = uniformRanges(4)
      const keyBytes = 1.2 * MiB * 60
      const shards = [
        shardLoad(0, ranges[0], 1.3 * MiB, [{bytes: keyBytes, partitionKey: '35', peakUtilization: 1.2, records: keyBytes / 4096, share: 0.92}]),
        ...[1, 2, 3].map((i) => shardLoad(i, ranges[i], 0.5 * MiB)),
      ]
      const plan = planScaling(input(shards, {stream: stream(4), windowSeconds: 60}, {strategy: 'targeted'}))
      expect(plan.hotKeys.map((k) => k.partitionKey)).to.deep.equal(['35'])
      expect(plan.decision).to.equal('hold')
      expect(plan.steps).to.deep.equal([])
      expect(plan.reasons.join('\n')).to.match(/Partition key "35" alone puts 120% on shard shardId-000000000000, above the target: resharding cannot split one key/)
    })

    it('two adjacent cold shards → one merge, never onto a shard that leaves no room', () => {
      // 0.6 | 0.1 | 0.1 | 0.6, threshold 0.7 − 0.1: only shards 1 and 2 merge (0.2).
      const plan = targeted([0.6, 0.1, 0.1, 0.6], 0.7)
      expect(plan.decision).to.equal('scale-in')
      expect(plan.targetShards).to.equal(3)
      const [, r1, r2] = uniformRanges(4)
      expect(plan.steps.map((s) => [s.action, s.shardId, s.adjacentShardId, s.startingHashKey, s.endingHashKey, s.adjacentStartingHashKey, s.adjacentEndingHashKey])).to.deep.equal([
        ['merge', 'shardId-000000000001', 'shardId-000000000002', r1.start.toString(), r1.end.toString(), r2.start.toString(), r2.end.toString()],
      ])
      expect(plan.targeted!.merges).to.have.length(1)
      close(plan.targeted!.merges[0].utilization, 0.2)
    })

    it('merges wait for the scale-in cooldown, splits do not', () => {
      const history = [{at: minutesAgo(10), from: 3, to: 4, kind: 'split' as const}]
      const plan = planScaling(input(uniformShards([1.4, 0.1, 0.1, 0.5]), {history, stream: stream(4)}, {strategy: 'targeted'}))
      expect(plan.blocked).to.equal(undefined)
      expect(plan.steps.map((s) => s.action)).to.deep.equal(['split'])
      expect(plan.reasons.join('\n')).to.match(/Merges of cold shards wait: Cooldown: the last change \(split, 3 → 4\) was 10m ago/)
      const inOnly = planScaling(input(uniformShards([0.5, 0.1, 0.1, 0.5]), {history, stream: stream(4)}, {strategy: 'targeted'}))
      expect(inOnly.decision).to.equal('scale-in')
      expect(inOnly.blocked?.kind).to.equal('cooldown')
      expect(inOnly.runnableSteps).to.equal(0)
    })

    it('--max-shards caps the splits, hottest shard first, and says so', () => {
      const plan = targeted([2.1, 1.4, 0.5, 0.5], 0.7, {maxShards: 6})
      // Wanted: shard 0 in 3 (2 splits), shard 1 in 2 (1 split) = 7 > 6.
      expect(plan.targetShards).to.equal(6)
      expect(plan.targeted!.splits.map((s) => [s.shardId, s.parts])).to.deep.equal([['shardId-000000000000', 3]])
      expect(plan.reasons.join('\n')).to.match(/The load needs 7 shards split this way; the maximum of 6 caps the plan/)
    })

    it('one run makes at most 100 split and merge steps and says how many the layout takes', () => {
      // 300 shards at 1%: runs of 60 merge into 5 shards, 295 merges.
      const plan = targeted(Array.from({length: 300}, () => 0.01), 0.7)
      expect(plan.targetShards).to.equal(5)
      expect(plan.targeted!.calls).to.equal(295)
      expect(plan.steps).to.have.length(100)
      expect(plan.steps.at(-1)!.to).to.equal(200)
      expect(plan.reasons.join('\n')).to.match(/The layout takes 295 split and merge calls, one at a time: this run makes the first 100 \(to 200 shards\), later runs the rest\./)
    })

    it('on-demand: blocked with a sentence, no steps', () => {
      const plan = planScaling(input(uniformShards([1.5, 0.1]), {stream: stream(2, {mode: 'ON_DEMAND'})}, {strategy: 'targeted'}))
      expect(plan.blocked?.kind).to.equal('on-demand')
      expect(plan.steps).to.deep.equal([])
    })

    it('rejects an unknown strategy before anything else', () => {
      expect(() => validateSettings({strategy: 'random'})).to.throw(UsageError, /--strategy must be uniform, targeted or auto, not "random"/)
      expect(validateSettings({}).strategy).to.equal('auto')
    })
  })

  describe('auto', () => {
    it('takes uniform when it needs fewer shards (an evenly hot stream), targeted when it does (one hot shard)', () => {
      const even = planScaling(input(uniformShards([1, 1, 1, 1]), {stream: stream(4)}, {strategy: 'auto'}))
      expect(even.strategy).to.equal('uniform')
      expect(even.targetShards).to.equal(6)
      expect(even.alternative).to.deep.include({strategy: 'targeted', targetShards: 8})
      const hot = planScaling(input(uniformShards([1.4, 0.5, 0.5, 0.5]), {stream: stream(4)}, {strategy: 'auto'}))
      expect(hot.strategy).to.equal('targeted')
      expect(hot.targetShards).to.equal(5)
    })

    it('takes targeted when the 24 h budget blocks UpdateShardCount', () => {
      const history = Array.from({length: 10}, (_, i) => ({at: minutesAgo(600 - i * 30), from: 4, to: 4}))
      const plan = planScaling(input(uniformShards([1, 1, 1, 1]), {history, stream: stream(4)}, {strategy: 'auto'}))
      expect(plan.strategy).to.equal('targeted')
      expect(plan.blocked).to.equal(undefined)
      expect(plan.alternative?.blocked).to.match(/budget of 10 UpdateShardCount calls/)
    })

    it('an uneven layout that uniform would hold at (same count fits) is split by targeted', () => {
      // After a targeted split: 5 shards, one of them hot again. Uniform 5 fits, but cannot re-lay
      // out the same count; targeted splits the hot one.
      const bounds = [0n, SPACE / 8n, SPACE / 4n, SPACE / 2n, (3n * SPACE) / 4n, SPACE]
      const shards = [0.9, 0.1, 0.3, 0.3, 0.3].map((m, i) => shardLoad(i, {end: bounds[i + 1] - 1n, start: bounds[i]}, m * MiB))
      const plan = planScaling(input(shards, {stream: stream(5)}, {strategy: 'auto'}))
      expect(plan.strategy).to.equal('targeted')
      expect(plan.steps.map((s) => s.action)).to.include('split')
    })
  })

  describe('uniform on a non-uniform layout', () => {
    // 5 shards after a targeted split of shard 0 of 4: boundaries at 0, 1/8, 1/4, 1/2, 3/4.
    const bounds = [0n, SPACE / 8n, SPACE / 4n, SPACE / 2n, (3n * SPACE) / 4n, SPACE]
    const layout = (mib: number[]) => mib.map((m, i) => shardLoad(i, {end: bounds[i + 1] - 1n, start: bounds[i]}, m * MiB))

    it('counts the short-lived shards UpdateShardCount creates on the way against the quota', () => {
      expect(isUniformLayout(layout([1, 1, 1, 1, 1]))).to.equal(false)
      expect(isUniformLayout(uniformShards([1, 1, 1]))).to.equal(true)
      // kinesis-local lays 4 shards out a few keys off AWS's boundaries: still uniform.
      const local = ['0', '85070591730234615865843651857942052863', '170141183460469231731687303715884105726', '255211775190703847597530955573826158589']
      expect(isUniformLayout(local.map((startingHashKey) => ({startingHashKey})))).to.equal(true)
      expect(fragmentsOf(local.map((startingHashKey) => ({startingHashKey})), 8)).to.equal(8)
      // To 6 uniform shards: boundaries {0, 1/8, 1/6, 1/4, 1/3, 1/2, 2/3, 3/4, 5/6} = 9 fragments.
      expect(fragmentsOf(layout([1, 1, 1, 1, 1]), 6)).to.equal(9)
      // An even density of 2 (shard limits per unit of hash space): 2 / N ≤ 0.35 first at N = 6.
      const shards = layout([0.25, 0.25, 0.5, 0.5, 0.5])
      const roomy = planScaling(input(shards, {quota: {openShardCount: 5, shardLimit: 50}, stream: stream(5)}, {strategy: 'uniform', targetUtilization: 0.35}))
      expect(roomy.targetShards).to.equal(6)
      expect(roomy.blocked).to.equal(undefined)
      expect(roomy.reasons.join('\n')).to.match(/The current layout is not uniform: UpdateShardCount resets it to equal ranges.*up to 9 open shards while it runs/)
      // The quota leaves room for 8 open shards: enough for the final 6, not for the 9 on the way.
      const tight = planScaling(input(shards, {quota: {openShardCount: 5, shardLimit: 8}, stream: stream(5)}, {strategy: 'uniform', targetUtilization: 0.35}))
      expect(tight.blocked?.kind).to.equal('quota')
      expect(tight.blocked?.message).to.match(/would need up to 9 open shards while it runs \(short-lived shards count against the account quota\), but the quota leaves room for 8/)
      // auto takes the targeted plan instead (the three shards at 0.5 in halves: 8), which needs no short-lived shards.
      const auto = planScaling(input(shards, {quota: {openShardCount: 5, shardLimit: 8}, stream: stream(5)}, {strategy: 'auto', targetUtilization: 0.35}))
      expect(auto.strategy).to.equal('targeted')
      expect(auto.targetShards).to.equal(8)
      expect(auto.blocked).to.equal(undefined)
    })
  })

  describe('cross-checks', () => {
    /** The fewest contiguous groups of `loads` with each group's sum at most `cap` (exhaustive DP). */
    function fewestGroups(loads: number[], cap: number): number {
      const best = Array.from({length: loads.length + 1}, () => Number.POSITIVE_INFINITY)
      best[0] = 0
      for (let j = 1; j <= loads.length; j++) {
        let sum = 0
        for (let i = j; i >= 1; i--) {
          sum += loads[i - 1]
          if (sum > cap + 1e-9) break
          best[j] = Math.min(best[j], best[i - 1] + 1)
        }
      }
      return best[loads.length]
    }

    it('splits a shard of point loads into the fewest parts an exhaustive search finds, each part within the target (300 random shards)', () => {
      const random = prng(7)
      for (let c = 0; c < 300; c++) {
        const n = 1 + Math.floor(random() * 12)
        const target = 0.3 + random() * 0.6
        const start = BigInt(Math.floor(random() * 1000)) << 100n
        const width = 1n << 120n
        const hashes = Array.from({length: n}, () => start + (BigInt(Math.floor(random() * 2 ** 40)) << 80n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        const unique = [...new Set(hashes)]
        const loads = unique.map(() => random() * target)
        const model = shardModel({
          hotPoints: [],
          points: unique.map((hash, i) => ({bytes: loads[i] * MiB, hash, records: 0})),
          range: {bytes: 0, endingHashKey: (start + width - 1n).toString(), records: 0, startingHashKey: start.toString()},
          shardId: 's',
        })
        const cuts = balancedCuts(model, target, 10_000)
        const parts = cuts.length + 1
        expect(parts, `case ${c}`).to.equal(Math.max(1, fewestGroups(loads, target)))
        const bounds = [start, ...cuts, start + width]
        for (let j = 0; j + 1 < bounds.length; j++) {
          const sum = unique.reduce((acc, h, i) => (h >= bounds[j] && h < bounds[j + 1] ? acc + loads[i] : acc), 0)
          expect(sum, `case ${c} part ${j}`).to.be.at.most(target + 1e-9)
        }
      }
    })

    it('on random layouts: targeted leaves no shard over the target, merges are as few as possible, and auto never has more shards than either', () => {
      const random = prng(11)
      for (let c = 0; c < 150; c++) {
        const count = 1 + Math.floor(random() * 24)
        const loads = Array.from({length: count}, () => (random() < 0.25 ? random() * 3 : random() * 0.3))
        const target = 0.4 + random() * 0.5
        const t = planScaling(input(uniformShards(loads), {stream: stream(count)}, {strategy: 'targeted', targetUtilization: target}))
        const u = planScaling(input(uniformShards(loads), {stream: stream(count)}, {strategy: 'uniform', targetUtilization: target}))
        const a = planScaling(input(uniformShards(loads), {stream: stream(count)}, {strategy: 'auto', targetUtilization: target}))
        const parts = t.targeted!.splits.reduce((n, s) => n + s.parts - 1, 0)
        for (const s of t.targeted!.splits) for (const p of s.partUtilizations) expect(p, `case ${c}`).to.be.at.most(target + 1e-6)
        // Every unsplit shard fits; the merged runs are as few as the exhaustive grouping of each run.
        const threshold = target - 0.1
        const split = new Set(t.targeted!.splits.map((s) => s.shardId))
        let fewest = 0
        let run: number[] = []
        const flushRun = () => {
          fewest += fewestGroupsWithSingles(run, threshold)
          run = []
        }
        loads.forEach((l, i) => {
          if (split.has(`shardId-${String(i).padStart(12, '0')}`)) flushRun()
          else run.push(l)
        })
        flushRun()
        const merges = t.targeted!.merges.reduce((n, m) => n + m.shardIds.length - 1, 0)
        expect(t.targetShards, `case ${c}`).to.equal(count + parts - merges)
        expect(count - split.size - merges, `case ${c}: unsplit shards after merging`).to.equal(fewest)
        // auto's pick is one of the two, and never has more shards than the other when that one fits too.
        expect(a.targetShards, `case ${c}`).to.equal(a.strategy === 'uniform' ? u.targetShards : t.targetShards)
        if (a.alternative?.fits && a.decision !== 'hold') expect(a.targetShards, `case ${c}`).to.be.at.most(a.alternative.targetShards)
        if (a.strategy === 'uniform' && t.targetShards < u.targetShards) expect.fail(`case ${c}: auto took uniform with more shards`)
      }

      /** Groups where a shard above the threshold stays alone (it never merges). */
      function fewestGroupsWithSingles(loads: number[], cap: number): number {
        let groups = 0
        let segment: number[] = []
        for (const l of loads) {
          if (l > cap + 1e-9) {
            groups += segment.length > 0 ? fewestGroups(segment, cap) : 0
            groups += 1
            segment = []
          } else segment.push(l)
        }
        return groups + (segment.length > 0 ? fewestGroups(segment, cap) : 0)
      }
    })
  })
})
