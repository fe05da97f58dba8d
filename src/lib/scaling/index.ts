/**
 * `clickops scale` in one call: read the stream's state (mode, status, quota, history), collect the
 * load, plan, and apply the plan unless it is a dry run. Returns everything the command prints.
 *
 *   policy.ts     settings from flags and policy files, validated before any AWS call
 *   planner.ts    the pure planner (projection onto uniform shards, limits, reasons)
 *   history.ts    the scaling history kept in a stream tag (pure encoding, budget)
 *   state.ts      DescribeStreamSummary, DescribeLimits, the history tag (AWS)
 *   executor.ts   UpdateShardCount steps, waits, recording, overlapping-run safety (AWS)
 */
import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {KinesisClient} from '@aws-sdk/client-kinesis'

import {ClickopsError, ExitCode} from '../errors.js'
import {collectLoad} from '../load/index.js'
import type {LoadSnapshot, LoadSourceName} from '../load/types.js'
import {formatDuration} from '../format.js'
import {DEFAULT_PRICES, monthlyCosts, type MonthlyCosts, type PriceTable} from '../pricing.js'
import {executePlan, type ExecutionResult} from './executor.js'
import {planScaling, type ScalingPlan} from './planner.js'
import type {ScalingPolicy} from './policy.js'
import {readScalingState, type ScalingState} from './state.js'

export type Outcome = 'nothing-to-do' | 'scaled' | 'would-scale' | 'blocked' | 'interrupted'

export const OUTCOME_EXIT_CODES: Record<Outcome, number> = {
  blocked: ExitCode.BLOCKED,
  interrupted: ExitCode.INTERRUPTED,
  'nothing-to-do': ExitCode.OK,
  scaled: ExitCode.SCALED,
  'would-scale': ExitCode.WOULD_SCALE,
}

/** The load the plan was made from, without the per-shard detail (a 10,000-shard stream stays small). */
export interface LoadSummary {
  source: LoadSourceName
  from: string
  to: string
  windowSeconds: number
  openShards: number
  totalBytesPerSecond: number
  totalRecordsPerSecond: number
  writeThrottles: number
  streamLevelOnly: boolean
}

export interface ScalingRun {
  outcome: Outcome
  exitCode: number
  dryRun: boolean
  plan: ScalingPlan
  load?: LoadSummary
  execution?: ExecutionResult
  /** State at planning time. */
  stream: ScalingState['stream']
  quota?: ScalingState['quota']
  notices: string[]
  /** The most-behind consumer's lag now, for the scale-in guard; null when unknown (no CloudWatch, no datapoint). */
  lag?: {consumer: string; ageMs: number} | null
  /** Provisioned streams with load: the month at the planned count against on-demand Standard and Advantage. */
  cost?: MonthlyCosts & {region: string}
}

export interface RunScalingArgs {
  kinesis: KinesisClient
  cloudwatch?: CloudWatchClient
  streamName: string
  policy: ScalingPolicy
  source: LoadSourceName
  dryRun: boolean
  wait: boolean
  waitTimeoutMs?: number
  pollMs?: number
  now?: () => Date
  onNotice?: (msg: string) => void
  onProgress?: (msg: string) => void
  signal?: AbortSignal
  targetName?: string
  /** The price table for the cost line (default: us-east-1 list prices). */
  prices?: PriceTable
}

/** How far back the scale-in guard looks for the latest consumer-lag datapoint (CloudWatch lags a minute or two). */
export const LAG_GUARD_WINDOW_MS = 10 * 60_000

