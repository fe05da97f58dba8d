/** Parsing of user input shared by commands: durations, points in time, names. Pure; throws UsageError. */
import {UsageError} from './errors.js'

const DURATION_UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/** `30s`, `15m`, `2h`, `1d`, `500ms`, or combinations such as `1h30m` → milliseconds. */
export function parseDuration(value: string, flag = 'duration'): number {
  const text = value.trim()
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy
  let total = 0
  let matched = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * DURATION_UNITS[m[2]]
    matched = re.lastIndex
  }
  if (text === '' || matched !== text.length) {
    throw new UsageError(`${flag} "${value}" is not a duration.`, 'Use a number with a unit, such as 30s, 15m, 2h or 1d.')
  }
  return Math.round(total)
}

/** Kept here for the modules that import it from parse; the definition lives in format.ts. */
export {formatDuration} from './format.js'

/** An ISO-8601 time or a duration ago (`10m` = ten minutes before `now`). */
export function parseTime(value: string, now: Date, flag = 'time'): Date {
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)/.test(value.trim())) return new Date(now.getTime() - parseDuration(value, flag))
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const t = Date.parse(value)
    if (!Number.isNaN(t)) return new Date(t)
  }
  throw new UsageError(`${flag} "${value}" is neither an ISO-8601 time nor a duration ago.`, 'Use e.g. 2026-01-31T12:00:00Z or 10m.')
}

/** Kinesis stream names: 1–128 characters of [a-zA-Z0-9_.-]. */
export function validateStreamName(name: string): string {
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(name)) {
    throw new UsageError(`"${name}" is not a valid stream name.`, 'Use 1 to 128 letters, digits, "_", "." or "-".')
  }
  return name
}

/** A positive integer within [min, max]. */
export function parseIntInRange(value: string | number, flag: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max >= Number.MAX_SAFE_INTEGER ? `from ${min} upwards` : `from ${min} to ${max}`
    throw new UsageError(`${flag} must be a whole number ${range}, not "${value}".`)
  }
  return n
}

/** `2MiB`, `1536KiB`, `10MiB` → KiB, within [minKiB, maxKiB]. */
export function parseSizeKiB(value: string, flag: string, minKiB: number, maxKiB: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*(KiB|MiB)$/i.exec(value.trim())
  const kib = m ? Number(m[1]) * (m[2].toLowerCase() === 'mib' ? 1024 : 1) : Number.NaN
  if (!Number.isInteger(kib) || kib < minKiB || kib > maxKiB) {
    throw new UsageError(`${flag} "${value}" is not a size from ${minKiB / 1024} MiB to ${maxKiB / 1024} MiB.`, `Use e.g. 2MiB or 1536KiB (whole KiB, ${minKiB} to ${maxKiB} KiB).`)
  }
  return kib
}

