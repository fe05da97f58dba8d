/**
 * `send` against kinesis-local: the achieved rate, reported as it is, beside the emulator's own
 * limit measured in the same run: a raw loop of full 500-record PutRecords batches at the same
 * concurrency (4), no clickops code, into a fresh stream of the same shape. kinesis-local's
 * PutRecords slows down as shards fill (see the README), so both start from an empty stream and
 * write the same number of records.
 */
import {PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {silenceSdkNodeWarning} from '../src/lib/aws/clients.js'
import {createGenerator, eventJson} from '../src/lib/clickstream/generator.js'
import {PUT_RECORDS_MAX_RECORDS} from '../src/lib/kinesis/limits.js'
import {createStream, startKinesisLocal} from '../test/helpers/kinesis-local.js'
import {round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RECORDS = Number(process.env.BENCH_SEND_LOCAL_RECORDS ?? 4000)
const SHARDS = 4
const CONCURRENCY = 4

/** Full batches, CONCURRENCY calls at a time, straight through the SDK. */
async function rawPutRecords(client: KinesisClient, stream: string): Promise<number> {
  const generator = createGenerator({hotUsers: [], seed: 1, skew: 0, users: 1000}, () => performance.timeOrigin + performance.now())
  const batches: {Data: Buffer; PartitionKey: string}[][] = []
  for (let i = 0; i < RECORDS; i += PUT_RECORDS_MAX_RECORDS) {
    batches.push(
      Array.from({length: Math.min(PUT_RECORDS_MAX_RECORDS, RECORDS - i)}, () => {
        const e = generator.next()
        return {Data: Buffer.from(eventJson(e)), PartitionKey: e.user_id}
      }),
    )
  }
  const start = performance.now()
  let next = 0
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]
      const r = await client.send(new PutRecordsCommand({Records: batch, StreamName: stream}))
      if (r.FailedRecordCount) throw new Error(`${r.FailedRecordCount} records failed`)
    }
  }
  await Promise.all(Array.from({length: CONCURRENCY}, worker))
  return (RECORDS * 1000) / (performance.now() - start)
}

function cliSend(endpoint: string, stream: string): Promise<{achievedRate: number; delivered: number; failed: number; elapsedMs: number}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'send', '--endpoint-url', endpoint, '--stream', stream, '--rate', '0', '--count', String(RECORDS), '--concurrency', String(CONCURRENCY), '--json'], {
      env: {...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', NODE_OPTIONS: ''},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`send exited ${code}: ${stderr.slice(0, 500)}`))))
  })
}

const bench: Bench = {
  name: 'send-local',
  async run(): Promise<BenchFigure[]> {
    silenceSdkNodeWarning()
    const local = await startKinesisLocal()
    try {
      const client = local.client()
      await createStream(client, 'bench-raw', SHARDS)
      await createStream(client, 'bench-send', SHARDS)
      const raw = await rawPutRecords(client, 'bench-raw')
      const sent = await cliSend(local.endpoint, 'bench-send')
      if (sent.delivered !== RECORDS) throw new Error(`send delivered ${sent.delivered} of ${RECORDS}`)
      return [
        {
          baseline: {name: `kinesis-local's own limit: raw PutRecords, full batches, ${CONCURRENCY} at a time (records/s)`, value: Math.round(raw)},
          details: {records: RECORDS, shards: SHARDS, concurrency: CONCURRENCY, elapsedMs: sent.elapsedMs, note: 'the emulator is the bottleneck; AWS allows 1,000 records/s per shard'},
          name: `send-local: clickops send --rate 0 --count ${RECORDS.toLocaleString('en-US')} against kinesis-local (${SHARDS} shards)`,
          ratio: round(sent.achievedRate / raw),
          ratioMeaning: "fraction of the emulator's raw rate reached",
          target: 'reported as is, beside the emulator limit',
          unit: 'records/s',
          value: Math.round(sent.achievedRate),
        },
      ]
    } finally {
      await local.stop()
    }
  },
}

export default bench