export async function runScaling(args: RunScalingArgs): Promise<ScalingRun> {
  const clock = args.now ?? (() => new Date())
  const notices: string[] = []
  const notice = (m: string) => {
    notices.push(m)
    args.onNotice?.(m)
  }
  const state = await readScalingState(args.kinesis, args.streamName, args.targetName)
  for (const n of state.notices) notice(n)

  let snapshot: LoadSnapshot | undefined
  if (state.stream.mode !== 'ON_DEMAND') {
    args.onProgress?.(`Reading the load of ${state.stream.openShardCount} open shards (${args.source}, last ${formatDuration(args.policy.windowMs)})…`)
    try {
      snapshot = await collectLoad({
        cloudwatch: args.cloudwatch,
        kinesis: args.kinesis,
        now: clock(),
        onNotice: notice,
        signal: args.signal,
        source: args.source,
        streamName: args.streamName,
        targetName: args.targetName,
        windowMs: args.policy.windowMs,
      })
    } catch (error) {
      if (args.signal?.aborted) throw new ClickopsError('Interrupted while reading the load; nothing was changed.', {cause: error, exitCode: ExitCode.INTERRUPTED})
      throw error
    }
  }

  // The scale-in guard: the most-behind consumer's lag now, where CloudWatch is there to say.
  let lag: ScalingRun['lag']
  if (state.stream.mode !== 'ON_DEMAND' && args.cloudwatch !== undefined) {
    try {
      const {collectLag, oldestLag} = await import('../lag.js')
      const report = await collectLag({cloudwatch: args.cloudwatch, kinesis: args.kinesis, maxLagMs: args.policy.maxLagForScaleInMs, now: clock(), signal: args.signal, streamName: args.streamName, targetName: args.targetName, windowMs: LAG_GUARD_WINDOW_MS})
      const oldest = oldestLag(report)
      lag = oldest === null ? null : {ageMs: oldest.lagMs, consumer: oldest.name}
    } catch (error) {
      if (args.signal?.aborted) throw new ClickopsError('Interrupted while reading the consumer lag; nothing was changed.', {cause: error, exitCode: ExitCode.INTERRUPTED})
      lag = null
      notice(`Consumer lag could not be read (${(error as Error).message}): the scale-in guard (--max-lag-for-scale-in) is off for this run.`)
    }
  }

  const plan = planScaling({
    ...(lag ? {lag} : {}),
    history: state.history.events,
    historyWritable: state.history.writable,
    now: clock(),
    policy: args.policy,
    shards: snapshot?.shards ?? [],
    stream: state.stream,
    windowSeconds: snapshot?.windowSeconds,
    ...(state.quota ? {quota: state.quota} : {}),
  })

  const scalesIn = plan.decision === 'scale-in' || (plan.targeted?.merges.length ?? 0) > 0
  if (scalesIn && (lag === undefined || lag === null) && !notices.some((n) => n.includes('--max-lag-for-scale-in'))) {
    notice(
      args.cloudwatch === undefined
        ? 'Consumer lag is unknown without CloudWatch (the embedded stack has none): the scale-in guard (--max-lag-for-scale-in) is off for this run.'
        : 'No consumer-lag datapoint in the last 10 minutes (nobody read): the scale-in guard (--max-lag-for-scale-in) has nothing to hold on.',
    )
  }
  const prices = args.prices ?? DEFAULT_PRICES
  const cost = snapshot && state.stream.mode !== 'ON_DEMAND' ? {...monthlyCosts(plan.targetShards, {bytesPerSecond: snapshot.totalBytesPerSecond, recordsPerSecond: snapshot.totalRecordsPerSecond}, prices), region: prices.region} : undefined

  const run = (outcome: Outcome, execution?: ExecutionResult): ScalingRun => {
    const r: ScalingRun = {dryRun: args.dryRun, exitCode: OUTCOME_EXIT_CODES[outcome], notices, outcome, plan, stream: state.stream}
    if (snapshot) r.load = summarize(snapshot)
    if (lag !== undefined) r.lag = lag
    if (cost) r.cost = cost
    if (state.quota) r.quota = state.quota
    if (execution) r.execution = execution
    return r
  }

  if (plan.blocked !== undefined) return run('blocked')
  if (plan.decision === 'hold' || plan.runnableSteps === 0) return run('nothing-to-do')
  if (args.dryRun) return run('would-scale')
  if (args.signal?.aborted) return run('interrupted')

  const execution = await executePlan({
    clock,
    history: state.history.events,
    kinesis: args.kinesis,
    onProgress: args.onProgress,
    plan,
    pollMs: args.pollMs,
    signal: args.signal,
    targetName: args.targetName,
    wait: args.wait,
    waitTimeoutMs: args.waitTimeoutMs,
    ...(state.quota ? {quota: state.quota} : {}),
  })
  for (const n of execution.notices) notice(n)
  return run(execution.outcome, execution)
}

function summarize(s: LoadSnapshot): LoadSummary {
  return {
    from: s.from,
    openShards: s.shards.length,
    source: s.source,
    streamLevelOnly: s.streamLevelOnly,
    to: s.to,
    totalBytesPerSecond: s.totalBytesPerSecond,
    totalRecordsPerSecond: s.totalRecordsPerSecond,
    windowSeconds: s.windowSeconds,
    writeThrottles: s.writeThrottles,
  }
}

export {type ExecutionResult} from './executor.js'
export {type ScalingPlan} from './planner.js'
