/**
 * The scaling planner (pure): from the open shards with their hash ranges and load, the policy, the
 * time and the stream's scaling history, a plan: the target count, the UpdateShardCount steps to
 * reach it, the projected max and mean utilisation after each step, and the reasons, one line each.
 *
 * The decision is made on the hottest projected shard, not on the stream's average: the load of
 * each shard is spread over its hash range (a known hot key stays a point at its hash), projected
 * onto N uniform shards, and N is the smallest count whose hottest shard stays at or under the
 * target. A single key hotter than the target cannot be split by resharding: it is reported and
 * left out of the count. AWS's limits shape the steps: each call within [ceil(n/2), 2n], 10 calls
 * per rolling 24 h, 10,000 shards per stream, the account's shard quota.
 */
import {AUTO_NOTICE, keysMapToShards, type RecordDistribution} from '../kinesis/distribution.js'
import {hashKeyOf} from '../kinesis/hashkey.js'
import {MAX_SHARDS_PER_STREAM, UPDATE_SHARD_COUNT_MAX_FACTOR} from '../kinesis/limits.js'
import {utilization} from '../load/model.js'
import type {KeyLoad, ShardLoad} from '../load/types.js'
import {formatDuration, formatInt as fmtInt, formatPercent, formatPercentShort as pct} from '../format.js'
import {budgetAt, lastEvent, type Budget, type ScalingEvent} from './history.js'
import type {Basis, ScalingPolicy, Strategy} from './policy.js'
import {LoadProfile, type PointLoad, type RangeLoad} from './projection.js'
import {fragmentsOf, isUniformLayout, planLayout} from './targeted.js'

export interface StreamFacts {
  streamName: string
  mode: 'PROVISIONED' | 'ON_DEMAND'
  /** ACTIVE, UPDATING, CREATING, DELETING. */
  status: string
  openShardCount: number
  /** StreamCreationTimestamp, ISO-8601: a new stream is not scaled in before its load is known. */
  createdAt?: string
  /** AUTO: partition keys do not pick shards, so no key is placed at its hash (distribution.ts). */
  recordDistribution?: RecordDistribution
}

/** The account's shard quota and its use (DescribeLimits). */
export interface AccountQuota {
  shardLimit: number
  openShardCount: number
}

export interface PlanInput {
  stream: StreamFacts
  /** The open shards' load (a LoadSnapshot's shards). */
  shards: readonly ShardLoad[]
  /** The load window, to turn key counts into rates (LoadSnapshot.windowSeconds). */
  windowSeconds?: number
  policy: ScalingPolicy
  history: readonly ScalingEvent[]
  now: Date
  /** Unknown when DescribeLimits was not allowed. */
  quota?: AccountQuota
  /** False when the history cannot be recorded (the stream has 50 tags and none is clickops's). */
  historyWritable?: boolean
  /** The most-behind consumer's lag now (iterator age, CloudWatch); absent = unknown, the scale-in guard is off. */
  lag?: {consumer: string; ageMs: number}
}

export type Decision = 'hold' | 'scale-out' | 'scale-in'
export type BlockKind = 'on-demand' | 'in-progress' | 'history-tag' | 'quota' | 'cooldown' | 'budget' | 'lag'

export type StepAction = 'update-shard-count' | 'split' | 'merge'

export interface PlanStep {
  step: number
  /** UpdateShardCount (uniform), SplitShard or MergeShards (targeted). */
  action: StepAction
  /** Open shards before and after the step. */
  from: number
  to: number
  projectedMaxUtilization: number
  projectedMeanUtilization: number
  /** UpdateShardCount calls left in the rolling 24 h after this one (negative: beyond the budget). */
  budgetLeft: number
  /** Runs in this invocation (within the budget, and the plan is not blocked). */
  runnable: boolean
  /**
   * split: the shard to split (its id when it exists now; none for a shard an earlier step of the
   * plan creates), its hash range and the new starting hash key. merge: the shard and its adjacent
   * shard, with their ranges. The executor finds each by its range and checks it is still open.
   */
  shardId?: string
  startingHashKey?: string
  endingHashKey?: string
  newStartingHashKey?: string
  adjacentShardId?: string
  adjacentStartingHashKey?: string
  adjacentEndingHashKey?: string
}

export interface HotKey {
  partitionKey: string
  shardId: string
  /** The key's own utilisation of one shard (basis: peak or mean). */
  utilization: number
}

export interface ScalingPlan {
  streamName: string
  /** The strategy the steps use, and the one asked for (auto picks between the two). */
  strategy: 'uniform' | 'targeted'
  requestedStrategy: Strategy
  /** Under auto: what the strategy not chosen would have done. */
  alternative?: {strategy: 'uniform' | 'targeted'; targetShards: number; calls: number; fits: boolean; blocked?: string}
  /** The targeted plan's splits and merges (targeted only). */
  targeted?: {
    splits: {shardId: string; parts: number; newStartingHashKeys: string[]; utilization: number; partUtilizations: number[]}[]
    merges: {shardIds: string[]; utilization: number}[]
    /** Split and merge calls the whole layout takes (`steps` holds at most what one run makes). */
    calls: number
    /** Every shard of the resulting layout at or under the target (hot keys aside). */
    fits: boolean
  }
  basis: Basis
  targetUtilization: number
  scaleInMargin: number
  currentShards: number
  /** The measured load of the current shards. */
  current: {maxUtilization: number; meanUtilization: number; hottestShardId?: string}
  /** The smallest count whose hottest projected shard stays at or under the target; null if 10,000 are not enough. */
  neededShards: number | null
  /** What a planner deciding on the stream's average would pick (for comparison). */
  averageBasedShards: number
  /** The count the plan moves to; the current count when holding. */
  targetShards: number
  decision: Decision
  /** Every step to the target, in order; `runnable` marks those this run may make. */
  steps: PlanStep[]
  runnableSteps: number
  blocked?: {kind: BlockKind; message: string; until?: string}
  budget: Budget
  lastChange?: {at: string; from: number; to: number}
  hotKeys: HotKey[]
  limits: {minShards: number; maxShards: number; hardMaxShards: number; quotaMaxShards?: number}
  reasons: string[]
}

