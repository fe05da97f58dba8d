/**
 * The backtest (pure): replays a trace minute by minute through clickops's planner (the same
 * `planScaling` that `clickops scale` calls) and through the peers' rules, each policy on its own
 * simulated stream, and measures what each would have done.
 *
 * The rules every policy lives by, as AWS enforces them: a policy sees only the minutes up to the
 * one it decides at (no peeking); a change takes the modelled resharding time (src/lib/backtest/costs.ts)
 * and the old layout carries the traffic until it completes; while it runs the stream is UPDATING
 * and nothing else changes; each UpdateShardCount within [ceil(n/2), 2n], at most 10 calls per
 * rolling 24 h (src/lib/scaling/history.ts, the same budget the planner reads), at most 10,000
 * shards and the account quota. clickops adds its own cooldowns and scale-in margin (the planner's).
 * A trace range's load is spread evenly over it and its known keys stay at their hash
 * (src/lib/backtest/layout.ts), so a new layout gets its part of the load as the planner projects it.
 */
import {MAX_SHARDS_PER_STREAM, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND, UPDATE_SHARD_COUNT_WINDOW_MS} from '../kinesis/limits.js'
import {shardLoadFromBuckets, utilization} from '../load/model.js'
import {DEFAULT_TOP_KEYS} from '../load/stream.js'
import type {KeyLoad, ShardLoad} from '../load/types.js'
import {budgetAt, formatHistory, parseHistory, type ScalingEvent} from '../scaling/history.js'
import {planScaling, type PlanInput, type ScalingPlan} from '../scaling/planner.js'
import type {ScalingPolicy} from '../scaling/policy.js'
import {PRICES, putPayloadUnits, RESHARD_TIME, updateShardCountMs, type BacktestPrices} from './costs.js'
import {applyMerge, applySplit, layoutOf, projectMinute, ShardIds, uniformLayout, type MinuteLoad, type SimShard} from './layout.js'
import {alarmPolicy} from './peers/alarm.js'
import {averagePolicy} from './peers/average.js'
import {tieredPolicy} from './peers/tiered.js'
import type {PeerPolicy, StreamView} from './peers/types.js'
import {MINUTE_MS, type Trace} from './trace.js'
import {formatPercent} from '../format.js'

export const POLICY_NAMES = ['clickops', 'average', 'alarm', 'tiered', 'on-demand'] as const
export type PolicyName = (typeof POLICY_NAMES)[number]

const PEERS: Record<'average' | 'alarm' | 'tiered', PeerPolicy> = {alarm: alarmPolicy, average: averagePolicy, tiered: tieredPolicy}

export const DEFAULT_CHECK_EVERY_MS = 5 * 60_000
/** Points per series in the report (each the worst of its minutes). */
export const SERIES_POINTS = 720

export interface BacktestOptions {
  trace: Trace
  policies: readonly PolicyName[]
  /** clickops's settings (flags and policy file, as `clickops scale` resolves them). */
  policy: ScalingPolicy
  streamName?: string
  /** How often the clickops check runs (whole minutes), as a scheduler would run `clickops scale`. Default 5 minutes. */
  checkEveryMs?: number
  /** A fixed duration for every UpdateShardCount call instead of the model. */
  reshardTimeMs?: number
  /** The account's shard limit (DescribeLimits); unknown when undefined. */
  quota?: number
  /** Open shards at the start when the trace's first minute names none. Default 1. */
  initialShards?: number
  priceShardHour?: number
  seriesPoints?: number
  /** Called with every plan the clickops policy makes, and the input it was made from. */
  onPlan?: (minute: number, input: PlanInput, plan: ScalingPlan) => void
}

export interface Calls {
  updateShardCount: number
  split: number
  merge: number
}

export interface PolicyResult {
  policy: PolicyName
  describe: string
  /** Minutes in which some shard was over its write limit, and the records over it (the per-minute excess, summed). */
  minutesOverLimit: number | null
  throttledRecords: number | null
  /** Minutes in which some shard was over the target utilisation. */
  minutesOverTarget: number | null
  /** The hottest shard-minute's utilisation (1 = at the limit). */
  peakUtilization: number | null
  shardHours: number | null
  startShards: number
  endShards: number
  minShards: number
  maxShards: number
  /** List-price cost in US dollars: shard-hours and PUT payload units (provisioned) or stream-hours and GB ingested (on-demand). */
  cost: number
  calls: Calls
  /** Changes wanted but refused for the 24 h UpdateShardCount budget. */
  budgetRefusals: number
  /** Per series point: open shards (most), hottest shard's utilisation (highest), minutes over the limit. */
  series: {shards: number[]; maxUtilization: number[]; overLimit: number[]}
  /** Changes, in order: when they were decided and took effect, what they did. */
  changes: {decidedAt: string; effectiveAt: string; from: number; to: number; calls: Calls}[]
}

