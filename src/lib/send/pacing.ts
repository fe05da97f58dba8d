/**
 * Pacing: event i of a run at `rate` events/s is due at start + i / rate, so a second's events are
 * spread evenly over that second rather than sent in one burst. When the sink cannot keep up, the
 * pacer lets at most `maxLagMs` of debt accumulate: the achieved rate then drops below the requested
 * one instead of catching up in a long burst later. Pure: the caller passes the time.
 */
export class Pacer {
  private nextDue: number
  private readonly interval: number

  /** rate 0 = no pacing (every call allows as many events as asked). */
  constructor(
    readonly rate: number,
    start: number,
    private readonly maxLagMs = 1000,
  ) {
    this.interval = rate > 0 ? 1000 / rate : 0
    this.nextDue = start
  }

  /** How many events are due at `now` (at most `limit`). */
  due(now: number, limit = Number.MAX_SAFE_INTEGER): number {
    if (this.rate === 0) return limit
    if (now < this.nextDue) return 0
    if (now - this.nextDue > this.maxLagMs) this.nextDue = now - this.maxLagMs
    return Math.min(limit, Math.floor((now - this.nextDue) / this.interval) + 1)
  }

  /** Marks `n` events as issued. */
  take(n: number): void {
    this.nextDue += n * this.interval
  }

  /** Milliseconds until the next event is due (0 when one is due now). */
  waitMs(now: number): number {
    if (this.rate === 0) return 0
    return Math.max(0, this.nextDue - now)
  }
}