/** Split and merge steps one run makes (each waits for the stream to be ACTIVE); later runs go on. */
export const MAX_TARGETED_STEPS_PER_RUN = 100

/** Keys lighter than this fraction of the target utilisation are spread with the rest of their shard. */
export const POINT_LOAD_FLOOR = 0.01

/** The UpdateShardCount steps from `from` to `to`: each within [ceil(n/2), 2n]. */
export function stepPath(from: number, to: number): {from: number; to: number}[] {
  const steps: {from: number; to: number}[] = []
  let n = from
  while (n !== to) {
    const next = to > n ? Math.min(to, n * UPDATE_SHARD_COUNT_MAX_FACTOR) : Math.max(to, Math.ceil(n / UPDATE_SHARD_COUNT_MAX_FACTOR))
    steps.push({from: n, to: next})
    n = next
  }
  return steps
}

/** The load a shard is judged by under `basis`. */
function shardBasisLoad(s: ShardLoad, basis: Basis): {bytes: number; records: number} {
  return basis === 'peak' ? {bytes: s.peakBytesPerSecond, records: s.peakRecordsPerSecond} : {bytes: s.bytesPerSecond, records: s.recordsPerSecond}
}

/** A key's load under `basis`, never more than its shard's (one object: this runs per key of 10,000 shards). */
function keyBasisLoad(k: KeyLoad, shard: ShardLoad, basis: Basis, windowSeconds: number | undefined): {bytes: number; records: number} {
  const peak = basis === 'peak'
  const capBytes = peak ? shard.peakBytesPerSecond : shard.bytesPerSecond
  const capRecords = peak ? shard.peakRecordsPerSecond : shard.recordsPerSecond
  const perWindow = windowSeconds !== undefined && windowSeconds > 0
  let bytes = perWindow ? k.bytes / windowSeconds : k.share * shard.bytesPerSecond
  let records = perWindow ? k.records / windowSeconds : k.share * shard.recordsPerSecond
  if (peak) {
    const u = utilization(bytes, records)
    const scale = u > 0 ? k.peakUtilization / u : 0
    bytes = u > 0 ? bytes * scale : k.share * capBytes
    records = u > 0 ? records * scale : k.share * capRecords
  }
  return {bytes: Math.min(bytes, capBytes), records: Math.min(records, capRecords)}
}

/** The average-based count: the stream's total load over the target, as average-driven autoscalers decide. */
export function averageBasedCount(shards: readonly ShardLoad[], targetUtilization: number, basis: Basis): number {
  let bytes = 0
  let records = 0
  for (const s of shards) {
    const l = shardBasisLoad(s, basis)
    bytes += l.bytes
    records += l.records
  }
  return countFor(bytes, records, targetUtilization)
}

function countFor(bytes: number, records: number, targetUtilization: number): number {
  return Math.min(MAX_SHARDS_PER_STREAM, Math.max(1, Math.ceil(utilization(bytes, records) / targetUtilization - 1e-9)))
}

const NO_KEYS: readonly KeyLoad[] = []

/** Builds the projection profiles: for the decision (hot keys left out) and for display (everything). */
export function buildProfiles(shards: readonly ShardLoad[], policy: Pick<ScalingPolicy, 'basis' | 'targetUtilization'>, windowSeconds?: number, keysPlaced = true) {
  const ranges: RangeLoad[] = []
  const points: PointLoad[] = []
  const hotPoints: PointLoad[] = []
  const hotKeys: HotKey[] = []
  /** Per shard, aligned with `shards`: its rest range and its points (what the targeted planner splits). */
  const perShard: ShardProfile[] = []
  const peak = policy.basis === 'peak'
  const floor = policy.targetUtilization * POINT_LOAD_FLOOR
  for (const s of shards) {
    let own: PointLoad[] | undefined
    let ownHot: PointLoad[] | undefined
    let restBytes = peak ? s.peakBytesPerSecond : s.bytesPerSecond
    let restRecords = peak ? s.peakRecordsPerSecond : s.recordsPerSecond
    // A key never carries more than its shard: the keys of a shard under the floor all stay in its spread.
    // On an AUTO stream a key's records land on any shard: its load is the shard's, spread like the rest.
    const keys = !keysPlaced || s.topKeys === undefined || utilization(restBytes, restRecords) < floor ? NO_KEYS : s.topKeys
    for (const k of keys) {
      const kl = keyBasisLoad(k, s, policy.basis, windowSeconds)
      if (kl.bytes <= 0 && kl.records <= 0) continue
      restBytes -= kl.bytes
      restRecords -= kl.records
      const keyUtil = policy.basis === 'peak' ? Math.max(k.peakUtilization, utilization(kl.bytes, kl.records)) : utilization(kl.bytes, kl.records)
      // A key this light changes no projected shard measurably: it stays in the uniform spread
      // (and is not hashed, which matters at 10,000 shards × their top keys).
      if (keyUtil < floor) {
        restBytes += kl.bytes
        restRecords += kl.records
        continue
      }
      const point = {bytes: kl.bytes, hash: hashKeyOf(k.partitionKey), records: kl.records}
      if (keyUtil > policy.targetUtilization + 1e-9) {
        hotKeys.push({partitionKey: k.partitionKey, shardId: s.shardId, utilization: keyUtil})
        hotPoints.push(point)
        ;(ownHot ??= []).push(point)
      } else {
        points.push(point)
        ;(own ??= []).push(point)
      }
    }
    const range = {bytes: Math.max(0, restBytes), endingHashKey: s.endingHashKey, records: Math.max(0, restRecords), startingHashKey: s.startingHashKey}
    ranges.push(range)
    perShard.push({hotPoints: ownHot ?? NO_POINTS, points: own ?? NO_POINTS, range, shardId: s.shardId})
  }
  const decision = new LoadProfile(ranges, points)
  const display = hotPoints.length > 0 ? new LoadProfile(ranges, [...points, ...hotPoints]) : decision
  hotKeys.sort((a, b) => b.utilization - a.utilization)
  return {decision, display, hotKeys, perShard}
}

