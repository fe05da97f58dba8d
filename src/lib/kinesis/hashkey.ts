/**
 * Partition key → hash key → shard. Kinesis hashes the UTF-8 bytes of the partition key with MD5
 * and reads the digest as an unsigned 128-bit big-endian integer; the record goes to the open shard
 * whose HashKeyRange [start, end] contains it.
 */
import {createHash} from 'node:crypto'

import {HASH_KEY_MAX} from './limits.js'

export function hashKeyOf(partitionKey: string): bigint {
  const digest = createHash('md5').update(partitionKey, 'utf8').digest('hex')
  return BigInt(`0x${digest}`)
}

export interface HashRangeLike {
  HashKeyRange?: {StartingHashKey?: string; EndingHashKey?: string}
}

export interface HashRange {
  start: bigint
  end: bigint
}

export function rangeOf(shard: HashRangeLike): HashRange {
  const start = shard.HashKeyRange?.StartingHashKey
  const end = shard.HashKeyRange?.EndingHashKey
  if (start === undefined || end === undefined) throw new Error('Shard has no HashKeyRange')
  return {start: BigInt(start), end: BigInt(end)}
}

export function rangeContains(range: HashRange, hash: bigint): boolean {
  return range.start <= hash && hash <= range.end
}

/** The shard among `shards` whose range holds `hash` (the caller passes the open shards). */
export function shardForHash<T extends HashRangeLike>(shards: readonly T[], hash: bigint): T | undefined {
  return shards.find((s) => rangeContains(rangeOf(s), hash))
}

export function shardForKey<T extends HashRangeLike>(shards: readonly T[], partitionKey: string): T | undefined {
  return shardForHash(shards, hashKeyOf(partitionKey))
}

/** The fraction of the whole hash-key space a range covers, in [0, 1]. */
export function rangeShare(range: HashRange): number {
  const width = range.end - range.start + 1n
  // Scale to keep 12 significant digits through the BigInt → Number conversion.
  return Number((width * 1_000_000_000_000n) / (HASH_KEY_MAX + 1n)) / 1_000_000_000_000
}

/**
 * The hash ranges of `count` uniform shards, as UpdateShardCount UNIFORM_SCALING and CreateStream
 * lay them out: shard i starts at floor(i * 2^128 / count).
 */
export function uniformRanges(count: number): HashRange[] {
  const space = HASH_KEY_MAX + 1n
  const n = BigInt(count)
  const ranges: HashRange[] = []
  for (let i = 0n; i < n; i++) {
    ranges.push({start: (i * space) / n, end: ((i + 1n) * space) / n - 1n})
  }
  return ranges
}
