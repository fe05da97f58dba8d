/**
 * `alarm`: the rules of Kinesis Data Streams Auto Scaling (github.com/aws-samples/kinesis-auto-scaling):
 * two CloudWatch alarms on the stream's utilisation (metric math over IncomingBytes and
 * IncomingRecords against the shard count, five-minute periods); scale up (UpdateShardCount × 2)
 * when 5 of the last 5 points are at or over 75%, scale down (÷ 2) when 57 of the last 60 are under
 * 25%; each scaling rewrites the alarms' math with the new count, so earlier points are judged
 * against it; designed to stay within the 10 UpdateShardCount calls per rolling 24 h. Written from
 * its documentation, not its code.
 */
import {streamUtilizationAt, type PeerPolicy, type StreamView} from './types.js'

export const ALARM_RULES = {
  periodMinutes: 5,
  up: {threshold: 0.75, datapoints: 5, evaluationPeriods: 5},
  down: {threshold: 0.25, datapoints: 57, evaluationPeriods: 60},
} as const

/** The five-minute points ending with the period that ends at `view.minute`, newest last. */
function points(view: StreamView, count: number): number[] {
  const p = ALARM_RULES.periodMinutes
  const out: number[] = []
  for (let end = view.minute; end - p + 1 >= 0 && out.length < count; end -= p) {
    let sum = 0
    for (let m = end - p + 1; m <= end; m++) sum += streamUtilizationAt(view, m)
    out.push(sum / p)
  }
  return out.reverse()
}

export const alarmPolicy: PeerPolicy = {
  decide(view) {
    // The alarms evaluate once per period.
    if ((view.minute + 1) % ALARM_RULES.periodMinutes !== 0) return undefined
    const {down, up} = ALARM_RULES
    const recent = points(view, up.evaluationPeriods)
    if (recent.length === up.evaluationPeriods && recent.filter((u) => u >= up.threshold).length >= up.datapoints) return view.openShards * 2
    if (view.openShards > 1) {
      const long = points(view, down.evaluationPeriods)
      if (long.length === down.evaluationPeriods && long.filter((u) => u < down.threshold).length >= down.datapoints) return Math.ceil(view.openShards / 2)
    }
    return undefined
  },
  describe: 'kinesis-auto-scaling (aws-samples): five-minute points, ≥ 75% in 5 of 5 → ×2, < 25% in 57 of 60 → ÷2',
  name: 'alarm',
}
