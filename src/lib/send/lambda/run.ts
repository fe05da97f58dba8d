/**
 * `send --workers N --on lambda`: N concurrent executions of the send worker function, each with
 * its share of the users. An execution runs at most `runForMs` per invocation and returns its
 * counters and the slot it reached; the worker's next invocation continues from there until its
 * share of --count (or --duration) is done. The counters of every part merge into one Fleet.
 *
 * Before anything starts: the account's unreserved Lambda concurrency must hold N executions
 * (GetAccountSettings), and the cost is estimated (the command confirms it on a terminal).
 * Ctrl-C: no further part is started; the parts under way finish their time budget. A second
 * Ctrl-C stops waiting for them: their counts are unknown, and the workers count as died.
 */
import type {LambdaClient} from '@aws-sdk/client-lambda'

import {ClickopsError, ExitCode} from '../../errors.js'
import type {SendControl, SendOutcome, SendPlan} from '../run.js'
import type {LatencyData} from '../stats.js'
import {Fleet, type FleetOutcome} from '../workers/fleet.js'
import type {WorkerInit} from '../workers/protocol.js'
import type {LambdaWorkerEvent, LambdaWorkerResult} from './handler.js'

/** Run time of one invocation by default (the function's timeout leaves room to drain). */
export const LAMBDA_PART_MS = 5 * 60_000
/** The function's timeout: the part, the drain margin and start-up. */
export const LAMBDA_TIMEOUT_SECONDS = 420
export const LAMBDA_MEMORY_MB = 1024

/** List prices (us-east-1, arm64), USD: per GB-second and per million requests. */
export const LAMBDA_PRICE = {perGbSecond: 0.000_013_333_4, perMillionRequests: 0.2} as const

export interface CostEstimate {
  workers: number
  seconds: number
  invocations: number
  gbSeconds: number
  usd: number
}

/** What N executions of `memoryMb` for `seconds` cost at list price (Kinesis charges are extra). */
export function estimateCost(input: {workers: number; seconds: number; memoryMb?: number; partMs?: number}): CostEstimate {
  const memoryGb = (input.memoryMb ?? LAMBDA_MEMORY_MB) / 1024
  const parts = Math.max(1, Math.ceil((input.seconds * 1000) / (input.partMs ?? LAMBDA_PART_MS)))
  const invocations = input.workers * parts
  const gbSeconds = input.workers * input.seconds * memoryGb
  const usd = gbSeconds * LAMBDA_PRICE.perGbSecond + (invocations / 1e6) * LAMBDA_PRICE.perMillionRequests
  return {gbSeconds: Math.round(gbSeconds), invocations, seconds: input.seconds, usd: Math.round(usd * 10_000) / 10_000, workers: input.workers}
}

/** The run's length in seconds when it is known: --duration, or --count at --rate. */
export function expectedSeconds(plan: Pick<SendPlan, 'count' | 'durationMs' | 'rate'>): number | undefined {
  const byDuration = plan.durationMs === undefined ? undefined : plan.durationMs / 1000
  const byCount = plan.count !== undefined && plan.rate > 0 ? plan.count / plan.rate : undefined
  if (byDuration !== undefined && byCount !== undefined) return Math.min(byDuration, byCount)
  return byDuration ?? byCount
}

/** Refuses N executions the account's unreserved concurrency cannot hold. */
export async function checkConcurrency(lambda: LambdaClient, workers: number): Promise<{unreserved?: number; limit?: number}> {
  const {GetAccountSettingsCommand} = await import('@aws-sdk/client-lambda')
  const settings = await lambda.send(new GetAccountSettingsCommand({}))
  const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions
  const limit = settings.AccountLimit?.ConcurrentExecutions
  if (unreserved !== undefined && workers > unreserved) {
    throw new ClickopsError(`--workers ${workers} needs ${workers} concurrent Lambda executions; the account has ${unreserved} unreserved (of ${limit ?? '?'}).`, {
      exitCode: ExitCode.USAGE,
      hint: `Use --workers ${unreserved} or fewer, or ask AWS for a higher "Concurrent executions" quota.`,
    })
  }
  return {limit, unreserved}
}

