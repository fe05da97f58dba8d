/**
 * `clickops scale backtest` in one call: read the trace (a file or the synthetic generator), run
 * the backtest, write the trace back (--save-trace) and the chart (--html) when asked.
 *
 *   trace.ts       the trace format (NDJSON, one line per minute), parsing with line and field named
 *   synthetic.ts   seeded built-in traces
 *   layout.ts      a simulated stream's shards and the projection of a minute's load onto them
 *   simulate.ts    the replay through the planner and the peers' rules, the metrics
 *   peers/         the peers' rules, one pure module each
 *   costs.ts       resharding time and list prices
 *   html.ts        the self-contained report page
 */
import {createWriteStream} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {once} from 'node:events'

import {UsageError} from '../errors.js'
import type {ScalingPolicy} from '../scaling/policy.js'
import {renderHtml} from './html.js'
import {runBacktest, type BacktestReport, type PolicyName} from './simulate.js'
import {parseSyntheticSpec, syntheticTrace} from './synthetic.js'
import {formatTrace, parseTrace, type Trace} from './trace.js'

export interface BacktestArgs {
  /** A trace read already (CloudWatch); else --trace or --synthetic. */
  trace?: Trace
  tracePath?: string
  synthetic?: string
  saveTracePath?: string
  htmlPath?: string
  policies: readonly PolicyName[]
  policy: ScalingPolicy
  streamName: string
  checkEveryMs?: number
  reshardTimeMs?: number
  quota?: number
  priceShardHour?: number
}

export interface BacktestRun {
  report: BacktestReport
  savedTrace?: string
  html?: string
}

export async function loadTrace(args: {tracePath?: string; synthetic?: string}): Promise<Trace> {
  if (args.tracePath !== undefined && args.synthetic !== undefined) throw new UsageError('Give --trace or --synthetic, not both.')
  if (args.synthetic !== undefined) return syntheticTrace(parseSyntheticSpec(args.synthetic))
  if (args.tracePath === undefined) {
    throw new UsageError('There is no load history to replay.', 'Give --trace FILE (NDJSON, one line per minute) or --synthetic SPEC, e.g. --synthetic diurnal,hot-user=35:0.3,days=3.')
  }
  let text: string
  try {
    text = await readFile(args.tracePath, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(code === 'ENOENT' ? `Trace file ${args.tracePath} does not exist.` : `Cannot read trace file ${args.tracePath}: ${(error as Error).message}`)
  }
  return parseTrace(text, args.tracePath)
}

/** Writes a trace as NDJSON, streamed (a synthetic 10,000-shard day is never held as text). */
export async function saveTrace(trace: Trace, path: string): Promise<void> {
  const out = createWriteStream(path)
  const failed = once(out, 'error').then(([e]) => {
    throw new UsageError(`Cannot write the trace to ${path}: ${(e as Error).message}`)
  })
  for (const line of formatTrace(trace)) {
    if (!out.write(line)) await Promise.race([once(out, 'drain'), failed])
  }
  out.end()
  await Promise.race([once(out, 'finish'), failed])
}

export async function runBacktestCommand(args: BacktestArgs): Promise<BacktestRun> {
  const trace = args.trace ?? (await loadTrace(args))
  const report = runBacktest({
    checkEveryMs: args.checkEveryMs,
    policies: args.policies,
    policy: args.policy,
    priceShardHour: args.priceShardHour,
    quota: args.quota,
    reshardTimeMs: args.reshardTimeMs,
    streamName: args.streamName,
    trace,
  })
  const run: BacktestRun = {report}
  if (args.saveTracePath !== undefined) {
    await saveTrace(trace, args.saveTracePath)
    run.savedTrace = args.saveTracePath
  }
  if (args.htmlPath !== undefined) {
    try {
      await writeFile(args.htmlPath, renderHtml(report))
    } catch (error) {
      throw new UsageError(`Cannot write the chart to ${args.htmlPath}: ${(error as Error).message}`)
    }
    run.html = args.htmlPath
  }
  return run
}

export type {BacktestReport, PolicyName, PolicyResult} from './simulate.js'
export {CLOUDWATCH_ONE_MINUTE_RETENTION_MS} from '../kinesis/limits.js'

/** The CloudWatch history (its module, and the CloudWatch SDK with it, loaded only when asked for). */
export async function readCloudWatchTrace(args: import('./cloudwatch.js').CloudWatchTraceArgs): Promise<import('./cloudwatch.js').CloudWatchTrace> {
  const {readCloudWatchTrace: read} = await import('./cloudwatch.js')
  return read(args)
}
export {POLICY_NAMES} from './simulate.js'
