/**
 * The targeted layout (pure): which open shards to split, where, and which adjacent cold shards to
 * merge, so that every shard of the resulting layout stays at or under the target with as few open
 * shards as possible. SplitShard takes any NewStartingHashKey inside the parent's range (children
 * [start, key − 1] and [key, end]); MergeShards needs two shards with adjacent ranges.
 *
 * The load model is the planner's (buildProfiles): each shard's load spread uniformly over its hash
 * range, known keys (the stream source's hottest) kept as points at their hash. So from CloudWatch,
 * which knows no keys, the traffic-weighted split point of a shard is its midpoint; from the stream
 * source it moves towards where the known keys are. A key hotter than the target is left out of the
 * decision (no split can divide one key) but counted wherever load is added beside it (merges).
 *
 * Splitting one shard into the fewest parts that each fit the target is a partition of an interval
 * under an additive, monotone load: the greedy cut (each part as long as it fits) gives the fewest
 * parts; the cuts are then balanced by bisecting on the largest part's load, so two parts of a
 * uniformly loaded shard meet at its midpoint. Merging is the same greedy over runs of adjacent
 * unsplit shards against the scale-in threshold (target − margin), which is optimal for the count.
 */
import {SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND} from '../kinesis/limits.js'
import type {Load, PointLoad, RangeLoad} from './projection.js'

/** Tolerance for "at or under" in floating point (as in the projection). */
const EPSILON = 1e-9
/** Cuts inside a spread are rounded to multiples of 2^-40 of the shard's width ("round" hash keys). */
const SNAP_BITS = 40n
/** Bisection rounds for the balanced cuts (to the last bits of a double). */
const BISECTIONS = 64

/** A load as fractions of one shard's write limit, per dimension. */
interface Units {
  b: number
  r: number
}

interface Point extends Units {
  hash: bigint
}

/** One open shard as the targeted planner sees it. */
export interface ShardModel {
  shardId: string
  start: bigint
  end: bigint
  /** Load spread uniformly over the range (the shard's load less its known keys). */
  spread: Units
  /** Known keys the decision counts, sorted by hash. */
  points: Point[]
  /** Keys hotter than the target, sorted by hash: in the display load only. */
  hot: Point[]
}

/** A shard of a layout: a current shard, a part of one (split) or a run of adjacent ones (merged). */
export interface LayoutShard {
  startingHashKey: string
  endingHashKey: string
  /** The current shard it is, or the current shard it is a part of. */
  shardId?: string
  /** The current shards merged into it, in hash order. */
  merged?: string[]
  kind: 'unchanged' | 'split' | 'merged'
  /** Utilisation with the hot keys (what the shard would carry). */
  utilization: number
}

export type TargetedStep =
  | {action: 'split'; shardId?: string; startingHashKey: string; endingHashKey: string; newStartingHashKey: string; parentShardId: string}
  | {
      action: 'merge'
      shardId?: string
      startingHashKey: string
      endingHashKey: string
      adjacentShardId?: string
      adjacentStartingHashKey: string
      adjacentEndingHashKey: string
    }

export interface TargetedLayout {
  /** Steps in order: splits first (hottest shard first), then merges; or merges first where the quota needs it. */
  steps: (TargetedStep & {openAfter: number; maxUtilizationAfter: number; meanUtilizationAfter: number})[]
  layout: LayoutShard[]
  openShards: number
  /** The count that would fit every shard without limits (splits only, no merges): null if none. */
  neededShards: number
  /** The resulting layout's hottest shard, without and with the hot keys. */
  maxUtilization: number
  maxUtilizationWithHotKeys: number
  meanUtilization: number
  splits: {shardId: string; parts: number; cuts: string[]; before: number; after: number[]}[]
  merges: {shardIds: string[]; utilization: number}[]
  /** Splits that were cut short by a limit (the shard stays over the target). */
  cappedBy?: 'max-shards' | 'quota' | 'per-stream'
  mergesFirst: boolean
}

