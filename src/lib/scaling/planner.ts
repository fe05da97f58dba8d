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
import {hashKeyOf} from '../kinesis/hashkey.js'
import {MAX_SHARDS_PER_STREAM, UPDATE_SHARD_COUNT_MAX_FACTOR} from '../kinesis/limits.js'
import {utilization} from '../load/model.js'
import type {KeyLoad, ShardLoad} from '../load/types.js'
import {formatDuration} from '../parse.js'
import {budgetAt, lastEvent, type Budget, type ScalingEvent} from './history.js'
import type {Basis, ScalingPolicy} from './policy.js'
import {LoadProfile, type PointLoad, type RangeLoad} from './projection.js'

export interface StreamFacts {
  streamName: string
  mode: 'PROVISIONED' | 'ON_DEMAND'
  /** ACTIVE, UPDATING, CREATING, DELETING. */
  status: string
  openShardCount: number
  /** StreamCreationTimestamp, ISO-8601: a new stream is not scaled in before its load is known. */
  createdAt?: string
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
}

export type Decision = 'hold' | 'scale-out' | 'scale-in'
export type BlockKind = 'on-demand' | 'in-progress' | 'history-tag' | 'quota' | 'cooldown' | 'budget'

export interface PlanStep {
  step: number
  from: number
  to: number
  projectedMaxUtilization: number
  projectedMeanUtilization: number
  /** UpdateShardCount calls left in the rolling 24 h after this one (negative: beyond the budget). */
  budgetLeft: number
  /** Runs in this invocation (within the budget, and the plan is not blocked). */
  runnable: boolean
}

export interface HotKey {
  partitionKey: string
  shardId: string
  /** The key's own utilisation of one shard (basis: peak or mean). */
  utilization: number
}

