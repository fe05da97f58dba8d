/**
 * Capacity modes: the one definition of how a stream's capacity is managed and billed.
 *
 *   provisioned          the stream has the shards it is given (UpdateShardCount, Split/Merge); billed per shard-hour
 *   on-demand Standard   Kinesis manages the shards; billed per stream-hour and per GB in and out
 *   on-demand Advantage  an ACCOUNT-level setting for all on-demand streams: no per-stream charge, per-GB
 *                        prices at least 60% lower, warm throughput can be set per stream; it is the
 *                        account's "minimum throughput billing commitment"
 *
 * Sources (checked for this module):
 * - Kinesis Data Streams Developer Guide, "Choose the right mode to stream in":
 *   https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html (the three modes;
 *   Advantage is account-level, has no per-stream charge, warms a stream's write throughput).
 * - API Reference, DescribeAccountSettings and MinimumThroughputBillingCommitmentOutput:
 *   https://docs.aws.amazon.com/kinesis/latest/APIReference/API_MinimumThroughputBillingCommitmentOutput.html
 *   (Status ENABLED | DISABLED | ENABLED_UNTIL_EARLIEST_ALLOWED_END; StartedAt, EndedAt,
 *   EarliestAllowedEndAt; a commitment lasts at least 24 h).
 * - @aws-sdk/client-kinesis 3.1141 models: DescribeAccountSettingsCommand,
 *   StreamDescriptionSummary.WarmThroughput {TargetMiBps, CurrentMiBps} (WarmThroughputObject),
 *   StreamModeDetails.StreamMode PROVISIONED | ON_DEMAND.
 * - kinesis-local 0.6.2 implements DescribeAccountSettings (and UpdateAccountSettings,
 *   UpdateStreamWarmThroughput); its answer is read like AWS's (test/lib/kinesis/capacity.int.test.ts).
 */
import type {KinesisClient, StreamDescriptionSummary} from '@aws-sdk/client-kinesis'

import {isNetworkError} from '../errors.js'
import * as Kinesis from '../aws/kinesis.js'

export type CapacityMode = 'provisioned' | 'on-demand-standard' | 'on-demand-advantage'

/** The account's minimum throughput billing commitment (On-demand Advantage), or why it is not known. */
export type AccountSettings =
  | {
      readable: true
      /** ENABLED, DISABLED or ENABLED_UNTIL_EARLIEST_ALLOWED_END (ending, but still in force). */
      commitment: string
      startedAt?: string
      endedAt?: string
      earliestAllowedEndAt?: string
    }
  | {readable: false; reason: string}

export interface StreamCapacity {
  /** The stream's mode; an on-demand stream whose account setting cannot be read is `on-demand` (tier unknown). */
  mode: CapacityMode | 'on-demand'
  /** Warm throughput of an on-demand stream (MiB/s of writes available at once), when AWS reports it. */
  warmThroughput?: {currentMiBps?: number; targetMiBps?: number}
  account: AccountSettings
}

/** A commitment in force: enabled, or ending at its earliest allowed end. */
export function commitmentInForce(status: string | undefined): boolean {
  return status === 'ENABLED' || status === 'ENABLED_UNTIL_EARLIEST_ALLOWED_END'
}

/** The stream's capacity from its summary and the account setting (pure). */
export function capacityOf(summary: Pick<StreamDescriptionSummary, 'StreamModeDetails' | 'WarmThroughput'>, account: AccountSettings): StreamCapacity {
  const onDemand = summary.StreamModeDetails?.StreamMode === 'ON_DEMAND'
  const mode: StreamCapacity['mode'] = !onDemand
    ? 'provisioned'
    : !account.readable
      ? 'on-demand'
      : commitmentInForce(account.commitment)
        ? 'on-demand-advantage'
        : 'on-demand-standard'
  const capacity: StreamCapacity = {account, mode}
  const warm = summary.WarmThroughput
  if (warm !== undefined && (warm.CurrentMiBps !== undefined || warm.TargetMiBps !== undefined)) {
    capacity.warmThroughput = {
      ...(warm.CurrentMiBps === undefined ? {} : {currentMiBps: warm.CurrentMiBps}),
      ...(warm.TargetMiBps === undefined ? {} : {targetMiBps: warm.TargetMiBps}),
    }
  }
  return capacity
}

/**
 * DescribeAccountSettings. Access denied, an unknown operation (an older endpoint or emulator) or
 * any other refusal gives `{readable: false}` with the reason: `clickops status` must not fail on
 * it. An unreachable endpoint still throws.
 */
export async function readAccountSettings(kinesis: KinesisClient): Promise<AccountSettings> {
  try {
    const out = await Kinesis.describeAccountSettings(kinesis, {})
    const c = out.MinimumThroughputBillingCommitment
    return {
      commitment: c?.Status ?? 'DISABLED',
      readable: true,
      ...(c?.StartedAt ? {startedAt: c.StartedAt.toISOString()} : {}),
      ...(c?.EndedAt ? {endedAt: c.EndedAt.toISOString()} : {}),
      ...(c?.EarliestAllowedEndAt ? {earliestAllowedEndAt: c.EarliestAllowedEndAt.toISOString()} : {}),
    }
  } catch (error) {
    if (isNetworkError(error)) throw error
    const name = (error as {name?: string}).name ?? 'Error'
    const denied = name === 'AccessDeniedException' || name === 'AccessDenied'
    return {readable: false, reason: denied ? 'not readable (access denied: kinesis:DescribeAccountSettings)' : `not readable (${name})`}
  }
}

export async function describeCapacity(kinesis: KinesisClient, summary: StreamDescriptionSummary): Promise<StreamCapacity> {
  return capacityOf(summary, await readAccountSettings(kinesis))
}

/** "on-demand Advantage", "provisioned", …: the mode as `status` and `scale` print it. */
export function capacityModeLabel(mode: StreamCapacity['mode']): string {
  switch (mode) {
    case 'provisioned':
      return 'provisioned'
    case 'on-demand-standard':
      return 'on-demand Standard'
    case 'on-demand-advantage':
      return 'on-demand Advantage'
    default:
      return 'on-demand (Standard or Advantage: the account setting is not readable)'
  }
}

/** The account line of `status`: the commitment, or why it is not known. */
export function accountSettingLabel(account: AccountSettings): string {
  if (!account.readable) return account.reason
  const since = account.startedAt ? ` since ${account.startedAt}` : ''
  switch (account.commitment) {
    case 'ENABLED':
      return `On-demand Advantage (minimum throughput billing commitment enabled${since}${account.earliestAllowedEndAt ? `, can end from ${account.earliestAllowedEndAt}` : ''})`
    case 'ENABLED_UNTIL_EARLIEST_ALLOWED_END':
      return `On-demand Advantage, ending at ${account.earliestAllowedEndAt ?? 'its earliest allowed end'}`
    default:
      return 'On-demand Standard (no minimum throughput billing commitment)'
  }
}
