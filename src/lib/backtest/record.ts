/**
 * `clickops heat --record FILE` (pure part): turns the snapshots of a live load feed into trace
 * lines (src/lib/backtest/trace.ts), one per whole minute, each minute once, in order, so a local
 * session can be replayed with `clickops scale backtest --trace FILE`.
 *
 * A minute is written once it is complete: wholly inside a snapshot's window and older than a lag
 * (stream source: 5 s for records still arriving; CloudWatch: 2 min for datapoints still being
 * published). Its shards are the snapshot's open shards with their sums for the minute; the stream
 * source's hottest keys are written with the window's share of each applied to the minute (an
 * estimate: the source counts keys per window segment, not per minute), keys under 1% left out.
 */
import {readFile, appendFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'
import type {LoadSnapshot} from '../load/types.js'
import {formatTraceLine, MINUTE_MS, type TraceShard} from './trace.js'

const STREAM_LAG_MS = 5_000
const CLOUDWATCH_LAG_MS = 2 * 60_000
const KEY_FLOOR = 0.01

export class TraceRecorder {
  /** The last minute written (epoch ms), or undefined before the first. */
  constructor(private last?: number) {}

  get lastMinute(): number | undefined {
    return this.last
  }

  /** The trace lines of the minutes this snapshot completes (none when its shards carry no sums). */
  lines(snapshot: LoadSnapshot): string[] {
    const fromMs = Date.parse(snapshot.from)
    const toMs = Date.parse(snapshot.to)
    const bucketMs = snapshot.bucketSeconds * 1000
    const lag = snapshot.bucketSeconds >= 60 ? CLOUDWATCH_LAG_MS : STREAM_LAG_MS
    const out: string[] = []
    if (snapshot.shards.some((s) => s.sums === undefined)) return out
    for (let m = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS; m + MINUTE_MS <= toMs - lag; m += MINUTE_MS) {
      if (this.last !== undefined && m <= this.last) continue
      const first = Math.round((m - fromMs) / bucketMs)
      const count = Math.round(MINUTE_MS / bucketMs)
      const shards: TraceShard[] = snapshot.shards.map((s) => {
        let bytes = 0
        let records = 0
        let throttled = 0
        for (let k = first; k < first + count; k++) {
          bytes += s.sums!.bytes[k] ?? 0
          records += s.sums!.records[k] ?? 0
          throttled += s.sums!.throttles?.[k] ?? 0
        }
        const shard: TraceShard = {bytes, endingHashKey: s.endingHashKey, records, startingHashKey: s.startingHashKey}
        if (s.sums!.throttles !== undefined) shard.throttled = throttled
        const keys = (s.topKeys ?? [])
          .filter((k) => k.share >= KEY_FLOOR && records > 0)
          .map((k) => {
            const kr = Math.round(k.share * records)
            return {bytes: Math.min(bytes, Math.round(k.records > 0 ? (k.bytes / k.records) * kr : 0)), key: k.partitionKey, records: kr}
          })
          .filter((k) => k.records > 0)
        if (keys.length > 0) shard.keys = keys
        return shard
      })
      out.push(formatTraceLine(m, shards))
      this.last = m
    }
    return out
  }
}

/** The last minute of an existing trace file (so a later session appends after it), undefined for none. */
export async function lastRecordedMinute(path: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UsageError(`Cannot read ${path} to append to it: ${(error as Error).message}`)
  }
  const lines = text.trimEnd().split('\n')
  const lastLine = lines.at(-1)?.trim()
  if (lastLine === undefined || lastLine === '') return undefined
  try {
    const t = Date.parse((JSON.parse(lastLine) as {t: string}).t)
    if (!Number.isNaN(t)) return t
  } catch {
    // fall through
  }
  throw new UsageError(`${path}: line ${lines.length} is not a trace line, so the recording cannot be appended to it.`, 'Record into a new file, or one written by --record or --save-trace.')
}

export async function appendTraceLines(path: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return
  try {
    await appendFile(path, lines.map((l) => `${l}\n`).join(''))
  } catch (error) {
    throw new UsageError(`Cannot append to ${path}: ${(error as Error).message}`)
  }
}
