/**
 * `tail`: memory stays flat however many records are scanned, and the pipeline (read, merge,
 * de-aggregate check, filter by key, format) keeps up with a shard. Reads a generated stream from an
 * in-process client that makes each page on demand and keeps nothing, so every byte the heap keeps
 * is the pipeline's. Pacing is off (calls/s and bytes/s): this measures the code, not the limits.
 */
import {GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record} from '@aws-sdk/client-kinesis'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

import {uniformRanges} from '../src/lib/kinesis/hashkey.js'
import {GET_RECORDS_MAX_RECORDS, SHARD_READ_BYTES_PER_SECOND} from '../src/lib/kinesis/limits.js'
import {readShard} from '../src/lib/kinesis/reader.js'
import {formatJson} from '../src/lib/tail/format.js'
import {planTail} from '../src/lib/tail/plan.js'
import {tail} from '../src/lib/tail/tail.js'
import {round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const USERS = 200
const SCALE = Number(process.env.BENCH_TAIL_SCALE ?? 1)

/** One ~250-byte clickstream event per user, encoded once. */
const payloads = Array.from({length: USERS}, (_, u) =>
  Buffer.from(
    JSON.stringify({
      additional_data: {percent_viewed: 39.7, price: 417.97, product_id: 557_246, time_on_data: 79},
      click_id: 'a5cf179b9c9d483abf6d424d44a293be',
      event_name: 'Search',
      insertion_timestamp: '2021-07-12 12:01:58.732754',
      pixel_id: 'wjgao4w1oi',
      timestamp: '2021-07-12 12:01:58.732726',
      user_ip: '111.33.64.227',
      user_id: String(u),
    }),
  ),
)
const RECORD_BYTES = payloads[0].byteLength

/** A stream of `shards` shards with `perShard` records each, generated page by page. */
function generatedStream(shards: number, perShard: number): KinesisClient {
  const ranges = uniformRanges(shards)
  const t0 = Date.now() - 3_600_000
  const send = async (command: unknown) => {
    if (command instanceof ListShardsCommand) {
      return {
        Shards: ranges.map((r, i) => ({
          HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
          SequenceNumberRange: {StartingSequenceNumber: '1'},
          ShardId: `shardId-${String(i).padStart(12, '0')}`,
        })),
      }
    }
    if (command instanceof GetShardIteratorCommand) return {ShardIterator: `${command.input.ShardId}|0`}
    if (command instanceof GetRecordsCommand) {
      const [shard, from] = command.input.ShardIterator!.split('|')
      const shardIndex = Number(shard.slice(-4))
      const start = Number(from)
      const count = Math.min(command.input.Limit ?? GET_RECORDS_MAX_RECORDS, perShard - start)
      const records: _Record[] = Array.from({length: count}, (_, k) => {
        const i = start + k
        return {
          ApproximateArrivalTimestamp: new Date(t0 + i * shards + shardIndex),
          Data: payloads[(i * shards + shardIndex) % USERS],
          PartitionKey: String((i * shards + shardIndex) % USERS),
          SequenceNumber: String(10n ** 40n + BigInt(i)),
        }
      })
      const end = start + count
      return {MillisBehindLatest: end >= perShard ? 0 : 1000, NextShardIterator: `${shard}|${end}`, Records: records}
    }
    throw new Error('unexpected command')
  }
  return {send} as unknown as KinesisClient
}

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const NO_PACING = {busyIntervalMs: 0, idleIntervalMs: 0, readBytesPerSecond: Infinity}

/**
 * Runs tail over a generated stream. Every 50,000 records it collects garbage and samples the heap:
 * the peak of what stays allocated (MiB over the start), and the rate (records/s, including the GCs).
 */
async function measureTail(shards: number, perShard: number, key?: string): Promise<{peakMiB: number; rate: number; scanned: number}> {
  const kinesis = generatedStream(shards, perShard)
  gc()
  const base = process.memoryUsage().heapUsed
  let peak = 0
  let last = 0
  const sample = (s: {scanned: number}) => {
    if (s.scanned - last < 50_000) return
    last = s.scanned
    gc()
    peak = Math.max(peak, process.memoryUsage().heapUsed - base)
  }
  const started = process.hrtime.bigint()
  const summary = await tail(
    kinesis,
    'bench',
    planTail({follow: false, from: 'trim-horizon', partitionKey: key}, new Date()),
    {
      onRecord: (r) => void formatJson(r),
      onStatus: sample,
    },
    {pacing: NO_PACING},
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return {peakMiB: peak / 2 ** 20, rate: summary.scanned / seconds, scanned: summary.scanned}
}

/** The bare reader over the same stream: what reading costs without the tail pipeline. */
async function measureReader(perShard: number): Promise<number> {
  const kinesis = generatedStream(1, perShard)
  let scanned = 0
  const started = process.hrtime.bigint()
  for await (const b of readShard({kinesis, pacing: NO_PACING, shardId: 'shardId-000000000000', start: {type: 'TRIM_HORIZON'}, stopAtTip: true, streamName: 'bench'})) {
    scanned += b.records.length
  }
  return scanned / (Number(process.hrtime.bigint() - started) / 1e9)
}


const bench: Bench = {
  name: 'tail',
  async run(): Promise<BenchFigure[]> {
    const small = Math.round(100_000 * SCALE)
    const large = small * 10
    // Warm up the JIT so the small run is not paying for compilation.
    await measureTail(1, 20_000, '35')

    const keySmall = await measureTail(1, small, '35')
    const keyLarge = await measureTail(1, large, '35')
    const mergeSmall = await measureTail(8, small / 8)
    const mergeLarge = await measureTail(8, large / 8)
    const bare = await measureReader(large)
    const shardCeiling = SHARD_READ_BYTES_PER_SECOND / RECORD_BYTES

    return [
      {
        baseline: {name: `heap retained scanning ${small.toLocaleString('en-US')} records`, value: round(keySmall.peakMiB)},
        details: {recordBytes: RECORD_BYTES, scanned: keyLarge.scanned},
        met: keyLarge.peakMiB <= keySmall.peakMiB + 4,
        name: `tail --user 35: heap retained scanning ${large.toLocaleString('en-US')} records on one shard`,
        ratio: round(keyLarge.peakMiB / keySmall.peakMiB),
        ratioMeaning: '10× the records over the baseline (1 = flat)',
        target: 'within 4 MiB of the baseline: memory does not grow with the records scanned',
        unit: 'MiB',
        value: round(keyLarge.peakMiB),
      },
      {
        baseline: {name: `heap retained merging ${small.toLocaleString('en-US')} records`, value: round(mergeSmall.peakMiB)},
        details: {scanned: mergeLarge.scanned, shards: 8},
        met: mergeLarge.peakMiB <= mergeSmall.peakMiB + 4,
        name: `tail (whole stream): heap retained merging ${large.toLocaleString('en-US')} records from 8 shards`,
        ratio: round(mergeLarge.peakMiB / mergeSmall.peakMiB),
        ratioMeaning: '10× the records over the baseline (1 = flat)',
        target: 'within 4 MiB of the baseline',
        unit: 'MiB',
        value: round(mergeLarge.peakMiB),
      },
      {
        baseline: {name: 'bare shard reader (records/s)', value: Math.round(bare)},
        details: {
          mergeRecordsPerSecond: Math.round(mergeLarge.rate),
          shardReadCeilingRecordsPerSecond: Math.round(shardCeiling),
          timesShardCeiling: round(keyLarge.rate / shardCeiling),
        },
        met: keyLarge.rate >= 5 * shardCeiling,
        name: 'tail --user 35: records scanned per second (read, filter, format)',
        ratio: round(keyLarge.rate / bare),
        ratioMeaning: 'share of the bare reader rate (higher is better)',
        target: '≥ 5× what one shard can deliver (2 MiB/s): tail keeps up with a full shard',
        unit: 'records/s',
        value: Math.round(keyLarge.rate),
      },
    ]
  },
}

export default bench
