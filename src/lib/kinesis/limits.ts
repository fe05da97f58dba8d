/**
 * Kinesis Data Streams limits and quotas: the one definition every other module imports.
 * Source: the Kinesis Data Streams quotas page of the AWS documentation.
 *
 * Fixed limits are constants. Two facts are per stream and read from DescribeStreamSummary:
 * the maximum record size (`MaxRecordSizeInKiB`, see streamWriteLimits below) and the record
 * distribution strategy (`RecordDistributionStrategy`, see distribution.ts). Everything else here is
 * the same for every stream.
 */

/** Per-shard write limits. */
export const SHARD_WRITE_BYTES_PER_SECOND = 1024 * 1024
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000

/** Per-shard read limits (shared throughput consumers). */
export const SHARD_READ_BYTES_PER_SECOND = 2 * 1024 * 1024
export const SHARD_GET_RECORDS_CALLS_PER_SECOND = 5
export const GET_RECORDS_MAX_RECORDS = 10_000
export const GET_RECORDS_MAX_BYTES = 10 * 1024 * 1024
/** Shard iterators expire after five minutes. */
export const ITERATOR_TTL_MS = 5 * 60 * 1000

/**
 * Enhanced fan-out (fixed): each registered consumer reads 2 MiB/s per shard of its own, apart
 * from the shared 2 MiB/s of polling consumers; a SubscribeToShard subscription lasts 5 minutes;
 * one SubscribeToShard call per second per consumer and shard (a new one within 5 s of the last
 * gets ResourceInUseException); at most 20 registered consumers per stream. Sources: AWS docs
 * "Develop enhanced fan-out consumers with dedicated throughput" and the quotas page, API reference
 * SubscribeToShard and RegisterStreamConsumer; the @aws-sdk/client-kinesis 3.1141 models.
 */
export const EFO_CONSUMER_READ_BYTES_PER_SECOND = 2 * 1024 * 1024
export const SUBSCRIPTION_TTL_MS = 5 * 60 * 1000
export const MAX_CONSUMERS_PER_STREAM = 20

/** PutRecords: records and bytes per call (fixed) on a stream with the default 1 MiB record size. */
export const PUT_RECORDS_MAX_RECORDS = 500
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024
/** The default maximum size of one record (data plus partition key); a stream may allow more. */
export const MAX_RECORD_BYTES = 1024 * 1024
export const MAX_PARTITION_KEY_LENGTH = 256

/**
 * Per stream: the maximum record size. 1 MiB by default for new and existing streams; raised per
 * stream with UpdateMaxRecordSize to 1024..10240 KiB and reported as `MaxRecordSizeInKiB` by
 * DescribeStreamSummary (absent means the default). The per-shard throughput (1 MiB/s write, 2 MiB/s
 * read) does not change with it. PutRecords then takes records "as large as 10 MiB, up to a limit of
 * 10 MiB for the entire request, including partition keys".
 * Sources: AWS docs "Handle large records" (streams/latest/dev/large-records.html), API reference
 * UpdateMaxRecordSize (ValidationException outside 1024..10240), and the @aws-sdk/client-kinesis
 * 3.1141 models (UpdateMaxRecordSizeInput, StreamDescriptionSummary.MaxRecordSizeInKiB, the
 * PutRecords documentation). kinesis-local 0.6.2 implements UpdateMaxRecordSize and reports the
 * field once it was set.
 */
export const MAX_RECORD_SIZE_KIB_DEFAULT = 1024
export const MAX_RECORD_SIZE_KIB_MIN = 1024
export const MAX_RECORD_SIZE_KIB_MAX = 10_240
/** PutRecords' request limit on a stream that allows records above 1 MiB (partition keys included). */
export const PUT_RECORDS_MAX_BYTES_LARGE = 10 * 1024 * 1024

/**
 * API Gateway's maximum payload of a request (fixed, not adjustable): "10 MB" on the API Gateway
 * quotas page (REST APIs), taken here as 10 MiB as the local gateway enforces it. `send --via api` posts `{"records": [...]}` bodies: a batch must fit in
 * it, whatever the stream allows. The events themselves are bounded much lower by the event schema.
 */
export const API_GATEWAY_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024

export interface WriteLimits {
  /** Records per PutRecords call. */
  maxRecords: number
  /** Bytes (data plus partition keys) per PutRecords call. */
  maxBytes: number
  /** Bytes of one record (data plus partition key). */
  maxRecordBytes: number
}

/**
 * The PutRecords limits of a stream with the given MaxRecordSizeInKiB (undefined: the default).
 * A call carries at least one maximal record: 5 MiB per call on a 1 MiB stream, up to the 10 MiB
 * request limit of large-record streams.
 */
export function streamWriteLimits(maxRecordSizeInKiB?: number): WriteLimits {
  const kib = Math.min(MAX_RECORD_SIZE_KIB_MAX, Math.max(MAX_RECORD_SIZE_KIB_MIN, maxRecordSizeInKiB ?? MAX_RECORD_SIZE_KIB_DEFAULT))
  const maxRecordBytes = kib * 1024
  const maxBytes = kib === MAX_RECORD_SIZE_KIB_DEFAULT ? PUT_RECORDS_MAX_BYTES : Math.min(PUT_RECORDS_MAX_BYTES_LARGE, Math.max(PUT_RECORDS_MAX_BYTES, maxRecordBytes))
  return {maxBytes, maxRecordBytes, maxRecords: PUT_RECORDS_MAX_RECORDS}
}

/** UpdateShardCount: each call within [ceil(n/2), 2n]; 10 calls per rolling 24 h; 10,000 shards per stream. */
export const UPDATE_SHARD_COUNT_MAX_FACTOR = 2
export const UPDATE_SHARD_COUNT_CALLS_PER_24H = 10
export const UPDATE_SHARD_COUNT_WINDOW_MS = 24 * 60 * 60 * 1000
export const MAX_SHARDS_PER_STREAM = 10_000

/** Retention period bounds, hours. */
export const RETENTION_HOURS_MIN = 24
export const RETENTION_HOURS_MAX = 8760

/** CloudWatch: GetMetricData queries per call, datapoints per response, minimal period for Kinesis metrics. */
export const GET_METRIC_DATA_MAX_QUERIES = 500
export const GET_METRIC_DATA_MAX_DATAPOINTS = 100_800
export const KINESIS_METRIC_PERIOD_SECONDS = 60
/** CloudWatch keeps one-minute datapoints for 15 days. */
export const CLOUDWATCH_ONE_MINUTE_RETENTION_MS = 15 * 24 * 60 * 60 * 1000

/** Tags: 50 per stream, key ≤ 128 chars, value ≤ 256 chars. */
export const MAX_TAGS_PER_STREAM = 50
export const MAX_TAG_KEY_LENGTH = 128
export const MAX_TAG_VALUE_LENGTH = 256

/** The whole 128-bit hash-key space, [0, 2^128 - 1]. */
export const HASH_KEY_MAX = (1n << 128n) - 1n
