/**
 * How `tail` prints a record (json, pretty, raw) and its status line. Pure: colour comes in as a
 * function, so the command decides whether the terminal gets any.
 */
import {formatDuration, formatInt, truncate} from '../format.js'
import type {TailStart} from './plan.js'
import {positionOf, type TailRecord} from './records.js'
import type {TailSummary} from './tail.js'

export const OUTPUTS = ['pretty', 'json', 'raw'] as const
export type TailOutput = (typeof OUTPUTS)[number]

export type Paint = (text: string, ...styles: ('bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'cyan' | 'gray')[]) => string
const plainPaint: Paint = (text) => text

const utf8 = new TextDecoder('utf-8', {fatal: true})

/** The data as JSON when it is JSON, else as base64. */
export function decodeData(data: Uint8Array): {encoding: 'json'; value: unknown; text: string} | {encoding: 'base64'; value: string; text?: string} {
  let text: string | undefined
  try {
    text = utf8.decode(data)
  } catch {
    text = undefined
  }
  if (text !== undefined) {
    const first = text.trimStart()[0]
    if (first !== undefined && '{["-0123456789tfn'.includes(first)) {
      try {
        return {encoding: 'json', text, value: JSON.parse(text)}
      } catch {
        // not JSON
      }
    }
  }
  return {encoding: 'base64', text, value: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}
}

/** One line of `tail --output json` (and `--json`): the JSON contract of `clickops tail`. */
export interface TailJsonLine {
  partitionKey: string
  shardId: string
  sequenceNumber: string
  /** Inside a KPL aggregate only. */
  subSequenceNumber?: number
  /** What --after-sequence takes: the sequence number, or SEQUENCE:SUBSEQUENCE inside an aggregate. */
  position: string
  explicitHashKey?: string
  /** ISO 8601, or null when Kinesis gave none. */
  approximateArrivalTimestamp: string | null
  /** The record's data: its JSON value, or base64 when it is not JSON. */
  data: unknown
  dataEncoding: 'json' | 'base64'
}

/**
 * One JSON object per line: partitionKey, shardId, sequenceNumber (and subSequenceNumber inside an
 * aggregate), position (what --after-sequence takes), approximateArrivalTimestamp, data.
 */
export function formatJson(record: TailRecord): string {
  const data = decodeData(record.data)
  const out: Omit<TailJsonLine, 'approximateArrivalTimestamp' | 'data' | 'dataEncoding' | 'position'> & Partial<TailJsonLine> = {
    partitionKey: record.partitionKey,
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
  }
  if (record.subSequenceNumber !== undefined) out.subSequenceNumber = record.subSequenceNumber
  out.position = positionOf(record)
  if (record.explicitHashKey !== undefined) out.explicitHashKey = record.explicitHashKey
  out.approximateArrivalTimestamp = record.approximateArrivalTimestamp?.toISOString() ?? null
  // JSON data on one line is embedded as it is: parsing proved it valid, and not re-serialising it
  // halves the cost of a line.
  if (data.encoding === 'json' && !/[\n\r]/.test(data.text)) {
    return `${JSON.stringify(out).slice(0, -1)},"data":${data.text.trim()},"dataEncoding":"json"}\n`
  }
  out.data = data.value
  out.dataEncoding = data.encoding
  return `${JSON.stringify(out)}\n`
}

/** The data only, followed by a newline. */
export function formatRaw(record: TailRecord): Uint8Array {
  const out = new Uint8Array(record.data.byteLength + 1)
  out.set(record.data, 0)
  out[record.data.byteLength] = 0x0a
  return out
}

const EVENT_STYLE: Record<string, Parameters<Paint>[1]> = {AddToCart: 'yellow', Purchase: 'green', Search: 'blue', ViewContent: 'cyan'}

/** `2026-01-31 12:00:01.234  shardId-000000000003  4968…  Purchase  user 35  {...}` */
export function formatPretty(record: TailRecord, paint: Paint = plainPaint): string {
  const time = record.approximateArrivalTimestamp?.toISOString().replace('T', ' ').replace('Z', '') ?? '-'.repeat(23)
  const data = decodeData(record.data)
  const seq = positionOf(record)
  let event = ''
  let body: string
  if (data.encoding === 'json') {
    const value = data.value as Record<string, unknown> | null
    const name = typeof value === 'object' && value !== null && typeof value.event_name === 'string' ? value.event_name : undefined
    if (name !== undefined) event = paint(name.padEnd(11), EVENT_STYLE[name] ?? 'bold')
    body = JSON.stringify(data.value)
  } else {
    body = data.text !== undefined && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(data.text) ? data.text.replaceAll('\n', '\\n') : paint(`base64:${data.value}`, 'dim')
  }
  const parts = [paint(time, 'dim'), paint(record.shardId, 'cyan'), paint(seq, 'gray')]
  if (event !== '') parts.push(event)
  parts.push(paint(`user ${record.partitionKey}`, 'bold'), body)
  return `${parts.join('  ')}\n`
}

export interface TailStatus {
  /** Shards being read now. */
  shards: string[]
  /** Kinesis records read. */
  scanned: number
  /** Records printed. */
  matched: number
  /** The largest MillisBehindLatest among the shards being read. */
  millisBehindLatest?: number
  throttles: number
}


/** The status line: shards, scanned versus matched, lag; cut to `width` columns. */
export function formatStatus(status: TailStatus, width = 120): string {
  const shards =
    status.shards.length === 1 ? status.shards[0] : status.shards.length === 0 ? 'no shard' : `${status.shards.length} shards`
  const lag = status.millisBehindLatest === undefined ? '?' : status.millisBehindLatest === 0 ? 'at the tip' : `${formatDuration(status.millisBehindLatest)} behind`
  const parts = [`reading ${shards}`, `scanned ${formatInt(status.scanned)}`, `matched ${formatInt(status.matched)}`, lag]
  if (status.throttles > 0) parts.push(`throttled ${formatInt(status.throttles)}×`)
  parts.push('Ctrl-C to stop')
  const line = parts.join(' · ')
  return truncate(line, Math.max(20, width))
}

/** Where a tail starts, in words ("trim-horizon", an ISO time, "just after sequence number N"). */
export function describeStart(start: TailStart): string {
  switch (start.kind) {
    case 'time':
      return start.at.toISOString()
    case 'sequence':
      return start.subSequenceNumber === undefined
        ? `${start.after ? 'just after ' : ''}sequence number ${start.sequenceNumber}`
        : `${start.after ? 'just after ' : ''}position ${start.sequenceNumber}:${start.subSequenceNumber}`
    default:
      return start.kind
  }
}

/**
 * The line `tail` ends with: why it stopped, the counts and the last position printed (to carry on
 * from with --after-sequence: a sequence number, or SEQUENCE:SUBSEQUENCE inside an aggregate).
 */
export function formatSummary(s: TailSummary, limit?: number): string {
  const why = {limit: `--limit ${limit} reached`, signal: 'stopped', tip: 'reached the tip', until: '--until reached'}[s.stoppedBy]
  const shards = s.shards.length === 1 ? s.shards[0] : `${s.shards.length} shards`
  const position = s.lastPosition ?? s.lastSequenceNumber
  const last = position === undefined ? '' : `; last position ${position}`
  return `tail: ${why}: ${formatInt(s.matched)} matching of ${formatInt(s.scanned)} records scanned on ${shards}${last}.`
}

const shardsText = (shards: readonly string[]) => (shards.length === 1 ? shards[0] : `${shards.length} shards`)

/** Once every starting shard answered: the shards being read now. */
export function formatFollowing(shards: readonly string[]): string {
  return `tail: following ${shardsText(shards)}; Ctrl-C to stop.`
}

/** A child shard is read after its parents closed; with several shards read, how many from now on. */
export function formatShardStarted(change: {started: string; parents: readonly string[]; reading: readonly string[]}): string {
  const following = change.reading.length > 1 ? `; following ${shardsText(change.reading)}` : ''
  return `tail: ${change.parents.join(' + ')} closed (reshard); continuing in ${change.started}${following}.`
}