export type Profiles = ReturnType<typeof buildProfiles>

/** One shard's part of the profiles: its range with the rest load, its known keys, its hot keys. */
export interface ShardProfile {
  shardId: string
  range: RangeLoad
  points: readonly PointLoad[]
  hotPoints: readonly PointLoad[]
}

const NO_POINTS: readonly PointLoad[] = []

/** The uniform plan: UpdateShardCount (UNIFORM_SCALING) steps to the smallest uniform count that fits. */
export function planUniform(input: PlanInput, profiles: Profiles = buildProfiles(input.shards, input.policy, input.windowSeconds, keysMapToShards(input.stream.recordDistribution))): ScalingPlan {
  const {now, policy, stream} = input
  const target = policy.targetUtilization
  const current = stream.openShardCount
  const reasons: string[] = []
  const {decision: profile, display, hotKeys} = profiles

  // The current shards as measured.
  const stats = currentStats(input)
  const {max: currentMax, mean: currentMean, hottestShardId, totalBytes, totalRecords} = stats
  reasons.push(...loadReasons(input, stats, hotKeys))

  const hardMax = MAX_SHARDS_PER_STREAM
  const quotaMax = input.quota ? current + Math.max(0, input.quota.shardLimit - input.quota.openShardCount) : undefined
  const ceiling = Math.min(policy.maxShards, hardMax, quotaMax ?? Number.POSITIVE_INFINITY)
  const needed = profile.smallestWithin(target, profile.lowerBound(target), hardMax) ?? null
  const averageBasedShards = countFor(totalBytes, totalRecords, target)
  const budget = budgetAt(input.history, now)
  const last = lastEvent(input.history)

  if (needed === null) {
    reasons.push(`Even ${fmtInt(hardMax)} shards (the per-stream maximum) would leave a projected shard above the target.`)
  } else if (input.shards.length > 0) {
    const p = profile.project(needed)
    reasons.push(
      `${shards(needed)} keep${needed === 1 ? 's' : ''} the hottest projected shard at ${pct(p.maxUtilization)}${hotKeys.length > 0 ? ' (without the hot keys)' : ''}, target ${pct(target)}; deciding on the average would give ${fmtInt(averageBasedShards)}.`,
    )
  }
  if (quotaMax === undefined && stream.mode !== 'ON_DEMAND') reasons.push('The account shard quota is unknown (DescribeLimits was not allowed); AWS enforces it on the call.')

  let decision: Decision = 'hold'
  let targetShards = current
  let block: ScalingPlan['blocked']
  const wantOut = Math.max(needed ?? hardMax + 1, policy.minShards)

  if (stream.mode === 'ON_DEMAND') {
    block = {kind: 'on-demand', message: 'The stream is in on-demand mode: AWS scales it; clickops never changes it.'}
  } else if (current > policy.maxShards) {
    decision = 'scale-in'
    targetShards = policy.maxShards
    reasons.push(`${fmtInt(current)} open shards exceed the maximum of ${fmtInt(policy.maxShards)}: scaling in to it.`)
  } else if (wantOut > current) {
    const capped = Math.min(wantOut, ceiling)
    if (current < policy.minShards && (needed ?? 0) < policy.minShards) reasons.push(`Below the minimum of ${fmtInt(policy.minShards)} shards.`)
    if (capped > current) {
      decision = 'scale-out'
      targetShards = capped
      if (capped < wantOut) reasons.push(limitedBy(needed, capped, policy.maxShards, hardMax, quotaMax, input.quota))
    } else if (policy.maxShards <= current && policy.maxShards < hardMax) {
      reasons.push(`The load needs ${needed === null ? `more than ${fmtInt(hardMax)}` : fmtInt(needed)} shards, but the maximum is ${fmtInt(policy.maxShards)}: holding (raise --max-shards to scale out).`)
    } else {
      decision = 'scale-out'
      targetShards = Math.min(wantOut, policy.maxShards, hardMax)
      block =
        current >= hardMax
          ? {kind: 'quota', message: `The stream has ${fmtInt(hardMax)} shards, the per-stream maximum.`}
          : {
              kind: 'quota',
              message: `The account's shard quota is used up (${fmtInt(input.quota?.openShardCount ?? 0)} of ${fmtInt(input.quota?.shardLimit ?? 0)} open shards): ask AWS for a higher quota.`,
            }
    }
  } else {
    const threshold = target - policy.scaleInMargin
    // Anything under the lower threshold is under the target too: start the search at `needed`.
    const from = Math.max(needed ?? 1, profile.lowerBound(threshold))
    let nIn = current > 1 ? profile.smallestWithin(threshold, from, current - 1) : undefined
    let heldByHotKey = false
    if (nIn !== undefined && hotKeys.length > 0) {
      // A hot key's shard is over the target anyway: scaling in must not put more load beside it.
      const now = Math.max(threshold, display.project(current).maxUtilization)
      nIn = smallestOfBoth(profile, threshold, display, now, nIn, current - 1)
      heldByHotKey = nIn === undefined
      if (heldByHotKey) reasons.push(`Not scaling in: fewer shards would put more load on the shard of hot key "${hotKeys[0].partitionKey}".`)
    }
    const inTarget = Math.max(nIn ?? current, policy.minShards)
    if (inTarget < current) {
      decision = 'scale-in'
      targetShards = inTarget
      const p = display.project(inTarget)
      reasons.push(
        nIn !== undefined && nIn >= policy.minShards
          ? `${shards(inTarget)} would run the hottest at ${pct(p.maxUtilization)}, under the target minus the scale-in margin (${pct(threshold)}).`
          : `${shards(inTarget)} (the minimum) would run the hottest at ${pct(p.maxUtilization)}.`,
      )
    } else if (heldByHotKey) {
      // Said above: scaling in would pile load onto a hot key's shard.
    } else if (current > policy.minShards && input.shards.length > 0) {
      // The figure the decision was made on: without the hot keys, which no count changes.
      const fewer = profile.project(current - 1)
      reasons.push(
        `Holding at ${fmtInt(current)}: ${shards(current - 1)} would run the hottest at ${pct(fewer.maxUtilization)}${hotKeys.length > 0 ? ' (without the hot keys)' : ''}, above the target minus the scale-in margin (${pct(threshold)}).`,
      )
    } else {
      reasons.push(`Holding at ${fmtInt(current)} shards${current === policy.minShards ? ' (the minimum)' : ''}.`)
    }
    if (decision === 'hold' && currentMax > target + 1e-9 && hotKeys.length === 0) {
      reasons.push(
        `The current layout is uneven: ${fmtInt(current)} uniform shards would carry the load, but UpdateShardCount cannot re-lay out the same count (split the hot shard with SplitShard, or let the next change even it out).`,
      )
    }
  }

  // Steps, projected, with the budget.
  const path = decision === 'hold' ? [] : stepPath(current, targetShards)
  if (path.length > 1) {
    reasons.push(
      `${fmtInt(current)} → ${fmtInt(targetShards)} takes ${path.length} UpdateShardCount calls (each within half to double the count): ${[current, ...path.map((s) => s.to)].map(fmtInt).join(' → ')}.`,
    )
  }

  // Blocks, most fundamental first.
  if (block === undefined && decision !== 'hold') {
    block = changeBlock(decision, input, last)
    if (block === undefined && budget.left === 0) {
      block = {
        kind: 'budget',
        message: `The budget of ${budget.limit} UpdateShardCount calls per rolling 24 h is used up; the next call is possible at ${budget.nextCallAt}.`,
        until: budget.nextCallAt,
      }
    }
  }

  // From an uneven layout (after targeted splits) UpdateShardCount re-lays every shard out, and the
  // short-lived shards it creates on the way count against the account quota.
  if (decision !== 'hold' && path.length > 0 && input.shards.length === current && !isUniformLayout(input.shards)) {
    const peak = fragmentsOf(input.shards, path[0].to)
    reasons.push(
      `The current layout is not uniform: UpdateShardCount resets it to equal ranges, splitting and merging every shard on the way (up to ${fmtInt(peak)} open shards while it runs, short-lived ones included).`,
    )
    if (block === undefined && quotaMax !== undefined && peak > quotaMax) {
      block = {
        kind: 'quota',
        message: `UpdateShardCount from this uneven layout would need up to ${fmtInt(peak)} open shards while it runs (short-lived shards count against the account quota), but the quota leaves room for ${fmtInt(quotaMax)}.`,
      }
    }
  }

  const runnableSteps = block === undefined ? Math.min(path.length, budget.left) : 0
  if (block === undefined && path.length > budget.left) {
    reasons.push(
      `The plan needs ${path.length} calls but only ${budget.left} of ${budget.limit} are left in the rolling 24 h: it stops at ${fmtInt(path[budget.left - 1].to)}${budget.nextCallAt ? `; the next call is possible at ${budget.nextCallAt}` : ''}.`,
    )
  }
  if (decision !== 'hold') reasons.push(`Budget before this run: ${budget.used} of ${budget.limit} UpdateShardCount calls used in the rolling 24 h, ${budget.left} left.`)
  if (last !== undefined && now.getTime() - last.at < policy.windowMs) {
    reasons.push(`The load window reaches back before the last change (${last.from} → ${last.to} at ${new Date(last.at).toISOString()}): shards created by it carry only part of the window.`)
  }

  const steps: PlanStep[] = path.map((s, i) => {
    const p = display.project(s.to)
    return {
      action: 'update-shard-count',
      budgetLeft: budget.left - (i + 1),
      from: s.from,
      projectedMaxUtilization: p.maxUtilization,
      projectedMeanUtilization: p.meanUtilization,
      runnable: i < runnableSteps,
      step: i + 1,
      to: s.to,
    }
  })

  const plan: ScalingPlan = {
    averageBasedShards,
    basis: policy.basis,
    budget,
    current: {hottestShardId, maxUtilization: currentMax, meanUtilization: currentMean},
    currentShards: current,
    decision,
    hotKeys,
    limits: {hardMaxShards: hardMax, maxShards: policy.maxShards, minShards: policy.minShards, ...(quotaMax === undefined ? {} : {quotaMaxShards: quotaMax})},
    neededShards: needed,
    reasons,
    runnableSteps,
    requestedStrategy: policy.strategy,
    scaleInMargin: policy.scaleInMargin,
    steps,
    strategy: 'uniform',
    streamName: stream.streamName,
    targetShards,
    targetUtilization: target,
  }
  if (block !== undefined) plan.blocked = block
  if (last !== undefined) plan.lastChange = {at: new Date(last.at).toISOString(), from: last.from, to: last.to}
  return plan
}

