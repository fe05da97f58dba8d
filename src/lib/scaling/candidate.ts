/**
 * The split candidate of a hot shard (pure), for `clickops heat`: the hash key that splits the
 * shard into two halves of equal load (traffic-weighted: its known keys stay at their hash, the
 * rest is spread evenly; without keys, from CloudWatch, that is the midpoint), and what each side
 * would carry. The same model and cut as `clickops scale --strategy targeted`.
 */
import {keysMapToShards, type RecordDistribution} from '../kinesis/distribution.js'
import {HEAT_HOT} from '../load/model.js'
import type {ShardLoad} from '../load/types.js'
import {buildProfiles} from './planner.js'
import {balancedCuts, loadBetween, shardModel} from './targeted.js'

export interface SplitCandidate {
  shardId: string
  newStartingHashKey: string
  /** Peak utilisation each side would carry. */
  lower: number
  upper: number
  /** True when known partition keys weighed the cut (stream source); false: the midpoint. */
  weighted: boolean
  /** A key that alone is over the shard limit: no split relieves it. */
  hotKey?: string
}

/**
 * The split candidate of `shard`, or undefined when it has nothing to split (one key, one hash). On an
 * AUTO stream (`strategy`) keys do not sit at their hashes: the cut is the load's midpoint, unweighted,
 * and no key is named as one no split relieves.
 */
export function splitCandidate(shard: ShardLoad, windowSeconds?: number, strategy?: RecordDistribution): SplitCandidate | undefined {
  const {hotKeys, perShard} = buildProfiles([shard], {basis: 'peak', targetUtilization: 1}, windowSeconds, keysMapToShards(strategy))
  const p = perShard[0]
  const model = shardModel({...p, hotPoints: [], points: [...p.points, ...p.hotPoints]})
  // A target of 0 asks for the fewest parts allowed, two, balanced.
  const [cut] = balancedCuts(model, 0, 2)
  if (cut === undefined) return undefined
  const units = (a: bigint, b: bigint) => {
    const u = loadBetween(model, a, b, false)
    return Math.max(u.b, u.r)
  }
  const candidate: SplitCandidate = {
    lower: units(model.start, cut - 1n),
    newStartingHashKey: cut.toString(),
    shardId: shard.shardId,
    upper: units(cut, model.end),
    weighted: p.points.length + p.hotPoints.length > 0,
  }
  if (hotKeys.length > 0) candidate.hotKey = hotKeys[0].partitionKey
  return candidate
}

/** The hottest shard's split candidate when its peak is hot (80% of the shard limit or more). */
export function hotShardCandidate(shards: readonly ShardLoad[], windowSeconds?: number, strategy?: RecordDistribution): SplitCandidate | undefined {
  let hottest: ShardLoad | undefined
  for (const s of shards) if (hottest === undefined || s.peakUtilization > hottest.peakUtilization) hottest = s
  if (hottest === undefined || hottest.peakUtilization < HEAT_HOT || hottest.estimated) return undefined
  return splitCandidate(hottest, windowSeconds, strategy)
}
