/**
 * Load traces (pure): the per-minute, per-hash-range write load a backtest replays. One format for
 * every source (a file, CloudWatch history, `heat --record`, the synthetic generator).
 *
 * File format: NDJSON, one line per minute, oldest first, minutes strictly increasing:
 *
 *   {"t": "2026-03-01T12:00:00Z", "shards": [
 *     {"startingHashKey": "0", "endingHashKey": "170141183460469231731687303715884105727",
 *      "bytes": 31457280, "records": 30000, "throttled": 0,
 *      "keys": [{"key": "35", "bytes": 9437184, "records": 9000}]}, ...]}
 *
 * `t` is the start of the minute (ISO-8601, whole minute). Per shard (the hash range that was open
 * then): `bytes` and `records` are the minute's sums (data plus partition key bytes, as the write
 * limit counts them), `throttled` the records Kinesis refused (WriteProvisionedThroughputExceeded,
 * optional), `keys` the known partition keys of the range with their part of the sums (optional;
 * the stream source knows them, CloudWatch does not). A shard's load is taken as even over its
 * range, known keys at their hash. Minutes without a line carry no load. In the minute of a reshard
 * a parent and its children may both appear (both carried load then): their ranges overlap and
 * their loads add.
 */
import {UsageError} from '../errors.js'
import {HASH_KEY_MAX} from '../kinesis/limits.js'

export interface TraceKey {
  key: string
  bytes: number
  records: number
}

export interface TraceShard {
  startingHashKey: string
  endingHashKey: string
  bytes: number
  records: number
  throttled?: number
  keys?: TraceKey[]
}

export interface TraceMinute {
  /** Start of the minute, epoch milliseconds (a whole minute). */
  t: number
  shards: TraceShard[]
}

/**
 * A trace the simulator reads minute by minute: a file's (held in memory) or a generator's (made
 * on demand, so a 10,000-shard day needs no memory for the trace itself).
 */
export interface Trace {
  /** Start of the first minute, epoch ms. */
  startMs: number
  /** Minutes from the first to the last. */
  minutes: number
  /** Minute i (0-based): its shards (an empty list where the trace has no line). */
  minute(i: number): TraceShard[]
  /** True when some minute names partition keys. */
  hasKeys: boolean
  /** Where it came from, for the report ("trace.ndjson", "synthetic diurnal,days=3"). */
  source: string
}

export const MINUTE_MS = 60_000

const DECIMAL = /^(0|[1-9]\d{0,38})$/

function fail(line: number, path: string, message: string): never {
  throw new UsageError(`${path}: line ${line}: ${message}`, 'Each line is one minute: {"t": ISO-8601 minute, "shards": [{"startingHashKey", "endingHashKey", "bytes", "records", "throttled"?, "keys"?}]} (see the README).')
}

function count(v: unknown, line: number, path: string, field: string, optional = false): number | undefined {
  if (v === undefined && optional) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(line, path, `${field} must be a number of at least 0, not ${v === undefined ? 'missing' : JSON.stringify(v)}.`)
  return v
}

function hashKey(v: unknown, line: number, path: string, field: string): string {
  if (typeof v !== 'string' || !DECIMAL.test(v) || BigInt(v) > HASH_KEY_MAX) {
    fail(line, path, `${field} must be a decimal hash key from 0 to 2^128 − 1 as a string, not ${v === undefined ? 'missing' : JSON.stringify(v)}.`)
  }
  return v
}

