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
  readonly start: bigint
  readonly end: bigint
  /** Load spread uniformly over the range (the shard's load less its known keys). */
  spread: Units
  /** Known keys the decision counts, sorted by hash. */
  points: Point[]
  /** Keys hotter than the target, sorted by hash: in the display load only. */
  hot: Point[]
  /** The whole shard's load, without and with the hot keys. */
  total: Units
  totalHot: Units
  startingHashKey: string
  endingHashKey: string
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
  /**
   * Steps in order: splits first (hottest shard first), then merges; or merges first where the
   * quota needs it. At most `maxSteps` of them: `totalSteps` says how many the layout takes.
   */
  steps: (TargetedStep & {openAfter: number; maxUtilizationAfter: number; meanUtilizationAfter: number})[]
  totalSteps: number
  /** Open shards once every step is made. */
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
  /** Steps to spell out (the rest are counted): what one run makes. */
  maxSteps?: number
}

const unitsOf = (l: Load): Units => ({b: l.bytes / SHARD_WRITE_BYTES_PER_SECOND, r: l.records / SHARD_WRITE_RECORDS_PER_SECOND})
const util = (u: Units) => Math.max(u.b, u.r)
const byHash = (a: Point, b: Point) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)

const NO_POINTS: Point[] = []
const toPoint = (p: PointLoad): Point => ({...unitsOf(p), hash: p.hash})

export function shardModel(s: TargetedInput['shards'][number]): ShardModel {
  return new Model(s)
}

/**
 * A ShardModel that parses its hash keys only when asked (most shards of a large stream are never
 * split, and 10,000 BigInt parses are a measurable part of one plan), and shares its load objects
 * where a shard has no known keys.
 */
class Model implements ShardModel {
  readonly shardId: string
  readonly spread: Units
  readonly points: Point[]
  readonly hot: Point[]
  readonly total: Units
  readonly totalHot: Units
  readonly startingHashKey: string
  readonly endingHashKey: string
  private startKey?: bigint
  private endKey?: bigint
  constructor(s: TargetedInput['shards'][number]) {
    this.shardId = s.shardId
    this.startingHashKey = s.range.startingHashKey
    this.endingHashKey = s.range.endingHashKey
    this.spread = unitsOf(s.range)
    this.points = s.points.length === 0 ? NO_POINTS : s.points.map(toPoint).sort(byHash)
    this.hot = s.hotPoints.length === 0 ? NO_POINTS : s.hotPoints.map(toPoint).sort(byHash)
    this.total = this.points.length === 0 ? this.spread : sumOf(this.spread, this.points)
    this.totalHot = this.hot.length === 0 ? this.total : sumOf(this.total, this.hot)
  }
  get start(): bigint {
    return (this.startKey ??= BigInt(this.startingHashKey))
  }
  get end(): bigint {
    return (this.endKey ??= BigInt(this.endingHashKey))
  }
}

