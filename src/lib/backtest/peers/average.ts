/**
 * `average`: the rules of the Kinesis Scaling Utility (github.com/awslabs/amazon-kinesis-scaling-utils,
 * its automatic scaling "streamMonitor" configuration): the stream-level PUT utilisation against a
 * scale-up threshold held for scaleAfterMins, scale by scalePct of the current count, a cool-off
 * after each change; the same for scale-down. Written from its documented configuration, not its
 * code. The values used here are the utility's documented example ones as read for this backtest:
 * up at 75% for 5 minutes by 100%, down under 25% for 30 minutes by 50%, cool-off 10 minutes up
 * and 60 minutes down.
 */
import {minutesSinceChange, streamUtilizationAt, type PeerPolicy, type StreamView} from './types.js'

export const AVERAGE_RULES = {
  scaleUp: {thresholdPct: 75, afterMins: 5, scalePct: 100, coolOffMins: 10},
  scaleDown: {thresholdPct: 25, afterMins: 30, scalePct: 50, coolOffMins: 60},
} as const

function meanOver(view: StreamView, minutes: number): number | undefined {
  if (view.minute + 1 < minutes) return undefined
  let sum = 0
  for (let m = view.minute - minutes + 1; m <= view.minute; m++) sum += streamUtilizationAt(view, m)
  return sum / minutes
}

export const averagePolicy: PeerPolicy = {
  decide(view) {
    const {scaleDown, scaleUp} = AVERAGE_RULES
    const since = minutesSinceChange(view)
    const n = view.openShards
    const up = meanOver(view, scaleUp.afterMins)
    if (up !== undefined && up * 100 >= scaleUp.thresholdPct && since >= scaleUp.coolOffMins) return n + Math.ceil((n * scaleUp.scalePct) / 100)
    const down = meanOver(view, scaleDown.afterMins)
    if (n > 1 && down !== undefined && down * 100 < scaleDown.thresholdPct && since >= scaleDown.coolOffMins) {
      return Math.max(1, n - Math.floor((n * scaleDown.scalePct) / 100))
    }
    return undefined
  },
  describe: 'Kinesis Scaling Utility (awslabs): stream average ≥ 75% for 5 min → +100%, < 25% for 30 min → −50%, cool-off 10/60 min',
  name: 'average',
}
