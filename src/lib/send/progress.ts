/** The live status line of `send` (pure formatting; the command decides where and when to draw it). */
import {formatDuration} from '../format.js'
import type {StatsSnapshot} from './stats.js'

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
