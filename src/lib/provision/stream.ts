/**
 * The Kinesis stream's part of the plan: the stream itself (created with the managed-by tags and
 * waited for until ACTIVE), its mode, retention, encryption, shard-level metrics and tags. The same
 * code runs on AWS and against kinesis-local. The shard count of an existing stream is not
 * provisioning's business: `clickops scale` changes it.
 */
import type {KinesisClient} from '@aws-sdk/client-kinesis'

import {ClickopsError, ExitCode, StreamNotFoundError} from '../errors.js'
import {MAX_RECORD_SIZE_KIB_DEFAULT} from '../kinesis/limits.js'
import {getStreamStatus, type StreamStatus} from '../kinesis/status.js'
import {formatKiB} from '../format.js'
import {sleep as defaultSleep} from '../local/process.js'
import {KINESIS_MANAGED_KEY, type DesiredState} from './desired.js'
import {MANAGED_TAG, tagsFor} from '../api-contract.js'
import type {Step} from './plan.js'
import {HEAT_SHARD_METRICS} from '../load/model.js'
import * as Kinesis from '../aws/kinesis.js'

/** The shard-level metrics to enable (EnableEnhancedMonitoring): those `clickops heat` reads from CloudWatch. */
export const SHARD_LEVEL_METRICS = HEAT_SHARD_METRICS

export interface StreamContext {
  kinesis: KinesisClient
  target: string
  sleep?: (ms: number) => Promise<void>
  /** How long to wait for ACTIVE (default 10 minutes; AWS takes tens of seconds). */
  activeTimeoutMs?: number
  /** Set once the stream exists (observed, or after it was created). */
  streamArn?: string
}

export async function observeStream(kinesis: KinesisClient, stream: string, target: string): Promise<StreamStatus | undefined> {
  try {
    return await getStreamStatus(kinesis, stream, target)
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined
    throw error
  }
}

export function isManaged(tags: Record<string, string>): boolean {
  return tags[MANAGED_TAG.key] === MANAGED_TAG.value
}

/** Waits until the stream is ACTIVE (streams accept one change at a time). */
export async function waitForActive(ctx: StreamContext, stream: string, onWait?: () => void): Promise<string> {
  const sleep = ctx.sleep ?? defaultSleep
  const deadline = Date.now() + (ctx.activeTimeoutMs ?? 600_000)
  let told = false
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    const summary = (await Kinesis.describeStreamSummary(ctx.kinesis, {StreamName: stream})).StreamDescriptionSummary
    if (summary?.StreamStatus === 'ACTIVE') {
      ctx.streamArn = summary.StreamARN
      return summary.StreamARN!
    }
    if (summary?.StreamStatus === 'DELETING') {
      throw new ClickopsError(`Stream "${stream}" is being deleted.`, {hint: 'Wait until it is gone, then run provision again.'})
    }
    if (Date.now() > deadline) {
      throw new ClickopsError(`Stream "${stream}" is still ${summary?.StreamStatus ?? 'not ACTIVE'}.`, {exitCode: ExitCode.AWS, hint: 'Run provision again later: it continues from here.'})
    }
    if (!told) onWait?.()
    told = true
    await sleep(delay)
  }
}

