/**
 * What `clickops tail` reads, decided before any AWS call (planTail, pure) and, once the shards are
 * listed, where each reader starts (readPlan, pure).
 */
import type {ChildShard, Shard} from '@aws-sdk/client-kinesis'

import {ClickopsError, ExitCode, UsageError} from '../errors.js'
import {AUTO_NOTICE, keysMapToShards, type RecordDistribution} from '../kinesis/distribution.js'
import {hashKeyOf} from '../kinesis/hashkey.js'
import {chainShardForSequence, descendantIds, hashChain, holdsHash, openShardForHash, rootShards} from '../kinesis/lineage.js'
import {MAX_PARTITION_KEY_LENGTH} from '../kinesis/limits.js'
import type {StartPosition} from '../kinesis/reader.js'
import {parseIntInRange, parseTime} from '../parse.js'

export type TailStart =
  | {kind: 'latest'}
  | {kind: 'trim-horizon'}
  | {kind: 'time'; at: Date}
  /**
   * At the record with this sequence number, or (`after`) just past it: where an earlier run stopped.
   * With `subSequenceNumber` (a position `SEQUENCE:SUBSEQUENCE` inside a KPL-aggregated record), at
   * or just past that user record of the aggregate: its other user records are neither lost nor
   * repeated.
   */
  | {kind: 'sequence'; sequenceNumber: string; subSequenceNumber?: number; after?: boolean}

export interface TailPlan {
  /** Only records with this partition key (`--user` / `--partition-key`); every record when absent. */
  partitionKey?: string
  start: TailStart
  /** Keep reading at the tip (default) or stop there (`--no-follow`). */
  follow: boolean
  /** Stop after this many matching records. */
  limit?: number
  /** Stop at the first record that arrived after this time. */
  until?: Date
  /**
   * With a key: read every shard and filter by the key, instead of only the shard its hash maps to
   * (for producers that set an ExplicitHashKey, whose records land on some other shard).
   */
  allShards?: boolean
}

/** The flags as the user typed them. */
export interface TailInput {
  user?: string
  partitionKey?: string
  from?: string
  fromSequence?: string
  afterSequence?: string
  follow?: boolean
  limit?: number | string
  until?: string
  allShards?: boolean
}

const flagOf = (key: 'from' | 'fromSequence' | 'afterSequence') => ({afterSequence: '--after-sequence', from: '--from', fromSequence: '--from-sequence'})[key]

const LATEST = new Set(['latest', 'now'])
const TRIM_HORIZON = new Set(['trim-horizon', 'trim_horizon', 'earliest', 'beginning'])

