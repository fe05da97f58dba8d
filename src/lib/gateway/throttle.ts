/** API Gateway's throttling model: a token bucket of `burstLimit` tokens refilled at `rateLimit` per second. Pure (clock passed in). */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    readonly rateLimit: number,
    readonly burstLimit: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burstLimit
    this.last = now()
  }

  /** Takes one token; false when the bucket is empty (the request is throttled). */
  take(): boolean {
    const t = this.now()
    this.tokens = Math.min(this.burstLimit, this.tokens + ((t - this.last) / 1000) * this.rateLimit)
    this.last = t
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