export interface TargetedInput {
  /** The current open shards: their rest load spread over the range (buildProfiles' ranges), with shard ids. */
  shards: readonly {shardId: string; range: RangeLoad; points: readonly PointLoad[]; hotPoints: readonly PointLoad[]}[]
  target: number
  /** Merge only where the merged shard stays at or under this (target − scale-in margin). */
  mergeThreshold: number
  /** False: no merges (cooldown, new stream, or a scale-out only plan). */
  allowMerges: boolean
  minShards: number
  /** Most open shards the layout may end with (max-shards, 10,000, the account quota). */
  ceiling: number
  /** Most open shards at any moment during the steps (the account quota), when known. */
  peakCeiling?: number
  ceilingKind: 'max-shards' | 'quota' | 'per-stream'
}

const unitsOf = (l: Load): Units => ({b: l.bytes / SHARD_WRITE_BYTES_PER_SECOND, r: l.records / SHARD_WRITE_RECORDS_PER_SECOND})
const util = (u: Units) => Math.max(u.b, u.r)
const byHash = (a: Point, b: Point) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)

export function shardModel(s: TargetedInput['shards'][number]): ShardModel {
  const start = BigInt(s.range.startingHashKey)
  const end = BigInt(s.range.endingHashKey)
  const toPoint = (p: PointLoad): Point => ({...unitsOf(p), hash: p.hash})
  return {
    end,
    hot: s.hotPoints.map(toPoint).sort(byHash),
    points: s.points.map(toPoint).sort(byHash),
    shardId: s.shardId,
    spread: unitsOf(s.range),
    start,
  }
}

/** The load of [a, b] (inclusive) of a shard: its share of the spread plus the points in it. */
export function loadBetween(m: ShardModel, a: bigint, b: bigint, withHot: boolean): Units {
  const width = Number(m.end - m.start + 1n)
  const share = Number(b - a + 1n) / width
  let ub = m.spread.b * share
  let ur = m.spread.r * share
  for (const p of m.points) {
    if (p.hash >= a && p.hash <= b) {
      ub += p.b
      ur += p.r
    }
  }
  if (withHot) {
    for (const p of m.hot) {
      if (p.hash >= a && p.hash <= b) {
        ub += p.b
        ur += p.r
      }
    }
  }
  return {b: ub, r: ur}
}

/** The whole shard's load (decision: without the hot keys). */
export function shardUnits(m: ShardModel, withHot = false): Units {
  let {b, r} = m.spread
  for (const p of m.points) {
    b += p.b
    r += p.r
  }
  if (withHot) {
    for (const p of m.hot) {
      b += p.b
      r += p.r
    }
  }
  return {b, r}
}

/**
 * The cuts (each the first hash key of a new part) that split the shard into parts of at most
 * `lambda` each, every part as long as it fits; null when more than `maxParts` parts are needed or
 * one point alone is above `lambda`.
 */
export function greedyCuts(m: ShardModel, lambda: number, maxParts: number, slack = EPSILON): bigint[] | null {
  const width = m.end - m.start + 1n
  const w = Number(width)
  const db = m.spread.b / w
  const dr = m.spread.r / w
  const limit = lambda + slack
  const cuts: bigint[] = []
  let childStart = m.start
  let pos = 0
  let accB = 0
  let accR = 0
  const sentinel: Point = {b: 0, hash: m.end + 1n, r: 0}
  for (const p of [...m.points, sentinel]) {
    const off = Number(p.hash - m.start)
    // The spread up to the point, cut where it overflows.
    for (;;) {
      const needB = accB + db * (off - pos)
      const needR = accR + dr * (off - pos)
      if (Math.max(needB, needR) <= limit) {
        accB = needB
        accR = needR
        pos = off
        break
      }
      const xb = db > 0 ? (lambda - accB) / db : Number.POSITIVE_INFINITY
      const xr = dr > 0 ? (lambda - accR) / dr : Number.POSITIVE_INFINITY
      let cut = snap(m.start, width, pos + Math.max(0, Math.min(xb, xr)))
      if (cut > p.hash) cut = p.hash
      if (cut <= childStart) cut = childStart + 1n
      if (cut > m.end) return cuts
      cuts.push(cut)
      if (cuts.length >= maxParts) return null
      childStart = cut
      pos = Number(cut - m.start)
      accB = 0
      accR = 0
    }
    if (p === sentinel) break
    if (Math.max(accB + p.b, accR + p.r) <= limit) {
      accB += p.b
      accR += p.r
      continue
    }
    if (Math.max(p.b, p.r) > limit) return null
    // The point starts the next part.
    if (p.hash > childStart) {
      cuts.push(p.hash)
      if (cuts.length >= maxParts) return null
      childStart = p.hash
    }
    accB = p.b
    accR = p.r
    pos = off
  }
  return cuts
}