/** The smallest N in [lo, hi] under both thresholds (each profile against its own). */
function smallestOfBoth(a: LoadProfile, ta: number, b: LoadProfile, tb: number, lo: number, hi: number): number | undefined {
  let from = lo
  while (from <= hi) {
    const n = b.smallestWithin(tb, from, hi)
    if (n === undefined) return undefined
    if (!a.project(n, ta).exceeded) return n
    from = n + 1
  }
  return undefined
}

function limitedBy(needed: number | null, capped: number, max: number, hardMax: number, quotaMax: number | undefined, quota: AccountQuota | undefined): string {
  const want = needed === null ? `more than ${fmtInt(hardMax)}` : fmtInt(needed)
  if (capped === max) return `The load needs ${want} shards; the maximum of ${fmtInt(max)} caps the plan.`
  if (quotaMax !== undefined && capped === quotaMax && quota) {
    return `The load needs ${want} shards; the account's shard quota (${fmtInt(quota.openShardCount)} of ${fmtInt(quota.shardLimit)} open) allows ${fmtInt(quotaMax)}.`
  }
  if (capped === hardMax) return `The load needs ${want} shards; a stream holds at most ${fmtInt(hardMax)}.`
  return `Capped at ${fmtInt(capped)} shards.`
}


const shards = (n: number) => `${fmtInt(n)} shard${n === 1 ? '' : 's'}`