/** Parses one trace line (1-based `line` for messages). Throws UsageError naming the line and field. */
export function parseTraceLine(text: string, line: number, path: string): TraceMinute {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    fail(line, path, `not valid JSON (${(error as Error).message}).`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(line, path, 'must be a JSON object with "t" and "shards".')
  const o = doc as Record<string, unknown>
  if (typeof o.t !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(o.t) || Number.isNaN(Date.parse(o.t))) {
    fail(line, path, `t must be an ISO-8601 time such as "2026-03-01T12:00:00Z", not ${o.t === undefined ? 'missing' : JSON.stringify(o.t)}.`)
  }
  const t = Date.parse(o.t)
  if (t % MINUTE_MS !== 0) fail(line, path, `t must be a whole minute (seconds 00), not ${JSON.stringify(o.t)}.`)
  if (!Array.isArray(o.shards)) fail(line, path, `shards must be a list, not ${o.shards === undefined ? 'missing' : JSON.stringify(o.shards)}.`)
  const shards: TraceShard[] = []
  for (const [i, raw] of (o.shards as unknown[]).entries()) {
    const f = `shards[${i}]`
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(line, path, `${f} must be an object.`)
    const s = raw as Record<string, unknown>
    const startingHashKey = hashKey(s.startingHashKey, line, path, `${f}.startingHashKey`)
    const endingHashKey = hashKey(s.endingHashKey, line, path, `${f}.endingHashKey`)
    if (BigInt(startingHashKey) > BigInt(endingHashKey)) fail(line, path, `${f}.startingHashKey is above its endingHashKey.`)
    const shard: TraceShard = {
      bytes: count(s.bytes, line, path, `${f}.bytes`)!,
      endingHashKey,
      records: count(s.records, line, path, `${f}.records`)!,
      startingHashKey,
    }
    const throttled = count(s.throttled, line, path, `${f}.throttled`, true)
    if (throttled !== undefined) shard.throttled = throttled
    if (s.keys !== undefined) {
      if (!Array.isArray(s.keys)) fail(line, path, `${f}.keys must be a list.`)
      shard.keys = (s.keys as unknown[]).map((k, j) => {
        const kf = `${f}.keys[${j}]`
        if (typeof k !== 'object' || k === null) fail(line, path, `${kf} must be an object with key, bytes and records.`)
        const ko = k as Record<string, unknown>
        if (typeof ko.key !== 'string' || ko.key === '' || ko.key.length > 256) fail(line, path, `${kf}.key must be a partition key (1 to 256 characters).`)
        return {bytes: count(ko.bytes, line, path, `${kf}.bytes`)!, key: ko.key, records: count(ko.records, line, path, `${kf}.records`)!}
      })
    }
    shards.push(shard)
  }
  // Ranges may overlap in the minute of a reshard (the parent and its children both carried load then): their loads add.
  shards.sort((a, b) => {
    const x = BigInt(a.startingHashKey)
    const y = BigInt(b.startingHashKey)
    return x < y ? -1 : x > y ? 1 : 0
  })
  return {shards, t}
}

/** Parses a whole NDJSON trace (blank lines ignored). Throws UsageError naming the line and field. */
export function parseTrace(text: string, path: string): Trace {
  const minutes: TraceMinute[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim()
    if (l === '') continue
    const m = parseTraceLine(l, i + 1, path)
    const prev = minutes.at(-1)
    if (prev !== undefined && m.t <= prev.t) fail(i + 1, path, `t ${new Date(m.t).toISOString()} is not after the line before (${new Date(prev.t).toISOString()}); minutes must increase.`)
    minutes.push(m)
  }
  if (minutes.length === 0) throw new UsageError(`${path} holds no minutes.`, 'A trace has one JSON line per minute; write one with --save-trace or `clickops heat --record`.')
  return traceOf(minutes, path)
}

/** A trace from minutes in memory (sorted, distinct). */
export function traceOf(minutes: readonly TraceMinute[], source: string): Trace {
  const startMs = minutes[0].t
  const count = Math.round((minutes.at(-1)!.t - startMs) / MINUTE_MS) + 1
  const byIndex = new Array<TraceShard[] | undefined>(count)
  let hasKeys = false
  for (const m of minutes) {
    byIndex[Math.round((m.t - startMs) / MINUTE_MS)] = m.shards
    if (!hasKeys && m.shards.some((s) => s.keys !== undefined && s.keys.length > 0)) hasKeys = true
  }
  return {hasKeys, minute: (i) => byIndex[i] ?? [], minutes: count, source, startMs}
}

/** One trace line (no trailing newline). */
export function formatTraceLine(t: number, shards: readonly TraceShard[]): string {
  return JSON.stringify({t: new Date(t).toISOString().replace('.000Z', 'Z'), shards})
}

/** The whole trace as NDJSON (minutes without load are written too, with their shards' zero sums). */
export function* formatTrace(trace: Trace): Generator<string> {
  for (let i = 0; i < trace.minutes; i++) yield formatTraceLine(trace.startMs + i * MINUTE_MS, trace.minute(i)) + '\n'
}
