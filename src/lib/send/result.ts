/** The typed result of `clickops send` (its --json document), built from the options and the outcome. */
import type {HotUser} from '../clickstream/users.js'
import type {SendWhere} from './destination.js'
import type {SendOptions} from './options.js'
import {exitCodeFor, type SendOutcome, type Via} from './run.js'
import type {WorkerReport} from './workers/fleet.js'
import type {WorkersOn} from './defaults.js'

export type SendResult = SendOutcome &
  SendWhere & {
    via: Via
    seed: number
    users: number
    skew: number
    hotUsers: HotUser[]
    /** Requested events per second (0 = unlimited). */
    rate: number
    count?: number
    durationMs?: number
    exitCode: number
    /** With --workers: where they ran and each one's counts (user u belongs to worker (u - 1) mod N). */
    on?: WorkersOn
    workers?: WorkerReport[]
  }

export function sendResult(options: SendOptions, where: SendWhere, outcome: SendOutcome & {workers?: WorkerReport[]}): SendResult {
  const g = options.plan.generator
  return {
    ...where,
    ...outcome,
    count: options.plan.count,
    durationMs: options.plan.durationMs,
    exitCode: exitCodeFor(outcome, options.bounded),
    hotUsers: [...g.hotUsers],
    on: options.workers?.on,
    rate: options.plan.rate,
    seed: g.seed,
    skew: g.skew,
    users: g.users,
    via: options.via,
  }
}