export interface BacktestReport {
  source: string
  streamName: string
  from: string
  to: string
  minutes: number
  initialShards: number
  targetUtilization: number
  checkEveryMs: number
  /** The trace's own throttles beside the model's on the trace's own layout: a check of the model. */
  recorded: {minutesWithThrottles: number; throttledRecords: number; modelMinutesOverLimit: number; modelThrottledRecords: number; shardHours: number}
  assumptions: {reshardTime: typeof RESHARD_TIME & {fixedUpdateShardCountMs?: number}; prices: BacktestPrices & {shardHourUsed: number}}
  /** Per series point: its start (ISO), the stream's load in shards' worth (total ÷ one shard's limit, the highest minute). */
  series: {minutesPerPoint: number; t: string[]; load: number[]}
  policies: PolicyResult[]
}

interface Window {
  bytes: Float64Array
  records: Float64Array
  keys: ({key: string; bytes: number; records: number}[] | undefined)[]
  /** Minutes stored (at most the window). */
  filled: number
  next: number
}

interface Pending {
  effectiveMinute: number
  layout: SimShard[]
  from: number
  decidedAt: number
  calls: Calls
}

class SimulatedStream {
  layout: SimShard[]
  readonly ids = new ShardIds()
  history: ScalingEvent[] = []
  pending?: Pending
  lastChangeMinute?: number
  windows = new Map<string, Window>()
  readonly result: PolicyResult
  readonly shardsPerMinute: Int32Array
  readonly maxUtilPerMinute: Float32Array
  readonly overLimitPerMinute: Uint8Array

  constructor(readonly name: PolicyName, initial: (ids: ShardIds) => SimShard[], minutes: number, describe: string) {
    this.layout = initial(this.ids)
    const n = this.layout.length
    this.shardsPerMinute = new Int32Array(minutes)
    this.maxUtilPerMinute = new Float32Array(minutes)
    this.overLimitPerMinute = new Uint8Array(minutes)
    this.result = {
      budgetRefusals: 0,
      calls: {merge: 0, split: 0, updateShardCount: 0},
      changes: [],
      cost: 0,
      describe,
      endShards: n,
      maxShards: n,
      minShards: n,
      minutesOverLimit: 0,
      minutesOverTarget: 0,
      peakUtilization: 0,
      policy: name,
      series: {maxUtilization: [], overLimit: [], shards: []},
      shardHours: 0,
      startShards: n,
      throttledRecords: 0,
    }
  }
}

const ZERO_CALLS = (): Calls => ({merge: 0, split: 0, updateShardCount: 0})

