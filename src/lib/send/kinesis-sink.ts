/**
 * The Kinesis sink: one PutRecords call per batch, partition key = user_id. PutRecords answers HTTP
 * 200 with FailedRecordCount > 0 on a partial failure: each failed entry carries its ErrorCode
 * (ProvisionedThroughputExceededException = throttled, InternalFailure = retriable).
 */
import type {KinesisClient} from '@aws-sdk/client-kinesis'

import {ClickopsError, ExitCode, StreamNotFoundError, toClickopsError} from '../errors.js'
import {streamWriteLimits} from '../kinesis/limits.js'
import {describeStreamSummary} from '../kinesis/status.js'
import {ABORTED_IN_FLIGHT, ABORTED_IN_FLIGHT_MESSAGE, describeError, isAbort, THROTTLING_ERRORS, type BatchSink, type CallFailure, type Entry, type EntryOutcome} from './sink.js'
import * as Kinesis from '../aws/kinesis.js'

/** Call errors after which no further call can succeed: the run stops. */
export const FATAL_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'AccessDenied',
  'ValidationException',
  'InvalidArgumentException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'KMSAccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'CredentialsProviderError',
])

export interface KinesisSinkOptions {
  streamName: string
  /** For error messages: the target the stream lives on. */
  target: string
  /**
   * The stream's MaxRecordSizeInKiB as DescribeStreamSummary reported it (checkStreamWritable reads
   * it once, before the run); undefined: the default 1 MiB.
   */
  maxRecordSizeInKiB?: number
}

export function kinesisSink(client: KinesisClient, options: KinesisSinkOptions): BatchSink {
  const {streamName, target} = options
  return {
    classify(error: unknown): CallFailure {
      const {code, message} = describeError(error)
      if (isAbort(error)) return {code: ABORTED_IN_FLIGHT, kind: 'aborted', message: ABORTED_IN_FLIGHT_MESSAGE}
      if (code === 'ResourceNotFoundException') {
        const e = new StreamNotFoundError(streamName, target, error)
        return {code, error: e, kind: 'fatal', message: `Stream "${streamName}" no longer exists (deleted while sending?): ${message}`}
      }
      if (code === 'ResourceInUseException') {
        const e = new ClickopsError(`Stream "${streamName}" stopped accepting records: ${message}`, {
          cause: error,
          exitCode: ExitCode.NOT_FOUND,
          hint: 'It is being deleted (or was recreated): check `clickops status`.',
        })
        return {code, error: e, kind: 'fatal', message}
      }
      if (THROTTLING_ERRORS.has(code) || status(error) === 429) return {code, kind: 'throttled', message}
      if (FATAL_ERRORS.has(code)) return {code, error: toClickopsError(error, {target}), kind: 'fatal', message}
      const httpStatus = status(error)
      if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500) {
        return {code, error: toClickopsError(error, {target}), kind: 'fatal', message}
      }
      // 5xx, network errors, timeouts, anything unknown: retry (bounded by the attempts).
      return {code, kind: 'retriable', message}
    },
    limits: {...streamWriteLimits(options.maxRecordSizeInKiB), recordLimitName: `the maximum record size of stream "${streamName}" (MaxRecordSizeInKiB)`},
    name: 'kinesis',
    async put(entries: readonly Entry[], signal: AbortSignal): Promise<EntryOutcome[]> {
      const response = await Kinesis.putRecords(client, {
        Records: entries.map((e) => ({Data: Buffer.from(e.body, 'utf8'), PartitionKey: e.key})),
        StreamName: streamName,
      }, {abortSignal: signal})
      const records = response.Records ?? []
      return entries.map((_, i): EntryOutcome => {
        const r = records[i]
        if (r === undefined) return {code: 'MissingResult', message: 'PutRecords returned no result for this record.', ok: false, retriable: true, throttled: false}
        if (r.ErrorCode === undefined || r.ErrorCode === null || r.ErrorCode === '') return {ok: true, shardId: r.ShardId}
        const throttled = THROTTLING_ERRORS.has(r.ErrorCode)
        return {code: r.ErrorCode, message: r.ErrorMessage ?? r.ErrorCode, ok: false, retriable: true, throttled}
      })
    },
  }
}

/** Checks, before generating anything, that the stream exists and accepts writes; reads its maximum record size. */
export async function checkStreamWritable(
  client: KinesisClient,
  streamName: string,
  target: string,
): Promise<{status: string; openShards?: number; maxRecordSizeInKiB?: number}> {
  let summary
  try {
    summary = await describeStreamSummary(client, streamName, target)
  } catch (error) {
    throw toClickopsError(error, {target})
  }
  const status = summary?.StreamStatus ?? 'UNKNOWN'
  if (status === 'DELETING' || status === 'CREATING') {
    throw new ClickopsError(`Stream "${streamName}" is ${status} and does not accept records yet.`, {
      hint: status === 'CREATING' ? 'Wait until `clickops status` shows ACTIVE, then run again.' : 'Create it again with `clickops provision`.',
    })
  }
  return {maxRecordSizeInKiB: summary?.MaxRecordSizeInKiB, openShards: summary?.OpenShardCount, status}
}

function status(error: unknown): number | undefined {
  return (error as {$metadata?: {httpStatusCode?: number}} | undefined)?.$metadata?.httpStatusCode
}
