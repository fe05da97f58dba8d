/** An in-memory batch sink for the writer's tests: records every call, answers as told. */
import {ClickopsError} from '../../../src/lib/errors.js'
import type {BatchLimits, BatchSink, CallFailure, Entry, EntryOutcome} from '../../../src/lib/send/sink.js'

export type Behaviour = (batch: readonly Entry[], call: number) => EntryOutcome[] | Error

export class FakeSink implements BatchSink {
  readonly name = 'fake'
  readonly calls: {bodies: string[]; bytes: number}[] = []
  /** Bodies accepted, in order (an event accepted twice would show twice). */
  readonly accepted: string[] = []
  inFlight = 0
  maxInFlight = 0

  constructor(
    readonly limits: BatchLimits,
    private readonly behaviour: Behaviour = (batch) => batch.map(() => ({ok: true, shardId: 'shardId-000000000000'})),
    private readonly delayMs = 1,
  ) {}

  async put(entries: readonly Entry[], signal: AbortSignal): Promise<EntryOutcome[]> {
    const call = this.calls.length
    this.calls.push({bodies: entries.map((e) => e.body), bytes: entries.reduce((a, e) => a + e.size, 0)})
    this.inFlight += 1
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    // Like the SDK's HTTP handler: one abort listener per call, removed when the call ends.
    let onAbort: (() => void) | undefined
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs)
        onAbort = () => {
          clearTimeout(timer)
          reject(Object.assign(new Error('aborted'), {name: 'AbortError'}))
        }
        signal.addEventListener('abort', onAbort, {once: true})
      })
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort)
      this.inFlight -= 1
    }
    const result = this.behaviour(entries, call)
    if (result instanceof Error) throw result
    result.forEach((o, i) => o.ok && this.accepted.push(entries[i].body))
    return result
  }

  classify(error: unknown): CallFailure {
    const e = error as Error & {fatal?: boolean; throttle?: boolean}
    if (e.name === 'AbortError') return {code: 'AbortedInFlight', kind: 'aborted', message: e.message}
    if (e.fatal) return {code: e.name, error: new ClickopsError(e.message), kind: 'fatal', message: e.message}
    if (e.throttle) return {code: e.name, kind: 'throttled', message: e.message}
    return {code: e.name, kind: 'retriable', message: e.message}
  }
}

export const throttled = (): EntryOutcome => ({code: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for shard', ok: false, retriable: true, throttled: true})
