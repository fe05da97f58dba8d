/**
 * The counters of a run split over workers, merged from what each worker reported: one live line
 * and one summary for the whole run. Pure: the caller feeds the reports in and passes the time.
 *
 * Every worker's generated = delivered + failed holds in its final report. A worker that died
 * before its final report counts as of its last report, and the events it held then (generated,
 * neither delivered nor failed) count as failed with the code WorkerDied: they may or may not have
 * been written.
 */
import type {SendControl, SendOutcome} from '../run.js'
import {LatencyHistogram, type FailureCount, type LatencyData, type StatsSnapshot} from '../stats.js'
import type {ProgressSource} from '../progress.js'
import {WORKER_DIED, type WorkerProgress} from './protocol.js'

export interface WorkerReport {
  /** 0-based; it generated the events of the users u with (u - 1) mod workers = index. */
  index: number
  generated: number
  delivered: number
  failed: number
  byShard?: Record<string, number>
  /** Set when the worker ended without its final report: why, as far as is known. */
  died?: string
  /** The error that stopped this worker's writer (the stream deleted, ...). */
  stoppedBy?: {name: string; message: string; hint?: string}
}

export type FleetOutcome = SendOutcome & {workers: WorkerReport[]}

interface Slot {
  progress?: WorkerProgress
  outcome?: SendOutcome
  latency?: LatencyData
  died?: string
}

const EMPTY: StatsSnapshot = {callErrors: 0, calls: 0, delivered: 0, elapsedMs: 0, failed: 0, generated: 0, inFlight: 0, pending: 0, retried: 0, throttled: 0}

export class Fleet implements ProgressSource {
  private readonly slots: Slot[]
  readonly startedAt: number

  constructor(
    readonly size: number,
    private readonly now: () => number,
  ) {
    this.slots = Array.from({length: size}, () => ({}))
    this.startedAt = now()
  }

  progress(index: number, p: WorkerProgress): void {
    if (!this.slots[index].outcome) this.slots[index].progress = p
  }

  done(index: number, outcome: SendOutcome, latency: LatencyData): void {
    this.slots[index].outcome = outcome
    this.slots[index].latency = latency
  }

  /** The worker ended without a final report (no-op once it reported one). */
  died(index: number, reason: string): void {
    const s = this.slots[index]
    if (!s.outcome && s.died === undefined) s.died = reason
  }

  get finished(): boolean {
    return this.slots.every((s) => s.outcome !== undefined || s.died !== undefined)
  }

  /** True when the worker sent its final report. */
  reported(index: number): boolean {
    return this.slots[index].outcome !== undefined
  }

  snapshot(): StatsSnapshot {
    const total = {...EMPTY, elapsedMs: this.now() - this.startedAt}
    let rateLimit: number | undefined
    for (const s of this.slots) {
      const w = snapshotOf(s)
      total.generated += w.generated
      total.delivered += w.delivered
      total.failed += w.failed
      total.pending += w.pending
      total.inFlight += w.inFlight
      total.retried += w.retried
      total.throttled += w.throttled
      total.calls += w.calls
      total.callErrors += w.callErrors
      if (w.rateLimit !== undefined) rateLimit = (rateLimit ?? 0) + w.rateLimit
    }
    total.rateLimit = rateLimit
    return total
  }

  /** The median of the workers' recent p50s and the largest of their recent p99s. */
  recentLatency(): [number | undefined, number | undefined] {
    const p50s: number[] = []
    let p99: number | undefined
    for (const s of this.slots) {
      const [a, b] = s.progress?.recent ?? [undefined, undefined]
      if (a !== undefined) p50s.push(a)
      if (b !== undefined) p99 = Math.max(p99 ?? 0, b)
    }
    p50s.sort((x, y) => x - y)
    return [p50s.length > 0 ? p50s[Math.floor((p50s.length - 1) / 2)] : undefined, p99]
  }

