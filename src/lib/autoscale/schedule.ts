/**
 * `--every`: a duration (5m, 1h, locally also 10s) or an EventBridge Scheduler expression taken as
 * is (`rate(5 minutes)`, `cron(0/5 * * * ? *)`). Pure; invalid input is a UsageError.
 */
import {UsageError} from '../errors.js'
import {formatDuration, parseDuration} from '../parse.js'

export const DEFAULT_EVERY = '5m'
/** EventBridge Scheduler's finest rate. */
export const MIN_AWS_RATE_MS = 60_000
/** The local scheduler's finest period. */
export const MIN_LOCAL_EVERY_MS = 5000
/** Longer than a day makes no sense for a scale check. */
export const MAX_EVERY_MS = 24 * 60 * 60 * 1000

export interface Schedule {
  /** What the user gave. */
  text: string
  /** The period, when it is a rate (cron expressions have none). */
  everyMs?: number
  /** A cron() expression given as is. */
  cron?: string
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/
const UNIT_MS: Record<string, number> = {day: 86_400_000, hour: 3_600_000, minute: 60_000}

export function parseSchedule(value: string, flag = '--every'): Schedule {
  const text = value.trim()
  if (text.startsWith('rate(')) {
    const m = RATE.exec(text)
    if (!m) throw new UsageError(`${flag} ${value} is not a rate expression.`, 'Use e.g. rate(5 minutes), rate(1 hour), or a duration such as 5m.')
    const n = Number(m[1])
    const unit = m[2].replace(/s$/, '')
    if (n < 1 || (n === 1) !== !m[2].endsWith('s')) {
      throw new UsageError(`${flag} ${value} is not a rate expression EventBridge Scheduler accepts.`, `Use rate(1 ${unit}) or rate(${Math.max(2, n)} ${unit}s).`)
    }
    return checked({everyMs: n * UNIT_MS[unit], text}, flag)
  }
  if (text.startsWith('cron(')) {
    const fields = /^cron\((.+)\)$/.exec(text)?.[1].trim().split(/\s+/) ?? []
    if (fields.length !== 6) throw new UsageError(`${flag} ${value} is not a cron expression with six fields.`, 'Use e.g. cron(0/5 * * * ? *) (minutes hours day-of-month month day-of-week year).')
    return {cron: text, text}
  }
  const ms = parseDuration(text, flag)
  return checked({everyMs: ms, text}, flag)
}

function checked(s: Schedule, flag: string): Schedule {
  if (s.everyMs! < MIN_LOCAL_EVERY_MS || s.everyMs! > MAX_EVERY_MS) {
    throw new UsageError(`${flag} ${s.text} must be from ${formatDuration(MIN_LOCAL_EVERY_MS)} to ${formatDuration(MAX_EVERY_MS)}.`, 'Use e.g. 5m (on AWS at least 1m).')
  }
  return s
}

/** The EventBridge Scheduler expression; UsageError when AWS cannot run it (below a minute, not whole minutes). */
export function awsExpression(s: Schedule, flag = '--every'): string {
  if (s.cron) return s.cron
  const ms = s.everyMs!
  if (ms < MIN_AWS_RATE_MS || ms % MIN_AWS_RATE_MS !== 0) {
    throw new UsageError(`${flag} ${s.text}: EventBridge Scheduler runs whole minutes, at least every minute.`, 'Use e.g. 1m or 5m on AWS (the local stack accepts seconds).')
  }
  for (const unit of ['day', 'hour', 'minute'] as const) {
    if (ms % UNIT_MS[unit] === 0) {
      const n = ms / UNIT_MS[unit]
      return `rate(${n} ${unit}${n === 1 ? '' : 's'})`
    }
  }
  return `rate(${ms / MIN_AWS_RATE_MS} minutes)`
}

/** The local scheduler's period; UsageError for cron (the local stack runs rates only). */
export function localPeriodMs(s: Schedule, flag = '--every'): number {
  if (s.everyMs === undefined) throw new UsageError(`${flag} ${s.text}: the local stack's scheduler runs rates only, not cron expressions.`, 'Use a duration such as 10s or 5m locally.')
  return s.everyMs
}