/** start + x rounded up to a multiple of width / 2^40, as a hash key. */
function snap(start: bigint, width: bigint, x: number): bigint {
  const w = Number(width)
  const steps = BigInt(Math.ceil((x / w) * 2 ** Number(SNAP_BITS) - 1e-6))
  return start + ((width * steps) >> SNAP_BITS)
}

/**
 * The balanced split of a shard into the fewest parts that fit `target` (at most `maxParts`): the
 * cuts, or none when the shard fits or cannot be helped (a point above the target).
 */
export function balancedCuts(m: ShardModel, target: number, maxParts: number): bigint[] {
  const total = shardUnits(m)
  if (util(total) <= target + EPSILON || m.end === m.start) return []
  const fewest = greedyCuts(m, target, Math.min(maxParts, Number(m.end - m.start + 1n)))
  const parts = fewest === null ? maxParts : fewest.length + 1
  if (parts <= 1) return []
  // The smallest largest-part load that still needs no more than `parts` parts.
  let maxPoint = 0
  for (const p of m.points) maxPoint = Math.max(maxPoint, util(p))
  let lo = Math.max(maxPoint, util(total) / parts) * (1 - 1e-12)
  let hi = fewest === null ? util(total) : target
  let best = fewest
  for (let i = 0; i < BISECTIONS && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2
    const cuts = greedyCuts(m, mid, parts, 0)
    if (cuts !== null && cuts.length + 1 <= parts) {
      best = cuts
      hi = mid
    } else {
      lo = mid
    }
  }
  if (best === null) {
    // More parts than allowed would be needed: `parts` parts of equal load as near as the cuts go.
    best = greedyCuts(m, hi, parts, 0) ?? greedyCuts(m, hi, parts) ?? []
  }
  return best.map((cut, i) => onKey(m, cut, i > 0 ? best![i - 1] : m.start))
}

/**
 * A cut that the bisection left a rounding error beside a known key moves onto it: just after the
 * nearest key below (it stays below) or at the nearest key above (it goes above). No other key
 * lies between, so both sides keep their keys, and split keys land on key boundaries.
 */
function onKey(m: ShardModel, cut: bigint, previous: bigint): bigint {
  const w = Number(m.end - m.start + 1n)
  const spreadBetween = (a: bigint, b: bigint) => (util(m.spread) * Number(b - a)) / w
  let below: Point | undefined
  let above: Point | undefined
  for (const p of m.points) {
    if (p.hash < cut) below = p
    else {
      above = p
      break
    }
  }
  if (above !== undefined && above.hash === cut) return cut
  if (below !== undefined && below.hash + 1n > previous && below.hash + 1n <= m.end && spreadBetween(below.hash + 1n, cut) < 1e-9 * Math.max(util(below), 1e-12)) return below.hash + 1n
  if (above !== undefined && above.hash > previous && spreadBetween(cut, above.hash) < 1e-9 * Math.max(util(above), 1e-12)) return above.hash
  return cut
}

/** One unit of the layout under construction. */
interface Unit {
  start: bigint
  end: bigint
  /** Load with and without the hot keys. */
  load: Units
  hotLoad: Units
  /** Index of the current shard; -1 for merged runs. */
  shard: number
  kind: LayoutShard['kind']
  members: number[]
}

