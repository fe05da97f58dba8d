/**
 * Throttling slows the sender down: an AIMD (additive increase, multiplicative decrease) cap on the
 * records per second the writer sends, enforced with a token bucket. Unlimited until the first
 * throttling signal; then the cap starts at half the rate that was being attempted, halves again on
 * each further signal (at most once per cooldown, and never for a call that started before the last
 * decrease: those calls saw the old rate), and grows back linearly while calls come back clean. When
 * the cap is twice what the sender attempts, it is lifted. Pure: the clock is passed in.
 */

export interface AimdOptions {
  now: () => number
  /** The cap never goes below this (records/s). */
  minRate?: number
  /** Multiplicative decrease factor (0.5 = halve). */
  decrease?: number
  /** At most one decrease per this many ms. */
  cooldownMs?: number
  /** Per second of clean calls, the cap grows by this fraction of the rate it had before the last decrease. */
  increasePerSecond?: number
  /** The token bucket holds at least this many records (one full batch must fit). */
  minBurst?: number
}

export const AIMD_DEFAULTS = {
  cooldownMs: 1000,
  decrease: 0.5,
  increasePerSecond: 0.1,
  minBurst: 500,
  minRate: 50,
} as const

export class AimdRateLimiter {
  /** Records per second; Infinity while not throttled. */
  limit = Number.POSITIVE_INFINITY
  /** How many times the cap was lowered. */
  decreases = 0
  private readonly now: () => number
  private readonly minRate: number
  private readonly decrease: number
  private readonly cooldownMs: number
  private readonly increasePerSecond: number
  private readonly minBurst: number
  private lastDecreaseAt = Number.NEGATIVE_INFINITY
  private rateBeforeDecrease = 0
  private lastIncreaseAt = 0
  private tokens = 0
  private lastRefill = 0
  private readonly sent: {t: number; n: number}[] = []
  private sentInWindow = 0
  private readonly windowMs = 1000

  constructor(options: AimdOptions) {
    this.now = options.now
    this.minRate = options.minRate ?? AIMD_DEFAULTS.minRate
    this.decrease = options.decrease ?? AIMD_DEFAULTS.decrease
    this.cooldownMs = options.cooldownMs ?? AIMD_DEFAULTS.cooldownMs
    this.increasePerSecond = options.increasePerSecond ?? AIMD_DEFAULTS.increasePerSecond
    this.minBurst = options.minBurst ?? AIMD_DEFAULTS.minBurst
  }

  get limited(): boolean {
    return Number.isFinite(this.limit)
  }

  /** The rate attempted over the last second (records/s). */
  attemptedRate(): number {
    const t = this.now()
    this.expire(t)
    if (this.sent.length === 0) return 0
    const span = Math.max(100, t - this.sent[0].t)
    return (this.sentInWindow * 1000) / span
  }

  /** A throttling signal from a call that started at `callStartedAt`. Returns true when the cap was lowered. */
  onThrottle(callStartedAt: number): boolean {
    const t = this.now()
    if (callStartedAt < this.lastDecreaseAt || t - this.lastDecreaseAt < this.cooldownMs) return false
    const current = this.limited ? Math.min(this.limit, Math.max(this.attemptedRate(), this.minRate)) : this.attemptedRate()
    this.rateBeforeDecrease = Math.max(current, this.minRate)
    const wasLimited = this.limited
    this.limit = Math.max(this.minRate, current * this.decrease)
    this.lastDecreaseAt = t
    this.lastIncreaseAt = t
    this.decreases += 1
    if (!wasLimited) {
      this.tokens = 0
      this.lastRefill = t
    }
    return true
  }

  /** A call came back without any throttling. */
  onClean(): void {
    if (!this.limited) return
    const t = this.now()
    const dt = Math.min(1000, t - this.lastIncreaseAt)
    this.lastIncreaseAt = t
    if (dt <= 0) return
    this.limit += Math.max(this.minRate, this.rateBeforeDecrease * this.increasePerSecond) * (dt / 1000)
    if (this.limit >= 2 * Math.max(this.attemptedRate(), this.minRate)) this.limit = Number.POSITIVE_INFINITY
  }

  /** The batch size worth waiting for under the cap: about 100 ms of records (at least 1). */
  batchSize(max: number): number {
    if (!this.limited) return max
    return Math.max(1, Math.min(max, Math.floor(this.limit / 10)))
  }

  /** Milliseconds to wait before `n` records may go (0 = now). */
  delayFor(n: number): number {
    if (!this.limited) return 0
    this.refill()
    if (this.tokens >= n) return 0
    return Math.ceil(((n - this.tokens) * 1000) / this.limit)
  }

  /** Records that `n` records were sent. */
  consume(n: number): void {
    const t = this.now()
    this.expire(t)
    this.sent.push({n, t})
    this.sentInWindow += n
    if (this.limited) {
      this.refill()
      this.tokens -= n
    }
  }

  private refill(): void {
    const t = this.now()
    const capacity = Math.max(this.minBurst, this.limit / 10)
    this.tokens = Math.min(capacity, this.tokens + ((t - this.lastRefill) * this.limit) / 1000)
    this.lastRefill = t
  }

  private expire(t: number): void {
    while (this.sent.length > 0 && t - this.sent[0].t > this.windowMs) this.sentInWindow -= this.sent.shift()!.n
  }
}
