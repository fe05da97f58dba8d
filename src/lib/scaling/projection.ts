/**
 * The load projection behind the scaling planner (pure). The load of each current shard is spread
 * uniformly over its hash range; known partition keys (the stream source's hottest keys) stay point
 * loads at their hash. Projected onto N uniform shards (UpdateShardCount UNIFORM_SCALING lays shard
 * i out from i·2^128/N), shard i carries the load that falls into [i/N, (i+1)/N) of the hash space.
 *
 * Positions are fractions of the hash space as doubles: 53 bits are plenty for a load estimate,
 * and a shard narrower than a double can resolve counts as a point. The cumulative load is piecewise linear, so one
 * projected shard costs two lookups: evaluating N shards is O(N + shards + keys), and a single
 * projected shard O(log shards).
 */
import {SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND} from '../kinesis/limits.js'
import {utilization} from '../load/model.js'

/** 2^128 as a double (exact). */
const SPACE = 2 ** 128

/** Tolerance for "at or under the target" in floating point. */
export const EPSILON = 1e-9
/** Gaps and overlaps narrower than this fraction of the hash space are rounding, not data. */
const GAP = 1e-12

/** A write load in bytes and records per second. */
export interface Load {
  bytes: number
  records: number
}

/** One current shard for the projection: its hash range (decimal strings) and the load spread uniformly over it. */
export interface RangeLoad extends Load {
  startingHashKey: string
  endingHashKey: string
}

/** A partition key's load, kept at its hash. */
export interface PointLoad extends Load {
  hash: bigint
}

export interface ProjectedShard {
  /** Index among the N uniform shards. */
  index: number
  bytes: number
  records: number
  utilization: number
}

export interface Projection {
  shards: number
  maxUtilization: number
  meanUtilization: number
  /** The hottest projected shard. */
  hottest: ProjectedShard
}

/** Hot spots remembered per kind (segments, points) to rule candidate counts out quickly. */
const HOTSPOT_SEGMENTS = 8
const HOTSPOT_POINTS = 64

/** The k largest values offered, with their positions (k is small: insertion into a sorted array). */
class TopK {
  private readonly values: number[] = []
  private readonly xs: number[] = []
  constructor(private readonly k: number) {}
  /** Returns the value an offer must beat from now on (0 until k are kept). */
  offer(value: number, x: number): number {
    const v = this.values
    if (v.length === this.k && value <= v[v.length - 1]) return v[v.length - 1]
    let i = v.length
    while (i > 0 && v[i - 1] < value) i--
    v.splice(i, 0, value)
    this.xs.splice(i, 0, x)
    if (v.length > this.k) {
      v.pop()
      this.xs.pop()
    }
    return v.length === this.k ? v[v.length - 1] : 0
  }
  positions(): number[] {
    return [...this.xs]
  }
}

/** The fraction of the hash space below `hash`, as a double in [0, 1]. */
export function positionOf(hash: bigint): number {
  return Number(hash) / SPACE
}

/**
 * A load profile over the hash space, built once from the current shards (and point loads), then
 * projected onto any number of uniform shards.
 */
export class LoadProfile {
  /** Segment k spans [xs[k], xs[k+1]); xs has one more entry than the segments, ending at 1. */
  private readonly xs: Float64Array
  private readonly densB: Float64Array
  private readonly densR: Float64Array
  /** Cumulative load at xs[k]. */
  private readonly cumB: Float64Array
  private readonly cumR: Float64Array
  /** Point loads sorted by position, with prefix sums (prefix[i] = sum of points before i). */
  private readonly px: Float64Array
  private readonly pb: Float64Array
  private readonly pr: Float64Array
  private readonly prefB: Float64Array
  private readonly prefR: Float64Array
  readonly totalBytes: number
  readonly totalRecords: number
  /** Positions worth checking first (the densest segments' midpoints, the heaviest points). */
  readonly hotspots: number[]

