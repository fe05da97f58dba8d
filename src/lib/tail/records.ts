/**
 * User records out of Kinesis records: KPL-aggregated records are de-aggregated (aws-kinesis-agg,
 * loaded on the first aggregated record only) into their user records, each with its own partition
 * key; any other record is one user record.
 */
import type {_Record} from '@aws-sdk/client-kinesis'

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

interface AggUserRecord {
  PartitionKey: string
  ExplicitPartitionKey?: string
  SequenceNumber: string
  SubSequenceNumber?: number
  Data: string
}

type DeaggregateSync = (record: Record<string, unknown>, computeChecksums: boolean, done: (err: Error | null, records?: AggUserRecord[]) => void) => void

let deaggregateSync: Promise<DeaggregateSync> | undefined

function loadDeaggregator(): Promise<DeaggregateSync> {
  deaggregateSync ??= import('aws-kinesis-agg').then((m) => {
    const mod = ((m as {default?: unknown}).default ?? m) as {deaggregateSync: DeaggregateSync}
    return mod.deaggregateSync
  })
  return deaggregateSync
}

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
  const deaggregate = await loadDeaggregator()
  let out: AggUserRecord[] | undefined
  const data = record.Data!
  deaggregate(
    {
      ApproximateArrivalTimestamp: record.ApproximateArrivalTimestamp,
      Data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
      PartitionKey: record.PartitionKey,
      SequenceNumber: record.SequenceNumber,
    },
    true,
    (err, records) => {
      if (!err) out = records
    },
  )
  if (out === undefined) return [plainRecord(record, shardId)]
  return out.map((u, i) => ({
    approximateArrivalTimestamp: record.ApproximateArrivalTimestamp,
    data: Buffer.from(u.Data, 'base64'),
    explicitHashKey: u.ExplicitPartitionKey ?? undefined,
    partitionKey: u.PartitionKey,
    sequenceNumber: record.SequenceNumber ?? '',
    shardId,
    subSequenceNumber: u.SubSequenceNumber ?? i,
  }))
}
