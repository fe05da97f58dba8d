/**
 * A simulated stream's open shards and the projection of a trace minute onto them (pure). A trace
 * range's load is spread evenly over the range, its known keys kept at their hash, as the planner
 * models a shard's load (src/lib/scaling/planner.ts, buildProfiles): so after a reshard, each new
 * shard carries its part of the old ranges plus the known keys that hash into it.
 */
import {hashKeyOf, uniformRanges} from '../kinesis/hashkey.js'
import type {TraceShard} from './trace.js'

/** 2^128 as a double (exact). */
const SPACE = 2 ** 128

export interface SimShard {
  shardId: string
  start: bigint
  end: bigint
  startingHashKey: string
  endingHashKey: string
  /** [s, e) as fractions of the hash space. */
  s: number
  e: number
}

/** One minute's load of each open shard (aligned with the layout), and the known keys on each. */
export interface MinuteLoad {
  bytes: Float64Array
  records: Float64Array
  /** Per shard: its known keys' loads this minute (only when the trace has keys). */
  keys?: ({key: string; bytes: number; records: number}[] | undefined)[]
}

const positions = new Map<string, number>()
/** A hash key's position in [0, 1] (cached: traces repeat the same keys every minute). */
export function position(key: string): number {
  let p = positions.get(key)
  if (p === undefined) {
    p = Number(BigInt(key)) / SPACE
    if (positions.size > 200_000) positions.clear()
    positions.set(key, p)
  }
  return p
}

const keyHashes = new Map<string, bigint>()
function hashOf(key: string): bigint {
  let h = keyHashes.get(key)
  if (h === undefined) {
    h = hashKeyOf(key)
    if (keyHashes.size > 200_000) keyHashes.clear()
    keyHashes.set(key, h)
  }
  return h
}

export function simShard(shardId: string, start: bigint, end: bigint): SimShard {
  const startingHashKey = start.toString()
  const endingHashKey = end.toString()
  return {e: (Number(end) + 1) / SPACE, end, endingHashKey, s: Number(start) / SPACE, shardId, start, startingHashKey}
}

/** Shard ids as Kinesis numbers them: shardId-000000000000, ... */
export class ShardIds {
  private next = 0
  id(): string {
    return `shardId-${String(this.next++).padStart(12, '0')}`
  }
}

export function uniformLayout(count: number, ids: ShardIds): SimShard[] {
  return uniformRanges(count).map((r) => simShard(ids.id(), r.start, r.end))
}

/** The layout of a trace minute's ranges (sorted by start); of overlapping ranges (a reshard minute) the first is kept. */
export function layoutOf(shards: readonly TraceShard[], ids: ShardIds): SimShard[] {
  const out: SimShard[] = []
  for (const s of shards) {
    const start = BigInt(s.startingHashKey)
    if (out.length > 0 && start <= out.at(-1)!.end) continue
    out.push(simShard(ids.id(), start, BigInt(s.endingHashKey)))
  }
  return out
}

/** The index of the shard holding `hash` (binary search; -1 when none does). */
export function shardIndexOf(layout: readonly SimShard[], hash: bigint): number {
  let lo = 0
  let hi = layout.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const s = layout[mid]
    if (hash < s.start) hi = mid - 1
    else if (hash > s.end) lo = mid + 1
    else return mid
  }
  return -1
}

/**
 * Projects one trace minute onto `layout`: each trace range's load less its known keys spread over
 * the range (overlaps by hash-space fraction), each known key added to the shard its hash falls in.
 * O(ranges + shards + keys); both lists sorted by start.
 */
export function projectMinute(trace: readonly TraceShard[], layout: readonly SimShard[], withKeys: boolean): MinuteLoad {
  const n = layout.length
  const bytes = new Float64Array(n)
  const records = new Float64Array(n)
  const load: MinuteLoad = {bytes, records}
  if (withKeys) load.keys = new Array(n)
  let j = 0
  for (const r of trace) {
    let restBytes = r.bytes
    let restRecords = r.records
    if (r.keys !== undefined) {
      for (const k of r.keys) {
        const kb = Math.min(k.bytes, restBytes)
        const kr = Math.min(k.records, restRecords)
        restBytes -= kb
        restRecords -= kr
        const i = shardIndexOf(layout, hashOf(k.key))
        if (i < 0) continue
        bytes[i] += kb
        records[i] += kr
        if (withKeys) (load.keys![i] ??= []).push({bytes: kb, key: k.key, records: kr})
      }
    }
    if (restBytes <= 0 && restRecords <= 0) continue
    const rs = position(r.startingHashKey)
    const re = position(r.endingHashKey) + 1 / SPACE
    const width = re - rs
    // Shards ending at or before this range's start are behind us for good (ranges are sorted).
    while (j < n && layout[j].e <= rs) j++
    if (width <= 0) {
      // A range narrower than a double resolves: a point.
      const i = j < n ? j : n - 1
      bytes[i] += restBytes
      records[i] += restRecords
      continue
    }
    for (let i = j; i < n && layout[i].s < re; i++) {
      const overlap = Math.min(re, layout[i].e) - Math.max(rs, layout[i].s)
      if (overlap <= 0) continue
      const f = overlap / width
      bytes[i] += restBytes * f
      records[i] += restRecords * f
    }
  }
  return load
}

/** Splits the shard with exactly [start, end] at `key`: children [start, key − 1] and [key, end]. */
export function applySplit(layout: readonly SimShard[], start: string, end: string, key: string, ids: ShardIds): SimShard[] | undefined {
  const i = layout.findIndex((s) => s.startingHashKey === start && s.endingHashKey === end)
  if (i < 0) return undefined
  const k = BigInt(key)
  const p = layout[i]
  if (k <= p.start || k > p.end) return undefined
  return [...layout.slice(0, i), simShard(ids.id(), p.start, k - 1n), simShard(ids.id(), k, p.end), ...layout.slice(i + 1)]
}

/** Merges the shard [start, end] with its adjacent shard [adjStart, adjEnd]. */
export function applyMerge(layout: readonly SimShard[], start: string, adjStart: string, ids: ShardIds): SimShard[] | undefined {
  const a = layout.findIndex((s) => s.startingHashKey === start)
  const b = layout.findIndex((s) => s.startingHashKey === adjStart)
  if (a < 0 || b < 0 || Math.abs(a - b) !== 1) return undefined
  const lo = Math.min(a, b)
  const merged = simShard(ids.id(), layout[lo].start, layout[lo + 1].end)
  return [...layout.slice(0, lo), merged, ...layout.slice(lo + 2)]
}
