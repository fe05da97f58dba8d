/**
 * `send --workers N --on local`: N worker threads on this machine, each with its own Kinesis client
 * (or API sink) and writer, each generating the events of its own users over the whole run's slots
 * (see the generator). Their counters come back by message and merge into one Fleet; Ctrl-C is
 * passed on to every worker (stop, then abort); a worker that ends without its final report is
 * counted as died.
 */
import {Worker} from 'node:worker_threads'

import type {SendControl, SendPlan} from '../run.js'
import {Fleet, type FleetOutcome} from './fleet.js'
import type {HostMessage, WorkerInit, WorkerMessage} from './protocol.js'

/** How often a worker reports its counters. */
export const WORKER_REPORT_MS = 100

export interface LocalWorkersOptions extends Omit<WorkerInit, 'plan' | 'jitterSeed' | 'reportMs'> {
  plan: SendPlan
  workers: number
  reportMs?: number
}

export interface WorkerHandle {
  index: number
  /** Ends the thread at once, as a crash would (tests). */
  terminate(): Promise<number>
}

export interface RunningFleet {
  fleet: Fleet
  done: Promise<FleetOutcome>
}

/**
 * A worker thread running the entry next to this module: thread.js when built; under tsx (tests,
 * benchmarks on the sources) thread.ts, loaded through tsx's own loader, which workers do not inherit.
 */
function spawnThread(workerData: WorkerInit): Worker {
  const options = {stderr: false, stdout: false, workerData}
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./thread.js', import.meta.url), options)
  const url = new URL('./thread.ts', import.meta.url).href
  return new Worker(`import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(url)}) })`, {...options, eval: true})
}

export function startLocalWorkers(
  options: LocalWorkersOptions,
  deps: {now: () => number; drawSeed: () => number; onStarted?: (handle: WorkerHandle) => void},
  control: SendControl,
): RunningFleet {
  const fleet = new Fleet(options.workers, deps.now)
  const threads: Worker[] = []
  const done = new Promise<FleetOutcome>((resolve) => {
    let exited = 0
    const onExit = () => {
      exited += 1
      if (exited < options.workers) return
      control.stop.removeEventListener('abort', onStop)
      control.abort.removeEventListener('abort', onAbort)
      resolve(fleet.outcome(control))
    }
    const send = (m: HostMessage) => {
      for (const t of threads) t.postMessage(m)
    }
    const onStop = () => send({type: 'stop'})
    const onAbort = () => send({type: 'abort'})
    control.stop.addEventListener('abort', onStop, {once: true})
    control.abort.addEventListener('abort', onAbort, {once: true})
    for (let index = 0; index < options.workers; index++) {
      const init: WorkerInit = {
        credentials: options.credentials,
        destination: options.destination,
        jitterSeed: deps.drawSeed(),
        plan: {...options.plan, share: {index, of: options.workers}},
        reportMs: options.reportMs ?? WORKER_REPORT_MS,
        writer: options.writer,
      }
      const thread = spawnThread(init)
      threads.push(thread)
      thread.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') fleet.progress(index, m)
        else if (m.type === 'done') fleet.done(index, m.outcome, m.latency)
        else fleet.died(index, `${m.error.name}: ${m.error.message}`)
      })
      thread.on('error', (error) => fleet.died(index, error.message.split('\n')[0]))
      thread.on('exit', (code) => {
        fleet.died(index, `exited with code ${code}`)
        onExit()
      })
      // Started after a stop: pass it on at once.
      if (control.stop.aborted) thread.postMessage({type: 'stop'} satisfies HostMessage)
      if (control.abort.aborted) thread.postMessage({type: 'abort'} satisfies HostMessage)
      deps.onStarted?.({index, terminate: () => thread.terminate()})
    }
  })
  return {done, fleet}
}