/** Invokes the function synchronously with one part's event. */
export function lambdaInvoker(lambda: LambdaClient, functionName: string): (event: LambdaWorkerEvent, signal: AbortSignal) => Promise<LambdaWorkerResult> {
  return async (event, signal) => {
    const {InvokeCommand} = await import('@aws-sdk/client-lambda')
    const response = await lambda.send(new InvokeCommand({FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event))}), {abortSignal: signal})
    const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : ''
    if (response.FunctionError) {
      const e = safeJson(text) as {errorType?: string; errorMessage?: string} | undefined
      return {error: {message: e?.errorMessage ?? text.slice(0, 300), name: e?.errorType ?? response.FunctionError}, ok: false}
    }
    return safeJson(text) as LambdaWorkerResult
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export interface LambdaWorkersOptions {
  plan: SendPlan
  workers: number
  destination: WorkerInit['destination']
  writer: WorkerInit['writer']
  invoke: (event: LambdaWorkerEvent, signal: AbortSignal) => Promise<LambdaWorkerResult>
  partMs?: number
}

/** Runs every worker's chain of invocations; resolves when all are done (or died). */
export function startLambdaWorkers(options: LambdaWorkersOptions, deps: {now: () => number; drawSeed: () => number}, control: SendControl): {fleet: Fleet; done: Promise<FleetOutcome>} {
  const fleet = new Fleet(options.workers, deps.now)
  const hardStop = new AbortController()
  control.abort.addEventListener('abort', () => hardStop.abort(), {once: true})
  const deadline = options.plan.durationMs === undefined ? undefined : deps.now() + options.plan.durationMs
  const chain = async (index: number): Promise<void> => {
    let total: SendOutcome | undefined
    const latency: LatencyData = {buckets: [], count: 0, max: 0}
    let fromSlot = 0
    for (;;) {
      const left = deadline === undefined ? undefined : deadline - deps.now()
      const event: LambdaWorkerEvent = {
        init: {destination: options.destination, jitterSeed: deps.drawSeed(), plan: {...options.plan, durationMs: left, fromSlot, share: {index, of: options.workers}}, reportMs: 60_000, writer: options.writer},
        runForMs: Math.min(options.partMs ?? LAMBDA_PART_MS, left ?? Number.POSITIVE_INFINITY),
      }
      let result: LambdaWorkerResult
      try {
        result = await options.invoke(event, hardStop.signal)
      } catch (error) {
        result = {error: {message: (error as Error).message, name: (error as Error).name}, ok: false}
      }
      if (!result?.ok) {
        if (total) fleet.progress(index, {byShard: total.byShard ?? {}, recent: [undefined, undefined], snapshot: {...total, inFlight: 0, pending: 0}})
        fleet.died(index, result ? `${result.error.name}: ${result.error.message}` : 'no result')
        return
      }
      total = total ? addOutcomes(total, result.outcome) : result.outcome
      latency.buckets.push(...result.latency.buckets)
      latency.count += result.latency.count
      latency.max = Math.max(latency.max, result.latency.max)
      fleet.progress(index, {byShard: total.byShard ?? {}, recent: [undefined, undefined], snapshot: {...total, inFlight: 0, pending: 0}})
      fromSlot = result.outcome.slot ?? fromSlot
      const done = result.outcome.complete || result.outcome.stoppedBy !== undefined || control.stop.aborted || (deadline !== undefined && deps.now() >= deadline)
      if (done) {
        fleet.done(index, {...total, interrupted: control.stop.aborted && !result.outcome.complete}, latency)
        return
      }
    }
  }
  const done = Promise.all(Array.from({length: options.workers}, (_, i) => chain(i))).then(() => fleet.outcome(control))
  return {done, fleet}
}

/** Two consecutive parts of one worker as one outcome. */
export function addOutcomes(a: SendOutcome, b: SendOutcome): SendOutcome {
  const failures = new Map(a.failures.map((f) => [f.code, {...f}]))
  for (const f of b.failures) {
    const seen = failures.get(f.code)
    if (seen) seen.count += f.count
    else failures.set(f.code, {...f})
  }
  const byShard: Record<string, number> = {...a.byShard}
  for (const [k, v] of Object.entries(b.byShard ?? {})) byShard[k] = (byShard[k] ?? 0) + v
  const elapsedMs = a.elapsedMs + b.elapsedMs
  const delivered = a.delivered + b.delivered
  return {
    ...b,
    achievedRate: elapsedMs > 0 ? Math.round((delivered * 10_000) / elapsedMs) / 10 : 0,
    byShard: Object.keys(byShard).length > 0 ? byShard : undefined,
    callErrors: a.callErrors + b.callErrors,
    calls: a.calls + b.calls,
    delivered,
    elapsedMs,
    failed: a.failed + b.failed,
    failures: [...failures.values()],
    generated: a.generated + b.generated,
    retried: a.retried + b.retried,
    throttled: a.throttled + b.throttled,
  }
}