  constructor(ranges: readonly RangeLoad[], points: readonly PointLoad[] = []) {
    // Hash keys straight to doubles (Number() of a decimal string rounds correctly): no BigInt in
    // the loop, which keeps 10,000 shards in a few milliseconds.
    const n = ranges.length
    const x0s = new Float64Array(n)
    const x1s = new Float64Array(n)
    let order: number[] | undefined
    for (let i = 0; i < n; i++) {
      const r = ranges[i]
      x0s[i] = Number(r.startingHashKey) / SPACE
      x1s[i] = (Number(r.endingHashKey) + 1) / SPACE
      if (!(x0s[i] >= 0 && x1s[i] >= x0s[i] && x1s[i] <= 1 + 1e-15)) {
        throw new Error(`Shard hash range ${r.startingHashKey}–${r.endingHashKey} is not a range of the hash-key space.`)
      }
      if (order === undefined && i > 0 && x0s[i] < x0s[i - 1]) order = []
    }
    if (order !== undefined) {
      order = Array.from({length: n}, (_, i) => i).sort((a, b) => x0s[a] - x0s[b])
    }
    // At most one gap before each shard plus a trailing one.
    const xs = new Float64Array(2 * n + 2)
    const loadsB = new Float64Array(2 * n + 1)
    const loadsR = new Float64Array(2 * n + 1)
    const extraPoints: {x: number; b: number; r: number}[] = []
    let k = 0
    let next = 0
    for (let j = 0; j < n; j++) {
      const i = order === undefined ? j : order[j]
      const x0 = x0s[i]
      const x1 = Math.min(1, x1s[i])
      if (x0 < next - GAP) throw new Error(`Hash ranges overlap at ${ranges[i].startingHashKey}: pass the open shards only.`)
      if (x0 > next + GAP) {
        // A gap (a shard without load data): no load there.
        xs[k] = next
        k++
      }
      if (x1 > x0) {
        xs[k] = Math.max(x0, next)
        loadsB[k] = ranges[i].bytes
        loadsR[k] = ranges[i].records
        k++
        next = x1
      } else {
        // Narrower than a double can tell apart: its load is a point.
        extraPoints.push({b: ranges[i].bytes, r: ranges[i].records, x: x0})
      }
    }
    if (k === 0 || next < 1 - GAP) {
      xs[k] = next
      k++
    }
    xs[k] = 1
    // Locals rather than fields in the loops: this runs once per plan, before the code is optimised.
    const sx = xs.slice(0, k + 1)
    const densB = new Float64Array(k)
    const densR = new Float64Array(k)
    const cumB = new Float64Array(k + 1)
    const cumR = new Float64Array(k + 1)
    const top = new TopK(HOTSPOT_SEGMENTS)
    let least = 0
    for (let i = 0; i < k; i++) {
      const w = sx[i + 1] - sx[i]
      const b = loadsB[i]
      const r = loadsR[i]
      if (w > 0) {
        const db = b / w
        const dr = r / w
        densB[i] = db
        densR[i] = dr
        cumB[i + 1] = cumB[i] + b
        cumR[i + 1] = cumR[i] + r
        const u = utilization(db, dr)
        if (u > least) least = top.offer(u, (sx[i] + sx[i + 1]) / 2)
      } else {
        cumB[i + 1] = cumB[i]
        cumR[i + 1] = cumR[i]
        if (b > 0 || r > 0) extraPoints.push({b, r, x: sx[i]})
      }
    }
    this.xs = sx
    this.densB = densB
    this.densR = densR
    this.cumB = cumB
    this.cumR = cumR

    const pts = [...points.map((p) => ({b: p.bytes, r: p.records, x: positionOf(p.hash)})), ...extraPoints].sort((a, b) => a.x - b.x)
    this.px = Float64Array.from(pts, (p) => p.x)
    this.pb = Float64Array.from(pts, (p) => p.b)
    this.pr = Float64Array.from(pts, (p) => p.r)
    this.prefB = new Float64Array(pts.length + 1)
    this.prefR = new Float64Array(pts.length + 1)
    for (let i = 0; i < pts.length; i++) {
      this.prefB[i + 1] = this.prefB[i] + pts[i].b
      this.prefR[i + 1] = this.prefR[i] + pts[i].r
    }
    this.totalBytes = this.cumB[k] + this.prefB[pts.length]
    this.totalRecords = this.cumR[k] + this.prefR[pts.length]

    const topPoints = new TopK(HOTSPOT_POINTS)
    for (const p of pts) topPoints.offer(utilization(p.b, p.r), p.x)
    this.hotspots = [...top.positions(), ...topPoints.positions()]
  }

  /** Mean utilisation over N shards if the load were perfectly even: a lower bound of the maximum. */
  evenUtilization(n: number): number {
    return utilization(this.totalBytes / n, this.totalRecords / n)
  }

