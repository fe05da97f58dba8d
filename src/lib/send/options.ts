/**
 * `send` flags → a validated plan. Pure: every bad value is a UsageError raised before any network
 * call. The seed, when not given, comes from the caller (the command draws one and reports it).
 */
import {UsageError} from '../errors.js'
import {MAX_SEED} from '../clickstream/random.js'
import {MAX_USERS, parseHotUser, validateUserMix, type HotUser} from '../clickstream/users.js'
import {parseDuration, parseIntInRange} from '../parse.js'
import {parseEndpointUrl} from '../target.js'
import {batchUrlOf} from './api-sink.js'
import {VIA, type SendPlan, type Via} from './run.js'
import {MAX_ATTEMPTS, MAX_CONCURRENCY, MAX_LAMBDA_WORKERS, MAX_LINGER_MS, MAX_LOCAL_WORKERS, MAX_RATE, SEND_DEFAULTS, WORKERS_ON, type WorkersOn} from './defaults.js'

export {MAX_ATTEMPTS, MAX_CONCURRENCY, MAX_LINGER_MS, MAX_RATE, SEND_DEFAULTS} from './defaults.js'

export interface SendInput {
  via?: string
  rate?: string
  count?: string
  duration?: string
  users?: string
  skew?: string
  hotUser?: string[]
  seed?: string
  concurrency?: string
  linger?: string
  maxAttempts?: string
  apiUrl?: string
  apiKey?: string
  json?: boolean
  /** --workers: a number or "auto" (the cores available, locally). */
  workers?: string
  /** --on: local or lambda. */
  on?: string
  /** --cleanup (Lambda: remove the function and its role after the run). */
  cleanup?: boolean
}

export {WORKERS_ON, type WorkersOn} from './defaults.js'

export interface SendOptions {
  via: Via
  plan: SendPlan
  /** True when --count or --duration bounds the run (Ctrl-C before the end is then an interruption). */
  bounded: boolean
  writer: {concurrency: number; lingerMs: number; maxAttempts: number}
  /** --via api: the batch route and the key, when given on the command line. */
  api?: {batchUrl?: string; apiKey?: string}
  /** --workers/--on: the run split over this many workers (undefined: this process alone). */
  workers?: {on: WorkersOn; count: number; cleanup: boolean}
}

/** `cores`: the cores available here (os.availableParallelism()), the default of --workers locally. */
export function parseSendOptions(input: SendInput, drawSeed: () => number, cores = 1): SendOptions {
  const via = (input.via ?? SEND_DEFAULTS.via) as Via
  if (!(VIA as readonly string[]).includes(via)) throw new UsageError(`--via must be one of ${VIA.join(', ')}, not "${input.via}".`)
  if (via === 'stdout' && input.json) {
    throw new UsageError('--json cannot be combined with --via stdout: stdout carries the events.', 'Drop --json; the summary goes to stderr.')
  }
  if (via !== 'api' && (input.apiUrl !== undefined || input.apiKey !== undefined)) {
    throw new UsageError('--api-url and --api-key apply to --via api only.')
  }

  const rate = parseNumber(input.rate ?? String(SEND_DEFAULTS.rate), '--rate', 0, MAX_RATE)
  const count = input.count === undefined ? undefined : parseIntInRange(input.count, '--count', 1, Number.MAX_SAFE_INTEGER)
  let durationMs: number | undefined
  if (input.duration !== undefined) {
    durationMs = parseDuration(input.duration, '--duration')
    if (durationMs <= 0) throw new UsageError('--duration must be longer than 0.')
  }
  const users = parseIntInRange(input.users ?? String(SEND_DEFAULTS.users), '--users', 1, MAX_USERS)
  const skew = parseNumber(input.skew ?? String(SEND_DEFAULTS.skew), '--skew', 0, Number.POSITIVE_INFINITY)
  const hotUsers: HotUser[] = (input.hotUser ?? []).map((h) => parseHotUser(h))
  validateUserMix({hotUsers, skew, users})
  const seed = input.seed === undefined ? drawSeed() >>> 0 : parseIntInRange(input.seed, '--seed', 0, MAX_SEED)

  const concurrency = parseIntInRange(input.concurrency ?? String(SEND_DEFAULTS.concurrency), '--concurrency', 1, MAX_CONCURRENCY)
  const lingerMs = input.linger === undefined ? parseDuration(SEND_DEFAULTS.linger) : input.linger.trim() === '0' ? 0 : parseDuration(input.linger, '--linger')
  if (lingerMs > MAX_LINGER_MS) throw new UsageError(`--linger must be at most ${MAX_LINGER_MS / 1000}s.`)
  const maxAttempts = parseIntInRange(input.maxAttempts ?? String(SEND_DEFAULTS.maxAttempts), '--max-attempts', 1, MAX_ATTEMPTS)

  let api: SendOptions['api']
  if (via === 'api') {
    const batchUrl = input.apiUrl === undefined ? undefined : batchUrlOf(parseEndpointUrl(input.apiUrl, '--api-url'))
    if (input.apiKey !== undefined && input.apiKey.trim() === '') throw new UsageError('--api-key is empty.')
    api = {apiKey: input.apiKey, batchUrl}
  }

  const workers = parseWorkers(input, via, cores)

  return {
    api,
    workers,
    bounded: count !== undefined || durationMs !== undefined,
    plan: {count, durationMs, generator: {hotUsers, seed, skew, users}, rate},
    via,
    writer: {concurrency, lingerMs, maxAttempts},
  }
}

function parseNumber(value: string, flag: string, min: number, max: number): number {
  const n = Number(value.trim())
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    const range = Number.isFinite(max) ? `from ${min} to ${max.toLocaleString('en-US')}` : `of at least ${min}`
    throw new UsageError(`${flag} must be a number ${range}, not "${value}".`)
  }
  return n
}

function parseWorkers(input: SendInput, via: Via, cores: number): SendOptions['workers'] {
  if (input.workers === undefined && input.on === undefined) {
    if (input.cleanup) throw new UsageError('--cleanup applies to --on lambda only.')
    return undefined
  }
  const on = (input.on ?? SEND_DEFAULTS.on) as WorkersOn
  if (!(WORKERS_ON as readonly string[]).includes(on)) throw new UsageError(`--on must be one of ${WORKERS_ON.join(', ')}, not "${input.on}".`)
  if (via === 'stdout') throw new UsageError('--workers and --on cannot be combined with --via stdout: the events of one terminal come from one process.')
  if (input.cleanup && on !== 'lambda') throw new UsageError('--cleanup applies to --on lambda only.')
  const max = on === 'local' ? MAX_LOCAL_WORKERS : MAX_LAMBDA_WORKERS
  let count: number
  if (input.workers === undefined || input.workers.trim() === 'auto') {
    if (on === 'lambda') throw new UsageError('--on lambda needs --workers N: the number of concurrent Lambda executions.', 'E.g. --on lambda --workers 10.')
    count = Math.max(1, Math.min(max, Math.floor(cores)))
  } else {
    count = parseIntInRange(input.workers, '--workers', 1, max)
  }
  return {cleanup: Boolean(input.cleanup), count, on}
}