/** Runs the backtest. Pure: the trace, the settings and the policies in, the report out. */
export function runBacktest(opts: BacktestOptions): BacktestReport {
  const {trace, policy} = opts
  const minutes = trace.minutes
  const target = policy.targetUtilization
  const checkEvery = Math.max(1, Math.round((opts.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS) / MINUTE_MS))
  const windowMinutes = Math.max(1, Math.round(policy.windowMs / MINUTE_MS))
  const streamName = opts.streamName ?? 'clickstream'
  const priceShardHour = opts.priceShardHour ?? PRICES.shardHour
  const first = trace.minute(0)
  const initial = (ids: ShardIds) => (first.length > 0 ? layoutOf(first, ids) : uniformLayout(opts.initialShards ?? 1, ids))
  const initialShards = initial(new ShardIds()).length

  const names = POLICY_NAMES.filter((p) => opts.policies.includes(p))
  const describe = (p: PolicyName) =>
    p === 'clickops'
      ? `clickops scale (strategy ${policy.strategy}, target ${formatPercent(target, 0)}, ${policy.basis} over ${windowMinutes} min, every ${checkEvery} min)`
      : p === 'on-demand'
        ? 'on-demand capacity mode: AWS scales it; cost only'
        : PEERS[p].describe
  const sims = names.filter((p) => p !== 'on-demand').map((p) => new SimulatedStream(p, initial, minutes, describe(p)))

  const totalBytes = new Float64Array(minutes)
  const totalRecords = new Float64Array(minutes)
  let putUnits = 0
  const recorded = {minutesWithThrottles: 0, modelMinutesOverLimit: 0, modelThrottledRecords: 0, shardHours: 0, throttledRecords: 0}

  for (let i = 0; i < minutes; i++) {
    const shards = trace.minute(i)
    const nowMs = trace.startMs + (i + 1) * MINUTE_MS
    let b = 0
    let r = 0
    let throttled = 0
    let modelOver = false
    for (const s of shards) {
      b += s.bytes
      r += s.records
      putUnits += putPayloadUnits(s.bytes, s.records)
      throttled += s.throttled ?? 0
      const u = utilization(s.bytes / 60, s.records / 60)
      if (u > 1) {
        modelOver = true
        recorded.modelThrottledRecords += s.records * (1 - 1 / u)
      }
    }
    totalBytes[i] = b
    totalRecords[i] = r
    recorded.shardHours += shards.length / 60
    if (throttled > 0) recorded.minutesWithThrottles++
    recorded.throttledRecords += throttled
    if (modelOver) recorded.modelMinutesOverLimit++

    for (const sim of sims) {
      // A change completes: its layout carries the traffic from this minute.
      if (sim.pending !== undefined && i >= sim.pending.effectiveMinute) {
        const p = sim.pending
        sim.layout = p.layout
        sim.lastChangeMinute = i
        sim.result.changes.push({calls: p.calls, decidedAt: iso(p.decidedAt), effectiveAt: iso(trace.startMs + i * MINUTE_MS), from: p.from, to: p.layout.length})
        sim.pending = undefined
        if (sim.name === 'clickops') {
          const kept = new Map<string, Window>()
          for (const s of sim.layout) {
            const w = sim.windows.get(s.shardId)
            if (w !== undefined) kept.set(s.shardId, w)
          }
          sim.windows = kept
        }
      }
      const load = projectMinute(shards, sim.layout, sim.name === 'clickops' && trace.hasKeys)
      measure(sim, load, i, target)
      if (sim.name === 'clickops') record(sim, load, windowMinutes)
      if (sim.pending !== undefined) continue

      if (sim.name === 'clickops') {
        if ((i + 1) % checkEvery !== 0) continue
        const input: PlanInput = {
          history: sim.history,
          now: new Date(nowMs),
          policy,
          shards: shardLoads(sim, windowMinutes),
          stream: {mode: 'PROVISIONED', openShardCount: sim.layout.length, status: 'ACTIVE', streamName},
          windowSeconds: windowMinutes * 60,
          ...(opts.quota === undefined ? {} : {quota: {openShardCount: sim.layout.length, shardLimit: opts.quota}}),
        }
        const plan = planScaling(input)
        opts.onPlan?.(i, input, plan)
        if (plan.blocked === undefined && plan.runnableSteps > 0) {
          applyPlan(sim, plan, i, nowMs, opts.reshardTimeMs)
          // The planner reads the history from the stream's tag: what the tag keeps (the rolling
          // 24 h and the latest entry, within 256 characters), no more.
          sim.history = parseHistory(formatHistory(sim.history, new Date(nowMs))).events
        }
        else if (plan.blocked?.kind === 'budget') sim.result.budgetRefusals++
        continue
      }

      const peer = PEERS[sim.name as keyof typeof PEERS]
      const view: StreamView = {bytes: totalBytes, minute: i, openShards: sim.layout.length, records: totalRecords}
      if (sim.lastChangeMinute !== undefined) view.lastChangeMinute = sim.lastChangeMinute
      const want = peer.decide(view)
      if (want === undefined) continue
      const n = sim.layout.length
      const ceiling = Math.min(MAX_SHARDS_PER_STREAM, opts.quota ?? Number.POSITIVE_INFINITY, 2 * n)
      const to = Math.max(1, Math.ceil(n / 2), Math.min(want, ceiling))
      if (to === n) continue
      if (budgetAt(sim.history, new Date(nowMs)).left === 0) {
        sim.result.budgetRefusals++
        continue
      }
      sim.history.push({at: nowMs, from: n, to})
      if (sim.history.length > 20) sim.history = sim.history.filter((e) => e.at > nowMs - UPDATE_SHARD_COUNT_WINDOW_MS)
      sim.result.calls.updateShardCount++
      const ms = updateShardCountMs(n, to, opts.reshardTimeMs)
      sim.pending = {calls: {...ZERO_CALLS(), updateShardCount: 1}, decidedAt: nowMs, effectiveMinute: i + 1 + Math.ceil(ms / MINUTE_MS), from: n, layout: uniformLayout(to, sim.ids)}
    }
  }

  const points = opts.seriesPoints ?? SERIES_POINTS
  const per = Math.max(1, Math.ceil(minutes / points))
  const results: PolicyResult[] = []
  for (const name of names) {
    if (name === 'on-demand') {
      let gb = 0
      for (let i = 0; i < minutes; i++) gb += totalBytes[i] / 1e9
      const hours = minutes / 60
      results.push({
        budgetRefusals: 0,
        calls: ZERO_CALLS(),
        changes: [],
        cost: hours * PRICES.onDemandStreamHour + gb * PRICES.onDemandPerGB,
        describe: describe(name),
        endShards: 0,
        maxShards: 0,
        minShards: 0,
        minutesOverLimit: null,
        minutesOverTarget: null,
        peakUtilization: null,
        policy: name,
        series: {maxUtilization: [], overLimit: [], shards: []},
        shardHours: null,
        startShards: 0,
        throttledRecords: null,
      })
      continue
    }
    const sim = sims.find((s) => s.name === name)!
    const res = sim.result
    res.endShards = sim.layout.length
    res.cost = res.shardHours! * priceShardHour + (putUnits / 1e6) * PRICES.putPayloadUnitsPerMillion
    for (let p = 0; p < minutes; p += per) {
      let shards = 0
      let util = 0
      let over = 0
      for (let i = p; i < Math.min(minutes, p + per); i++) {
        shards = Math.max(shards, sim.shardsPerMinute[i])
        util = Math.max(util, sim.maxUtilPerMinute[i])
        over += sim.overLimitPerMinute[i]
      }
      res.series.shards.push(shards)
      res.series.maxUtilization.push(round(util))
      res.series.overLimit.push(over)
    }
    results.push(res)
  }
  const t: string[] = []
  const load: number[] = []
  for (let p = 0; p < minutes; p += per) {
    let l = 0
    for (let i = p; i < Math.min(minutes, p + per); i++) l = Math.max(l, utilization(totalBytes[i] / 60, totalRecords[i] / 60))
    t.push(iso(trace.startMs + p * MINUTE_MS))
    load.push(round(l))
  }
  return {
    assumptions: {
      prices: {...PRICES, shardHourUsed: priceShardHour},
      reshardTime: {...RESHARD_TIME, ...(opts.reshardTimeMs === undefined ? {} : {fixedUpdateShardCountMs: opts.reshardTimeMs})},
    },
    checkEveryMs: checkEvery * MINUTE_MS,
    from: iso(trace.startMs),
    initialShards,
    minutes,
    policies: results,
    recorded: {...recorded, modelThrottledRecords: Math.round(recorded.modelThrottledRecords), shardHours: round(recorded.shardHours)},
    series: {load, minutesPerPoint: per, t},
    source: trace.source,
    streamName,
    targetUtilization: target,
    to: iso(trace.startMs + minutes * MINUTE_MS),
  }
}

