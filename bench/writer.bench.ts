/**
 * The writer against an in-process stub Kinesis endpoint that accepts every PutRecords (and
 * PutRecord) at once: the real CLI, `send --rate 0 --count 1,000,000`, beside a naive loop of one
 * PutRecord per event through the same SDK client setup; and the CLI's peak RSS over those
 * 1,000,000 events, measured in its own process.
 */
import {PutRecordCommand, KinesisClient} from '@aws-sdk/client-kinesis'
import {NodeHttpHandler} from '@smithy/node-http-handler'
import {spawn} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {Agent, createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {silenceSdkNodeWarning} from '../src/lib/aws/clients.js'
import {createGenerator, eventJson} from '../src/lib/clickstream/generator.js'
import {round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const MAX_RSS = fileURLToPath(new URL('fixtures/max-rss.mjs', import.meta.url))
const EVENTS = Number(process.env.BENCH_WRITER_EVENTS ?? 1_000_000)
const NAIVE_SECONDS = Number(process.env.BENCH_WRITER_NAIVE_SECONDS ?? 5)

/** A Kinesis endpoint (JSON 1.1 protocol) that says yes to everything, counting records. */
async function stubKinesis(): Promise<{endpoint: string; records: () => number; close: () => Promise<void>}> {
  let records = 0
  let sequence = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').split('.')[1]
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
      let answer: unknown
      if (target === 'PutRecords') {
        records += body.Records.length
        answer = {FailedRecordCount: 0, Records: body.Records.map(() => ({SequenceNumber: String(++sequence), ShardId: 'shardId-000000000000'}))}
      } else if (target === 'PutRecord') {
        records += 1
        answer = {SequenceNumber: String(++sequence), ShardId: 'shardId-000000000000'}
      } else if (target === 'DescribeStreamSummary') {
        answer = {StreamDescriptionSummary: {OpenShardCount: 4, StreamName: body.StreamName, StreamStatus: 'ACTIVE'}}
      } else {
        res.writeHead(400, {'content-type': 'application/x-amz-json-1.1'})
        res.end(JSON.stringify({__type: 'UnknownOperationException', message: target}))
        return
      }
      res.writeHead(200, {'content-type': 'application/x-amz-json-1.1'})
      res.end(JSON.stringify(answer))
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    close: () => new Promise((resolve) => server.close(() => resolve())),
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    records: () => records,
  }
}

/** One PutRecord per event, awaited one after the other, for `seconds`. */
async function naiveLoop(endpoint: string, seconds: number): Promise<{rate: number; records: number}> {
  silenceSdkNodeWarning()
  const client = new KinesisClient({
    credentials: {accessKeyId: 'bench', secretAccessKey: 'bench'},
    endpoint,
    region: 'us-east-1',
    requestHandler: new NodeHttpHandler({httpAgent: new Agent({keepAlive: true, maxSockets: 50})}),
  })
  const generator = createGenerator({hotUsers: [], seed: 1, skew: 0, users: 1000}, () => performance.timeOrigin + performance.now())
  let n = 0
  const start = performance.now()
  const end = start + seconds * 1000
  while (performance.now() < end) {
    const e = generator.next()
    await client.send(new PutRecordCommand({Data: Buffer.from(eventJson(e)), PartitionKey: e.user_id, StreamName: 'bench'}))
    n += 1
  }
  const elapsed = (performance.now() - start) / 1000
  client.destroy()
  return {rate: n / elapsed, records: n}
}

/** The real CLI: send --rate 0 --count EVENTS against the stub; its summary and peak RSS. */
async function cliRun(endpoint: string): Promise<{summary: {delivered: number; failed: number; achievedRate: number; elapsedMs: number; calls: number}; maxRssMiB: number}> {
  const dir = await mkdtemp(join(tmpdir(), 'clickops-bench-'))
  const rssFile = join(dir, 'max-rss')
  try {
    const child = spawn(process.execPath, [BIN, 'send', '--endpoint-url', endpoint, '--stream', 'bench', '--rate', '0', '--count', String(EVENTS), '--seed', '1', '--json'], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        MAX_RSS_FILE: rssFile,
        NODE_OPTIONS: `--import ${MAX_RSS}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    if (code !== 0) throw new Error(`send exited ${code}: ${stderr.slice(0, 500)}`)
    const maxRssKiB = Number(await readFile(rssFile, 'utf8'))
    return {maxRssMiB: maxRssKiB / 1024, summary: JSON.parse(stdout)}
  } finally {
    await rm(dir, {force: true, recursive: true})
  }
}

const bench: Bench = {
  name: 'writer',
  async run(): Promise<BenchFigure[]> {
    const stub = await stubKinesis()
    try {
      const naive = await naiveLoop(stub.endpoint, NAIVE_SECONDS)
      const before = stub.records()
      const cli = await cliRun(stub.endpoint)
      const received = stub.records() - before
      if (cli.summary.delivered !== EVENTS || received !== EVENTS) {
        throw new Error(`expected ${EVENTS} records, the CLI says ${cli.summary.delivered} delivered and the stub received ${received}`)
      }
      const rate = cli.summary.achievedRate
      return [
        {
          baseline: {name: 'naive loop: one PutRecord per event, awaited (records/s)', value: Math.round(naive.rate)},
          details: {events: EVENTS, calls: cli.summary.calls, elapsedMs: cli.summary.elapsedMs, naiveRecords: naive.records, stubReceived: received},
          met: rate >= 20_000 && rate / naive.rate >= 30,
          name: 'writer: clickops send --rate 0 against a stub Kinesis endpoint that accepts at once',
          ratio: round(rate / naive.rate),
          ratioMeaning: 'times the naive loop (higher is better)',
          target: '≥ 20,000 records/s and ≥ 30× the naive loop',
          unit: 'records/s',
          value: Math.round(rate),
        },
        {
          details: {events: EVENTS, measuredIn: 'the CLI process (process.resourceUsage().maxRSS at exit)'},
          met: cli.maxRssMiB * 1.048576 <= 200, // the target is in MB (10^6 bytes)
          name: `writer: peak RSS of clickops send --rate 0 --count ${EVENTS.toLocaleString('en-US')}`,
          target: '≤ 200 MB',
          unit: 'MiB',
          value: round(cli.maxRssMiB),
        },
      ]
    } finally {
      await stub.close()
    }
  },
}

export default bench