function sumOf(base: Units, points: readonly Point[]): Units {
  let {b, r} = base
  for (const p of points) {
    b += p.b
    r += p.r
  }
  return {b, r}
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
  return withHot ? m.totalHot : m.total
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

/** The targeted layout and its steps. */
export function planLayout(input: TargetedInput): TargetedLayout {
  const models = input.shards.map((s) => shardModel(s))
  // In hash order already (as listed) unless a start is below its predecessor's; doubles tell that
  // apart except for starts closer than a double resolves, which are compared exactly.
  const before = (a: ShardModel, b: ShardModel) => {
    const x = Number(a.startingHashKey)
    const y = Number(b.startingHashKey)
    return x !== y ? x < y : a.start < b.start
  }
  if (models.some((m, i) => i > 0 && before(m, models[i - 1]))) models.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
  const current = models.length
  const target = input.target
  const maxSteps = input.maxSteps ?? Number.POSITIVE_INFINITY

  // 1. Splits: the fewest parts per hot shard.
  const NONE: bigint[] = []
  const wanted = models.map((m) => (util(m.total) <= target + EPSILON ? NONE : balancedCuts(m, target, 10_000)))
  const neededShards = current + totalCuts(wanted)

  // 2. Merges: runs of adjacent unsplit shards under the threshold (greedy: the fewest runs).
  const mergeGroups: number[][] = []
  if (input.allowMerges) {
    let run: number[] = []
    let accB = 0
    let accR = 0
    const flush = () => {
      if (run.length > 1) mergeGroups.push(run)
      run = []
      accB = 0
      accR = 0
    }
    const limit = input.mergeThreshold + EPSILON
    for (let i = 0; i < current; i++) {
      if (wanted[i].length > 0) {
        flush()
        continue
      }
      const u = models[i].totalHot
      if (run.length > 0 && Math.max(accB + u.b, accR + u.r) <= limit) {
        run.push(i)
        accB += u.b
        accR += u.r
      } else {
        flush()
        if (util(u) <= limit) {
          run = [i]
          accB = u.b
          accR = u.r
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
  const hottestFirst = (a: number, b: number) => util(models[b].total) - util(models[a].total)
  let cappedBy: TargetedLayout['cappedBy']
  const room = input.ceiling - (current - merges)
  let cuts = wanted
  if (totalCuts(wanted) > Math.max(0, room)) {
    cappedBy = input.ceilingKind
    cuts = models.map(() => NONE)
    let left = Math.max(0, room)
    for (const i of models.map((_, i) => i).filter((i) => wanted[i].length > 0).sort(hottestFirst)) {
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
      const key = util(models[i].total) / parts + Number(models[i].end - models[i].start) / 2 ** 128 / parts / 1e6
      if (key > bestKey) {
        bestKey = key
        best = i
      }
    }
    if (best < 0) break
    cuts[best] = evenCuts(models[best], cuts[best].length + 2)
    extra--
  }

  // 4. The result: each split's parts, each run's merged load, the hottest shard after.
  const inGroup = new Uint8Array(current)
  for (const g of mergeGroups) for (const i of g) inGroup[i] = 1
  const splits: TargetedLayout['splits'] = []
  let maxU = 0
  let maxHot = 0
  let sumHot = 0
  for (let i = 0; i < current; i++) {
    const m = models[i]
    if (cuts[i].length > 0) {
      const bounds = [m.start, ...cuts[i], m.end + 1n]
      const after: number[] = []
      for (let j = 0; j + 1 < bounds.length; j++) {
        const hot = util(loadBetween(m, bounds[j], bounds[j + 1] - 1n, true))
        after.push(hot)
        maxHot = Math.max(maxHot, hot)
        maxU = Math.max(maxU, util(loadBetween(m, bounds[j], bounds[j + 1] - 1n, false)))
        sumHot += hot
      }
      splits.push({after, before: util(m.totalHot), cuts: cuts[i].map(String), parts: bounds.length - 1, shardId: m.shardId})
    } else if (inGroup[i] === 0) {
      maxU = Math.max(maxU, util(m.total))
      maxHot = Math.max(maxHot, util(m.totalHot))
      sumHot += util(m.totalHot)
    }
  }
  const merged = mergeGroups.map((g) => {
    let b = 0
    let r = 0
    let hb = 0
    let hr = 0
    for (const i of g) {
      b += models[i].total.b
      r += models[i].total.r
      hb += models[i].totalHot.b
      hr += models[i].totalHot.r
    }
    maxU = Math.max(maxU, Math.max(b, r))
    maxHot = Math.max(maxHot, Math.max(hb, hr))
    sumHot += Math.max(hb, hr)
    return {shardIds: g.map((i) => models[i].shardId), utilization: Math.max(hb, hr)}
  })
  const splitCount = totalCuts(cuts)
  const openShards = current + splitCount - merges

  // 5. The steps, with the projection after each (up to maxSteps of them).
  const steps: TargetedLayout['steps'] = []
  const tracker = new MaxTracker(models.map((m) => util(m.totalHot)))
  let open = current
  const push = (step: TargetedStep) => steps.push({...step, maxUtilizationAfter: tracker.max(), meanUtilizationAfter: tracker.sum() / open, openAfter: open})
  const splitSteps = (): void => {
    for (const i of models.map((_, i) => i).filter((i) => cuts[i].length > 0).sort(hottestFirst)) {
      const m = models[i]
      let restStart = m.start
      let restId = i
      for (const [j, cut] of cuts[i].entries()) {
        if (steps.length >= maxSteps) return
        tracker.remove(restId)
        tracker.add(util(loadBetween(m, restStart, cut - 1n, true)))
        restId = tracker.add(util(loadBetween(m, cut, m.end, true)))
        open++
        push({
          action: 'split',
          endingHashKey: m.endingHashKey,
          newStartingHashKey: cut.toString(),
          parentShardId: m.shardId,
          startingHashKey: restStart.toString(),
          ...(j === 0 ? {shardId: m.shardId} : {}),
        })
        restStart = cut
      }
    }
  }
  const mergeSteps = (): void => {
    for (const g of mergeGroups) {
      const left = models[g[0]]
      let leftEnd = left.endingHashKey
      let leftId = g[0]
      let b = left.totalHot.b
      let r = left.totalHot.r
      for (let j = 1; j < g.length; j++) {
        if (steps.length >= maxSteps) return
        const right = models[g[j]]
        b += right.totalHot.b
        r += right.totalHot.r
        tracker.remove(leftId)
        tracker.remove(g[j])
        leftId = tracker.add(Math.max(b, r))
        open--
        push({
          action: 'merge',
          adjacentEndingHashKey: right.endingHashKey,
          adjacentShardId: right.shardId,
          adjacentStartingHashKey: right.startingHashKey,
          endingHashKey: leftEnd,
          startingHashKey: left.startingHashKey,
          ...(j === 1 ? {shardId: left.shardId} : {}),
        })
        leftEnd = right.endingHashKey
      }
    }
  }
  const mergesFirst = input.peakCeiling !== undefined && current + splitCount > input.peakCeiling && merges > 0
  if (mergesFirst) {
    mergeSteps()
    splitSteps()
  } else {
    splitSteps()
    mergeSteps()
  }

  const result: TargetedLayout = {
    maxUtilization: maxU,
    maxUtilizationWithHotKeys: maxHot,
    meanUtilization: openShards > 0 ? sumHot / openShards : 0,
    merges: merged,
    mergesFirst,
    neededShards,
    openShards,
    splits,
    steps,
    totalSteps: splitCount + merges,
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

/**
 * Boundaries closer than this many hash keys are the same boundary: emulators lay "uniform" shards
 * out a few keys off AWS's floor(i · 2^128 / n), which changes no load (2^64 keys are 2^-64 of the
 * space).
 */
const SAME_BOUNDARY = 1n << 64n

const near = (a: bigint, b: bigint) => (a > b ? a - b : b - a) <= SAME_BOUNDARY

/** True when the shards lie as UpdateShardCount UNIFORM_SCALING lays out their count. */
export function isUniformLayout(shards: readonly {startingHashKey: string}[]): boolean {
  const n = BigInt(shards.length)
  const starts = shards.map((s) => BigInt(s.startingHashKey)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (let i = 0; i < starts.length; i++) {
    if (!near(starts[i], (BigInt(i) * SPACE) / n)) return false
  }
  return true
}

/**
 * The open shards an UpdateShardCount to `to` can need on the way from this layout: every boundary
 * of the current and of the new uniform layout, as fragments (an upper bound of the short-lived
 * shards AWS creates; AWS publishes no exact figure).
 */
export function fragmentsOf(shards: readonly {startingHashKey: string}[], to: number): number {
  const n = BigInt(to)
  const bounds = [...shards.map((s) => BigInt(s.startingHashKey)), ...Array.from({length: to}, (_, i) => (BigInt(i) * SPACE) / n)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  let count = 0
  for (let i = 0; i < bounds.length; i++) if (i === 0 || !near(bounds[i], bounds[i - 1])) count++
  return count
}

const SPACE = 1n << 128n