/** What stands in the way of a change now (budget aside): the stream's state, the history tag, cooldowns. */
function changeBlock(decision: Decision, input: PlanInput, last: ScalingEvent | undefined): ScalingPlan['blocked'] {
  const {now, policy, stream} = input
  if (stream.status !== 'ACTIVE') {
    return {
      kind: 'in-progress',
      message: `The stream is ${stream.status}${stream.status === 'UPDATING' ? ' (a change is in progress)' : ''}; try again when it is ACTIVE.`,
    }
  }
  if (input.historyWritable === false) {
    return {
      kind: 'history-tag',
      message: `The stream already has the maximum number of tags, so clickops cannot record the change (its cooldowns and budget depend on it): remove one tag.`,
    }
  }
  if (decision === 'scale-in' && input.lag !== undefined && input.lag.ageMs > policy.maxLagForScaleInMs) {
    // Fewer shards read slower: consumers that are behind would fall further behind.
    return {
      kind: 'lag',
      message: `Consumer lag: ${input.lag.consumer} is ${formatDuration(input.lag.ageMs)} behind the tip, above the ${formatDuration(policy.maxLagForScaleInMs)} of --max-lag-for-scale-in; no scale-in until it catches up.`,
    }
  }
  if (last !== undefined) {
    // A scale-in also waits until the whole load window postdates the last change: shards it
    // created carry only part of the window, which understates the load.
    const windowRule = decision === 'scale-in' && policy.windowMs > policy.cooldownInMs
    const cooldown = decision === 'scale-out' ? policy.cooldownOutMs : Math.max(policy.cooldownInMs, policy.windowMs)
    const since = Math.max(0, now.getTime() - last.at)
    if (since < cooldown) {
      const until = new Date(last.at + cooldown).toISOString()
      const waits = windowRule ? `waits until the ${formatDuration(policy.windowMs)} load window no longer reaches back before it` : `waits ${formatDuration(cooldown)}`
      return {
        kind: 'cooldown',
        message: `Cooldown: the last change (${describeEvent(last)}) was ${formatDuration(since)} ago; a ${decision} ${waits}, until ${until}.`,
        until,
      }
    }
    return undefined
  }
  if (decision === 'scale-in' && stream.createdAt !== undefined) {
    // A stream younger than the scale-in cooldown has had no time to carry its traffic: an empty
    // new stream must not be shrunk by the first cron run after `clickops provision`.
    const created = Date.parse(stream.createdAt)
    const cooldown = Math.max(policy.cooldownInMs, policy.windowMs)
    const since = Math.max(0, now.getTime() - created)
    if (since < cooldown) {
      const until = new Date(created + cooldown).toISOString()
      return {
        kind: 'cooldown',
        message: `Cooldown: the stream was created ${formatDuration(since)} ago; a scale-in waits ${formatDuration(cooldown)} after that, until ${until}.`,
        until,
      }
    }
  }
  return undefined
}

