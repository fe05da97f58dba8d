/**
 * The executor: applies a plan's runnable steps, UpdateShardCount (UNIFORM_SCALING) or SplitShard
 * and MergeShards (targeted), one at a time, waiting for ACTIVE between steps (and after the last
 * unless told not to), and records each call in the stream's history tag so cooldowns and the 24 h
 * budget hold across hosts and cron runs.
 *
 * Safe when two runs overlap. Before each call it checks, in order: the stream is ACTIVE; it still
 * has the open shard count the step starts from, and (split, merge) the shards the step acts on are
 * still open with the hash ranges the plan saw; no other run recorded a change since this run read
 * the history. It then records its own entry first (read-modify-write of the tag), reads the tag
 * back to make sure the entry survived, and only then calls UpdateShardCount; a call that fails
 * takes its entry out again. Kinesis itself is the final arbiter: a second UpdateShardCount while
 * the stream is UPDATING fails with ResourceInUseException, which ends the run with no change.
 */
import {setTimeout as delay} from 'node:timers/promises'

import type {KinesisClient, Shard} from '@aws-sdk/client-kinesis'

import {withBackoff} from '../backoff.js'
import {ClickopsError} from '../errors.js'
import {UPDATE_SHARD_COUNT_CALLS_PER_24H} from '../kinesis/limits.js'
import {listShards, openShards} from '../kinesis/shards.js'
import {formatDuration} from '../format.js'
import type {ScalingEvent} from './history.js'
import type {AccountQuota, BlockKind, PlanStep, ScalingPlan, StepAction} from './planner.js'
import {describeStreamFacts, readHistory, sameEvent, writeHistory} from './state.js'
import * as Kinesis from '../aws/kinesis.js'

export type ExecutionBlockKind = BlockKind | 'changed' | 'concurrent' | 'limit'

export interface AppliedStep {
  step: number
  action: StepAction
  /** Open shards before and after. */
  from: number
  to: number
  /** split: the shard split and the new starting hash key; merge: the two shards merged. */
  shardId?: string
  adjacentShardId?: string
  newStartingHashKey?: string
  /** When UpdateShardCount was called, ISO-8601. */
  at: string
  /** True once the stream was seen ACTIVE with `to` open shards. */
  completed: boolean
  durationMs?: number
}

export interface ExecutionResult {
  outcome: 'scaled' | 'blocked' | 'interrupted'
  applied: AppliedStep[]
  /** The stream after the last step (when it was waited for). */
  finalOpenShards?: number
  finalStatus?: string
  blocked?: {kind: ExecutionBlockKind; message: string}
  notices: string[]
}

export interface ExecuteArgs {
  kinesis: KinesisClient
  plan: ScalingPlan
  /** The history the plan was made from: a newer entry means another run changed the stream. */
  history: readonly ScalingEvent[]
  /** Wait for ACTIVE after the last step too (between steps it always waits). */
  wait: boolean
  waitTimeoutMs?: number
  pollMs?: number
  quota?: AccountQuota
  clock?: () => Date
  onProgress?: (msg: string) => void
  signal?: AbortSignal
  targetName?: string
  /** First backoff after SplitShard/MergeShards is refused for the call rate (LimitExceededException). */
  retryDelayMs?: number
}

/** SplitShard and MergeShards: 5 transactions per second per account; a refusal is retried this often. */
const SPLIT_MERGE_ATTEMPTS = 6
const SPLIT_MERGE_FIRST_DELAY_MS = 1000

export const DEFAULT_WAIT_TIMEOUT_MS = 30 * 60 * 1000
const DEFAULT_POLL_MS = 1000
/** Progress lines while waiting, at most this often. */
const PROGRESS_EVERY_MS = 10_000

