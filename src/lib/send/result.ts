/** The typed result of `clickops send` (its --json document), built from the options and the outcome. */
import type {HotUser} from '../clickstream/users.js'
import type {SendWhere} from './destination.js'
import type {SendOptions} from './options.js'
import {exitCodeFor, type SendOutcome, type Via} from './run.js'

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
  }

export function sendResult(options: SendOptions, where: SendWhere, outcome: SendOutcome): SendResult {
  const g = options.plan.generator
  return {
    ...where,
    ...outcome,
    count: options.plan.count,
    durationMs: options.plan.durationMs,
    exitCode: exitCodeFor(outcome, options.bounded),
    hotUsers: [...g.hotUsers],
    rate: options.plan.rate,
    seed: g.seed,
    skew: g.skew,
    users: g.users,
    via: options.via,
  }
}
