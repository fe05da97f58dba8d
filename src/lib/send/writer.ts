/**
 * The batching writer: accepts events, packs them into batches within the sink's limits (records,
 * bytes, bytes per record with the partition key counted), sends up to `concurrency` batches at
 * once, flushes a partial batch after `lingerMs`, retries the failed entries of a partial failure
 * (and the entries of a failed call) with exponential backoff and full jitter, and slows down on
 * throttling (AIMD, see aimd.ts). Memory is bounded: `hasRoom()` is false while `maxPending` events
 * (or `maxPendingBytes`) are unsettled, and the producer waits with `waitForRoom()`.
 *
 * Every event added ends in exactly one of stats.delivered or stats.failed: delivered when the sink
 * accepted it; failed when it was refused permanently, ran out of attempts, was queued when a fatal
 * error stopped the writer, or was unsettled at `abort()`.
 */
import {setMaxListeners} from 'node:events'

import {AwsError, isNetworkError, type ClickopsError} from '../errors.js'
import type {Random} from '../clickstream/random.js'
import {AimdRateLimiter, type AimdOptions} from './aimd.js'
import {ABORTED_IN_FLIGHT, ABORTED_IN_FLIGHT_MESSAGE, isAbort, NOT_SENT, type BatchSink, type Entry, type EntryOutcome} from './sink.js'
import type {SendStats} from './stats.js'

/** How long calls may fail to reach the endpoint at all before the run stops. */
export const UNREACHABLE_LIMIT_MS = 30_000

export interface WriterOptions {
  sink: BatchSink
  stats: SendStats
  now: () => number
  /** For the retry jitter. */
  random: Random
  /** Batches in flight at once. */
  concurrency: number
  /** A partial batch goes after waiting this long (ms). */
  lingerMs: number
  /** Attempts per event, the first included, before it counts as failed. */
  maxAttempts: number
  backoffBaseMs?: number
  backoffCapMs?: number
  /** Unsettled events (buffered, in flight, awaiting retry) at most; default 2 × concurrency × batch size. */
  maxPending?: number
  maxPendingBytes?: number
  /** Tuning of the throttling response (tests). */
  aimd?: Omit<AimdOptions, 'now'>
  /** Stop when no call reached the endpoint for this long (default UNREACHABLE_LIMIT_MS). */
  unreachableLimitMs?: number
  /** Runs `run` after `ms`, returning what cancels it (default: setTimeout; tests pass their own with `now`). */
  schedule?: (run: () => void, ms: number) => () => void
}

const systemSchedule = (run: () => void, ms: number): (() => void) => {
  const timer = setTimeout(run, ms)
  return () => clearTimeout(timer)
}

export const WRITER_DEFAULTS = {
  backoffBaseMs: 100,
  backoffCapMs: 5000,
  concurrency: 4,
  lingerMs: 100,
  maxAttempts: 20,
  maxPendingBytes: 64 * 1024 * 1024,
} as const

export class BatchWriter {
  /** Set when a fatal error (the stream deleted, access denied, ...) stopped the writer. */
  fatal?: ClickopsError
  /** True after a fatal error or abort(): nothing more is accepted. */
  stopped = false
  readonly limiter: AimdRateLimiter

  private readonly sink: BatchSink
  private readonly stats: SendStats
  private readonly now: () => number
  private readonly random: Random
  private readonly concurrency: number
  private readonly lingerMs: number
  private readonly maxAttempts: number
  private readonly backoffBaseMs: number
  private readonly backoffCapMs: number
  private readonly maxPending: number
  private readonly maxPendingBytes: number

  private fresh: Entry[] = []
  private freshHead = 0
  private retryReady: Entry[] = []
  private delayed: Entry[] = []
  private earliestDelayed = Number.POSITIVE_INFINITY
  private queuedBytes = 0
  private pendingCount = 0
  private pendingBytes = 0
  private callsInFlight = 0
  private flushing = false
  private aborted = false
  private readonly controller = new AbortController()
  private readonly schedule: (run: () => void, ms: number) => () => void
  private cancelTimer?: () => void
  private timerAt = Number.POSITIVE_INFINITY
  private roomWaiters: (() => void)[] = []
  private idleWaiters: (() => void)[] = []