function measure(sim: SimulatedStream, load: MinuteLoad, i: number, target: number): void {
  const res = sim.result
  const n = sim.layout.length
  let max = 0
  let excess = 0
  for (let s = 0; s < n; s++) {
    const u = Math.max(load.bytes[s] / 60 / SHARD_WRITE_BYTES_PER_SECOND, load.records[s] / 60 / SHARD_WRITE_RECORDS_PER_SECOND)
    if (u > max) max = u
    if (u > 1) excess += load.records[s] * (1 - 1 / u)
  }
  if (max > 1) {
    res.minutesOverLimit!++
    sim.overLimitPerMinute[i] = 1
  }
  if (max > target + 1e-9) res.minutesOverTarget!++
  res.throttledRecords! += excess
  if (max > res.peakUtilization!) res.peakUtilization = max
  res.shardHours! += n / 60
  if (n < res.minShards) res.minShards = n
  if (n > res.maxShards) res.maxShards = n
  sim.shardsPerMinute[i] = n
  sim.maxUtilPerMinute[i] = max
}

/** Keeps the clickops policy's load window per open shard (what CloudWatch or a stream read would give it). */
function record(sim: SimulatedStream, load: MinuteLoad, windowMinutes: number): void {
  for (let s = 0; s < sim.layout.length; s++) {
    const id = sim.layout[s].shardId
    let w = sim.windows.get(id)
    if (w === undefined) {
      w = {bytes: new Float64Array(windowMinutes), filled: 0, keys: new Array(windowMinutes), next: 0, records: new Float64Array(windowMinutes)}
      sim.windows.set(id, w)
    }
    w.bytes[w.next] = load.bytes[s]
    w.records[w.next] = load.records[s]
    w.keys[w.next] = load.keys?.[s]
    w.next = (w.next + 1) % windowMinutes
    if (w.filled < windowMinutes) w.filled++
  }
}