export async function executePlan(args: ExecuteArgs): Promise<ExecutionResult> {
  const {kinesis, plan} = args
  const streamName = plan.streamName
  const clock = args.clock ?? (() => new Date())
  const progress = args.onProgress ?? (() => {})
  const steps = plan.steps.filter((s) => s.runnable)
  const applied: AppliedStep[] = []
  const notices: string[] = []
  const known = [...args.history]
  const result = (outcome: ExecutionResult['outcome'], extra: Partial<ExecutionResult> = {}): ExecutionResult => ({applied, notices, outcome, ...extra})
  const blocked = (kind: ExecutionBlockKind, message: string, extra: Partial<ExecutionResult> = {}) =>
    result(applied.length > 0 ? 'scaled' : 'blocked', {blocked: {kind, message}, ...extra})

  if (plan.blocked !== undefined) return result('blocked', {blocked: plan.blocked})

  for (const [i, step] of steps.entries()) {
    const label = `step ${i + 1}/${steps.length} (${step.action === 'update-shard-count' ? '' : `${step.action}, `}${step.from} → ${step.to})`
    if (args.signal?.aborted) return result('interrupted')

    // 1. The stream is ACTIVE and still where this step starts.
    const facts = await describeStreamFacts(kinesis, streamName, args.targetName)
    if (facts.status !== 'ACTIVE') {
      return blocked('in-progress', `The stream is ${facts.status} (a change is in progress); nothing more was changed.`)
    }
    if (facts.openShardCount !== step.from) {
      return blocked(
        'changed',
        `The stream has ${facts.openShardCount} open shards, but ${label} starts from ${step.from}: it changed since the plan was made; run again to re-plan.`,
      )
    }
    let target: {shard: Shard; adjacent?: Shard} | undefined
    if (step.action !== 'update-shard-count') {
      const found = findStepShards(openShards(await listShards(kinesis, streamName)), step)
      if (typeof found === 'string') return blocked('changed', `${label}: ${found} It changed since the plan was made; run again to re-plan.`)
      target = found
    }

    // 2. No other run recorded a change since this one read the history.
    const before = await readHistory(kinesis, streamName)
    const foreign = newerThan(before.events, known)
    if (foreign !== undefined) {
      return blocked('concurrent', `Another run recorded a change (${foreign.from} → ${foreign.to} at ${iso(foreign.at)}) since this one planned; nothing more was changed.`)
    }

    // 3. Record the call first, then make sure the entry survived a concurrent writer.
    const entry: ScalingEvent = {at: Math.floor(clock().getTime() / 1000) * 1000, from: step.from, to: step.to}
    if (step.action !== 'update-shard-count') entry.kind = step.action
    await writeHistory(kinesis, streamName, [...before.events, entry], clock())
    const after = await readHistory(kinesis, streamName)
    const rival = newerThan(after.events, [...known, entry])
    if (!after.events.some((e) => sameEvent(e, entry)) || rival !== undefined) {
      await removeEntry(kinesis, streamName, entry, clock, notices)
      return blocked('concurrent', 'Another run recorded a change at the same moment; this one stands back and changed nothing more.')
    }
    known.push(entry)

    // 4. The call.
    const startedMs = clock().getTime()
    const record: AppliedStep = {action: step.action, at: new Date(startedMs).toISOString(), completed: false, from: step.from, step: step.step, to: step.to}
    try {
      if (target === undefined) {
        progress(`${label}: UpdateShardCount ${step.from} → ${step.to} (UNIFORM_SCALING)`)
        await Kinesis.updateShardCount(kinesis, {ScalingType: 'UNIFORM_SCALING', StreamName: streamName, TargetShardCount: step.to})
      } else {
        record.shardId = target.shard.ShardId!
        if (step.action === 'split') {
          record.newStartingHashKey = step.newStartingHashKey!
          progress(`${label}: SplitShard ${target.shard.ShardId} at ${step.newStartingHashKey}`)
          const input = {NewStartingHashKey: step.newStartingHashKey!, ShardToSplit: target.shard.ShardId!, StreamName: streamName}
          await retryRate(() => Kinesis.splitShard(kinesis, input), args, progress, label)
        } else {
          record.adjacentShardId = target.adjacent!.ShardId!
          progress(`${label}: MergeShards ${target.shard.ShardId} + ${target.adjacent!.ShardId}`)
          const input = {AdjacentShardToMerge: target.adjacent!.ShardId!, ShardToMerge: target.shard.ShardId!, StreamName: streamName}
          await retryRate(() => Kinesis.mergeShards(kinesis, input), args, progress, label)
        }
      }
    } catch (error) {
      const name = (error as {name?: string}).name
      const message = (error as Error).message ?? ''
      if (args.signal?.aborted && name === 'AbortError') {
        await removeEntry(kinesis, streamName, entry, clock, notices)
        return result('interrupted')
      }
      // The SDK retries throttling (LimitExceededException included: Kinesis also uses it for the
      // call rate). If an earlier attempt's response was lost, that attempt may have been applied:
      // then the entry stays (stricter cooldowns, never looser).
      const attempts = (error as {$metadata?: {attempts?: number}}).$metadata?.attempts ?? 1
      if (attempts > 1 && name === 'ResourceInUseException') {
        notices.push(`${callName(step.action)} was retried and then refused as in progress: an earlier attempt may have been applied, so its history entry is kept.`)
      } else {
        await removeEntry(kinesis, streamName, entry, clock, notices)
      }
      if (name === 'ResourceInUseException') {
        return blocked('in-progress', `Kinesis refused ${label}: a change is already in progress (ResourceInUseException); nothing more was changed.`)
      }
      if (name === 'LimitExceededException' && step.action !== 'update-shard-count') {
        const quota = isQuotaMessage(message)
        const words = quota
          ? `${step.to} open shards would exceed the account's shard quota; ask AWS for a higher quota or lower --max-shards.`
          : `still refused for the call rate (${callName(step.action)}: 5 transactions per second per account) after ${SPLIT_MERGE_ATTEMPTS} attempts.`
        return blocked(quota ? 'quota' : 'limit', `Kinesis refused ${label}: ${words} (LimitExceededException: ${message})`)
      }
      if (name === 'LimitExceededException') {
        const which = whichLimit(message, step, args.quota)
        return blocked(which.kind, `Kinesis refused ${label}: ${which.words} (LimitExceededException: ${message})`)
      }
      const done = applied.length > 0 ? ` after ${applied.map((a) => `${a.from} → ${a.to}`).join(', ')} was applied` : ''
      throw new ClickopsError(`${callName(step.action)} ${step.from} → ${step.to} failed${done}: ${message || name}`, {cause: error})
    }
    applied.push(record)

    // 5. Wait for ACTIVE (between steps always; after the last with --wait).
    const last = i === steps.length - 1
    if (last && !args.wait) {
      progress(`${label}: accepted; not waiting for it to finish (--no-wait).`)
      return result('scaled')
    }
    // A split or merge is over in seconds: Ctrl-C lets it finish and stops before the next step (a
    // second Ctrl-C quits at once). UpdateShardCount can run for many minutes: Ctrl-C stops waiting.
    const uniform = step.action === 'update-shard-count'
    const waited = await waitForActive({...args, clock, label, progress, signal: uniform ? args.signal : undefined, startedMs, streamName})
    if (waited.kind === 'aborted') {
      notices.push(`Interrupted while ${label} was in progress: the change continues on AWS (see \`clickops status\`).`)
      return result('interrupted')
    }
    if (waited.kind === 'timeout') {
      notices.push(`${label} was still ${waited.status} after ${formatDuration(waited.waitedMs)}: the change continues on AWS; later steps were not made.`)
      return result('scaled', {finalStatus: waited.status})
    }
    record.completed = true
    record.durationMs = waited.waitedMs
    if (waited.openShardCount !== step.to) {
      notices.push(`After ${label} the stream has ${waited.openShardCount} open shards, not ${step.to}; later steps were not made.`)
      return result('scaled', {finalOpenShards: waited.openShardCount, finalStatus: 'ACTIVE'})
    }
    await ensureRecorded(kinesis, streamName, entry, clock, notices)
    if (last) return result('scaled', {finalOpenShards: waited.openShardCount, finalStatus: 'ACTIVE'})
    if (args.signal?.aborted) {
      notices.push(`Interrupted: stopped after ${label}, which completed; the later steps were not made.`)
      return result('interrupted', {finalOpenShards: waited.openShardCount, finalStatus: 'ACTIVE'})
    }
  }
  return result(applied.length > 0 ? 'scaled' : 'blocked')
}

