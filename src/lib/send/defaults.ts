/**
 * The defaults and bounds of `send`'s flags, in one place: the command shows them in its flags and
 * help, and parseSendOptions falls back on them.
 */
import {DEFAULT_USERS} from '../clickstream/users.js'
import {WRITER_DEFAULTS} from './writer.js'

export const SEND_DEFAULTS = {
  concurrency: WRITER_DEFAULTS.concurrency,
  linger: '100ms',
  maxAttempts: WRITER_DEFAULTS.maxAttempts,
  rate: 100,
  skew: 0,
  users: DEFAULT_USERS,
  via: 'kinesis',
  /** Where --workers run when --on is not given. */
  on: 'local',
} as const

export const MAX_RATE = 1_000_000
export const MAX_CONCURRENCY = 64
export const MAX_LINGER_MS = 10_000
export const MAX_ATTEMPTS = 100
/** Worker threads on this machine at most (--workers with --on local). */
export const MAX_LOCAL_WORKERS = 64
/** Concurrent Lambda executions at most (--workers with --on lambda); the account's concurrency caps it too. */
export const MAX_LAMBDA_WORKERS = 1000

/** Where --workers run. */
export const WORKERS_ON = ['local', 'lambda'] as const
export type WorkersOn = (typeof WORKERS_ON)[number]
