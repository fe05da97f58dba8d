/**
 * One `send` run: the generator, paced, feeding a sink (the batching writer in front of Kinesis or
 * the ingestion API, or NDJSON lines), until the count, the duration, a stop (first Ctrl-C: stop
 * generating and drain) or an abort (second Ctrl-C: abandon what is in flight). Returns a summary
 * in which generated = delivered + failed, always.
 */
import {setImmediate as yieldToLoop} from 'node:timers/promises'

import {ExitCode, type ClickopsError} from '../errors.js'
import {createGenerator, eventJson, type GeneratorOptions, type GeneratorShare} from '../clickstream/generator.js'
import type {Random} from '../clickstream/random.js'
import {Pacer} from './pacing.js'
import type {BatchSink} from './sink.js'
import type {FailureCount, SendStats} from './stats.js'
import {BatchWriter, type WriterOptions} from './writer.js'

export const VIA = ['kinesis', 'api', 'stdout'] as const
export type Via = (typeof VIA)[number]

export interface SendPlan {
  generator: GeneratorOptions
  /** Events per second; 0 = as fast as the sink takes them. */
  rate: number
  /** Stop after this many events. */
  count?: number
  /** Stop generating after this long (ms). */
  durationMs?: number
  /**
   * This run's part of a run split over workers: it walks the whole run's slots (at the whole
   * rate, up to the whole count) and generates the events of its own users only.
   */
  share?: GeneratorShare
  /** Start at this slot (a chained run continuing where the previous part stopped); default 0. */
  fromSlot?: number
}

/** Where events go: a batch sink behind the writer, or NDJSON lines. */
export type SendDestination =
  | {kind: 'batch'; sink: BatchSink; writer: Pick<WriterOptions, 'concurrency' | 'lingerMs' | 'maxAttempts'> & Partial<WriterOptions>}
  | {kind: 'lines'; out: LineOutput}

export interface LineOutput {
  /** Writes a chunk of lines; false when the consumer is behind (wait for drained()). */
  write(chunk: string): boolean
  drained(): Promise<void>
  /** True once the reader went away (EPIPE). */
  readonly closed: boolean
}

export interface SendDeps {
  /** Milliseconds since the epoch (fractions kept): event timestamps, pacing, timings. */
  now: () => number
  /** Jitter of the writer's retries. */
  random: Random
  stats: SendStats
  /** Called with the writer once it exists (the progress line reads its rate cap). */
  onWriter?: (writer: BatchWriter) => void
}

export interface SendControl {
  /** Stop generating, drain what is pending (first Ctrl-C / SIGTERM). */
  stop: AbortSignal
  /** Abandon what is in flight (second Ctrl-C). */
  abort: AbortSignal
}

export interface SendOutcome {
  generated: number
  delivered: number
  failed: number
  retried: number
  throttled: number
  calls: number
  callErrors: number
  failures: FailureCount[]
  /** Records delivered per shard, when the sink reports shards. */
  byShard?: Record<string, number>
  latencyMs?: {p50: number; p99: number; max: number}
  elapsedMs: number
  /** Delivered events per second over the whole run. */
  achievedRate: number
  /** The requested count or duration was reached. */
  complete: boolean
  /** Stopped by Ctrl-C or SIGTERM. */
  interrupted: boolean
  /** The second Ctrl-C: calls in flight were abandoned. */
  aborted: boolean
  /** The reader of stdout went away (--via stdout). */
  outputClosed?: boolean
  /** The error that stopped the run (the stream deleted, access denied, ...). */
  stoppedBy?: {name: string; message: string; hint?: string}
  /** The slot the run reached (a chained run continues from it). */
  slot?: number
}

/** Events generated between checks of time, signals and back-pressure. */
const CHUNK = 256

