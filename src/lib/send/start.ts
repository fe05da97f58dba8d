/**
 * Starts a `send` run as its options say: in this process (the writer here), or split over workers
 * (threads on this machine, or Lambda executions). Either way the caller gets one progress source
 * for the live line and one outcome.
 */
import type {OpenedDestination} from './destination.js'
import type {SendOptions} from './options.js'
import {statsProgress, type ProgressSource} from './progress.js'
import {runSend, type SendControl, type SendOutcome} from './run.js'
import {SendStats} from './stats.js'
import type {WorkerReport} from './workers/fleet.js'
import type {WorkerHandle} from './workers/local.js'
import {createRandom} from '../clickstream/random.js'
import {ClickopsError} from '../errors.js'

export type StartedOutcome = SendOutcome & {workers?: WorkerReport[]}

export interface StartedSend {
  progress: ProgressSource
  done: Promise<StartedOutcome>
}

export interface StartDeps {
  now: () => number
  /** A fresh 32-bit seed (retry jitter; not what is generated). */
  drawSeed: () => number
  /** Called with each local worker once started (tests end one to see a crash handled). */
  onWorkerStarted?: (handle: WorkerHandle) => void
}

export async function startSend(options: SendOptions, opened: OpenedDestination, deps: StartDeps, control: SendControl): Promise<StartedSend> {
  const workers = options.workers
  if (workers === undefined) {
    const stats = new SendStats(deps.now)
    const done = runSend(options.plan, opened.destination, {now: deps.now, random: createRandom(deps.drawSeed()), stats}, control)
    return {done, progress: statsProgress(stats)}
  }
  if (opened.spec === undefined) throw new ClickopsError('Workers need a stream or an API to write to.')
  if (workers.on === 'local') {
    const {startLocalWorkers} = await import('./workers/local.js')
    const running = startLocalWorkers(
      {credentials: opened.credentials, destination: opened.spec, plan: options.plan, workers: workers.count, writer: options.writer},
      {drawSeed: deps.drawSeed, now: deps.now, onStarted: deps.onWorkerStarted},
      control,
    )
    return {done: running.done, progress: running.fleet}
  }
  throw new ClickopsError('--on lambda is not available yet.')
}
