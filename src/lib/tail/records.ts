/**
 * User records out of Kinesis records: KPL-aggregated records are de-aggregated (with aws-kinesis-agg's
 * decoder of the format, loaded on the first aggregated record only) into their user records, each with its own partition
 * key; any other record is one user record.
 */
import type {_Record} from '@aws-sdk/client-kinesis'
import {createHash} from 'node:crypto'
import {createRequire} from 'node:module'

/** One record as `tail` prints it. */
export interface TailRecord {
  partitionKey: string
  shardId: string
  sequenceNumber: string
  /** Position inside a KPL-aggregated record; absent for a plain record. */
  subSequenceNumber?: number
  explicitHashKey?: string
  approximateArrivalTimestamp?: Date
  data: Uint8Array
}

/** The KPL aggregation format: 4 magic bytes, a protobuf message, a 16-byte MD5 of the message. */
const KPL_MAGIC = [0xf3, 0x89, 0x9a, 0xc2]
const KPL_OVERHEAD = KPL_MAGIC.length + 16

export function isAggregated(data: Uint8Array | undefined): boolean {
  if (data === undefined || data.byteLength <= KPL_OVERHEAD) return false
  for (let i = 0; i < KPL_MAGIC.length; i++) if (data[i] !== KPL_MAGIC[i]) return false
  return true
}

/** The protobuf message of an aggregated record (aws-kinesis-agg's own schema of the KPL format). */
interface AggregatedMessage {
  partition_key_table: string[]
  explicit_hash_key_table: string[]
  records: {partition_key_index: number | {toNumber(): number}; explicit_hash_key_index?: number | {toNumber(): number}; data: Uint8Array}[]
}

interface AggregatedDecoder {
  decode(bytes: Uint8Array): AggregatedMessage
}

let decoder: AggregatedDecoder | undefined

/**
 * aws-kinesis-agg's decoder of the aggregation format. Its `deaggregate` functions are not used:
 * they give a user record without `explicit_hash_key_index` the table's entry 0 (protobufjs reads an
 * absent optional field as its default, 0), where the record has no explicit hash key at all.
 */
function loadDecoder(): AggregatedDecoder {
  decoder ??= (createRequire(import.meta.url)('aws-kinesis-agg/lib/common.js') as {loadBuilder(): AggregatedDecoder}).loadBuilder()
  return decoder
}

const indexOf = (value: number | {toNumber(): number}) => (typeof value === 'number' ? value : value.toNumber())

/** A record that is not aggregated, as one user record. */
export function plainRecord(record: _Record, shardId: string): TailRecord {
  return {
    approximateArrivalTimestamp: record.ApproximateArrivalTimestamp,
    data: record.Data ?? new Uint8Array(),
    partitionKey: record.PartitionKey ?? '',
    sequenceNumber: record.SequenceNumber ?? '',
    shardId,
  }
}

/**
 * The user records in one Kinesis record, in order. An aggregated record whose checksum does not
 * match is returned as it is (one record, its data the raw bytes).
 */
export async function userRecords(record: _Record, shardId: string): Promise<TailRecord[]> {
  if (!isAggregated(record.Data)) return [plainRecord(record, shardId)]
  const data = record.Data!
  const message = data.subarray(KPL_MAGIC.length, data.byteLength - 16)
  const checksum = data.subarray(data.byteLength - 16)
  if (!createHash('md5').update(message).digest().equals(checksum)) return [plainRecord(record, shardId)]
  let decoded: AggregatedMessage
  try {
    decoded = loadDecoder().decode(message)
  } catch {
    return [plainRecord(record, shardId)]
  }
  return decoded.records.map((u, i) => {
    const out: TailRecord = {
      approximateArrivalTimestamp: record.ApproximateArrivalTimestamp,
      data: u.data,
      partitionKey: decoded.partition_key_table[indexOf(u.partition_key_index)] ?? '',
      sequenceNumber: record.SequenceNumber ?? '',
      shardId,
      subSequenceNumber: i,
    }
    // Only a record that names an entry of the table has an explicit hash key.
    if (Object.hasOwn(u, 'explicit_hash_key_index') && u.explicit_hash_key_index !== undefined) {
      const key = decoded.explicit_hash_key_table[indexOf(u.explicit_hash_key_index)]
      if (key !== undefined) out.explicitHashKey = key
    }
    return out
  })
}

/**
 * Where a user record is in the stream: its sequence number, and for a user record of an aggregated
 * record `SEQUENCE:SUBSEQUENCE` (its index inside the aggregate). What `--from-sequence` and
 * `--after-sequence` take.
 */
export function positionOf(record: Pick<TailRecord, 'sequenceNumber' | 'subSequenceNumber'>): string {
  return record.subSequenceNumber === undefined ? record.sequenceNumber : `${record.sequenceNumber}:${record.subSequenceNumber}`
}