  constructor(options: WriterOptions) {
    this.sink = options.sink
    this.stats = options.stats
    this.now = options.now
    this.schedule = options.schedule ?? systemSchedule
    this.random = options.random
    this.concurrency = options.concurrency
    this.lingerMs = options.lingerMs
    this.maxAttempts = options.maxAttempts
    this.backoffBaseMs = options.backoffBaseMs ?? WRITER_DEFAULTS.backoffBaseMs
    this.backoffCapMs = options.backoffCapMs ?? WRITER_DEFAULTS.backoffCapMs
    this.maxPending = options.maxPending ?? Math.max(1000, 2 * options.concurrency * options.sink.limits.maxRecords)
    this.maxPendingBytes = options.maxPendingBytes ?? WRITER_DEFAULTS.maxPendingBytes
    this.limiter = new AimdRateLimiter({...options.aimd, now: options.now})
    // Every call in flight listens on the one abort signal (the SDK's HTTP handler, its retry
    // pause): more than Node's default of 10 at --concurrency above a few, which is no leak.
    setMaxListeners(10 + 4 * options.concurrency, this.controller.signal)
    this.unreachableLimitMs = options.unreachableLimitMs ?? UNREACHABLE_LIMIT_MS
  }

  /** Unsettled events: buffered, in flight or waiting for a retry. */
  get pending(): number {
    return this.pendingCount
  }

  hasRoom(): boolean {
    return this.stopped || (this.pendingCount < this.maxPending && this.pendingBytes < this.maxPendingBytes)
  }

