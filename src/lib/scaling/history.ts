/**
 * The stream's scaling history, kept in one tag on the stream itself so that cooldowns and the
 * 10-calls-per-24-h budget hold across hosts and cron runs (pure: encoding, pruning, budget).
 *
 * Tag `clickops/scaling`, value: space-separated entries, oldest first: `epochSeconds/from/to` for an
 * UpdateShardCount call, `epochSeconds/from/to/s` for a SplitShard and `.../m` for a MergeShards
 * (from and to are the open shard counts), e.g. `1767225600/4/8 1767225900/8/9 1767229500/9/10/s`.
 * Kinesis tag values allow letters, digits, white space and `_ . / = + - % @` (no colon) up to 256
 * characters; ten UpdateShardCount entries of the largest counts take 229. Entries older than the
 * rolling 24 h are pruned, except the latest (it still drives cooldowns); when the value is too
 * long, split and merge entries go first (only UpdateShardCount entries count for the budget).
 */
import {
  MAX_TAG_VALUE_LENGTH,
  UPDATE_SHARD_COUNT_CALLS_PER_24H,
  UPDATE_SHARD_COUNT_WINDOW_MS,
} from '../kinesis/limits.js'

export const HISTORY_TAG_KEY = 'clickops/scaling'

/** One UpdateShardCount call clickops made (recorded just before the call). */
export interface ScalingEvent {
  /** Epoch milliseconds (stored with second precision). */
  at: number
  from: number
  to: number
  /** SplitShard or MergeShards; absent for UpdateShardCount. */
  kind?: 'split' | 'merge'
}

export interface ParsedHistory {
  events: ScalingEvent[]
  /** Entries that could not be read (someone edited the tag by hand); they are ignored. */
  malformed: string[]
}

const ENTRY = /^(\d{1,12})\/(\d{1,5})\/(\d{1,5})(?:\/([sm]))?$/
const KINDS = {m: 'merge', s: 'split'} as const

export function parseHistory(value: string | undefined): ParsedHistory {
  const events: ScalingEvent[] = []
  const malformed: string[] = []
  for (const token of (value ?? '').split(/\s+/)) {
    if (token === '') continue
    const m = ENTRY.exec(token)
    if (m === null || Number(m[2]) < 1 || Number(m[3]) < 1) {
      malformed.push(token)
      continue
    }
    const event: ScalingEvent = {at: Number(m[1]) * 1000, from: Number(m[2]), to: Number(m[3])}
    if (m[4] !== undefined) event.kind = KINDS[m[4] as keyof typeof KINDS]
    events.push(event)
  }
  events.sort((a, b) => a.at - b.at)
  return {events, malformed}
}

export function formatEntry(e: ScalingEvent): string {
  return `${Math.floor(e.at / 1000)}/${e.from}/${e.to}${e.kind === undefined ? '' : `/${e.kind[0]}`}`
}

/**
 * The tag value for `events` at `now`: entries of the last 24 h (and always the latest one), oldest
 * first, trimmed from the oldest end to fit the tag value limit.
 */
export function formatHistory(events: readonly ScalingEvent[], now: Date): string {
  const sorted = [...events].sort((a, b) => a.at - b.at)
  const cutoff = now.getTime() - UPDATE_SHARD_COUNT_WINDOW_MS
  const kept = sorted.filter((e, i) => e.at > cutoff || i === sorted.length - 1)
  const length = () => kept.reduce((n, e) => n + formatEntry(e).length, 0) + kept.length - 1
  // Too long: drop the oldest split or merge entry first (they do not count for the budget), never
  // the latest entry (cooldowns), then the oldest of any kind.
  while (kept.length > 1 && length() > MAX_TAG_VALUE_LENGTH) {
    const i = kept.findIndex((e, j) => e.kind !== undefined && j < kept.length - 1)
    kept.splice(i >= 0 ? i : 0, 1)
  }
  return kept.map((e) => formatEntry(e)).join(' ')
}

/** UpdateShardCount calls in the rolling 24 h before `now` (split and merge entries do not count). */
export function callsWithin24h(events: readonly ScalingEvent[], now: Date): ScalingEvent[] {
  const cutoff = now.getTime() - UPDATE_SHARD_COUNT_WINDOW_MS
  // Entries from a clock ahead of ours count too (conservative).
  return events.filter((e) => e.at > cutoff && e.kind === undefined)
}

export interface Budget {
  limit: number
  used: number
  left: number
  /** When the oldest call of the window leaves it (one more call becomes possible), ISO-8601. */
  nextCallAt?: string
}

export function budgetAt(events: readonly ScalingEvent[], now: Date): Budget {
  const recent = callsWithin24h(events, now)
  const limit = UPDATE_SHARD_COUNT_CALLS_PER_24H
  const used = recent.length
  const left = Math.max(0, limit - used)
  const budget: Budget = {left, limit, used}
  if (recent.length > 0) budget.nextCallAt = new Date(recent[0].at + UPDATE_SHARD_COUNT_WINDOW_MS).toISOString()
  return budget
}

export function lastEvent(events: readonly ScalingEvent[]): ScalingEvent | undefined {
  let last: ScalingEvent | undefined
  for (const e of events) if (last === undefined || e.at >= last.at) last = e
  return last
}
