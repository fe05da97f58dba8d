/**
 * Built-in synthetic traces (pure, seeded): `--synthetic SPEC` for trying a backtest with no history.
 *
 * SPEC is a comma-separated list; every part is optional:
 *
 *   diurnal            a daily cycle: the rate runs from 25% of the peak at 04:00 UTC to the peak at 16:00
 *   hot-user=KEY:SHARE one partition key sends SHARE (0–1, or a percentage) of all records (repeatable)
 *   peak=5000rps       the peak rate in records per second (default 2000rps)
 *   record-bytes=1000  bytes per record, data plus key (default 1000)
 *   days=N             length in days, at most 15 (default 1); or minutes=N
 *   shards=N           the stream's shards at the start, uniform (default 4)
 *   launch             a launch on the middle day at 14:00: ×3 for 45 minutes, ×1.3 after
 *   growth=10%         the rate grows by this much per day (compounded per minute)
 *   seed=N             the noise (±5% per minute and shard) follows from it (default 1)
 *   start=ISO          the first minute (default 2026-03-02T00:00:00Z)
 *
 * e.g. `diurnal,hot-user=35:0.3,peak=5000rps,days=3`.
 */
import {createRandom} from '../clickstream/random.js'
import {UsageError} from '../errors.js'
import {hashKeyOf, uniformRanges} from '../kinesis/hashkey.js'
import {MAX_SHARDS_PER_STREAM} from '../kinesis/limits.js'
import {MINUTE_MS, type Trace, type TraceShard} from './trace.js'
import {formatInt} from '../format.js'

export interface SyntheticSpec {
  diurnal: boolean
  hotUsers: {key: string; share: number}[]
  peakRecordsPerSecond: number
  recordBytes: number
  minutes: number
  shards: number
  launch: boolean
  /** Growth per day, a fraction. */
  growth: number
  seed: number
  startMs: number
  text: string
}

export const SYNTHETIC_DEFAULTS = {
  peakRecordsPerSecond: 2000,
  recordBytes: 1000,
  days: 1,
  shards: 4,
  seed: 1,
  start: '2026-03-02T00:00:00Z',
} as const

export const MAX_SYNTHETIC_DAYS = 15

const hint = 'Use e.g. --synthetic diurnal,hot-user=35:0.3,peak=5000rps,days=3 (see the README for every part).'

function bad(part: string, why: string): never {
  throw new UsageError(`--synthetic: "${part}" ${why}`, hint)
}

function share(text: string, part: string): number {
  const m = /^(\d*\.?\d+)(%?)$/.exec(text)
  if (m === null) bad(part, 'needs a share such as 0.3 or 30%.')
  const v = Number(m[1]) / (m[2] === '%' ? 100 : 1)
  if (!(v >= 0 && v <= 1)) bad(part, 'needs a share from 0 to 1 (or 100%).')
  return v
}

function whole(text: string, part: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) bad(part, `needs a whole number from ${min} to ${formatInt(max)}.`)
  return Number(text)
}