  /** The whole run's outcome (call once every worker finished or died). */
  outcome(control: SendControl): FleetOutcome {
    const failures = new Map<string, FailureCount>()
    const byShard = new Map<string, number>()
    const latency = new LatencyHistogram()
    const workers: WorkerReport[] = []
    const sum = {callErrors: 0, calls: 0, delivered: 0, failed: 0, generated: 0, retried: 0, throttled: 0}
    let complete = true
    let interrupted = control.stop.aborted || control.abort.aborted
    let stoppedBy: SendOutcome['stoppedBy']
    const addFailure = (f: FailureCount) => {
      const seen = failures.get(f.code)
      if (seen) seen.count += f.count
      else failures.set(f.code, {...f})
    }
    this.slots.forEach((s, index) => {
      const o = s.outcome
      let report: WorkerReport
      if (o) {
        report = {byShard: o.byShard, delivered: o.delivered, failed: o.failed, generated: o.generated, index, stoppedBy: o.stoppedBy}
        for (const f of o.failures) addFailure(f)
        for (const k of ['callErrors', 'calls', 'retried', 'throttled'] as const) sum[k] += o[k]
        if (s.latency) latency.merge(s.latency)
        complete &&= o.complete
        interrupted ||= o.interrupted
        stoppedBy ??= o.stoppedBy
      } else {
        const p = s.progress?.snapshot ?? EMPTY
        const lost = p.generated - p.delivered - p.failed
        report = {byShard: s.progress?.byShard, delivered: p.delivered, died: s.died ?? 'ended without a report', failed: p.failed + lost, generated: p.generated, index}
        if (p.failed > 0) addFailure({code: 'Failed', count: p.failed, message: 'Failed in a worker that died (its final report with the reasons never came).'})
        if (lost > 0) addFailure({code: WORKER_DIED, count: lost, message: `Held by worker ${index} when it died (${report.died}): they may or may not have been written.`})
        for (const k of ['callErrors', 'calls', 'retried', 'throttled'] as const) sum[k] += p[k]
        complete = false
        stoppedBy ??= {message: `Worker ${index} of ${this.size} died (${report.died}) after delivering ${p.delivered.toLocaleString('en-US')} events.`, name: WORKER_DIED}
      }
      for (const [shard, n] of Object.entries(report.byShard ?? {})) byShard.set(shard, (byShard.get(shard) ?? 0) + n)
      sum.generated += report.generated
      sum.delivered += report.delivered
      sum.failed += report.failed
      workers.push(report)
    })
    const elapsedMs = this.now() - this.startedAt
    const p50 = latency.quantile(0.5)
    const p99 = latency.quantile(0.99)
    const round1 = (x: number) => Math.round(x * 10) / 10
    return {
      ...sum,
      aborted: control.abort.aborted,
      achievedRate: elapsedMs > 0 ? Math.round((sum.delivered * 1000 * 10) / elapsedMs) / 10 : 0,
      byShard: byShard.size > 0 ? Object.fromEntries([...byShard.entries()].sort(([a], [b]) => a.localeCompare(b))) : undefined,
      complete,
      elapsedMs: Math.round(elapsedMs),
      failures: [...failures.values()].sort((a, b) => b.count - a.count),
      interrupted,
      latencyMs: p50 === undefined || p99 === undefined ? undefined : {max: round1(latency.max), p50: round1(p50), p99: round1(p99)},
      stoppedBy,
      workers,
    }
  }
}

function snapshotOf(s: Slot): StatsSnapshot {
  const o = s.outcome
  if (o) {
    return {callErrors: o.callErrors, calls: o.calls, delivered: o.delivered, elapsedMs: o.elapsedMs, failed: o.failed, generated: o.generated, inFlight: 0, pending: 0, retried: o.retried, throttled: o.throttled}
  }
  const p = s.progress?.snapshot ?? EMPTY
  if (s.died === undefined) return p
  // Dead: what it held counts as failed, as in the outcome.
  return {...p, failed: p.generated - p.delivered, inFlight: 0, pending: 0, rateLimit: undefined}
}
