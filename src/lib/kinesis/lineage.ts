/**
 * Shard lineage: how the shards of a stream descend from one another through resharding, and which
 * shards hold a given hash key over time. Pure functions of a ListShards result.
 *
 * Kinesis keeps closed parent shards (with an EndingSequenceNumber) until their records expire. A
 * split gives a parent two children; a merge gives a child two parents (`ParentShardId` and
 * `AdjacentParentShardId`). A key's records live in the shard that held its hash when they were
 * written, so the shards that hold one hash form a chain in time: the oldest retained one first,
 * the open one last.
 */
import type {Shard} from '@aws-sdk/client-kinesis'

import {rangeContains, rangeOf} from './hashkey.js'
import {isOpen} from './shards.js'

/** The parents of a shard (zero, one after a split, two after a merge). */
export function parentsOf(shard: Pick<Shard, 'ParentShardId' | 'AdjacentParentShardId'>): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined && p !== null)
}

/** Whether a shard's hash-key range holds `hash`. */
export function holdsHash(shard: Pick<Shard, 'HashKeyRange'>, hash: bigint): boolean {
  return rangeContains(rangeOf(shard), hash)
}

/** Children of every listed shard: parent id → the listed shards that name it as a parent. */
export function childrenIndex(shards: readonly Shard[]): Map<string, Shard[]> {
  const index = new Map<string, Shard[]>()
  for (const shard of shards) {
    for (const parent of parentsOf(shard)) {
      const list = index.get(parent) ?? []
      list.push(shard)
      index.set(parent, list)
    }
  }
  return index
}

function compareStart(a: Shard, b: Shard): number {
  const x = BigInt(a.SequenceNumberRange?.StartingSequenceNumber ?? '0')
  const y = BigInt(b.SequenceNumberRange?.StartingSequenceNumber ?? '0')
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * The retained shards that no other retained shard is a parent of: where a reader of the whole
 * history starts. Their own parents, if any, have aged out of the retention period.
 */
export function rootShards(shards: readonly Shard[]): Shard[] {
  const ids = new Set(shards.map((s) => s.ShardId!))
  return shards.filter((s) => !parentsOf(s).some((p) => ids.has(p)))
}

/**
 * The chain of shards that held `hash`, oldest retained first, open shard last. Each step goes to
 * the one child whose range holds the hash (after a split one child, after a merge the merged
 * child). Empty when no listed shard holds the hash (an empty listing).
 */
export function hashChain(shards: readonly Shard[], hash: bigint): Shard[] {
  const holders = shards.filter((s) => holdsHash(s, hash))
  const ids = new Set(holders.map((s) => s.ShardId!))
  // The oldest retained holder: its parent that held the hash is gone (or it never had one).
  const starts = holders.filter((s) => !parentsOf(s).some((p) => ids.has(p))).sort(compareStart)
  if (starts.length === 0) return []
  const children = childrenIndex(holders)
  const chain: Shard[] = []
  const seen = new Set<string>()
  let current: Shard | undefined = starts[0]
  while (current !== undefined && !seen.has(current.ShardId!)) {
    chain.push(current)
    seen.add(current.ShardId!)
    current = [...(children.get(current.ShardId!) ?? [])].sort(compareStart)[0]
  }
  return chain
}

/** The open shard holding `hash` now (the last link of its chain), if any. */
export function openShardForHash(shards: readonly Shard[], hash: bigint): Shard | undefined {
  return shards.find((s) => isOpen(s) && holdsHash(s, hash))
}

/**
 * The shards of a hash chain that may hold sequence number `sequence`, most likely first: those whose
 * StartingSequenceNumber is not after it, newest first. Sequence numbers grow along a chain, so on
 * AWS the first one holds it; emulators do not always report real starting or ending sequence
 * numbers (kinesis-local gives a merged shard its parent's start), so a caller that must be sure
 * checks the candidates in turn.
 */
export function sequenceCandidates(chain: readonly Shard[], sequence: bigint): Shard[] {
  return chain.filter((s) => {
    const start = s.SequenceNumberRange?.StartingSequenceNumber
    return start !== undefined && BigInt(start) <= sequence
  }).reverse()
}

/** The shard of a hash chain that holds `sequence` by its sequence number range (see sequenceCandidates). */
export function chainShardForSequence(chain: readonly Shard[], sequence: bigint): Shard | undefined {
  return sequenceCandidates(chain, sequence)[0]
}

/**
 * The ids of `startIds` and every listed shard descending from them, restricted to the shards that
 * `select` accepts (a descendant that is not selected ends that branch). These are the shards a
 * reader that starts at `startIds` and follows children will read.
 */
export function descendantIds(
  shards: readonly Shard[],
  startIds: readonly string[],
  select: (shard: Shard) => boolean = () => true,
): Set<string> {
  const children = childrenIndex(shards)
  const out = new Set<string>()
  const queue = [...startIds]
  while (queue.length > 0) {
    const id = queue.shift()!
    if (out.has(id)) continue
    out.add(id)
    for (const child of children.get(id) ?? []) if (select(child)) queue.push(child.ShardId!)
  }
  return out
}