/** The open shards' load over the window, through the load layer's own function (as the CloudWatch source builds it). */
function shardLoads(sim: SimulatedStream, windowMinutes: number): ShardLoad[] {
  const out: ShardLoad[] = []
  for (const s of sim.layout) {
    const w = sim.windows.get(s.shardId)!
    const bytes = new Array<number>(w.filled)
    const records = new Array<number>(w.filled)
    let keys: Map<string, {bytes: number; records: number; peak: number}> | undefined
    for (let k = 0; k < w.filled; k++) {
      const at = (w.next - w.filled + k + windowMinutes) % windowMinutes
      bytes[k] = w.bytes[at]
      records[k] = w.records[at]
      const ks = w.keys[at]
      if (ks !== undefined) {
        keys ??= new Map()
        for (const key of ks) {
          const e = keys.get(key.key) ?? {bytes: 0, peak: 0, records: 0}
          e.bytes += key.bytes
          e.records += key.records
          e.peak = Math.max(e.peak, utilization(key.bytes / 60, key.records / 60))
          keys.set(key.key, e)
        }
      }
    }
    let topKeys: KeyLoad[] | undefined
    if (keys !== undefined) {
      let shardRecords = 0
      for (let k = 0; k < records.length; k++) shardRecords += records[k]
      topKeys = [...keys.entries()]
        .sort((a, b) => b[1].records - a[1].records)
        .slice(0, DEFAULT_TOP_KEYS)
        .map(([partitionKey, e]) => ({bytes: e.bytes, partitionKey, peakUtilization: e.peak, records: e.records, share: shardRecords > 0 ? e.records / shardRecords : 0}))
    }
    out.push(shardLoadFromBuckets({endingHashKey: s.endingHashKey, shardId: s.shardId, startingHashKey: s.startingHashKey}, {bytes, records, throttles: 0}, 60, topKeys))
  }
  return out
}

/** Makes the plan's runnable steps on the simulated stream, recording each in the history as the executor does. */
function applyPlan(sim: SimulatedStream, plan: ScalingPlan, i: number, nowMs: number, fixedMs: number | undefined): void {
  const steps = plan.steps.filter((s) => s.runnable)
  let offset = 0
  let layout = sim.layout
  const calls = ZERO_CALLS()
  const from = layout.length
  for (const step of steps) {
    const at = nowMs + offset
    if (step.action === 'update-shard-count') {
      sim.history.push({at, from: step.from, to: step.to})
      calls.updateShardCount++
      offset += updateShardCountMs(step.from, step.to, fixedMs)
      layout = uniformLayout(step.to, sim.ids)
      continue
    }
    const next =
      step.action === 'split'
        ? applySplit(layout, step.startingHashKey!, step.endingHashKey!, step.newStartingHashKey!, sim.ids)
        : applyMerge(layout, step.startingHashKey!, step.adjacentStartingHashKey!, sim.ids)
    // The executor checks each shard is still open by its range and stops otherwise.
    if (next === undefined) break
    sim.history.push({at, from: layout.length, kind: step.action, to: next.length})
    calls[step.action]++
    offset += step.action === 'split' ? RESHARD_TIME.splitMs : RESHARD_TIME.mergeMs
    layout = next
  }
  if (layout === sim.layout) return
  sim.result.calls.updateShardCount += calls.updateShardCount
  sim.result.calls.split += calls.split
  sim.result.calls.merge += calls.merge
  sim.pending = {calls, decidedAt: nowMs, effectiveMinute: i + 1 + Math.ceil(offset / MINUTE_MS), from, layout}
}

const iso = (ms: number) => new Date(ms).toISOString()
const round = (x: number) => Math.round(x * 10_000) / 10_000
