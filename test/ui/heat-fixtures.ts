/** Synthetic load snapshots for the heat view's tests and benchmark (deterministic). */
import {EventEmitter} from 'node:events'

import {uniformRanges} from '../../src/lib/kinesis/hashkey.js'
import {assembleSnapshot, shardLoadFromBuckets} from '../../src/lib/load/model.js'
import type {LoadSnapshot, ShardLoad} from '../../src/lib/load/types.js'

export const shardIdOf = (i: number) => `shardId-${String(i).padStart(12, '0')}`

/**
 * `n` shards over a window of `seconds` one-second buckets. Shard i carries (i * 7919) % 1000
 * records in its busiest second (so peaks spread over 0–99.9%), a few shards are throttled and
 * one key per shard dominates.
 */
export function syntheticSnapshot(n: number, seconds = 300, options: {hot?: number} = {}): LoadSnapshot {
  const ranges = uniformRanges(n)
  const streamBytes = new Float64Array(seconds)
  const streamRecords = new Float64Array(seconds)
  const shards: ShardLoad[] = ranges.map((r, i) => {
    const peak = options.hot === i ? 1500 : (i * 7919) % 1000
    const records = new Float64Array(seconds)
    const bytes = new Float64Array(seconds)
    for (let s = 0; s < seconds; s++) {
      records[s] = s === (i * 31) % seconds ? peak : Math.floor(peak / 4) * ((s + i) % 2)
      bytes[s] = records[s] * 200
      streamRecords[s] += records[s]
      streamBytes[s] += bytes[s]
    }
    const total = records.reduce((a, b) => a + b, 0)
    const load = shardLoadFromBuckets(
      {endingHashKey: r.end.toString(), shardId: shardIdOf(i), startingHashKey: r.start.toString()},
      {bytes, records, throttles: i % 97 === 0 && i > 0 ? 12 : 0},
      1,
      total === 0
        ? []
        : [
            {bytes: total * 120, partitionKey: String(1000 + i), peakUtilization: peak / 1000 / 2, records: total * 0.6, share: 0.6},
            {bytes: total * 40, partitionKey: String(2000 + i), peakUtilization: 0.01, records: total * 0.2, share: 0.2},
          ],
    )
    return load
  })
  return assembleSnapshot({
    bucketSeconds: 1,
    fromMs: Date.parse('2026-01-01T12:00:00Z'),
    notices: ['Read 1 records (0.000 MiB) with 1 GetRecords calls from 1 shards.'],
    shards,
    source: 'stream',
    streamBytes,
    streamLevelOnly: false,
    streamName: 'clicks',
    streamRecords,
    toMs: Date.parse('2026-01-01T12:00:00Z') + seconds * 1000,
    windowSeconds: seconds,
  })
}

/** A feed that serves the given snapshots in turn (the last one forever) and counts its reads. */
export function fakeFeed(...snapshots: (LoadSnapshot | Error)[]) {
  const feed = {
    calls: 0,
    async next(): Promise<LoadSnapshot> {
      const s = snapshots[Math.min(feed.calls, snapshots.length - 1)]
      feed.calls++
      if (s instanceof Error) throw s
      return s
    },
  }
  return feed
}

/** A terminal for ink's render: records frames, never calls write callbacks (like @oclif/test's capture). */
export class FakeStdout extends EventEmitter {
  frames: string[] = []
  columns = 120
  rows = 24
  isTTY = false
  write = (frame: string) => {
    this.frames.push(frame)
    return true
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true
  private data: string | null = null
  write(data: string) {
    this.data = data
    this.emit('readable')
    this.emit('data', data)
  }
  read = () => {
    const d = this.data
    this.data = null
    return d
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export const KEYS = {down: '\u001B[B', end: '\u001B[F', home: '\u001B[H', pageDown: '\u001B[6~', pageUp: '\u001B[5~', up: '\u001B[A'}

/**
 * The live view's refresh timer, in the test's hands: `pending` holds what is scheduled and not
 * cancelled; nothing runs until the test calls `runAll`.
 */
export class ManualSchedule {
  readonly pending = new Set<() => void>()
  scheduled = 0
  readonly schedule = (run: () => void, _ms: number): (() => void) => {
    this.scheduled++
    this.pending.add(run)
    return () => this.pending.delete(run)
  }

  runAll(): void {
    const due = [...this.pending]
    this.pending.clear()
    for (const run of due) run()
  }
}