export interface ScalingPlan {
  streamName: string
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
export function buildProfiles(shards: readonly ShardLoad[], policy: Pick<ScalingPolicy, 'basis' | 'targetUtilization'>, windowSeconds?: number) {
  const ranges: RangeLoad[] = []
  const points: PointLoad[] = []
  const hotPoints: PointLoad[] = []
  const hotKeys: HotKey[] = []
  const peak = policy.basis === 'peak'
  const floor = policy.targetUtilization * POINT_LOAD_FLOOR
  for (const s of shards) {
    let restBytes = peak ? s.peakBytesPerSecond : s.bytesPerSecond
    let restRecords = peak ? s.peakRecordsPerSecond : s.recordsPerSecond
    // A key never carries more than its shard: the keys of a shard under the floor all stay in its spread.
    const keys = s.topKeys === undefined || utilization(restBytes, restRecords) < floor ? NO_KEYS : s.topKeys
    for (const k of keys) {
      const kl = keyBasisLoad(k, s, policy.basis, windowSeconds)
      if (kl.bytes <= 0 && kl.records <= 0) continue
      restBytes -= kl.bytes
      restRecords -= kl.records
      const own = policy.basis === 'peak' ? Math.max(k.peakUtilization, utilization(kl.bytes, kl.records)) : utilization(kl.bytes, kl.records)
      // A key this light changes no projected shard measurably: it stays in the uniform spread
      // (and is not hashed, which matters at 10,000 shards × their top keys).
      if (own < floor) {
        restBytes += kl.bytes
        restRecords += kl.records
        continue
      }
      const point = {bytes: kl.bytes, hash: hashKeyOf(k.partitionKey), records: kl.records}
      if (own > policy.targetUtilization + 1e-9) {
        hotKeys.push({partitionKey: k.partitionKey, shardId: s.shardId, utilization: own})
        hotPoints.push(point)
      } else {
        points.push(point)
      }
    }
    ranges.push({bytes: Math.max(0, restBytes), endingHashKey: s.endingHashKey, records: Math.max(0, restRecords), startingHashKey: s.startingHashKey})
  }
  const decision = new LoadProfile(ranges, points)
  const display = hotPoints.length > 0 ? new LoadProfile(ranges, [...points, ...hotPoints]) : decision
  hotKeys.sort((a, b) => b.utilization - a.utilization)
  return {decision, display, hotKeys}
}

export function planScaling(input: PlanInput): ScalingPlan {
  const {now, policy, stream} = input
  const target = policy.targetUtilization
  const current = stream.openShardCount
  const reasons: string[] = []
  const {decision: profile, display, hotKeys} = buildProfiles(input.shards, policy, input.windowSeconds)

  // The current shards as measured.
  let currentMax = 0
  let currentSum = 0
  let totalBytes = 0
  let totalRecords = 0
  let hottestShardId: string | undefined
  for (const s of input.shards) {
    const l = shardBasisLoad(s, policy.basis)
    totalBytes += l.bytes
    totalRecords += l.records
    const u = utilization(l.bytes, l.records)
    currentSum += u
    if (u > currentMax || hottestShardId === undefined) {
      currentMax = u
      hottestShardId = s.shardId
    }
  }
  const currentMean = input.shards.length > 0 ? currentSum / input.shards.length : 0
  if (input.shards.length > 0) {
    reasons.push(
      `Hottest shard ${hottestShardId} at ${pct(currentMax)} (${policy.basis}); mean over ${input.shards.length} open shards ${pct(currentMean)}; target ${pct(target)}.`,
    )
  } else if (stream.mode !== 'ON_DEMAND') {
    reasons.push('No load data for any open shard: the plan follows the minimum and maximum only.')
  }
  if (input.shards.some((s) => s.estimated)) {
    reasons.push('Per-shard load is estimated from stream totals (shard-level metrics are off), so a hot shard cannot be seen; enable enhanced monitoring or use --source stream.')
  }
  for (const k of hotKeys) {
    reasons.push(
      `Partition key "${k.partitionKey}" alone puts ${pct(k.utilization)} on shard ${k.shardId}, above the target: more shards cannot split one key, so it is left out of the count (spread it with a better partition key).`,
    )
  }

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
    if (stream.status !== 'ACTIVE') {
      block = {
        kind: 'in-progress',
        message: `The stream is ${stream.status}${stream.status === 'UPDATING' ? ' (a change is in progress)' : ''}; try again when it is ACTIVE.`,
      }
    } else if (input.historyWritable === false) {
      block = {
        kind: 'history-tag',
        message: `The stream already has the maximum number of tags, so clickops cannot record the change (its cooldowns and budget depend on it): remove one tag.`,
      }
    } else if (last !== undefined) {
      // A scale-in also waits until the whole load window postdates the last change: shards it
      // created carry only part of the window, which understates the load.
      const windowRule = decision === 'scale-in' && policy.windowMs > policy.cooldownInMs
      const cooldown = decision === 'scale-out' ? policy.cooldownOutMs : Math.max(policy.cooldownInMs, policy.windowMs)
      const since = Math.max(0, now.getTime() - last.at)
      if (since < cooldown) {
        const until = new Date(last.at + cooldown).toISOString()
        const waits = windowRule ? `waits until the ${formatDuration(policy.windowMs)} load window no longer reaches back before it` : `waits ${formatDuration(cooldown)}`
        block = {
          kind: 'cooldown',
          message: `Cooldown: the last change (${last.from} → ${last.to}) was ${formatDuration(since)} ago; a ${decision} ${waits}, until ${until}.`,
          until,
        }
      }
    } else if (decision === 'scale-in' && stream.createdAt !== undefined) {
      // A stream younger than the scale-in cooldown has had no time to carry its traffic: an empty
      // new stream must not be shrunk by the first cron run after `clickops provision`.
      const created = Date.parse(stream.createdAt)
      const cooldown = Math.max(policy.cooldownInMs, policy.windowMs)
      const since = Math.max(0, now.getTime() - created)
      if (since < cooldown) {
        const until = new Date(created + cooldown).toISOString()
        block = {
          kind: 'cooldown',
          message: `Cooldown: the stream was created ${formatDuration(since)} ago; a scale-in waits ${formatDuration(cooldown)} after that, until ${until}.`,
          until,
        }
      }
    }
    if (block === undefined && budget.left === 0) {
      block = {
        kind: 'budget',
        message: `The budget of ${budget.limit} UpdateShardCount calls per rolling 24 h is used up; the next call is possible at ${budget.nextCallAt}.`,
        until: budget.nextCallAt,
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
    scaleInMargin: policy.scaleInMargin,
    steps,
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

/** Utilisation as a percentage: whole percent, one decimal under 10%. */
export function pct(u: number): string {
  const p = u * 100
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p).toString()}%`
}

const shards = (n: number) => `${fmtInt(n)} shard${n === 1 ? '' : 's'}`

/** 12345 → "12,345" (without Intl, whose first use costs tens of milliseconds). */
function fmtInt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}
