/**
 * What a send worker and the run that started it say to each other (structured-clone data, the
 * same over a worker thread's port and, for Lambda, in an invocation's payload and result).
 */
import type {DestinationSpec} from '../destination.js'
import type {SendOutcome, SendPlan} from '../run.js'
import type {LatencyData, StatsSnapshot} from '../stats.js'

/** Static credentials handed to workers, resolved once by the run (no prompt per worker). */
export interface WorkerCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** ISO-8601. */
  expiration?: string
}

export interface WorkerInit {
  /** This worker's part: plan.share = {index, of}. */
  plan: SendPlan & {share: {index: number; of: number}}
  destination: DestinationSpec
  writer: {concurrency: number; lingerMs: number; maxAttempts: number}
  credentials?: WorkerCredentials
  /** Seed of the retry jitter (not part of what is generated). */
  jitterSeed: number
  /** How often the worker reports its counters (ms). */
  reportMs: number
}

/** A worker's counters at one moment. */
export interface WorkerProgress {
  snapshot: StatsSnapshot
  recent: [number | undefined, number | undefined]
  byShard: Record<string, number>
}

export type WorkerMessage =
  | ({type: 'progress'} & WorkerProgress)
  | {type: 'done'; outcome: SendOutcome; latency: LatencyData}
  | {type: 'failed'; error: {name: string; message: string; hint?: string}}

export type HostMessage = {type: 'stop'} | {type: 'abort'}

/** The failure code of the events a dead worker held (generated, not known to be delivered). */
export const WORKER_DIED = 'WorkerDied'
