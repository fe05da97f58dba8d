/**
 * The backtest's assumptions about time and money, in one place (the README repeats them).
 *
 * Resharding time. AWS documents UpdateShardCount as asynchronous: the stream is UPDATING and
 * "depending on the size of the stream, the scaling action could take a few minutes to complete"
 * (UpdateShardCount, Kinesis Data Streams API Reference); SplitShard and MergeShards are one shard
 * each and complete in seconds (Resharding a stream, Developer Guide). The model: UpdateShardCount
 * takes 2 minutes plus 1 minute per 500 shards of the larger count; a split or merge 30 seconds;
 * steps one at a time. The old layout carries the traffic until the whole change is done (a change
 * counts from the first whole minute after it completes), which is conservative for a scale-out.
 *
 * Prices: the project's one price table (src/lib/pricing.ts, us-east-1 list prices, with its
 * source): provisioned per shard-hour and per million PUT payload units (25 KB each); on-demand
 * (Standard) per stream-hour and per GB ingested. Reads and retention are left out (they are the
 * same for every policy).
 */
import {DEFAULT_PRICES, PUT_PAYLOAD_UNIT_BYTES} from '../pricing.js'

export const RESHARD_TIME = {
  /** UpdateShardCount: base plus a step per this many shards of the larger count. */
  updateShardCountBaseMs: 120_000, // 2 minutes (a literal: the JSON contract of scale backtest is generated from its type)
  updateShardCountPerShards: 500,
  updateShardCountPerStepMs: 60_000,
  splitMs: 30_000,
  mergeMs: 30_000,
} as const

/** The modelled duration of one UpdateShardCount call from `from` to `to` open shards (`fixedMs` overrides it). */
export function updateShardCountMs(from: number, to: number, fixedMs?: number): number {
  if (fixedMs !== undefined) return fixedMs
  const {updateShardCountBaseMs, updateShardCountPerShards, updateShardCountPerStepMs} = RESHARD_TIME
  return updateShardCountBaseMs + Math.floor(Math.max(from, to) / updateShardCountPerShards) * updateShardCountPerStepMs
}

/** The prices a backtest uses, in USD (from the one price table). */
export interface BacktestPrices {
  shardHour: number
  putPayloadUnitsPerMillion: number
  /** Bytes of one PUT payload unit. */
  putPayloadUnitBytes: number
  onDemandStreamHour: number
  onDemandPerGB: number
}

export const PRICES: Readonly<BacktestPrices> = {
  shardHour: DEFAULT_PRICES.provisioned.shardHour,
  putPayloadUnitsPerMillion: DEFAULT_PRICES.provisioned.putPayloadUnitsPerMillion,
  /** Bytes of one PUT payload unit. */
  putPayloadUnitBytes: PUT_PAYLOAD_UNIT_BYTES,
  onDemandStreamHour: DEFAULT_PRICES.onDemandStandard.streamHour,
  onDemandPerGB: DEFAULT_PRICES.onDemandStandard.ingestPerGB,
}

/** PUT payload units of one shard-minute: each record rounded up to 25 KB (taken at the minute's mean size). */
export function putPayloadUnits(bytes: number, records: number): number {
  if (records <= 0) return 0
  return records * Math.max(1, Math.ceil(bytes / records / PRICES.putPayloadUnitBytes))
}