/** "4 → 8", or "split, 4 → 5" for a targeted step. */
export function describeEvent(e: ScalingEvent): string {
  return `${e.kind === undefined ? '' : `${e.kind}, `}${e.from} → ${e.to}`
}

/**
 * The plan for the policy's strategy: uniform (UpdateShardCount), targeted (SplitShard and
 * MergeShards where the traffic is), or auto: both, and the one that fits the target with fewer
 * open shards (ties: fewer calls; a plan the 24 h budget blocks loses to one it does not).
 */
export function planScaling(input: PlanInput): ScalingPlan {
  const strategy = input.policy.strategy
  if (strategy === 'uniform') return planUniform(input)
  const profiles = buildProfiles(input.shards, input.policy, input.windowSeconds, keysMapToShards(input.stream.recordDistribution))
  const targeted = planTargeted(input, profiles)
  if (strategy === 'targeted' || input.stream.mode === 'ON_DEMAND') return targeted
  const uniform = planUniform(input, profiles)
  const pick = choose(uniform, targeted, profiles)
  const other = pick === uniform ? targeted : uniform
  const calls = (p: ScalingPlan) => p.targeted?.calls ?? p.steps.length
  const otherFits = fits(other, profiles)
  pick.alternative = {
    calls: calls(other),
    fits: otherFits,
    strategy: other.strategy,
    targetShards: other.targetShards,
    ...(other.blocked ? {blocked: other.blocked.message} : {}),
  }
  if (pick.decision !== 'hold' || other.decision !== 'hold') pick.reasons.push(compareReason(pick, other, otherFits))
  return pick
}

/** True when the plan's resulting layout keeps every shard at or under the target (hot keys aside). */
function fits(plan: ScalingPlan, profiles: Profiles): boolean {
  if (plan.strategy === 'targeted') return plan.targeted?.fits ?? true
  if (plan.neededShards === null) return false
  if (plan.decision === 'hold') {
    // Holding on an uneven layout can leave a shard over the target that a uniform count would fix.
    return plan.currentShards >= plan.neededShards && currentMaxWithoutHot(profiles) <= plan.targetUtilization + 1e-9
  }
  return profiles.decision.project(plan.targetShards).maxUtilization <= plan.targetUtilization + 1e-9
}

function currentMaxWithoutHot(profiles: Profiles): number {
  let max = 0
  for (const s of profiles.perShard) {
    let b = s.range.bytes
    let r = s.range.records
    for (const p of s.points) {
      b += p.bytes
      r += p.records
    }
    max = Math.max(max, utilization(b, r))
  }
  return max
}

function choose(uniform: ScalingPlan, targeted: ScalingPlan, profiles: Profiles): ScalingPlan {
  // The budget blocks only UpdateShardCount.
  const ub = uniform.blocked?.kind === 'budget' || uniform.blocked?.kind === 'quota'
  const tb = targeted.blocked?.kind === 'quota'
  if (ub !== tb) return ub ? targeted : uniform
  const uf = fits(uniform, profiles)
  const tf = fits(targeted, profiles)
  if (uf !== tf) return uf ? uniform : targeted
  if (uniform.decision === 'hold' && targeted.decision === 'hold') return uniform
  if (uniform.targetShards !== targeted.targetShards) return uniform.targetShards < targeted.targetShards ? uniform : targeted
  return (targeted.targeted?.calls ?? targeted.steps.length) < uniform.steps.length ? targeted : uniform
}

function compareReason(pick: ScalingPlan, other: ScalingPlan, otherFits: boolean): string {
  const via = (p: ScalingPlan) =>
    p.strategy === 'uniform'
      ? p.steps.length === 0
        ? `stay at ${fmtInt(p.currentShards)}`
        : `need ${shards(p.targetShards)} via ${[p.currentShards, ...p.steps.map((s) => s.to)].map(fmtInt).join(' → ')}`
      : p.steps.length === 0
        ? `change nothing`
        : `need ${shards(p.targetShards)} in ${fmtInt(p.targeted?.calls ?? p.steps.length)} call${(p.targeted?.calls ?? p.steps.length) === 1 ? '' : 's'} (${summarizeTargeted(p)})`
  const otherNote = other.blocked ? ` (blocked: ${other.blocked.message})` : otherFits ? '' : ' and still leave a shard over the target'
  return `Strategy auto chose ${pick.strategy}: it would ${via(pick)}; ${other.strategy} would ${via(other)}${otherNote}.`
}

function summarizeTargeted(p: ScalingPlan): string {
  const parts: string[] = []
  for (const sp of p.targeted?.splits ?? []) {
    parts.push(`split ${sp.shardId} at ${sp.newStartingHashKeys.map((k) => describeHashKey(k)).join(', ')}`)
  }
  const merges = p.targeted?.merges ?? []
  if (merges.length > 0) parts.push(`${merges.length} merge${merges.length === 1 ? '' : 's'} of ${merges.reduce((n, m) => n + m.shardIds.length, 0)} cold shards`)
  const shown = parts.slice(0, 3)
  if (parts.length > 3) shown.push(`${parts.length - 3} more`)
  return shown.join('; ')
}

