/**
 * `tiered`: the rules of Substation's autoscale app (github.com/brexhq/substation, its Kinesis
 * autoscaling Lambda): CloudWatch alarms on the stream's utilisation; at or over 70% for 5 minutes
 * scales up by a factor that shrinks as the stream grows (× 2, × 1.75, × 1.5, × 1.25), at or under
 * 35% for 60 minutes scales down by half; the alarms are reset after each change, so only minutes
 * after it count. Written from its documentation, not its code; the size bands of the factors are
 * this backtest's reading of it: under 10 shards × 2, under 50 × 1.75, under 100 × 1.5, else × 1.25.
 */
import {minutesSinceChange, streamUtilizationAt, type PeerPolicy, type StreamView} from './types.js'

export const TIERED_RULES = {
  up: {threshold: 0.7, minutes: 5},
  down: {threshold: 0.35, minutes: 60},
  /** [below this many shards, factor]; the last applies to every larger stream. */
  factors: [
    [10, 2],
    [50, 1.75],
    [100, 1.5],
    [Number.POSITIVE_INFINITY, 1.25],
  ] as const,
} as const

function allFor(view: StreamView, minutes: number, test: (u: number) => boolean): boolean {
  if (view.minute + 1 < minutes || minutesSinceChange(view) < minutes) return false
  for (let m = view.minute - minutes + 1; m <= view.minute; m++) if (!test(streamUtilizationAt(view, m))) return false
  return true
}

export function tieredFactor(shards: number): number {
  for (const [below, factor] of TIERED_RULES.factors) if (shards < below) return factor
  return 1.25
}

export const tieredPolicy: PeerPolicy = {
  decide(view) {
    const {down, up} = TIERED_RULES
    const n = view.openShards
    if (allFor(view, up.minutes, (u) => u >= up.threshold)) return Math.max(n + 1, Math.ceil(n * tieredFactor(n)))
    if (n > 1 && allFor(view, down.minutes, (u) => u <= down.threshold)) return Math.ceil(n / 2)
    return undefined
  },
  describe: 'Substation autoscale: ≥ 70% for 5 min → ×2/1.75/1.5/1.25 by size, ≤ 35% for 60 min → ÷2',
  name: 'tiered',
}