/** Validates the flags into a plan; throws UsageError (exit 2) on bad input. `now` resolves `10m`. */
export function planTail(input: TailInput, now: Date): TailPlan {
  if (input.user !== undefined && input.partitionKey !== undefined && input.user !== input.partitionKey) {
    throw new UsageError('--user and --partition-key name the same thing; give one of them.', '--user 35 is --partition-key 35.')
  }
  const partitionKey = input.user ?? input.partitionKey
  if (partitionKey !== undefined) {
    const length = [...partitionKey].length
    if (length < 1 || length > MAX_PARTITION_KEY_LENGTH) {
      throw new UsageError(`A partition key has 1 to ${MAX_PARTITION_KEY_LENGTH} characters, not ${length}.`)
    }
  }

  const starts = (['from', 'fromSequence', 'afterSequence'] as const).filter((k) => input[k] !== undefined)
  if (starts.length > 1) {
    throw new UsageError(`${starts.map(flagOf).join(' and ')} both say where to start; give one of them.`)
  }
  let start: TailStart
  const sequence = input.fromSequence ?? input.afterSequence
  if (sequence !== undefined) {
    const flag = flagOf(input.fromSequence === undefined ? 'afterSequence' : 'fromSequence')
    const position = /^(\d{1,128})(?::(\d{1,9}))?$/.exec(sequence.trim())
    if (!position) {
      throw new UsageError(
        `${flag} "${sequence}" is not a position.`,
        'Give a sequence number, or SEQUENCE:SUBSEQUENCE for a user record of an aggregated record, as `tail` prints them (`position` in --output json, the summary line).',
      )
    }
    if (partitionKey === undefined) {
      throw new UsageError(`${flag} needs --user or --partition-key: a sequence number belongs to one shard.`, 'Add --user <id>, or start the whole stream at a time with --from.')
    }
    if (input.allShards) {
      throw new UsageError(`${flag} and --all-shards exclude each other: a sequence number belongs to one shard, --all-shards reads them all.`, 'Start --all-shards with --from.')
    }
    const [, sequenceNumber, sub] = position
    const at: Extract<TailStart, {kind: 'sequence'}> = {kind: 'sequence', sequenceNumber}
    if (sub !== undefined) at.subSequenceNumber = Number(sub)
    if (input.afterSequence !== undefined) at.after = true
    start = at
  } else {
    const from = (input.from ?? 'latest').trim()
    if (LATEST.has(from.toLowerCase())) start = {kind: 'latest'}
    else if (TRIM_HORIZON.has(from.toLowerCase())) start = {kind: 'trim-horizon'}
    else {
      let at: Date
      try {
        at = parseTime(from, now, '--from')
      } catch {
        throw new UsageError(
          `--from "${from}" is not a starting point.`,
          'Use latest, trim-horizon, an ISO-8601 time (2026-01-31T12:00:00Z) or a duration ago (10m).',
        )
      }
      if (at.getTime() > now.getTime()) throw new UsageError(`--from ${at.toISOString()} is in the future.`, 'Use latest to start at the tip.')
      start = {at, kind: 'time'}
    }
  }

  const follow = input.follow ?? true
  const limit = input.limit === undefined ? undefined : parseIntInRange(input.limit, '--limit', 1, Number.MAX_SAFE_INTEGER)
  const until = input.until === undefined ? undefined : parseTime(input.until, now, '--until')
  if (until !== undefined) {
    if (start.kind === 'time' && until.getTime() <= start.at.getTime()) {
      throw new UsageError(`--until ${until.toISOString()} is not after --from ${start.at.toISOString()}.`)
    }
    if (start.kind === 'latest' && until.getTime() <= now.getTime()) {
      throw new UsageError(`--until ${until.toISOString()} is in the past, and --from latest reads only what arrives from now on.`, 'Start earlier with --from (e.g. --from 1h).')
    }
  }
  if (!follow && start.kind === 'latest') {
    throw new UsageError('--no-follow with --from latest would read nothing: it stops at the tip, where latest starts.', 'Start earlier: --from trim-horizon, --from 10m or --from <ISO time>.')
  }
  if (input.allShards && partitionKey === undefined) {
    throw new UsageError('--all-shards filters every shard by a key: give --user or --partition-key.', 'Without a key every shard is read anyway.')
  }
  const plan: TailPlan = {follow, limit, partitionKey, start, until}
  if (input.allShards) plan.allShards = true
  return plan
}

/**
 * The plan for a stream with this record distribution strategy (pure). On an AUTO stream Kinesis
 * ignores partition keys, so a key's records may be in any shard: a key is then read from every
 * shard and filtered, as with --all-shards, and `reason` says why (for stderr). A start at a
 * sequence number stays on the one shard that holds it.
 */
export function planForDistribution(plan: TailPlan, strategy: RecordDistribution | undefined): {plan: TailPlan; reason?: string} {
  if (plan.partitionKey === undefined || plan.allShards || keysMapToShards(strategy)) return {plan}
  if (plan.start.kind === 'sequence') {
    return {plan, reason: `${AUTO_NOTICE}; reading on from the shard that holds this sequence number only (start with --from to read every shard).`}
  }
  return {plan: {...plan, allShards: true}, reason: `${AUTO_NOTICE}: every shard is read and filtered by key ${plan.partitionKey}.`}
}

