/**
 * Pure text for the heat view: one string per shard row (so a frame is a few dozen strings however
 * many shards there are), the header, the sparkline and the colours of the absolute heat scale.
 * No ink, no React: the live view, the one-shot table and the benchmarks all use these.
 */
import {styled, type Style} from '../../cli/output.js'
import {SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND} from '../../lib/kinesis/limits.js'
import {heatLevel, type HeatLevel} from '../../lib/load/model.js'
import type {ConsumerReadLoad, ReadLoadSnapshot} from '../../lib/load/read.js'
import type {LoadSnapshot, ShardLoad} from '../../lib/load/types.js'
import {hotShardCandidate, type SplitCandidate} from '../../lib/scaling/candidate.js'
import {formatBytes, formatCount, formatDuration, formatInt, formatPercent} from '../../lib/format.js'

export type SortMode = 'hash' | 'heat'

export const HEAT_STYLES: Record<HeatLevel, Style[]> = {
  cool: ['cyan'],
  warm: ['yellow'],
  hot: ['red'],
  throttled: ['red', 'inverse', 'bold'],
}

/** `text` in the colours of `level` (callers pass their colour decision: they paint only when it is on). */
export function paint(text: string, level: HeatLevel): string {
  return styled(true, text, ...HEAT_STYLES[level])
}

/** The shared formatters under the names the heat view has always used. */
export {formatBytes as fmtBytes, formatCount as fmtCount, formatPercent as fmtPercent} from '../../lib/format.js'

const BARS = '▁▂▃▄▅▆▇█'

/**
 * A sparkline of utilisation on the absolute scale (a full bar = 100% of the shard limit), `width`
 * characters, each the busiest bucket it covers; blank where nothing arrived.
 */
export function sparkline(series: readonly number[], width: number, color = true): string {
  if (width <= 0) return ''
  const n = series.length
  let out = ''
  let run = ''
  let runLevel: HeatLevel | undefined
  const flush = () => {
    if (run !== '') out += color && runLevel !== undefined ? paint(run, runLevel) : run
    run = ''
  }
  for (let c = 0; c < width; c++) {
    const from = Math.floor((c * n) / width)
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / width))
    let u = 0
    let any = false
    for (let i = from; i < to && i < n; i++) {
      any = true
      if (series[i] > u) u = series[i]
    }
    const ch = !any || u <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor(u * BARS.length))]
    const level = ch === ' ' ? undefined : heatLevel(u)
    if (level !== runLevel) {
      flush()
      runLevel = level
    }
    run += ch
  }
  flush()
  return out
}

/**
 * Shards in the order asked: by hash range (as listed), or hottest first (peak, then mean, then
 * throttles; ties keep the hash order). Sorts an index array over typed keys: 10,000 shards in a
 * few milliseconds.
 */
export function sortShards(shards: readonly ShardLoad[], mode: SortMode): readonly ShardLoad[] {
  if (mode === 'hash') return shards
  const n = shards.length
  const peak = new Float64Array(n)
  const mean = new Float64Array(n)
  const throttles = new Float64Array(n)
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    peak[i] = shards[i].peakUtilization
    mean[i] = shards[i].meanUtilization
    throttles[i] = throttlesOf(shards[i])
    order[i] = i
  }
  order.sort((a, b) => peak[b] - peak[a] || mean[b] - mean[a] || throttles[b] - throttles[a] || a - b)
  const out = new Array<ShardLoad>(n)
  for (let i = 0; i < n; i++) out[i] = shards[order[i]]
  return out
}

/** A partition key as shown: control characters (a key may hold any Unicode) become "?". */
export function displayKey(key: string): string {
  // eslint-disable-next-line no-control-regex
  return key.replace(/[\u0000-\u001F\u007F-\u009F]/g, '?')
}

/** The throttles a row shows: read throttles on the read side (`heat --read`), write throttles otherwise. */
export function throttlesOf(s: ShardLoad): number {
  return s.readThrottles ?? s.writeThrottles
}

/** An iterator age: "850ms", "42s", "5m12s"; "—" without a datapoint. */
export function fmtAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—'
  return ms < 1000 ? `${Math.round(ms)}ms` : formatDuration(Math.round(ms / 1000) * 1000)
}

/** The read side's last column: iterator age now and its peak. */
export function fmtAges(s: ShardLoad): string {
  return `age ${fmtAge(s.iteratorAgeMs)} · peak ${fmtAge(s.peakIteratorAgeMs)}`
}

export function fmtKeys(shard: ShardLoad, max = 3): string {
  if (shard.topKeys === undefined) return ''
  return shard.topKeys
    .slice(0, max)
    .map((k) => `${displayKey(k.partitionKey)} ${formatPercent(k.share, 0)}`)
    .join(' · ')
}

/**
 * Cuts `text` (which may hold ANSI styles) to `width` columns, ending in "…" when cut. Counts one
 * column per code point: every character this view writes is one column wide.
 */
