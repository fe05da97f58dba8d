/**
 * Bounded-memory accumulation of one shard's records for the stream source: per-second bins in a
 * ring (bytes and records by ApproximateArrivalTimestamp) and the hottest partition keys through a
 * space-saving top-k kept per segment of the window, so old segments drop as the window slides.
 * Pure: no I/O, no clock; seconds are passed in.
 */
import {utilization} from './model.js'
import type {KeyLoad} from './types.js'

interface KeyEntry {
  records: number
  bytes: number
  /** Space-saving over-estimate bound: the count this key inherited when it took a slot. */
  error: number
  /** The second being counted for this key, and its records and bytes so far. */
  sec: number
  secRecords: number
  secBytes: number
  /** Highest per-second utilisation this key alone caused (complete seconds and the current one). */
  peak: number
}

/**
 * Space-saving top-k (Metwally et al.): at most `capacity` keys; a new key takes the slot of the
 * least counted one and inherits its count as error. Any key with more than total/capacity records
 * is guaranteed to be monitored, so a hot key is never missed.
 */
export class SpaceSaving {
  readonly entries = new Map<string, KeyEntry>()
  totalRecords = 0
  totalBytes = 0

  constructor(readonly capacity: number) {}

  add(key: string, bytes: number, sec: number): void {
    this.totalRecords += 1
    this.totalBytes += bytes
    let e = this.entries.get(key)
    if (e === undefined) {
      if (this.entries.size < this.capacity) {
        e = {bytes: 0, error: 0, peak: 0, records: 0, sec, secBytes: 0, secRecords: 0}
      } else {
        let minKey = ''
        let min: KeyEntry | undefined
        for (const [k, v] of this.entries) {
          if (min === undefined || v.records < min.records) {
            min = v
            minKey = k
          }
        }
        this.entries.delete(minKey)
        e = {bytes: min!.bytes, error: min!.records, peak: 0, records: min!.records, sec, secBytes: 0, secRecords: 0}
      }
      this.entries.set(key, e)
    }
    if (e.sec !== sec) {
      e.sec = sec
      e.secBytes = 0
      e.secRecords = 0
    }
    e.records += 1
    e.bytes += bytes
    e.secRecords += 1
    e.secBytes += bytes
    const u = utilization(e.secBytes, e.secRecords)
    if (u > e.peak) e.peak = u
  }
}

export interface AccumulatorOptions {
  windowSeconds: number
  /** Seconds beyond the window end kept in the ring (records that arrive while reading). */
  slackSeconds?: number
  /** Keys monitored per segment. */
  keyCapacity?: number
  /** Segments the window is cut into for the key counts. */
  keySegments?: number
}

export const DEFAULT_KEY_CAPACITY = 32
export const DEFAULT_KEY_SEGMENTS = 5

/** One shard's per-second bins and hottest keys. Allocates its bins on the first record. */
export class ShardAccumulator {
  private readonly ring: number
  private secs?: Float64Array
  private bytes?: Float64Array
  private records?: Float64Array
  private readonly segmentSeconds: number
  private readonly segments = new Map<number, SpaceSaving>()
  private readonly keyCapacity: number

  constructor(options: AccumulatorOptions) {
    this.ring = options.windowSeconds + (options.slackSeconds ?? 120)
    this.segmentSeconds = Math.max(1, Math.ceil(options.windowSeconds / (options.keySegments ?? DEFAULT_KEY_SEGMENTS)))
    this.keyCapacity = options.keyCapacity ?? DEFAULT_KEY_CAPACITY
  }

  /** Counts one record that arrived in second `sec` (epoch seconds) with `bytes` (data + key). */
  add(sec: number, bytes: number, partitionKey: string): void {
    if (this.secs === undefined) {
      this.secs = new Float64Array(this.ring).fill(-1)
      this.bytes = new Float64Array(this.ring)
      this.records = new Float64Array(this.ring)
    }
    const i = sec % this.ring
    if (this.secs[i] !== sec) {
      if (this.secs[i] > sec) return // older than what the ring holds
      this.secs[i] = sec
      this.bytes![i] = 0
      this.records![i] = 0
    }
    this.bytes![i] += bytes
    this.records![i] += 1
    const seg = Math.floor(sec / this.segmentSeconds)
    let ss = this.segments.get(seg)
    if (ss === undefined) {
      ss = new SpaceSaving(this.keyCapacity)
      this.segments.set(seg, ss)
    }
    ss.add(partitionKey, bytes, sec)
  }

  /** Per-second sums for seconds [startSec, endSec], oldest first. */
  buckets(startSec: number, endSec: number): {bytes: Float64Array; records: Float64Array} {
    const n = endSec - startSec + 1
    const bytes = new Float64Array(n)
    const records = new Float64Array(n)
    if (this.secs !== undefined) {
      for (let k = 0; k < n; k++) {
        const sec = startSec + k
        const i = sec % this.ring
        if (this.secs[i] === sec) {
          bytes[k] = this.bytes![i]
          records[k] = this.records![i]
        }
      }
    }
    return {bytes, records}
  }

  /** Drops key segments that lie wholly before `startSec`. */
  prune(startSec: number): void {
    for (const seg of this.segments.keys()) {
      if ((seg + 1) * this.segmentSeconds <= startSec) this.segments.delete(seg)
    }
  }

  /**
   * The `n` hottest keys over the segments still held, most records first. Shares are of the
   * records those segments counted; a key's peak is its busiest second.
   */
  topKeys(n: number): KeyLoad[] {
    if (n <= 0 || this.segments.size === 0) return []
    const merged = new Map<string, {records: number; bytes: number; peak: number}>()
    let total = 0
    for (const ss of this.segments.values()) {
      total += ss.totalRecords
      for (const [key, e] of ss.entries) {
        const m = merged.get(key)
        if (m === undefined) merged.set(key, {bytes: e.bytes, peak: e.peak, records: e.records})
        else {
          m.records += e.records
          m.bytes += e.bytes
          if (e.peak > m.peak) m.peak = e.peak
        }
      }
    }
    return [...merged.entries()]
      .sort((a, b) => b[1].records - a[1].records || (a[0] < b[0] ? -1 : 1))
      .slice(0, n)
      .map(([partitionKey, m]) => ({
        bytes: m.bytes,
        partitionKey,
        peakUtilization: m.peak,
        records: m.records,
        share: total > 0 ? Math.min(1, m.records / total) : 0,
      }))
  }
}