export async function runSend(plan: SendPlan, destination: SendDestination, deps: SendDeps, control: SendControl): Promise<SendOutcome> {
  const {now, stats} = deps
  const generator = createGenerator(plan.generator, now, plan.share)
  // Catching up draws the skipped events too (each user's stream must be where it was), unsent.
  while (generator.slot < (plan.fromSlot ?? 0)) generator.advance()
  const start = now()
  const pacer = new Pacer(plan.rate, start)
  const deadline = plan.durationMs === undefined ? Number.POSITIVE_INFINITY : start + plan.durationMs
  const limit = plan.count ?? Number.POSITIVE_INFINITY
  const writer =
    destination.kind === 'batch'
      ? new BatchWriter({...destination.writer, now, random: deps.random, sink: destination.sink, stats})
      : undefined
  const out = destination.kind === 'lines' ? destination.out : undefined
  if (writer) deps.onWriter?.(writer)
  let complete = false
  let lines = ''
  let lineCount = 0

  // Lines count as delivered once handed to the output; lines the reader can no longer take
  // (it closed the pipe) count as failed.
  const flushLines = async () => {
    if (!out || lineCount === 0) return
    const chunk = lines
    const count = lineCount
    lines = ''
    lineCount = 0
    if (out.closed) {
      stats.recordFailed('EPIPE', 'Not written: the reader of stdout closed the pipe.', count)
      return
    }
    const more = out.write(chunk)
    stats.recordDelivered(count)
    if (!more) await out.drained()
  }

  for (;;) {
    if (control.stop.aborted || control.abort.aborted) break
    if (writer?.stopped || out?.closed) break
    if (generator.slot >= limit) {
      complete = true
      break
    }
    const t = now()
    if (t >= deadline) {
      complete = true
      break
    }
    // Slots, not events: a share paces and counts the whole run's events and emits its own.
    const n = pacer.due(t, Math.min(CHUNK, limit - generator.slot))
    if (n === 0) {
      await flushLines()
      await sleep(Math.min(pacer.waitMs(t), deadline - t), control.stop, control.abort)
      continue
    }
    pacer.take(n)
    for (let i = 0; i < n; i++) {
      if (writer && !writer.hasRoom()) {
        await writer.waitForRoom()
        if (writer.stopped || control.stop.aborted || control.abort.aborted) break
      }
      const event = generator.advance()
      if (event === undefined) continue
      const json = eventJson(event)
      stats.generated += 1
      if (writer) {
        writer.add(event.user_id, json)
      } else {
        lines += json + '\n'
        lineCount += 1
      }
    }
    if (out) await flushLines()
    // At --rate 0 nothing else would ever run: let I/O and timers in every chunk.
    if (plan.rate === 0 || n >= CHUNK) await yieldToLoop()
  }
  await flushLines()

  if (writer) {
    if (control.abort.aborted) writer.abort()
    const onAbort = () => writer.abort()
    control.abort.addEventListener('abort', onAbort, {once: true})
    try {
      await writer.drain()
    } finally {
      control.abort.removeEventListener('abort', onAbort)
    }
  } else if (out && !out.closed) {
    await out.drained()
  }

  const elapsedMs = now() - start
  const latency = stats.latency
  const p50 = latency.quantile(0.5)
  const p99 = latency.quantile(0.99)
  const fatal: ClickopsError | undefined = writer?.fatal
  return {
    aborted: control.abort.aborted,
    achievedRate: elapsedMs > 0 ? Math.round((stats.delivered * 1000 * 10) / elapsedMs) / 10 : 0,
    byShard: stats.byShard.size > 0 ? Object.fromEntries([...stats.byShard.entries()].sort(([a], [b]) => a.localeCompare(b))) : undefined,
    callErrors: stats.callErrors,
    calls: stats.calls,
    complete: complete && !fatal,
    delivered: stats.delivered,
    elapsedMs: Math.round(elapsedMs),
    failed: stats.failed,
    failures: stats.failureCounts(),
    generated: stats.generated,
    interrupted: control.stop.aborted || control.abort.aborted,
    latencyMs: p50 === undefined || p99 === undefined ? undefined : {max: round1(latency.max), p50: round1(p50), p99: round1(p99)},
    outputClosed: out?.closed ? true : undefined,
    retried: stats.retried,
    slot: generator.slot,
    stoppedBy: fatal ? {hint: fatal.hint, message: fatal.message, name: fatal.name} : undefined,
    throttled: stats.throttled,
  }
}

/**
 * The exit code of a run: 6 (PARTIAL_FAILURE) when any event failed permanently; 130 (INTERRUPTED)
 * when Ctrl-C/SIGTERM stopped a run before its --count or --duration was reached and nothing
 * failed; 0 otherwise, including a run without --count/--duration ended by Ctrl-C once everything
 * was delivered (that is how such a run is meant to end).
 */
export function exitCodeFor(outcome: Pick<SendOutcome, 'failed' | 'complete' | 'interrupted'>, bounded: boolean): number {
  if (outcome.failed > 0) return ExitCode.PARTIAL_FAILURE
  if (outcome.interrupted && bounded && !outcome.complete) return ExitCode.INTERRUPTED
  return ExitCode.OK
}

/** A Writable as a LineOutput; EPIPE (the reader went away, e.g. `| head`) closes it quietly. */
export function streamLineOutput(stream: NodeJS.WritableStream): LineOutput {
  let closed = false
  let waiters: (() => void)[] = []
  const release = () => {
    const w = waiters
    waiters = []
    for (const f of w) f()
  }
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
    closed = true
    release()
  })
  stream.on('drain', release)
  return {
    get closed() {
      return closed
    },
    drained() {
      if (closed || !(stream as {writableNeedDrain?: boolean}).writableNeedDrain) return Promise.resolve()
      return new Promise((resolve) => waiters.push(resolve))
    },
    write(chunk: string) {
      if (closed) return true
      return stream.write(chunk)
    },
  }
}

function sleep(ms: number, ...signals: AbortSignal[]): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      for (const s of signals) s.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    for (const s of signals) s.addEventListener('abort', done, {once: true})
  })
}

function round1(x: number): number {
  return Math.round(x * 10) / 10
}

export {ExitCode}