/** Where the readers start, given the stream's shards. */
export interface ReadPlan {
  /** The shards read first and where each starts. */
  initial: {shardId: string; start: StartPosition}[]
  /** Every listed shard the readers are expected to reach (a child waits for those of its parents). */
  planned: string[]
  /** Where a child shard is read from once its parents are done. */
  childStart: StartPosition
  /** Whether a child shard is read (with a key: only the child holding its hash). */
  selectChild: (child: Pick<ChildShard, 'HashKeyRange'>) => boolean
  /** The key's hash, when reading one key. */
  hash?: bigint
  /** With a key: the listed shards that held its hash, from the first one read to the open one. */
  lineage: string[]
}

/**
 * Where each reader starts. With --from-sequence, `sequenceShardId` names the shard found to hold
 * the sequence number (see sequenceCandidates); without it the chain's sequence ranges decide.
 */
export function readPlan(plan: TailPlan, shards: readonly Shard[], sequenceShardId?: string): ReadPlan {
  const childStart: StartPosition = plan.start.kind === 'time' ? {timestamp: plan.start.at, type: 'AT_TIMESTAMP'} : {type: 'TRIM_HORIZON'}
  const startOf = (): StartPosition => {
    switch (plan.start.kind) {
      case 'latest':
        return {type: 'LATEST'}
      case 'time':
        return {timestamp: plan.start.at, type: 'AT_TIMESTAMP'}
      case 'sequence':
        // Inside an aggregate, the aggregate is read again and the user records before the position skipped.
        return {sequenceNumber: plan.start.sequenceNumber, type: plan.start.after && plan.start.subSequenceNumber === undefined ? 'AFTER_SEQUENCE_NUMBER' : 'AT_SEQUENCE_NUMBER'}
      default:
        return {type: 'TRIM_HORIZON'}
    }
  }

  if (plan.partitionKey === undefined || plan.allShards) {
    const ids = shards.map((s) => s.ShardId!)
    if (plan.start.kind === 'latest') {
      const open = shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
      return {childStart, initial: open.map((s) => ({shardId: s.ShardId!, start: startOf()})), lineage: [], planned: open.map((s) => s.ShardId!), selectChild: () => true}
    }
    return {childStart, initial: rootShards(shards).map((s) => ({shardId: s.ShardId!, start: startOf()})), lineage: [], planned: ids, selectChild: () => true}
  }

  const hash = hashKeyOf(plan.partitionKey)
  const selectChild = (child: Pick<ChildShard, 'HashKeyRange'>) => holdsHash(child, hash)
  let first: Shard | undefined
  if (plan.start.kind === 'latest') {
    first = openShardForHash(shards, hash)
  } else {
    const chain = hashChain(shards, hash)
    if (plan.start.kind === 'sequence') {
      first = sequenceShardId === undefined ? chainShardForSequence(chain, BigInt(plan.start.sequenceNumber)) : chain.find((s) => s.ShardId === sequenceShardId)
      if (first === undefined && chain.length > 0) {
        throw new UsageError(
          `Sequence number ${plan.start.sequenceNumber} is older than every retained shard that holds key "${plan.partitionKey}".`,
          'Start with --from trim-horizon, or take a sequence number from a recent `tail --output json`.',
        )
      }
    } else {
      first = chain[0]
    }
  }
  if (first === undefined) {
    throw new ClickopsError(`No shard of the stream holds key "${plan.partitionKey}": the stream lists no open shard.`, {
      exitCode: ExitCode.NOT_FOUND,
      hint: 'Check the stream with `clickops status`.',
    })
  }
  const planned = descendantIds(shards, [first.ShardId!], (s) => holdsHash(s, hash))
  return {childStart, hash, initial: [{shardId: first.ShardId!, start: startOf()}], lineage: [...planned], planned: [...planned], selectChild}
}