  /** Resolves when there is room for another event (or the writer stopped). */
  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve()
    return new Promise((resolve) => this.roomWaiters.push(resolve))
  }

  /** Adds one event. Counted as failed at once when the writer stopped or the record is too large. */
  add(key: string, body: string): void {
    const size = Buffer.byteLength(body, 'utf8') + Buffer.byteLength(key, 'utf8')
    if (this.stopped) {
      this.stats.recordFailed(this.fatal ? this.fatal.name : NOT_SENT, this.fatal ? this.fatal.message : 'Not sent: the run was aborted (second Ctrl-C).')
      return
    }
    if (size > this.sink.limits.maxRecordBytes) {
      const {maxRecordBytes, recordLimitName} = this.sink.limits
      this.stats.recordFailed('RecordTooLarge', `A record of ${size} bytes (data and partition key) exceeds ${recordLimitName ?? 'the limit'} of ${maxRecordBytes} bytes (${maxRecordBytes / 1024} KiB); it was not sent.`)
      return
    }
    const now = this.now()
    this.fresh.push({attempts: 0, body, key, notBefore: now, queuedAt: now, size})
    const {maxBytes, maxRecords} = this.sink.limits
    const bytesBefore = this.queuedBytes
    this.queuedBytes += size
    this.pendingCount += 1
    this.pendingBytes += size
    const queued = this.fresh.length - this.freshHead + this.retryReady.length
    // Pump when the queue starts (to arm the linger) and each time it completes another full batch.
    if (queued === 1 || queued % maxRecords === 0 || Math.floor(bytesBefore / maxBytes) !== Math.floor(this.queuedBytes / maxBytes)) this.pump()
  }

  /** Sends everything without waiting for the linger; resolves when every event is settled. */
  drain(): Promise<void> {
    this.flushing = true
    this.pump()
    if (this.pendingCount === 0) {
      this.clearTimer()
      return Promise.resolve()
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * The hard stop: calls in flight are aborted (their events count as failed: they may or may not
   * have been written), everything queued counts as failed. drain() resolves once all is settled.
   */
  abort(): void {
    if (this.aborted) return
    this.aborted = true
    this.stopped = true
    this.controller.abort()
    this.failQueued(NOT_SENT, 'Not sent: the run was aborted (second Ctrl-C).')
    this.notify()
  }

  private pump(): void {
    if (this.aborted) return
    const now = this.now()
    this.promoteDue(now)
    const {maxBytes, maxRecords} = this.sink.limits
    while (this.callsInFlight < this.concurrency) {
      const freshCount = this.fresh.length - this.freshHead
      const queued = freshCount + this.retryReady.length
      if (queued === 0) break
      const full = queued >= maxRecords || this.queuedBytes >= maxBytes
      if (!full && !this.flushing && this.retryReady.length === 0) {
        const lingerEnds = this.fresh[this.freshHead].queuedAt + this.lingerMs
        if (now < lingerEnds) {
          this.wakeAt(lingerEnds)
          break
        }
      }
      const want = Math.min(queued, this.limiter.batchSize(maxRecords))
      const wait = this.limiter.delayFor(want)
      if (wait > 0) {
        this.wakeAt(now + wait)
        break
      }
      const batch = this.takeBatch(want)
      this.limiter.consume(batch.length)
      this.dispatch(batch)
    }
    if (this.delayed.length > 0) this.wakeAt(this.earliestDelayed)
  }

  private takeBatch(want: number): Entry[] {
    const {maxBytes} = this.sink.limits
    const batch: Entry[] = []
    let bytes = 0
    const fits = (e: Entry) => batch.length < want && (batch.length === 0 || bytes + e.size <= maxBytes)
    let r = 0
    while (r < this.retryReady.length && fits(this.retryReady[r])) {
      bytes += this.retryReady[r].size
      batch.push(this.retryReady[r++])
    }
    if (r > 0) this.retryReady.splice(0, r)
    while (this.freshHead < this.fresh.length && fits(this.fresh[this.freshHead])) {
      const e = this.fresh[this.freshHead]
      this.fresh[this.freshHead++] = undefined as unknown as Entry
      bytes += e.size
      batch.push(e)
    }
    if (this.freshHead > 4096 && this.freshHead * 2 > this.fresh.length) {
      this.fresh = this.fresh.slice(this.freshHead)
      this.freshHead = 0
    }
    this.queuedBytes -= bytes
    for (const e of batch) e.attempts += 1
    return batch
  }

  private dispatch(batch: Entry[]): void {
    this.callsInFlight += 1
    this.stats.inFlight += batch.length
    const startedAt = this.now()
    let settled = false
    const finish = (handle: () => void) => {
      if (settled) return
      settled = true
      this.callsInFlight -= 1
      this.stats.inFlight -= batch.length
      this.stats.recordCall(this.now() - startedAt)
      handle()
      this.stats.rateLimit = this.limiter.limited ? this.limiter.limit : undefined
      this.pump()
      this.notify()
    }
    let call: Promise<EntryOutcome[]>
    try {
      call = this.sink.put(batch, this.controller.signal)
    } catch (error) {
      call = Promise.reject(error)
    }
    call.then(
      (outcomes) => finish(() => this.handleOutcomes(batch, outcomes, startedAt)),
      (error: unknown) => finish(() => this.handleCallError(batch, error, startedAt)),
    )
  }

  /** Since when every call failed to reach the endpoint (undefined while calls get answers). */
  private unreachableSince?: number
  private readonly unreachableLimitMs: number

  private handleOutcomes(batch: Entry[], outcomes: EntryOutcome[], startedAt: number): void {
    this.unreachableSince = undefined
    let throttled = false
    let failed = false
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]
      const o = outcomes[i] ?? {code: 'MissingResult', message: 'The response had no result for this record.', ok: false, retriable: true, throttled: false}
      if (o.ok) {
        this.stats.recordDelivered(1, o.shardId)
        this.settle(e)
        continue
      }
      failed = true
      if (o.throttled) {
        throttled = true
        this.stats.throttled += 1
      }
      this.retryOrFail(e, o.code, o.message, o.retriable)
    }
    if (throttled) this.limiter.onThrottle(startedAt)
    else if (!failed) this.limiter.onClean()
  }

  private handleCallError(batch: Entry[], error: unknown, startedAt: number): void {
    if (this.aborted || isAbort(error)) {
      this.failAll(batch, ABORTED_IN_FLIGHT, ABORTED_IN_FLIGHT_MESSAGE)
      return
    }
    const f = this.sink.classify(error)
    this.stats.callErrors += 1
    switch (f.kind) {
      case 'fatal': {
        this.failAll(batch, f.code, f.message)
        this.stopWith(f.error)
        return
      }
      case 'aborted': {
        this.failAll(batch, f.code, f.message)
        return
      }
      case 'throttled': {
        this.stats.throttled += batch.length
        this.limiter.onThrottle(startedAt)
        for (const e of batch) this.retryOrFail(e, f.code, f.message, true)
        return
      }
      default: {
        if (isNetworkError(error)) {
          // The endpoint is gone (the emulator stopped, the network dropped): retrying every event for
          // minutes helps nobody. After UNREACHABLE_LIMIT_MS without any answer, stop and count.
          this.unreachableSince ??= startedAt
          if (this.now() - this.unreachableSince > this.unreachableLimitMs) {
            this.failAll(batch, f.code, f.message)
            this.stopWith(new AwsError(`Cannot reach the ${this.sink.name} endpoint: no answer for ${Math.round(this.unreachableLimitMs / 1000)} s (${f.message}).`, 'Check that it runs (`clickops local status` on the embedded stack) and the network, then send again.', error))
            return
          }
        }
        for (const e of batch) this.retryOrFail(e, f.code, f.message, true)
      }
    }
  }

  private retryOrFail(e: Entry, code: string, message: string, retriable: boolean): void {
    if (!retriable || this.stopped) {
      this.fail(e, code, message)
      return
    }
    if (e.attempts >= this.maxAttempts) {
      this.fail(e, code, `Gave up after ${e.attempts} attempts: ${message}`)
      return
    }
    const ceiling = Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** (e.attempts - 1))
    e.notBefore = this.now() + this.random.float() * ceiling
    this.delayed.push(e)
    if (e.notBefore < this.earliestDelayed) this.earliestDelayed = e.notBefore
    this.stats.retried += 1
  }

  private promoteDue(now: number): void {
    if (this.delayed.length === 0 || this.earliestDelayed > now) return
    const still: Entry[] = []
    let earliest = Number.POSITIVE_INFINITY
    for (const e of this.delayed) {
      if (e.notBefore <= now) {
        this.retryReady.push(e)
        this.queuedBytes += e.size
      } else {
        still.push(e)
        if (e.notBefore < earliest) earliest = e.notBefore
      }
    }
    this.delayed = still
    this.earliestDelayed = earliest
  }

  private stopWith(error: ClickopsError): void {
    if (this.stopped) return
    this.fatal = error
    this.stopped = true
    this.failQueued(error.name, error.message)
  }

  private failQueued(code: string, message: string): void {
    const queued = [...this.retryReady, ...this.fresh.slice(this.freshHead), ...this.delayed]
    this.retryReady = []
    this.fresh = []
    this.freshHead = 0
    this.delayed = []
    this.earliestDelayed = Number.POSITIVE_INFINITY
    this.queuedBytes = 0
    this.failAll(queued, code, message)
  }

  private failAll(entries: Entry[], code: string, message: string): void {
    for (const e of entries) this.fail(e, code, message)
  }

  private fail(e: Entry, code: string, message: string): void {
    this.stats.recordFailed(code, message)
    this.settle(e)
  }

  private settle(e: Entry): void {
    this.pendingCount -= 1
    this.pendingBytes -= e.size
  }

  private notify(): void {
    if (this.roomWaiters.length > 0 && this.hasRoom()) {
      const waiters = this.roomWaiters
      this.roomWaiters = []
      for (const w of waiters) w()
    }
    if (this.pendingCount === 0 && this.idleWaiters.length > 0) {
      this.clearTimer()
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const w of waiters) w()
    }
  }

  private wakeAt(t: number): void {
    if (this.cancelTimer !== undefined && this.timerAt <= t) return
    this.clearTimer()
    this.timerAt = t
    this.cancelTimer = this.schedule(() => {
      this.cancelTimer = undefined
      this.timerAt = Number.POSITIVE_INFINITY
      this.pump()
    }, Math.max(0, t - this.now()))
  }

  private clearTimer(): void {
    this.cancelTimer?.()
    this.cancelTimer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
  }
}