type Waited =
  | {kind: 'active'; openShardCount: number; waitedMs: number}
  | {kind: 'timeout'; status: string; waitedMs: number}
  | {kind: 'aborted'}

async function waitForActive(a: ExecuteArgs & {clock: () => Date; label: string; progress: (m: string) => void; startedMs: number; streamName: string}): Promise<Waited> {
  const timeout = a.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS
  const poll = a.pollMs ?? DEFAULT_POLL_MS
  let lastNote = a.startedMs
  let status = 'UPDATING'
  for (;;) {
    try {
      await delay(poll, undefined, {signal: a.signal})
    } catch {
      return {kind: 'aborted'}
    }
    const facts = await describeStreamFacts(a.kinesis, a.streamName, a.targetName)
    status = facts.status
    const waitedMs = a.clock().getTime() - a.startedMs
    if (status === 'ACTIVE') {
      a.progress(`${a.label}: ACTIVE after ${formatDuration(waitedMs)}, ${facts.openShardCount} open shards.`)
      return {kind: 'active', openShardCount: facts.openShardCount, waitedMs}
    }
    if (waitedMs >= timeout) return {kind: 'timeout', status, waitedMs}
    if (a.clock().getTime() - lastNote >= PROGRESS_EVERY_MS) {
      lastNote = a.clock().getTime()
      a.progress(`${a.label}: ${status} for ${formatDuration(waitedMs)}...`)
    }
  }
}