/** A hash key with where it lies in the hash space: "85070591730234615865843651857942052864 (2^127, 50%)". */
export function describeHashKey(key: string): string {
  const k = BigInt(key)
  let power = ''
  if (k > 0n && (k & (k - 1n)) === 0n) power = `2^${k.toString(2).length - 1}, `
  const share = Number((k * 1_000_000n) / (1n << 128n)) / 10_000
  return `${key} (${power}${formatPercent(share / 100, share < 10 ? 2 : 1)} of the hash space)`
}

/** The targeted plan: SplitShard of the shards over the target where their traffic is, MergeShards of adjacent cold ones. */
export function planTargeted(input: PlanInput, profiles: Profiles = buildProfiles(input.shards, input.policy, input.windowSeconds, keysMapToShards(input.stream.recordDistribution))): ScalingPlan {
  const {now, policy, stream} = input
  const target = policy.targetUtilization
  const current = stream.openShardCount
  const {hotKeys} = profiles
  const reasons: string[] = []
  const stats = currentStats(input)
  reasons.push(...loadReasons(input, stats, hotKeys))
  const budget = budgetAt(input.history, now)
  const last = lastEvent(input.history)
  const hardMax = MAX_SHARDS_PER_STREAM
  const quotaMax = input.quota ? current + Math.max(0, input.quota.shardLimit - input.quota.openShardCount) : undefined
  const ceiling = Math.min(policy.maxShards, hardMax, quotaMax ?? Number.POSITIVE_INFINITY)
  const ceilingKind = ceiling === policy.maxShards ? 'max-shards' : ceiling === hardMax ? 'per-stream' : 'quota'
  const averageBasedShards = countFor(stats.totalBytes, stats.totalRecords, target)
  const threshold = target - policy.scaleInMargin

  const base: ScalingPlan = {
    averageBasedShards,
    basis: policy.basis,
    budget,
    current: {hottestShardId: stats.hottestShardId, maxUtilization: stats.max, meanUtilization: stats.mean},
    currentShards: current,
    decision: 'hold',
    hotKeys,
    limits: {hardMaxShards: hardMax, maxShards: policy.maxShards, minShards: policy.minShards, ...(quotaMax === undefined ? {} : {quotaMaxShards: quotaMax})},
    neededShards: current,
    reasons,
    requestedStrategy: policy.strategy,
    runnableSteps: 0,
    scaleInMargin: policy.scaleInMargin,
    steps: [],
    strategy: 'targeted',
    streamName: stream.streamName,
    targetShards: current,
    targetUtilization: target,
  }
  if (last !== undefined) base.lastChange = {at: new Date(last.at).toISOString(), from: last.from, to: last.to}
  if (stream.mode === 'ON_DEMAND') {
    base.blocked = {kind: 'on-demand', message: 'The stream is in on-demand mode: AWS scales it; clickops never changes it.'}
    return base
  }
  if (input.shards.length === 0 || input.shards.length !== current) {
    // No per-shard load (or not for every open shard): nothing to split or merge by.
    reasons.push(input.shards.length === 0 ? 'Targeted resharding needs the load of each open shard; there is none.' : `Load data covers ${input.shards.length} of ${current} open shards: targeted resharding needs all of them.`)
    return base
  }

  const layoutFor = (allowMerges: boolean) =>
    planLayout({
      allowMerges,
      ceiling,
      ceilingKind,
      mergeThreshold: threshold,
      minShards: policy.minShards,
      ...(quotaMax === undefined ? {} : {peakCeiling: quotaMax}),
      maxSteps: MAX_TARGETED_STEPS_PER_RUN,
      shards: profiles.perShard,
      target,
    })
  // Merges are a scale-in: they wait for the scale-in cooldown. Splits only for the scale-out one.
  const mergeBlock = changeBlock('scale-in', input, last)
  let layout = layoutFor(true)
  let heldMerges: string | undefined
  if (mergeBlock !== undefined && layout.merges.length > 0) {
    const splitsOnly = layoutFor(false)
    if (splitsOnly.splits.length > 0) {
      heldMerges = mergeBlock.message
      layout = splitsOnly
    }
  }
  const splits = layout.splits.length
  const decision: Decision = splits > 0 ? 'scale-out' : layout.merges.length > 0 ? 'scale-in' : 'hold'
  base.decision = decision
  base.targetShards = layout.openShards
  base.neededShards = layout.neededShards
  base.targeted = {
    calls: layout.totalSteps,
    fits: layout.maxUtilization <= target + 1e-9,
    merges: layout.merges,
    splits: layout.splits.map((sp) => ({newStartingHashKeys: sp.cuts, partUtilizations: sp.after, parts: sp.parts, shardId: sp.shardId, utilization: sp.before})),
  }

  const weighted = input.shards.some((s) => s.topKeys !== undefined && s.topKeys.length > 0)
  for (const sp of layout.splits) {
    reasons.push(
      `Split ${sp.shardId} (${pct(sp.before)}) into ${sp.parts} at ${sp.cuts.map((k) => describeHashKey(k)).join(', ')}: ${sp.after.map((u) => pct(u)).join(' + ')}.`,
    )
  }
  if (splits > 0) {
    reasons.push(
      weighted
        ? 'Split keys are traffic-weighted: each shard\'s known keys stay at their hash and the rest of its load is spread over its range.'
        : 'Split keys are traffic-weighted, but this source knows no partition keys (CloudWatch): each shard\'s load is taken as even over its range, so the weighted point is where its load halves, the midpoint for two parts.',
    )
  }
  for (const m of layout.merges) {
    reasons.push(`Merge ${m.shardIds.join(' + ')} (adjacent): ${pct(m.utilization)} together, at or under the target minus the scale-in margin (${pct(threshold)}).`)
  }
  if (heldMerges !== undefined) reasons.push(`Merges of cold shards wait: ${heldMerges}`)
  if (layout.cappedBy !== undefined) {
    const by = layout.cappedBy === 'max-shards' ? `the maximum of ${fmtInt(policy.maxShards)}` : layout.cappedBy === 'quota' ? `the account's shard quota (room for ${fmtInt(quotaMax ?? 0)})` : `the per-stream maximum of ${fmtInt(hardMax)}`
    reasons.push(`The load needs ${shards(layout.neededShards)} split this way; ${by} caps the plan, so a shard stays above the target.`)
  }
  if (layout.mergesFirst) reasons.push('Merges go first: splitting first would exceed the account shard quota on the way.')
  if (layout.totalSteps > layout.steps.length) {
    reasons.push(
      `The layout takes ${fmtInt(layout.totalSteps)} split and merge calls, one at a time: this run makes the first ${fmtInt(layout.steps.length)} (to ${shards(layout.steps.at(-1)!.openAfter)}), later runs the rest.`,
    )
  }
  if (decision === 'hold') {
    if (layout.maxUtilization <= target + 1e-9) reasons.push(`Holding at ${shards(current)}: every shard fits the target${hotKeys.length > 0 ? ' (without the hot keys)' : ''} and no adjacent shards are cold enough to merge.`)
  } else {
    reasons.push(
      `Split and merge steps do not use the ${budget.limit} UpdateShardCount calls per rolling 24 h (${budget.left} left); each is one call, made one at a time once the stream is ACTIVE.`,
    )
  }

  let block: ScalingPlan['blocked']
  if (decision !== 'hold') block = changeBlock(decision, input, last)
  const steps: PlanStep[] = layout.steps.map((st, i) => {
    const step: PlanStep = {
      action: st.action,
      budgetLeft: budget.left,
      endingHashKey: st.endingHashKey,
      from: i === 0 ? current : layout.steps[i - 1].openAfter,
      projectedMaxUtilization: st.maxUtilizationAfter,
      projectedMeanUtilization: st.meanUtilizationAfter,
      runnable: block === undefined,
      startingHashKey: st.startingHashKey,
      step: i + 1,
      to: st.openAfter,
    }
    if (st.shardId !== undefined) step.shardId = st.shardId
    if (st.action === 'split') step.newStartingHashKey = st.newStartingHashKey
    else {
      step.adjacentStartingHashKey = st.adjacentStartingHashKey
      step.adjacentEndingHashKey = st.adjacentEndingHashKey
      if (st.adjacentShardId !== undefined) step.adjacentShardId = st.adjacentShardId
    }
    return step
  })
  base.steps = steps
  base.runnableSteps = block === undefined ? steps.length : 0
  if (block !== undefined) base.blocked = block
  return base
}

