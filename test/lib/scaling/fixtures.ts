/** Builders for planner inputs: open shards on uniform hash ranges with a given load. */
import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {utilization} from '../../../src/lib/load/model.js'
import type {KeyLoad, ShardLoad} from '../../../src/lib/load/types.js'
import type {PlanInput} from '../../../src/lib/scaling/planner.js'
import {POLICY_DEFAULTS, type ScalingPolicy} from '../../../src/lib/scaling/policy.js'

export const MiB = 1024 * 1024

/** A shard on `range` writing `bytesPerSecond` (mean and peak alike) in 4 KiB records (bytes decide the utilisation). */
export function shardLoad(id: number, range: {start: bigint; end: bigint}, bytesPerSecond: number, topKeys?: KeyLoad[]): ShardLoad {
  const recordsPerSecond = bytesPerSecond / 4096
  const u = utilization(bytesPerSecond, recordsPerSecond)
  const load: ShardLoad = {
    bytesPerSecond,
    endingHashKey: range.end.toString(),
    meanUtilization: u,
    peakBytesPerSecond: bytesPerSecond,
    peakRecordsPerSecond: recordsPerSecond,
    peakUtilization: u,
    recordsPerSecond,
    series: [],
    shardId: `shardId-${String(id).padStart(12, '0')}`,
    startingHashKey: range.start.toString(),
    writeThrottles: 0,
  }
  if (topKeys) load.topKeys = topKeys
  return load
}

/** Uniform shards, shard i writing mibPerSecond[i] MiB/s. */
export function uniformShards(mibPerSecond: readonly number[]): ShardLoad[] {
  const ranges = uniformRanges(mibPerSecond.length)
  return mibPerSecond.map((m, i) => shardLoad(i, ranges[i], m * MiB))
}

export function policy(overrides: Partial<ScalingPolicy> = {}): ScalingPolicy {
  // The uniform planner unless a test asks for another strategy (the default is auto).
  return {...POLICY_DEFAULTS, strategy: 'uniform', ...overrides}
}

export const NOW = new Date('2026-03-01T12:00:00Z')

export function input(shards: ShardLoad[], overrides: Partial<PlanInput> = {}, policyOverrides: Partial<ScalingPolicy> = {}): PlanInput {
  return {
    history: [],
    now: NOW,
    policy: policy(policyOverrides),
    shards,
    stream: {mode: 'PROVISIONED', openShardCount: shards.length, status: 'ACTIVE', streamName: 'clicks'},
    ...overrides,
  }
}

export const minutesAgo = (m: number) => NOW.getTime() - m * 60_000
