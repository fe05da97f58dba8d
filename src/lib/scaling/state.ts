/**
 * What the planner needs from AWS besides the load: the stream's mode, status and open shard count,
 * the account's shard quota (DescribeLimits) and the scaling history kept in the stream's tags; and
 * the read-modify-write of that history tag.
 */
import type {KinesisClient} from '@aws-sdk/client-kinesis'

import {MAX_TAGS_PER_STREAM} from '../kinesis/limits.js'
import {describeStreamSummary, listTags} from '../kinesis/status.js'
import {formatHistory, HISTORY_TAG_KEY, parseHistory, type ScalingEvent} from './history.js'
import {distributionOf} from '../kinesis/distribution.js'
import type {AccountQuota, StreamFacts} from './planner.js'
import * as Kinesis from '../aws/kinesis.js'

export interface StreamHistory {
  events: ScalingEvent[]
  /** The tag's raw value (undefined when the stream has none). */
  raw?: string
  malformed: string[]
  /** False when the stream has the maximum number of tags and none is the history tag. */
  writable: boolean
}

export interface ScalingState {
  stream: StreamFacts
  quota?: AccountQuota
  history: StreamHistory
  notices: string[]
}

export async function describeStreamFacts(kinesis: KinesisClient, streamName: string, targetName = 'this target'): Promise<StreamFacts> {
  const summary = await describeStreamSummary(kinesis, streamName, targetName)
  return {
    mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED',
    openShardCount: summary.OpenShardCount ?? 0,
    status: summary.StreamStatus ?? 'UNKNOWN',
    streamName,
    ...(summary.StreamCreationTimestamp ? {createdAt: summary.StreamCreationTimestamp.toISOString()} : {}),
    ...(distributionOf(summary).strategy === 'AUTO' ? {recordDistribution: 'AUTO' as const} : {}),
  }
}

/** The account's shard quota, or undefined (with a notice) when DescribeLimits is not allowed. */
export async function describeQuota(kinesis: KinesisClient, onNotice?: (msg: string) => void): Promise<AccountQuota | undefined> {
  try {
    const limits = await Kinesis.describeLimits(kinesis, {})
    if (limits.ShardLimit === undefined || limits.OpenShardCount === undefined) return undefined
    return {openShardCount: limits.OpenShardCount, shardLimit: limits.ShardLimit}
  } catch (error) {
    const name = (error as {name?: string}).name ?? ''
    if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnknownOperationException') {
      onNotice?.(`DescribeLimits was refused (${name}): the account shard quota is not checked before the call.`)
      return undefined
    }
    throw error
  }
}

export async function readHistory(kinesis: KinesisClient, streamName: string): Promise<StreamHistory> {
  const tags = await listTags(kinesis, streamName)
  const tag = tags.find((t) => t.Key === HISTORY_TAG_KEY)
  const {events, malformed} = parseHistory(tag?.Value)
  const history: StreamHistory = {events, malformed, writable: tag !== undefined || tags.length < MAX_TAGS_PER_STREAM}
  if (tag !== undefined) history.raw = tag.Value ?? ''
  return history
}

/** Everything the planner needs besides the load, in parallel. */
export async function readScalingState(kinesis: KinesisClient, streamName: string, targetName?: string): Promise<ScalingState> {
  const notices: string[] = []
  const stream = await describeStreamFacts(kinesis, streamName, targetName)
  const [quota, history] = await Promise.all([describeQuota(kinesis, (m) => notices.push(m)), readHistory(kinesis, streamName)])
  if (history.malformed.length > 0) {
    notices.push(`Ignored ${history.malformed.length} unreadable entr${history.malformed.length === 1 ? 'y' : 'ies'} in the ${HISTORY_TAG_KEY} tag: ${history.malformed.join(' ')}.`)
  }
  const state: ScalingState = {history, notices, stream}
  if (quota !== undefined) state.quota = quota
  return state
}

/** Writes `events` as the history tag (pruned to the rolling 24 h and the tag value limit). */
export async function writeHistory(kinesis: KinesisClient, streamName: string, events: readonly ScalingEvent[], now: Date): Promise<string> {
  const value = formatHistory(events, now)
  await Kinesis.addTagsToStream(kinesis, {StreamName: streamName, Tags: {[HISTORY_TAG_KEY]: value}})
  return value
}

export function sameEvent(a: ScalingEvent, b: ScalingEvent): boolean {
  return Math.floor(a.at / 1000) === Math.floor(b.at / 1000) && a.from === b.from && a.to === b.to && a.kind === b.kind
}