/** The targeted layout and its steps. */
export function planLayout(input: TargetedInput): TargetedLayout {
  const models = input.shards.map((s) => shardModel(s)).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
  const current = models.length
  const target = input.target

  // 1. Splits: the fewest parts per hot shard.
  const wanted = models.map((m) => balancedCuts(m, target, 10_000))
  const neededShards = current + wanted.reduce((n, c) => n + c.length, 0)

  // 2. Merges: runs of adjacent unsplit shards under the threshold.
  const mergeGroups: number[][] = []
  if (input.allowMerges) {
    let run: number[] = []
    let acc: Units = {b: 0, r: 0}
    const flush = () => {
      if (run.length > 1) mergeGroups.push(run)
      run = []
      acc = {b: 0, r: 0}
    }
    for (let i = 0; i < current; i++) {
      if (wanted[i].length > 0) {
        flush()
        continue
      }
      const u = shardUnits(models[i], true)
      const next = {b: acc.b + u.b, r: acc.r + u.r}
      if (run.length > 0 && util(next) <= input.mergeThreshold + EPSILON) {
        run.push(i)
        acc = next
      } else {
        flush()
        if (util(u) <= input.mergeThreshold + EPSILON) {
          run = [i]
          acc = u
        }
      }
    }
    flush()
  }

  // 3. Limits: never under the minimum (undo merges from the last), never over the ceiling (the
  // hottest shards get their splits first).
  let merges = mergeGroups.reduce((n, g) => n + g.length - 1, 0)
  while (merges > 0 && current - merges + totalCuts(wanted) < input.minShards) {
    const g = mergeGroups.at(-1)!
    g.pop()
    if (g.length < 2) mergeGroups.pop()
    merges--
  }
  let cappedBy: TargetedLayout['cappedBy']
  const room = input.ceiling - (current - merges)
  let cuts = wanted
  if (totalCuts(wanted) > Math.max(0, room)) {
    cappedBy = input.ceilingKind
    cuts = models.map(() => [] as bigint[])
    let left = Math.max(0, room)
    const order = models.map((m, i) => i).filter((i) => wanted[i].length > 0).sort((a, b) => util(shardUnits(models[b])) - util(shardUnits(models[a])))
    for (const i of order) {
      if (left <= 0) break
      const parts = Math.min(wanted[i].length, left) + 1
      cuts[i] = parts === wanted[i].length + 1 ? wanted[i] : balancedCuts(models[i], target, parts)
      left -= cuts[i].length
    }
  }
  // Below the minimum with nothing to merge: split the most loaded (or widest) shards in two.
  let extra = input.minShards - (current - merges + totalCuts(cuts))
  while (extra > 0) {
    let best = -1
    let bestKey = -1
    for (let i = 0; i < current; i++) {
      const parts = cuts[i].length + 1
      if (models[i].end - models[i].start + 1n <= BigInt(parts)) continue
      const key = util(shardUnits(models[i])) / parts + Number(models[i].end - models[i].start) / 2 ** 128 / parts / 1e6
      if (key > bestKey) {
        bestKey = key
        best = i
      }
    }
    if (best < 0) break
    const parts = cuts[best].length + 2
    cuts[best] = evenCuts(models[best], parts)
    extra--
  }

  // 4. The layout, and the steps with the projection after each.
  const units: Unit[] = []
  const inGroup = new Map<number, number[]>()
  for (const g of mergeGroups) for (const i of g) inGroup.set(i, g)
  const splits: TargetedLayout['splits'] = []
  for (let i = 0; i < current; i++) {
    const m = models[i]
    if (cuts[i].length > 0) {
      const bounds = [m.start, ...cuts[i], m.end + 1n]
      const after: number[] = []
      for (let j = 0; j + 1 < bounds.length; j++) {
        const a = bounds[j]
        const b = bounds[j + 1] - 1n
        const unit: Unit = {end: b, hotLoad: loadBetween(m, a, b, true), kind: 'split', load: loadBetween(m, a, b, false), members: [i], shard: i, start: a}
        units.push(unit)
        after.push(util(unit.hotLoad))
      }
      splits.push({after, before: util(shardUnits(m, true)), cuts: cuts[i].map(String), parts: bounds.length - 1, shardId: m.shardId})
    } else {
      units.push({end: m.end, hotLoad: shardUnits(m, true), kind: 'unchanged', load: shardUnits(m), members: [i], shard: i, start: m.start})
    }
  }

  const stepsOut: TargetedLayout['steps'] = []
  // The projection as the steps go: the current shards' loads, then each step replaces some.
  const tracker = new MaxTracker(models.map((m) => util(shardUnits(m, true))))
  let open = current
  const splitSteps = (): void => {
    const order = models.map((_, i) => i).filter((i) => cuts[i].length > 0).sort((a, b) => util(shardUnits(models[b])) - util(shardUnits(models[a])))
    for (const i of order) {
      const m = models[i]
      let restStart = m.start
      let restId: number = i
      for (const [j, cut] of cuts[i].entries()) {
        const lowerLoad = util(loadBetween(m, restStart, cut - 1n, true))
        const upperLoad = util(loadBetween(m, cut, m.end, true))
        tracker.remove(restId)
        tracker.add(lowerLoad)
        restId = tracker.add(upperLoad)
        open++
        const step: TargetedStep = {
          action: 'split',
          endingHashKey: m.end.toString(),
          newStartingHashKey: cut.toString(),
          parentShardId: m.shardId,
          startingHashKey: restStart.toString(),
          ...(j === 0 ? {shardId: m.shardId} : {}),
        }
        stepsOut.push({...step, maxUtilizationAfter: tracker.max(), meanUtilizationAfter: tracker.sum() / open, openAfter: open})
        restStart = cut
      }
    }
  }
  const mergeSteps = (): void => {
    for (const g of mergeGroups) {
      const left = models[g[0]]
      const leftStart = left.start
      let leftEnd = left.end
      let leftId: number = g[0]
      let leftUnits = shardUnits(left, true)
      for (let j = 1; j < g.length; j++) {
        const right = models[g[j]]
        const rightUnits = shardUnits(right, true)
        leftUnits = {b: leftUnits.b + rightUnits.b, r: leftUnits.r + rightUnits.r}
        tracker.remove(leftId)
        tracker.remove(g[j])
        leftId = tracker.add(util(leftUnits))
        open--
        const step: TargetedStep = {
          action: 'merge',
          adjacentEndingHashKey: right.end.toString(),
          adjacentShardId: right.shardId,
          adjacentStartingHashKey: right.start.toString(),
          endingHashKey: leftEnd.toString(),
          startingHashKey: leftStart.toString(),
          ...(j === 1 ? {shardId: left.shardId} : {}),
        }
        stepsOut.push({...step, maxUtilizationAfter: tracker.max(), meanUtilizationAfter: tracker.sum() / open, openAfter: open})
        leftEnd = right.end
      }
    }
  }
  const splitCount = totalCuts(cuts)
  const mergesFirst = input.peakCeiling !== undefined && current + splitCount > input.peakCeiling && merges > 0
  if (mergesFirst) {
    mergeSteps()
    splitSteps()
  } else {
    splitSteps()
    mergeSteps()
  }

  // Merged runs replace their members in the layout.
  const layout: LayoutShard[] = []
  const emitted = new Set<number[]>()
  for (const u of units) {
    const g = u.kind === 'unchanged' ? inGroup.get(u.shard) : undefined
    if (g === undefined) {
      layout.push({
        endingHashKey: u.end.toString(),
        kind: u.kind,
        shardId: models[u.shard].shardId,
        startingHashKey: u.start.toString(),
        utilization: util(u.hotLoad),
      })
      continue
    }
    if (emitted.has(g)) continue
    emitted.add(g)
    const sum = g.reduce((acc, i) => {
      const x = shardUnits(models[i], true)
      return {b: acc.b + x.b, r: acc.r + x.r}
    }, {b: 0, r: 0} as Units)
    layout.push({
      endingHashKey: models[g.at(-1)!].end.toString(),
      kind: 'merged',
      merged: g.map((i) => models[i].shardId),
      startingHashKey: models[g[0]].start.toString(),
      utilization: util(sum),
    })
  }

  let maxU = 0
  let maxHot = 0
  let sumHot = 0
  for (const u of units) {
    if (u.kind === 'unchanged' && inGroup.has(u.shard)) continue
    maxU = Math.max(maxU, util(u.load))
    maxHot = Math.max(maxHot, util(u.hotLoad))
  }
  for (const l of layout) sumHot += l.utilization
  for (const g of mergeGroups) {
    const sum = g.reduce((acc, i) => {
      const x = shardUnits(models[i])
      return {b: acc.b + x.b, r: acc.r + x.r}
    }, {b: 0, r: 0} as Units)
    maxU = Math.max(maxU, util(sum))
  }
  const result: TargetedLayout = {
    layout,
    maxUtilization: maxU,
    maxUtilizationWithHotKeys: maxHot,
    meanUtilization: layout.length > 0 ? sumHot / layout.length : 0,
    merges: mergeGroups.map((g) => ({
      shardIds: g.map((i) => models[i].shardId),
      utilization: util(g.reduce((acc, i) => {
        const x = shardUnits(models[i], true)
        return {b: acc.b + x.b, r: acc.r + x.r}
      }, {b: 0, r: 0} as Units)),
    })),
    mergesFirst,
    neededShards,
    openShards: layout.length,
    splits,
    steps: stepsOut,
  }
  if (cappedBy !== undefined) result.cappedBy = cappedBy
  return result
}

