/**
 * The send worker as a Lambda function: one invocation runs one part of one worker's share for at
 * most `runForMs` (and never past Lambda's own timeout), then returns its counters and the slot it
 * reached; the run invokes it again from that slot until the share is done (chained invocations).
 * The function writes with its execution role's credentials (PutRecords on the one stream).
 *
 * This module must not import ink, React or oclif: it is bundled on its own.
 */
import {runWorker} from '../workers/worker.js'
import type {WorkerInit, WorkerMessage} from '../workers/protocol.js'
import type {SendOutcome} from '../run.js'
import type {LatencyData} from '../stats.js'

export interface LambdaWorkerEvent {
  init: WorkerInit
  /** Stop generating after this long (ms) and drain; the next invocation continues. */
  runForMs: number
}

export type LambdaWorkerResult =
  | {ok: true; outcome: SendOutcome; latency: LatencyData}
  | {ok: false; error: {name: string; message: string; hint?: string}}

export interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number
}

/** Time kept for draining what is in flight and returning before Lambda's timeout. */
export const DRAIN_MARGIN_MS = 30_000

export async function handler(event: LambdaWorkerEvent, context: LambdaContextLike = {}): Promise<LambdaWorkerResult> {
  const remaining = context.getRemainingTimeInMillis?.()
  const budget = Math.max(1000, Math.min(event.runForMs, remaining === undefined ? Number.POSITIVE_INFINITY : remaining - DRAIN_MARGIN_MS))
  const stop = new AbortController()
  const abort = new AbortController()
  const timer = setTimeout(() => stop.abort(), budget)
  let result: LambdaWorkerResult = {error: {message: 'The worker ended without a result.', name: 'NoResult'}, ok: false}
  const post = (m: WorkerMessage) => {
    if (m.type === 'done') result = {latency: m.latency, ok: true, outcome: m.outcome}
    else if (m.type === 'failed') result = {error: m.error, ok: false}
  }
  try {
    await runWorker({...event.init, reportMs: 60_000}, post, {abort: abort.signal, stop: stop.signal}, () => performance.timeOrigin + performance.now())
  } finally {
    clearTimeout(timer)
  }
  // A part stopped by its time budget is not interrupted: the run goes on in the next invocation.
  let final = result as LambdaWorkerResult
  if (final.ok && stop.signal.aborted) final = {...final, outcome: {...final.outcome, interrupted: false}}
  // The log line (CloudWatch Logs on Lambda): the part's counts, never the event (it names the stream only).
  process.stdout.write(`${JSON.stringify(final)}\n`)
  return final
}
