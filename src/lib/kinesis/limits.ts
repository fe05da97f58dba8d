/**
 * Kinesis Data Streams limits and quotas: the one definition every other module imports.
 * Source: the Kinesis Data Streams quotas page of the AWS documentation.
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

/** PutRecords: records and bytes per call; the size of one record (data plus partition key). */
export const PUT_RECORDS_MAX_RECORDS = 500
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024
export const MAX_RECORD_BYTES = 1024 * 1024
export const MAX_PARTITION_KEY_LENGTH = 256

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