interface CurrentStats {
  max: number
  mean: number
  hottestShardId?: string
  totalBytes: number
  totalRecords: number
}

function currentStats(input: PlanInput): CurrentStats {
  let max = 0
  let sum = 0
  let totalBytes = 0
  let totalRecords = 0
  let hottestShardId: string | undefined
  for (const s of input.shards) {
    const l = shardBasisLoad(s, input.policy.basis)
    totalBytes += l.bytes
    totalRecords += l.records
    const u = utilization(l.bytes, l.records)
    sum += u
    if (u > max || hottestShardId === undefined) {
      max = u
      hottestShardId = s.shardId
    }
  }
  const stats: CurrentStats = {max, mean: input.shards.length > 0 ? sum / input.shards.length : 0, totalBytes, totalRecords}
  if (hottestShardId !== undefined) stats.hottestShardId = hottestShardId
  return stats
}

/** The first lines of every plan: the load as measured, estimates, hot keys. */
function loadReasons(input: PlanInput, stats: CurrentStats, hotKeys: readonly HotKey[]): string[] {
  const {policy, stream} = input
  const reasons: string[] = []
  if (input.shards.length > 0) {
    reasons.push(
      `Hottest shard ${stats.hottestShardId} at ${pct(stats.max)} (${policy.basis}); mean over ${input.shards.length} open shards ${pct(stats.mean)}; target ${pct(policy.targetUtilization)}.`,
    )
  } else if (stream.mode !== 'ON_DEMAND') {
    reasons.push('No load data for any open shard: the plan follows the minimum and maximum only.')
  }
  if (input.shards.some((s) => s.estimated)) {
    reasons.push('Per-shard load is estimated from stream totals (shard-level metrics are off), so a hot shard cannot be seen; enable enhanced monitoring or use --source stream.')
  }
  if (!keysMapToShards(stream.recordDistribution) && input.shards.some((s) => (s.topKeys?.length ?? 0) > 0)) {
    reasons.push(`${AUTO_NOTICE}: each shard's load is taken as spread over its range, and no key is held to one shard.`)
  }
  for (const k of hotKeys) {
    reasons.push(
      `Partition key "${k.partitionKey}" alone puts ${pct(k.utilization)} on shard ${k.shardId}, above the target: resharding cannot split one key, so it is left out of the count (spread it with a better partition key).`,
    )
  }
  return reasons
}