  /** The smallest N whose even share is at or under `threshold` (no layout can do better). */
  lowerBound(threshold: number): number {
    const even = utilization(this.totalBytes, this.totalRecords)
    return Math.max(1, Math.ceil(even / threshold - EPSILON))
  }

  /** The uniform shard (of N) that holds position x. */
  static cellOf(x: number, n: number): number {
    return Math.min(n - 1, Math.floor(x * n))
  }

  /** Segment index k with xs[k] <= x < xs[k+1] (binary search). */
  private segmentAt(x: number): number {
    let lo = 0
    let hi = this.densB.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.xs[mid] <= x) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /** First point whose cell (of N) is >= j. */
  private firstPointInCell(j: number, n: number): number {
    let lo = 0
    let hi = this.px.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (LoadProfile.cellOf(this.px[mid], n) >= j) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** Utilisation of uniform shard j of N (O(log shards + log points)). */
  cellUtilization(j: number, n: number): number {
    const a = j / n
    const b = j + 1 === n ? 1 : (j + 1) / n
    const ka = this.segmentAt(a)
    const kb = this.segmentAt(b)
    let bytes = this.cumB[kb] + this.densB[kb] * (b - this.xs[kb]) - (this.cumB[ka] + this.densB[ka] * (a - this.xs[ka]))
    let records = this.cumR[kb] + this.densR[kb] * (b - this.xs[kb]) - (this.cumR[ka] + this.densR[ka] * (a - this.xs[ka]))
    if (this.px.length > 0) {
      const p0 = this.firstPointInCell(j, n)
      const p1 = this.firstPointInCell(j + 1, n)
      bytes += this.prefB[p1] - this.prefB[p0]
      records += this.prefR[p1] - this.prefR[p0]
    }
    return utilization(Math.max(0, bytes), Math.max(0, records))
  }

  /**
   * Projects onto N uniform shards. With `threshold`, stops at the first projected shard above it
   * and returns that one as `hottest` (max and mean then cover the shards seen so far).
   */
  project(n: number, threshold = Number.POSITIVE_INFINITY): Projection & {exceeded: boolean} {
    // A pass that did not stop early is the whole projection, whatever its threshold: the planner
    // asks for the same count several times (the search, the reason, the step), once each is enough.
    const known = this.projections.get(n)
    if (known !== undefined) return {...known, exceeded: known.maxUtilization > threshold + EPSILON}
    const xs = this.xs
    const last = this.densB.length - 1
    let k = 0
    let prevB = 0
    let prevR = 0
    let p = 0
    const np = this.px.length
    let max = -1
    let sum = 0
    let hottest: ProjectedShard = {bytes: 0, index: 0, records: 0, utilization: 0}
    for (let j = 0; j < n; j++) {
      const x = j + 1 === n ? 1 : (j + 1) / n
      while (k < last && xs[k + 1] <= x) k++
      const fB = this.cumB[k] + this.densB[k] * (x - xs[k])
      const fR = this.cumR[k] + this.densR[k] * (x - xs[k])
      let bytes = fB - prevB
      let records = fR - prevR
      prevB = fB
      prevR = fR
      while (p < np && LoadProfile.cellOf(this.px[p], n) === j) {
        bytes += this.pb[p]
        records += this.pr[p]
        p++
      }
      if (bytes < 0) bytes = 0
      if (records < 0) records = 0
      const u = utilization(bytes, records)
      sum += u
      if (u > max) {
        max = u
        hottest = {bytes, index: j, records, utilization: u}
      }
      if (u > threshold + EPSILON) {
        return {exceeded: true, hottest, maxUtilization: max, meanUtilization: sum / (j + 1), shards: n}
      }
    }
    const whole: Projection = {hottest, maxUtilization: Math.max(0, max), meanUtilization: n > 0 ? sum / n : 0, shards: n}
    this.projections.set(n, whole)
    return {...whole, exceeded: false}
  }

  /** Complete projections by shard count (a handful per plan). */
  private readonly projections = new Map<number, Projection>()

  /**
   * The smallest N in [lo, hi] whose hottest projected shard is at or under `threshold`, or
   * undefined. The maximum is not monotonic in N (a hot spot can straddle a boundary at one N and
   * sit inside one shard at N + 1), so the counts are tried in order; but whole ranges are skipped
   * at once where a hot run of shards proves them too few (see skipTable), most remaining counts
   * are ruled out in O(log) by looking at the known hot spots first, and a full pass teaches the
   * hot spot it tripped on.
   */
  smallestWithin(threshold: number, lo: number, hi: number): number | undefined {
    const spots = [...this.hotspots]
    const learned: number[] = []
    const skip = this.skipTable(threshold, hi)
    for (let n = Math.max(1, lo); n <= hi; n++) {
      if (skip[n] >= n) {
        n = skip[n]
        continue
      }
      // The spots that ruled out recent counts first, then the known hot spots.
      let ruledOut = false
      for (let i = learned.length - 1; i >= 0 && !ruledOut; i--) {
        ruledOut = this.cellUtilization(LoadProfile.cellOf(learned[i], n), n) > threshold + EPSILON
      }
      for (let i = 0; i < spots.length && !ruledOut; i++) {
        ruledOut = this.cellUtilization(LoadProfile.cellOf(spots[i], n), n) > threshold + EPSILON
      }
      if (ruledOut) continue
      const result = this.project(n, threshold)
      if (!result.exceeded) return n
      learned.push((result.hottest.index + 0.5) / n)
      if (learned.length > 16) learned.shift()
    }
    return undefined
  }

  /**
   * Counts that are provably too few, as a table: skip[n] >= n means every count from n to
   * skip[n] is. A run of adjacent segments of width W whose density (per unit of hash space, in
   * one dimension: bytes or records) is at least L everywhere holds a whole projected shard as
   * soon as 1/N <= W/2 (the one holding the run's midpoint), which then carries at least L/N. So
   * every N in [2/W, L/threshold) fails. Each segment, as the lowest of its widest run (found
   * with a monotonic stack), gives one such interval: O(segments + hi).
   */
  private skipTable(threshold: number, hi: number): Int32Array {
    const ends = new Int32Array(hi + 2)
    for (const {values, widths} of this.runs()) {
      for (let i = 0; i < values.length; i++) {
        const w = widths[i]
        // Runs too narrow to hold a whole shard of any count up to hi (most single shards) rule nothing out.
        if (values[i] <= 0 || w * hi < 2 * (1 + 1e-9)) continue
        // Rounded inwards: the interval only ever shrinks.
        const start = Math.max(1, Math.ceil((2 / w) * (1 + 1e-9)))
        const end = Math.min(hi, Math.ceil((values[i] / (threshold + EPSILON)) * (1 - 1e-9)) - 1)
        if (start <= end && end > ends[start]) ends[start] = end
      }
    }
    let reach = 0
    for (let n = 1; n <= hi; n++) {
      if (ends[n] > reach) reach = ends[n]
      ends[n] = reach
    }
    return ends
  }

  private runsCache?: {values: Float64Array; widths: Float64Array}[]

  /**
   * Per dimension (bytes, records): each segment's density in utilisation per unit of hash space,
   * and the width of the widest run of adjacent segments at least that dense around it (previous
   * and next lower segment by a monotonic stack). Independent of the threshold: computed once.
   */
  private runs(): {values: Float64Array; widths: Float64Array}[] {
    if (this.runsCache) return this.runsCache
    const k = this.densB.length
    const xs = this.xs
    const stack = new Int32Array(k)
    const prev = new Int32Array(k)
    this.runsCache = [this.densB, this.densR].map((density, dim) => {
      const values = new Float64Array(k)
      const widths = new Float64Array(k)
      const limit = dim === 0 ? SHARD_WRITE_BYTES_PER_SECOND : SHARD_WRITE_RECORDS_PER_SECOND
      for (let i = 0; i < k; i++) values[i] = density[i] / limit
      let top = 0
      for (let i = 0; i < k; i++) {
        while (top > 0 && values[stack[top - 1]] >= values[i]) top--
        prev[i] = top > 0 ? stack[top - 1] : -1
        stack[top++] = i
      }
      top = 0
      for (let i = k - 1; i >= 0; i--) {
        while (top > 0 && values[stack[top - 1]] >= values[i]) top--
        const next = top > 0 ? stack[top - 1] : k
        stack[top++] = i
        widths[i] = xs[next] - xs[prev[i] + 1]
      }
      return {values, widths}
    })
    return this.runsCache
  }
}