/** The open shard(s) a split or merge step acts on, by the ranges the plan saw; a sentence when gone. */
function findStepShards(open: readonly Shard[], step: PlanStep): {shard: Shard; adjacent?: Shard} | string {
  const byRange = (start?: string, end?: string) => open.find((s) => s.HashKeyRange?.StartingHashKey === start && s.HashKeyRange?.EndingHashKey === end)
  const shard = byRange(step.startingHashKey, step.endingHashKey)
  const name = step.shardId ?? 'the shard'
  if (shard === undefined) return `${name} with hash range ${step.startingHashKey}–${step.endingHashKey} is no longer open.`
  if (step.action === 'split') {
    const key = BigInt(step.newStartingHashKey!)
    if (!(key > BigInt(step.startingHashKey!) && key <= BigInt(step.endingHashKey!))) return `the split key ${step.newStartingHashKey} is not inside ${name}'s range.`
    return {shard}
  }
  const adjacent = byRange(step.adjacentStartingHashKey, step.adjacentEndingHashKey)
  if (adjacent === undefined) return `${step.adjacentShardId ?? 'the adjacent shard'} with hash range ${step.adjacentStartingHashKey}–${step.adjacentEndingHashKey} is no longer open.`
  return {adjacent, shard}
}

/** SplitShard and MergeShards refused for the account's call rate: retried with backoff (the quota is not). */
async function retryRate<T>(call: () => Promise<T>, args: ExecuteArgs, progress: (m: string) => void, label: string): Promise<T> {
  return withBackoff(call, (error) => (error as {name?: string}).name === 'LimitExceededException' && !isQuotaMessage((error as Error).message ?? ''), {
    attempts: SPLIT_MERGE_ATTEMPTS,
    firstDelayMs: args.retryDelayMs ?? SPLIT_MERGE_FIRST_DELAY_MS,
    maxDelayMs: 16_000,
    onRetry: (attempt) => progress(`${label}: refused for the call rate (LimitExceededException); retrying (${attempt} of ${SPLIT_MERGE_ATTEMPTS - 1})…`),
    sleep: (ms) => delay(ms, undefined, {signal: args.signal}),
  })
}

const callName = (action: StepAction) => (action === 'split' ? 'SplitShard' : action === 'merge' ? 'MergeShards' : 'UpdateShardCount')

/** The account shard quota, not the call rate ("Rate exceeded for shard ... under account ..."). */
const isQuotaMessage = (message: string) => /shard limit|quota/i.test(message)

/** The newest entry in `events` that `known` does not hold and that is newer than all of `known`. */
function newerThan(events: readonly ScalingEvent[], known: readonly ScalingEvent[]): ScalingEvent | undefined {
  const newestKnown = known.reduce((m, e) => Math.max(m, e.at), Number.NEGATIVE_INFINITY)
  return events.filter((e) => e.at >= newestKnown && !known.some((k) => sameEvent(k, e))).at(-1)
}

/** Takes this run's entry out of the tag again (the call did not happen). Best effort. */
async function removeEntry(kinesis: KinesisClient, streamName: string, entry: ScalingEvent, clock: () => Date, notices: string[]): Promise<void> {
  try {
    const current = await readHistory(kinesis, streamName)
    if (!current.events.some((e) => sameEvent(e, entry))) return
    await writeHistory(kinesis, streamName, current.events.filter((e) => !sameEvent(e, entry)), clock())
  } catch (error) {
    notices.push(
      `Could not take the entry of the refused call out of the history tag (${(error as Error).name}): it makes cooldowns and the budget stricter until it expires (24 h).`,
    )
  }
}

/** Puts this run's entry back if a concurrent writer dropped it while the change ran. */
async function ensureRecorded(kinesis: KinesisClient, streamName: string, entry: ScalingEvent, clock: () => Date, notices: string[]): Promise<void> {
  try {
    const current = await readHistory(kinesis, streamName)
    if (current.events.some((e) => sameEvent(e, entry))) return
    await writeHistory(kinesis, streamName, [...current.events, entry], clock())
  } catch (error) {
    notices.push(`Could not confirm the history tag after the change (${(error as Error).name}); the next run may allow a change sooner than the cooldown.`)
  }
}

/** Which limit a LimitExceededException means, in words. */
export function whichLimit(
  message: string,
  step: {from: number; to: number},
  quota?: AccountQuota,
): {kind: ExecutionBlockKind; words: string} {
  if (/shard limit|account|quota/i.test(message)) {
    const use = quota ? ` (${quota.openShardCount} of ${quota.shardLimit} open when planned)` : ''
    return {kind: 'quota', words: `${step.to} shards would exceed the account's shard quota${use}; ask AWS for a higher quota or lower --max-shards.`}
  }
  if (/24|hour|rolling|times|frequency|rate of/i.test(message)) {
    return {
      kind: 'budget',
      words: `the stream has used its ${UPDATE_SHARD_COUNT_CALLS_PER_24H} UpdateShardCount calls per rolling 24 h (calls by other tools count too).`,
    }
  }
  return {
    kind: 'limit',
    words: `a Kinesis limit was hit: the ${UPDATE_SHARD_COUNT_CALLS_PER_24H} calls per rolling 24 h (other tools count too), the account's shard quota, or the call rate.`,
  }
}

const iso = (ms: number) => new Date(ms).toISOString()