function totalCuts(cuts: readonly (readonly bigint[])[]): number {
  let n = 0
  for (const c of cuts) n += c.length
  return n
}

/** Cuts into `parts` parts of equal width (a shard with no load to weigh). */
function evenCuts(m: ShardModel, parts: number): bigint[] {
  const width = m.end - m.start + 1n
  const cuts: bigint[] = []
  for (let j = 1; j < parts; j++) cuts.push(m.start + (width * BigInt(j)) / BigInt(parts))
  return cuts
}

/** The largest and the sum of a changing set of values (a lazy max-heap). */
class MaxTracker {
  private readonly values: number[] = []
  private readonly alive: boolean[] = []
  private readonly heap: number[] = []
  private total = 0
  constructor(initial: readonly number[]) {
    for (const v of initial) this.add(v)
  }
  add(v: number): number {
    const id = this.values.length
    this.values.push(v)
    this.alive.push(true)
    this.total += v
    const h = this.heap
    h.push(id)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.values[h[parent]] >= this.values[h[i]]) break
      ;[h[parent], h[i]] = [h[i], h[parent]]
      i = parent
    }
    return id
  }
  remove(id: number): void {
    if (!this.alive[id]) return
    this.alive[id] = false
    this.total -= this.values[id]
  }
  max(): number {
    const h = this.heap
    while (h.length > 0 && !this.alive[h[0]]) {
      const last = h.pop()!
      if (h.length === 0) break
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let big = i
        if (l < h.length && this.values[h[l]] > this.values[h[big]]) big = l
        if (r < h.length && this.values[h[r]] > this.values[h[big]]) big = r
        if (big === i) break
        ;[h[big], h[i]] = [h[i], h[big]]
        i = big
      }
    }
    return h.length > 0 ? this.values[h[0]] : 0
  }
  sum(): number {
    return Math.max(0, this.total)
  }
}

/** True when the shards lie exactly as UpdateShardCount UNIFORM_SCALING lays out their count. */
export function isUniformLayout(shards: readonly {startingHashKey: string}[]): boolean {
  const n = BigInt(shards.length)
  const starts = shards.map((s) => BigInt(s.startingHashKey)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (let i = 0; i < starts.length; i++) {
    if (starts[i] !== (BigInt(i) * SPACE) / n) return false
  }
  return true
}

/**
 * The open shards an UpdateShardCount to `to` can need on the way from this layout: every boundary
 * of the current and of the new uniform layout, as fragments (an upper bound of the short-lived
 * shards AWS creates; AWS publishes no exact figure).
 */
export function fragmentsOf(shards: readonly {startingHashKey: string}[], to: number): number {
  const bounds = new Set<string>()
  for (const s of shards) bounds.add(BigInt(s.startingHashKey).toString())
  const n = BigInt(to)
  for (let i = 0n; i < n; i++) bounds.add(((i * SPACE) / n).toString())
  return bounds.size
}

const SPACE = 1n << 128n