export function fitWidth(text: string, width: number): string {
  if (text.length <= width) return text
  let out = ''
  let visible = 0
  let styled = false
  for (let i = 0; i < text.length; ) {
    if (text.charCodeAt(i) === 0x1b) {
      let j = i + 1
      while (j < text.length && !/[A-Za-z]/.test(text[j])) j++
      out += text.slice(i, j + 1)
      styled = true
      i = j + 1
      continue
    }
    const cp = text.codePointAt(i)!
    const ch = String.fromCodePoint(cp)
    if (visible === width - 1) {
      // One column left: the last character, or "…" when more visible text follows.
      let rest = i + ch.length
      while (rest < text.length && text.charCodeAt(rest) === 0x1b) {
        let j = rest + 1
        while (j < text.length && !/[A-Za-z]/.test(text[j])) j++
        rest = j + 1
      }
      if (rest >= text.length) return out + text.slice(i)
      return styled ? `${out}…\u001B[0m` : `${out}…`
    }
    out += ch
    visible++
    i += ch.length
  }
  return out
}

/** Column widths; the sparkline and the keys share what is left of the terminal width. */
const COLS = {shard: 21, util: 6, peak: 6, bytes: 10, records: 7, throttles: 6}
const FIXED = Object.values(COLS).reduce((a, b) => a + b, 0) + Object.keys(COLS).length

export interface RowLayout {
  spark: number
  keys: number
}

export function rowLayout(width: number): RowLayout {
  const rest = Math.max(0, width - FIXED)
  const spark = Math.min(30, Math.max(0, rest - 23))
  return {keys: Math.max(0, rest - spark - (spark > 0 ? 1 : 0)), spark}
}

export function columnHeader(layout: RowLayout, keysLabel = 'hot keys (share)'): string {
  const cells = [
    'shard'.padEnd(COLS.shard),
    'util'.padStart(COLS.util),
    'peak'.padStart(COLS.peak),
    'bytes/s'.padStart(COLS.bytes),
    'rec/s'.padStart(COLS.records),
    'thrott'.padStart(COLS.throttles),
  ]
  if (layout.spark > 0) cells.push('window'.slice(0, layout.spark).padEnd(layout.spark))
  if (layout.keys > 0) cells.push(keysLabel.slice(0, layout.keys))
  return cells.join(' ')
}

/** One shard as one string: id, mean and peak utilisation coloured on the heat scale, rates, throttles, sparkline, keys. */
export function shardRow(s: ShardLoad, layout: RowLayout, color = true): string {
  const throttled = throttlesOf(s) > 0
  const id = (s.estimated ? `${s.shardId}~` : s.shardId).slice(0, COLS.shard).padEnd(COLS.shard)
  const util = formatPercent(s.meanUtilization).padStart(COLS.util)
  const peak = formatPercent(s.peakUtilization).padStart(COLS.peak)
  const cells = [
    id,
    color ? paint(util, heatLevel(s.meanUtilization, throttled ? 1 : 0)) : util,
    color ? paint(peak, heatLevel(s.peakUtilization, throttled ? 1 : 0)) : peak,
    formatBytes(s.bytesPerSecond).padStart(COLS.bytes),
    formatCount(s.recordsPerSecond).padStart(COLS.records),
    formatCount(throttlesOf(s)).padStart(COLS.throttles),
  ]
  if (layout.spark > 0) cells.push(sparkline(s.series, layout.spark, color))
  if (layout.keys > 0) {
    const keys = s.iteratorAgeMs === undefined ? fmtKeys(s) : fmtAges(s)
    cells.push(keys.length > layout.keys ? `${keys.slice(0, Math.max(0, layout.keys - 1))}…` : keys)
  }
  return cells.join(' ')
}

export interface HeatMeta {
  target: string
  refreshMs?: number
  /** Shown while the first snapshot is read. */
  stream?: string
  source?: string
}

/** The peak utilisation of the hottest shard. */
export function hottest(snapshot: LoadSnapshot): ShardLoad | undefined {
  let best: ShardLoad | undefined
  for (const s of snapshot.shards) if (best === undefined || s.peakUtilization > best.peakUtilization) best = s
  return best
}