/** The stream's steps, in order. `observed` is undefined when the stream does not exist. */
export function planStream(desired: DesiredState, observed: StreamStatus | undefined, ctx: StreamContext, notes: string[]): Step[] {
  const stream = desired.stream
  const steps: Step[] = []
  const wanted = tagsFor(stream)
  const kinesis = ctx.kinesis

  if (observed?.status === 'DELETING') {
    throw new ClickopsError(`Stream "${stream}" is being deleted.`, {hint: 'Wait until it is gone (`clickops status`), then run provision again.'})
  }
  if (observed) ctx.streamArn = observed.streamArn

  if (!observed) {
    const shape = desired.mode === 'ON_DEMAND' ? 'on-demand' : `${desired.shards} shard${desired.shards === 1 ? '' : 's'}`
    steps.push({
      action: 'create',
      name: stream,
      reason: `does not exist; ${shape}, tagged ${MANAGED_TAG.key}=${MANAGED_TAG.value}`,
      resource: 'stream',
      async run() {
        await Kinesis.createStream(kinesis, {
          StreamName: stream,
          ...(desired.mode === 'ON_DEMAND' ? {StreamModeDetails: {StreamMode: 'ON_DEMAND'}} : {ShardCount: desired.shards, StreamModeDetails: {StreamMode: 'PROVISIONED'}}),
          Tags: wanted,
        })
        await waitForActive(ctx, stream)
      },
    })
  } else {
    const shape = observed.mode === 'ON_DEMAND' ? 'on-demand' : `${observed.openShardCount} open shard${observed.openShardCount === 1 ? '' : 's'}`
    steps.push({action: 'unchanged', name: stream, reason: `exists (${observed.status.toLowerCase()}, ${shape})`, resource: 'stream'})
    if (desired.shardsExplicit && observed.mode === 'PROVISIONED' && observed.openShardCount !== desired.shards) {
      notes.push(
        `Stream "${stream}" has ${observed.openShardCount} open shards, not ${desired.shards}: provision does not reshard an existing stream. Use \`clickops scale --stream ${stream}\`.`,
      )
    }
  }

  // What a new stream starts with; the steps below bring it (or the observed one) to the desired state.
  const current = observed ?? {encryption: 'NONE', enhancedMonitoring: [] as string[], kmsKeyId: undefined, mode: desired.mode, retentionHours: 24, tags: wanted}

  if (observed && observed.mode !== desired.mode) {
    steps.push({
      action: 'update',
      name: stream,
      reason: `mode ${observed.mode.toLowerCase().replace('_', '-')} → ${desired.mode.toLowerCase().replace('_', '-')}`,
      resource: 'stream mode',
      async run() {
        const arn = await waitForActive(ctx, stream)
        await Kinesis.updateStreamMode(kinesis, {StreamARN: arn, StreamModeDetails: {StreamMode: desired.mode}})
        await waitForActive(ctx, stream)
      },
    })
  }

  if (current.retentionHours === desired.retentionHours) {
    steps.push({action: 'unchanged', name: stream, reason: `${desired.retentionHours} h${observed ? '' : ' (what a new stream starts with)'}`, resource: 'retention'})
  } else {
    steps.push({
      action: 'update',
      name: stream,
      reason: `${current.retentionHours} h → ${desired.retentionHours} h`,
      resource: 'retention',
      async run() {
        await waitForActive(ctx, stream)
        const input = {RetentionPeriodHours: desired.retentionHours, StreamName: stream}
        await (desired.retentionHours > current.retentionHours ? Kinesis.increaseStreamRetentionPeriod(kinesis, input) : Kinesis.decreaseStreamRetentionPeriod(kinesis, input))
        await waitForActive(ctx, stream)
      },
    })
  }

  const currentKiB = observed?.maxRecordSizeKiB ?? MAX_RECORD_SIZE_KIB_DEFAULT
  if (desired.maxRecordSizeKiB !== undefined) {
    const wantedKiB = desired.maxRecordSizeKiB
    if (currentKiB === wantedKiB) {
      steps.push({action: 'unchanged', name: stream, reason: `${formatKiB(wantedKiB)}${observed ? '' : ' (what a new stream starts with)'}`, resource: 'max record size'})
    } else {
      steps.push({
        action: 'update',
        name: stream,
        reason: `${formatKiB(currentKiB)} → ${formatKiB(wantedKiB)} (UpdateMaxRecordSize; shard throughput stays 1 MiB/s write)`,
        resource: 'max record size',
        async run() {
          const arn = await waitForActive(ctx, stream)
          await Kinesis.updateMaxRecordSize(kinesis, {MaxRecordSizeInKiB: wantedKiB, StreamARN: arn})
          await waitForActive(ctx, stream)
        },
      })
    }
  }

  const encrypted = current.encryption === 'KMS'
  if (desired.encryption === 'kms' ? encrypted : !encrypted) {
    steps.push({action: 'unchanged', name: stream, reason: encrypted ? `KMS (${current.kmsKeyId ?? KINESIS_MANAGED_KEY})` : 'none', resource: 'encryption'})
  } else {
    steps.push({
      action: 'update',
      name: stream,
      reason: desired.encryption === 'kms' ? (observed ? `none → KMS (${KINESIS_MANAGED_KEY})` : `KMS (${KINESIS_MANAGED_KEY}), switched on once the stream is created`) : `KMS → none`,
      resource: 'encryption',
      async run() {
        await waitForActive(ctx, stream)
        if (desired.encryption === 'kms') {
          await Kinesis.startStreamEncryption(kinesis, {EncryptionType: 'KMS', KeyId: KINESIS_MANAGED_KEY, StreamName: stream})
        } else {
          await Kinesis.stopStreamEncryption(kinesis, {EncryptionType: 'KMS', KeyId: current.kmsKeyId ?? KINESIS_MANAGED_KEY, StreamName: stream})
        }
        await waitForActive(ctx, stream)
      },
    })
  }

  const enabled = current.enhancedMonitoring
  const missing = SHARD_LEVEL_METRICS.filter((m) => !enabled.includes(m))
  if (desired.enhancedMonitoring && missing.length === 0) {
    steps.push({action: 'unchanged', name: stream, reason: `shard-level ${SHARD_LEVEL_METRICS.join(', ')} enabled`, resource: 'enhanced monitoring'})
  } else if (!desired.enhancedMonitoring && enabled.length === 0) {
    steps.push({action: 'unchanged', name: stream, reason: 'off (stream-level metrics only)', resource: 'enhanced monitoring'})
  } else {
    steps.push({
      action: 'update',
      name: stream,
      reason: desired.enhancedMonitoring
        ? `enable shard-level ${missing.join(', ')}${observed ? '' : ' once the stream is created'} (billed per shard and metric)`
        : `disable ${enabled.join(', ')}`,
      resource: 'enhanced monitoring',
      async run() {
        await waitForActive(ctx, stream)
        await (desired.enhancedMonitoring
          ? Kinesis.enableEnhancedMonitoring(kinesis, {ShardLevelMetrics: [...missing], StreamName: stream})
          : Kinesis.disableEnhancedMonitoring(kinesis, {ShardLevelMetrics: [...enabled] as never, StreamName: stream}))
        await waitForActive(ctx, stream)
      },
    })
  }

  const tagDiff = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current.tags[k] !== v))
  if (observed && !isManaged(observed.tags)) {
    // Someone else's stream: serve it, but do not claim it, so that `clickops destroy` never deletes it.
    steps.push({action: 'skip', name: stream, reason: `not created by clickops (no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag): left untagged, destroy keeps it`, resource: 'stream tags'})
  } else if (Object.keys(tagDiff).length === 0) {
    steps.push({
      action: 'unchanged',
      name: stream,
      reason: `${Object.entries(wanted).map(([k, v]) => `${k}=${v}`).join(', ')}${observed ? '' : ' (set by the create)'}`,
      resource: 'stream tags',
    })
  } else {
    steps.push({
      action: 'update',
      name: stream,
      reason: `add ${Object.entries(tagDiff).map(([k, v]) => `${k}=${v}`).join(', ')}`,
      resource: 'stream tags',
      async run() {
        await waitForActive(ctx, stream)
        await Kinesis.addTagsToStream(kinesis, {StreamName: stream, Tags: tagDiff})
      },
    })
  }
  return steps
}
