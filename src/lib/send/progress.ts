/** The live status line of `send` (pure formatting; the command decides where and when to draw it). */
import {formatDuration} from '../format.js'
import {RateMeter, type SendStats, type StatsSnapshot} from './stats.js'

export interface StatusLineInput {
  snapshot: StatsSnapshot
  /** Delivered per second over the last second. */
  currentRate: number
  p50?: number
  p99?: number
  count?: number
  durationMs?: number
  /** True once the first Ctrl-C asked to stop. */
  draining?: boolean
}

const n = (x: number) => Math.round(x).toLocaleString('en-US')

export function formatStatusLine(input: StatusLineInput): string {
  const s = input.snapshot
  const parts = [
    input.count === undefined ? `sent ${n(s.delivered)}` : `sent ${n(s.delivered)}/${n(input.count)}`,
    `${n(input.currentRate)}/s`,
    `in flight ${n(s.inFlight)}`,
    `retried ${n(s.retried)}`,
    `throttled ${n(s.throttled)}`,
    `failed ${n(s.failed)}`,
  ]
  if (input.p50 !== undefined && input.p99 !== undefined) parts.push(`p50 ${ms(input.p50)} p99 ${ms(input.p99)}`)
  if (s.rateLimit !== undefined) parts.push(`capped ${n(s.rateLimit)}/s`)
  parts.push(formatDuration(s.elapsedMs))
  const eta = etaMs(input)
  if (input.draining) parts.push(`draining ${n(s.pending)} (Ctrl-C again to abort)`)
  else if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`)
  return parts.join(' · ')
}

/** Time left: by count at the current rate, or by duration. Undefined when the run is open-ended. */
export function etaMs(input: Pick<StatusLineInput, 'snapshot' | 'currentRate' | 'count' | 'durationMs'>): number | undefined {
  const s = input.snapshot
  const byDuration = input.durationMs === undefined ? undefined : Math.max(0, input.durationMs - s.elapsedMs)
  const byCount =
    input.count === undefined ? undefined : input.currentRate > 0 ? ((input.count - s.delivered - s.failed) * 1000) / input.currentRate : undefined
  if (byDuration !== undefined && byCount !== undefined) return Math.min(byDuration, byCount)
  return byDuration ?? byCount
}

function ms(x: number): string {
  return x < 10 ? `${x.toFixed(1)}ms` : `${Math.round(x)}ms`
}

/** What the live line reads: the counters, and the latencies of the last calls. */
export interface ProgressSource {
  snapshot(): StatsSnapshot
  /** p50 and p99 of the recent calls (undefined before the first). */
  recentLatency(): [number | undefined, number | undefined]
}

/**
 * The live line's text, sampled: each call reads the source, updates the rate over the last second
 * and formats. `draining` says whether the first Ctrl-C came.
 */
export function progressText(
  source: ProgressSource,
  plan: {count?: number; durationMs?: number},
  now: () => number,
  draining: () => boolean,
): () => string {
  const meter = new RateMeter()
  return () => {
    const snapshot = source.snapshot()
    const [p50, p99] = source.recentLatency()
    return formatStatusLine({
      count: plan.count,
      currentRate: meter.update(now(), snapshot.delivered),
      draining: draining(),
      durationMs: plan.durationMs,
      p50,
      p99,
      snapshot,
    })
  }
}

/** A run's own counters as a progress source. */
export function statsProgress(stats: SendStats): ProgressSource {
  return {recentLatency: () => stats.recent.quantiles(0.5, 0.99) as [number | undefined, number | undefined], snapshot: () => stats.snapshot()}
}