/** Header lines: what is shown, the stream against its capacity, throttles, the hottest shard. */
export function headerLines(snapshot: LoadSnapshot, meta: HeatMeta, width: number, color = true): string[] {
  if (snapshot.side === 'read') return readHeaderLines(snapshot as ReadLoadSnapshot, meta, width, color)
  const open = snapshot.shards.length
  const capR = snapshot.capacityRecordsPerSecond ?? open * SHARD_WRITE_RECORDS_PER_SECOND
  const capB = snapshot.capacityBytesPerSecond ?? open * SHARD_WRITE_BYTES_PER_SECOND
  const bucket = snapshot.source === 'stream' ? 'per-second peaks' : 'per-minute sums'
  const first = [
    `stream ${snapshot.streamName}`,
    `target ${meta.target}`,
    `source ${snapshot.source} (${bucket})`,
    `window ${formatDuration(snapshot.windowSeconds * 1000)}`,
    ...(meta.refreshMs === undefined ? [] : [`refresh ${formatDuration(meta.refreshMs)}`]),
  ].join(' · ')
  const utilR = capR > 0 ? snapshot.totalRecordsPerSecond / capR : 0
  const utilB = capB > 0 ? snapshot.totalBytesPerSecond / capB : 0
  const hot = hottest(snapshot)
  const second = [
    `${formatInt(open)} open shards`,
    `throttles ${formatCount(snapshot.writeThrottles)}`,
    ...(hot === undefined ? [] : [`hottest ${hot.shardId} peak ${formatPercent(hot.peakUtilization)}`]),
  ].join(' · ')
  const level = heatLevel(Math.max(utilR, utilB), snapshot.writeThrottles)
  const totals = `in ${formatCount(snapshot.totalRecordsPerSecond)} rec/s of ${formatCount(capR)} (${formatPercent(utilR)}) · ${formatBytes(snapshot.totalBytesPerSecond)}/s of ${formatBytes(capB)}/s (${formatPercent(utilB)})`
  let third = color ? paint(totals, level) : totals
  const room = width - totals.length - 3
  if (snapshot.streamSeries !== undefined && room >= 10) third += ` · ${sparkline(snapshot.streamSeries, Math.min(60, room), color)}`
  const lines = [first, second, third]
  const candidate = hotShardCandidate(snapshot.shards, snapshot.windowSeconds)
  if (candidate !== undefined) lines.push(fitWidth(candidateText(candidate, false), width))
  return lines
}

/**
 * The remedy beside the symptom: where to split the hot shard and what each side would carry,
 * e.g. "split shardId-000000000000 at 37510386… (11.0%): 40% | 24% · clickops scale --strategy targeted".
 */
export function candidateText(c: SplitCandidate, fullKey: boolean): string {
  const key = fullKey ? c.newStartingHashKey : `${c.newStartingHashKey.slice(0, 8)}…`
  const at = `${formatPercent(Number((BigInt(c.newStartingHashKey) * 10_000n) >> 128n) / 10_000)} of the hash space`
  const how = c.weighted ? 'weighted by its hottest keys' : 'the midpoint: no keys known, load taken as even'
  const lead = `split ${c.shardId} at ${key} (${at}, ${how}): ${formatPercent(c.lower)} | ${formatPercent(c.upper)}`
  const key1 = c.hotKey === undefined ? '' : ` · key "${displayKey(c.hotKey)}" alone is over the limit: no split relieves it`
  return `${lead}${key1} · clickops scale --strategy targeted`
}

/** The read side's header (`heat --read`): reads against 2 MiB/s per shard, throttles, the oldest iterator, EFO consumers. */
export function readHeaderLines(snapshot: ReadLoadSnapshot, meta: HeatMeta, width: number, color = true): string[] {
  const open = snapshot.shards.length
  const capB = snapshot.capacityBytesPerSecond ?? open * 2 * 1024 * 1024
  const first = [
    `stream ${snapshot.streamName}`,
    `target ${meta.target}`,
    'read side · cloudwatch (per-minute sums)',
    `window ${formatDuration(snapshot.windowSeconds * 1000)}`,
    ...(meta.refreshMs === undefined ? [] : [`refresh ${formatDuration(meta.refreshMs)}`]),
  ].join(' · ')
  const hot = hottest(snapshot)
  const second = [
    `${open.toLocaleString('en-US')} open shards`,
    `read throttles ${formatCount(snapshot.readThrottles)}`,
    `oldest iterator ${fmtAge(snapshot.iteratorAgeMs)} (peak ${fmtAge(snapshot.peakIteratorAgeMs)})`,
    ...(hot === undefined ? [] : [`hottest ${hot.shardId} peak ${formatPercent(hot.peakUtilization)}`]),
  ].join(' · ')
  const util = capB > 0 ? snapshot.totalBytesPerSecond / capB : 0
  const totals = `read out ${formatBytes(snapshot.totalBytesPerSecond)}/s of ${formatBytes(capB)}/s shared (${formatPercent(util)}) · ${formatCount(snapshot.totalRecordsPerSecond)} rec/s`
  let third = color ? paint(totals, heatLevel(util, snapshot.readThrottles)) : totals
  const room = width - totals.length - 3
  if (snapshot.streamSeries !== undefined && room >= 10) third += ` · ${sparkline(snapshot.streamSeries, Math.min(60, room), color)}`
  const lines = [first, second, third]
  for (const c of snapshot.consumers) lines.push(fitWidth(consumerText(c, color), width))
  return lines
}

/** One registered enhanced fan-out consumer: its own throughput against 2 MiB/s per shard, and its lag. */
export function consumerText(c: ConsumerReadLoad, color = true): string {
  const util = formatPercent(c.peakUtilization)
  return `efo ${c.consumerName}${c.status === 'ACTIVE' ? '' : ` (${c.status})`}: ${formatBytes(c.bytesPerSecond)}/s · peak ${color ? paint(util, heatLevel(c.peakUtilization)) : util} of its own 2 MiB/s per shard · behind ${fmtAge(c.millisBehindLatest)} (peak ${fmtAge(c.peakMillisBehindLatest)})`
}