/** Parses a SPEC. Throws UsageError naming the part. */
export function parseSyntheticSpec(text: string): SyntheticSpec {
  const spec: SyntheticSpec = {
    diurnal: false,
    growth: 0,
    hotUsers: [],
    launch: false,
    minutes: SYNTHETIC_DEFAULTS.days * 1440,
    peakRecordsPerSecond: SYNTHETIC_DEFAULTS.peakRecordsPerSecond,
    recordBytes: SYNTHETIC_DEFAULTS.recordBytes,
    seed: SYNTHETIC_DEFAULTS.seed,
    shards: SYNTHETIC_DEFAULTS.shards,
    startMs: Date.parse(SYNTHETIC_DEFAULTS.start),
    text,
  }
  for (const raw of text.split(',')) {
    const part = raw.trim()
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = eq < 0 ? part : part.slice(0, eq)
    const value = eq < 0 ? '' : part.slice(eq + 1)
    switch (name) {
      case 'diurnal':
      case 'launch':
        if (eq >= 0) bad(part, 'takes no value.')
        spec[name] = true
        break
      case 'hot-user': {
        const m = /^([^:]{1,256}):(.+)$/.exec(value)
        if (m === null) bad(part, 'needs KEY:SHARE, e.g. hot-user=35:0.3.')
        spec.hotUsers.push({key: m[1], share: share(m[2], part)})
        break
      }
      case 'peak': {
        const m = /^(\d*\.?\d+)(rps)?$/.exec(value)
        if (m === null || !(Number(m[1]) > 0)) bad(part, 'needs a rate in records per second, e.g. peak=5000rps.')
        spec.peakRecordsPerSecond = Number(m[1])
        break
      }
      case 'record-bytes':
        spec.recordBytes = whole(value, part, 1, 1024 * 1024)
        break
      case 'days':
        spec.minutes = whole(value, part, 1, MAX_SYNTHETIC_DAYS) * 1440
        break
      case 'minutes':
        spec.minutes = whole(value, part, 1, MAX_SYNTHETIC_DAYS * 1440)
        break
      case 'shards':
        spec.shards = whole(value, part, 1, MAX_SHARDS_PER_STREAM)
        break
      case 'growth': {
        const m = /^(-?\d*\.?\d+)(%?)$/.exec(value)
        if (m === null) bad(part, 'needs a growth per day such as 10% or 0.1.')
        spec.growth = Number(m[1]) / (m[2] === '%' ? 100 : 1)
        if (!(spec.growth > -1 && spec.growth <= 10)) bad(part, 'needs a growth per day above −100% and at most 1000%.')
        break
      }
      case 'seed':
        spec.seed = whole(value, part, 0, 0xffff_ffff)
        break
      case 'start': {
        const t = Date.parse(value)
        if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) bad(part, 'needs an ISO-8601 time, e.g. start=2026-03-02T00:00:00Z.')
        spec.startMs = Math.floor(t / MINUTE_MS) * MINUTE_MS
        break
      }
      default:
        bad(part, 'is not a known part (diurnal, hot-user=KEY:SHARE, peak=Nrps, record-bytes=N, days=N, minutes=N, shards=N, launch, growth=P%, seed=N, start=ISO).')
    }
  }
  const hot = spec.hotUsers.reduce((s, h) => s + h.share, 0)
  if (hot > 1 + 1e-9) throw new UsageError(`--synthetic: the hot users' shares add up to ${hot}, more than 1.`, hint)
  return spec
}

/** The rate multiplier at minute i (of the day cycle, growth and launch), the peak being 1 before growth. */
export function shapeAt(spec: SyntheticSpec, i: number): number {
  const t = spec.startMs + i * MINUTE_MS
  let f = 1
  if (spec.diurnal) {
    const hour = (t % 86_400_000) / 3_600_000
    f = 0.25 + 0.75 * ((1 - Math.cos((2 * Math.PI * (hour - 4)) / 24)) / 2)
  }
  if (spec.growth !== 0) f *= (1 + spec.growth) ** (i / 1440)
  if (spec.launch) {
    const days = Math.ceil(spec.minutes / 1440)
    const launchAt = Math.floor((days - 1) / 2) * 1440 + 14 * 60
    if (i >= launchAt) f *= i < launchAt + 45 ? 3 : 1.3
  }
  return f
}

/** The generated trace: minute i made on demand, the same for the same spec. */
export function syntheticTrace(spec: SyntheticSpec): Trace {
  const ranges = uniformRanges(spec.shards)
  const starts = ranges.map((r) => r.start.toString())
  const ends = ranges.map((r) => r.end.toString())
  // A fixed per-shard weight (±5%), then ±5% noise per minute and shard.
  const rng = createRandom(spec.seed)
  const weights = ranges.map(() => 0.95 + 0.1 * rng.float())
  const wsum = weights.reduce((a, b) => a + b, 0)
  const hotShare = spec.hotUsers.reduce((s, h) => s + h.share, 0)
  const hotShard = spec.hotUsers.map((h) => {
    const hash = hashKeyOf(h.key)
    return ranges.findIndex((r) => r.start <= hash && hash <= r.end)
  })
  const minute = (i: number): TraceShard[] => {
    if (i < 0 || i >= spec.minutes) return []
    const noise = createRandom(spec.seed, i + 1)
    const total = spec.peakRecordsPerSecond * 60 * shapeAt(spec, i)
    const rest = total * (1 - hotShare)
    const shards: TraceShard[] = new Array(spec.shards)
    for (let s = 0; s < spec.shards; s++) {
      const records = Math.round(((rest * weights[s]) / wsum) * (0.95 + 0.1 * noise.float()))
      shards[s] = {bytes: records * spec.recordBytes, endingHashKey: ends[s], records, startingHashKey: starts[s]}
    }
    spec.hotUsers.forEach((h, k) => {
      const s = shards[hotShard[k]]
      const records = Math.round(total * h.share * (0.95 + 0.1 * noise.float()))
      const bytes = records * spec.recordBytes
      s.records += records
      s.bytes += bytes
      ;(s.keys ??= []).push({bytes, key: h.key, records})
    })
    return shards
  }
  return {hasKeys: spec.hotUsers.length > 0, minute, minutes: spec.minutes, source: `synthetic ${spec.text}`, startMs: spec.startMs}
}
