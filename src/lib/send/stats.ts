/**
 * Counters of a `send` run, shared by the generator loop, the writer and the progress line. Every
 * generated event ends in exactly one of `delivered` or `failed`; until then it is `pending`
 * (buffered, in flight, or waiting for a retry).
 */

/** A latency histogram as plain data. */
export interface LatencyData {
  buckets: [number, number][]
  count: number
  max: number
}

/** Call latencies in logarithmic buckets (about 4% wide): constant memory, any number of calls. */
export class LatencyHistogram {
  private static readonly GROWTH = Math.log(1.04)
  private readonly buckets: number[] = []
  count = 0
  max = 0

  record(ms: number): void {
    const v = Math.max(0, ms)
    const i = Math.floor(Math.log1p(v) / LatencyHistogram.GROWTH)
    this.buckets[i] = (this.buckets[i] ?? 0) + 1
    this.count += 1
    if (v > this.max) this.max = v
  }

  /** The counts as plain data ([bucket, count] pairs), to send to another thread or process. */
  toData(): LatencyData {
    const buckets: [number, number][] = []
    for (let i = 0; i < this.buckets.length; i++) if (this.buckets[i]) buckets.push([i, this.buckets[i]])
    return {buckets, count: this.count, max: this.max}
  }

  /** Adds the counts of another histogram (a worker's). */
  merge(data: LatencyData): void {
    for (const [i, c] of data.buckets) this.buckets[i] = (this.buckets[i] ?? 0) + c
    this.count += data.count
    if (data.max > this.max) this.max = data.max
  }

  /** The q-quantile (0..1), as the upper bound of its bucket (never above the maximum). */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] ?? 0
      if (seen >= rank) return Math.min(this.max, Math.expm1((i + 1) * LatencyHistogram.GROWTH))
    }
    return this.max
  }
}

/** The last `size` latencies, for the live line's p50/p99 (recent, not since the start). */
export class RecentLatencies {
  private readonly values: Float64Array
  private next = 0
  private filled = 0

  constructor(size = 1024) {
    this.values = new Float64Array(size)
  }

  record(ms: number): void {
    this.values[this.next] = ms
    this.next = (this.next + 1) % this.values.length
    this.filled = Math.min(this.filled + 1, this.values.length)
  }

  quantiles(...qs: number[]): (number | undefined)[] {
    if (this.filled === 0) return qs.map(() => undefined)
    const sorted = Array.from(this.values.subarray(0, this.filled)).sort((a, b) => a - b)
    return qs.map((q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))])
  }
}

export interface FailureCount {
  /** The error code (e.g. ResourceNotFoundException, MaxAttemptsExceeded, Aborted). */
  code: string
  /** The first message seen for it. */
  message: string
  count: number
}

export interface StatsSnapshot {
  generated: number
  delivered: number
  failed: number
  /** Generated but not yet delivered or failed: buffered, in flight, or waiting for a retry. */
  pending: number
  /** Records inside calls that have not returned yet. */
  inFlight: number
  /** Entries sent again after a failed attempt. */
  retried: number
  /** Entries (or whole calls' entries) refused for throughput: throttling. */
  throttled: number
  calls: number
  /** Calls that failed as a whole (HTTP 5xx, network, throttling of the call). */
  callErrors: number
  /** The writer's current cap on records per second (undefined while not throttled). */
  rateLimit?: number
  elapsedMs: number
}

export class SendStats {
  generated = 0
  delivered = 0
  failed = 0
  inFlight = 0
  retried = 0
  throttled = 0
  calls = 0
  callErrors = 0
  rateLimit?: number
  readonly latency = new LatencyHistogram()
  readonly recent = new RecentLatencies()
  readonly byShard = new Map<string, number>()
  private readonly failures = new Map<string, FailureCount>()
  readonly startedAt: number

  constructor(private readonly now: () => number) {
    this.startedAt = now()
  }

  recordCall(latencyMs: number): void {
    this.calls += 1
    this.latency.record(latencyMs)
    this.recent.record(latencyMs)
  }

  recordDelivered(count: number, shardId?: string): void {
    this.delivered += count
    if (shardId !== undefined) this.byShard.set(shardId, (this.byShard.get(shardId) ?? 0) + count)
  }

  recordFailed(code: string, message: string, count = 1): void {
    if (count <= 0) return
    this.failed += count
    const f = this.failures.get(code)
    if (f) f.count += count
    else this.failures.set(code, {code, count, message})
  }

  failureCounts(): FailureCount[] {
    return [...this.failures.values()].sort((a, b) => b.count - a.count)
  }

  get pending(): number {
    return this.generated - this.delivered - this.failed
  }

  snapshot(): StatsSnapshot {
    return {
      callErrors: this.callErrors,
      calls: this.calls,
      delivered: this.delivered,
      elapsedMs: this.now() - this.startedAt,
      failed: this.failed,
      generated: this.generated,
      inFlight: this.inFlight,
      pending: this.pending,
      rateLimit: this.rateLimit,
      retried: this.retried,
      throttled: this.throttled,
    }
  }
}

/** Events per second over a sliding window of about one second, for the live line. */
export class RateMeter {
  private readonly samples: {t: number; total: number}[] = []

  constructor(private readonly windowMs = 1000) {}

  /** Records the running total at time t and returns the rate over the window (per second). */
  update(t: number, total: number): number {
    this.samples.push({t, total})
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowMs) this.samples.shift()
    const first = this.samples[0]
    const dt = t - first.t
    return dt > 0 ? ((total - first.total) * 1000) / dt : 0
  }
}
