/**
 * The writer against a stub Kinesis endpoint that accepts every PutRecords at once, the stub in a
 * process of its own (it shares the cores; its CPU is reported). Side by side in one run:
 * - the stub's raw limit: prebuilt 500-record PutRecords bodies posted raw at the writer's
 *   concurrency (what the endpoint and the HTTP path take, with nothing generated or signed);
 * - a naive loop of one PutRecord per event through the same SDK client setup;
 * - the real CLI, `send --rate 0 --count N`, in one process (the single writer);
 * - the CLI with `--workers 1, 2, 4` (worker threads, each its own writer);
 * and the single writer's peak RSS. Records/s, the speed-up over the single writer, the gain per
 * added core, the writer's share of the raw limit, and the load of the machine beside them.
 */
import {PutRecordCommand, KinesisClient} from '@aws-sdk/client-kinesis'
import {NodeHttpHandler} from '@smithy/node-http-handler'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {Agent, request} from 'node:http'
import {availableParallelism, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {silenceSdkNodeWarning} from '../src/lib/aws/clients.js'
import {createGenerator, eventJson} from '../src/lib/clickstream/generator.js'
import {PUT_RECORDS_MAX_RECORDS} from '../src/lib/kinesis/limits.js'
import {SEND_DEFAULTS} from '../src/lib/send/defaults.js'
import {round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const MAX_RSS = fileURLToPath(new URL('fixtures/max-rss.mjs', import.meta.url))
const STUB = fileURLToPath(new URL('fixtures/stub-kinesis.mjs', import.meta.url))
const EVENTS = Number(process.env.BENCH_WRITER_EVENTS ?? 1_000_000)
const NAIVE_SECONDS = Number(process.env.BENCH_WRITER_NAIVE_SECONDS ?? 5)
const RAW_SECONDS = Number(process.env.BENCH_WRITER_RAW_SECONDS ?? 8)
const WORKERS = (process.env.BENCH_WRITER_WORKERS ?? '1,2,4').split(',').map(Number)

interface Stub {
  endpoint: string
  stats(): Promise<{records: number; cpuMicros: number}>
  close(): Promise<void>
}

async function startStub(): Promise<Stub> {
  const child: ChildProcess = spawn(process.execPath, [STUB], {stdio: ['ignore', 'pipe', 'inherit']})
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d
      if (out.includes('\n')) resolve(out.trim())
    })
    child.once('exit', (code) => reject(new Error(`the stub exited ${code}`)))
  })
  const agent = new Agent({keepAlive: true})
  return {
    close: () =>
      new Promise((resolve) => {
        agent.destroy()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
    endpoint,
    stats: async () => (await fetch(`${endpoint}/__stats`)).json() as Promise<{records: number; cpuMicros: number}>,
  }
}

/** Measures `run` and the stub's CPU meanwhile (share of one core). */
async function withStubCpu<T>(stub: Stub, run: () => Promise<T>): Promise<{value: T; stubCpu: number; received: number; seconds: number}> {
  const before = await stub.stats()
  const t0 = performance.now()
  const value = await run()
  const seconds = (performance.now() - t0) / 1000
  const after = await stub.stats()
  return {received: after.records - before.records, seconds, stubCpu: (after.cpuMicros - before.cpuMicros) / 1e6 / seconds, value}
}

/**
 * The raw limit: PutRecords bodies of 500 generated events (base64 data, as the SDK sends them),
 * built before the clock starts, posted unsigned over keep-alive HTTP/1.1, `concurrency` at once.
 */
async function rawLimit(endpoint: string, seconds: number, concurrency: number): Promise<{rate: number; records: number}> {
  const generator = createGenerator({hotUsers: [], seed: 1, skew: 0, users: 1000}, () => Date.now())
  const bodies = Array.from({length: 16}, () =>
    Buffer.from(
      JSON.stringify({
        Records: Array.from({length: PUT_RECORDS_MAX_RECORDS}, () => {
          const e = generator.next()
          return {Data: Buffer.from(eventJson(e)).toString('base64'), PartitionKey: e.user_id}
        }),
        StreamName: 'bench',
      }),
    ),
  )
  const agent = new Agent({keepAlive: true, maxSockets: concurrency})
  const url = new URL(endpoint)
  const post = (body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {agent, headers: {'content-length': body.length, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords'}, host: url.hostname, method: 'POST', path: '/', port: url.port},
        (res) => {
          res.resume()
          res.on('end', resolve)
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  let records = 0
  const start = performance.now()
  const end = start + seconds * 1000
  await Promise.all(
    Array.from({length: concurrency}, async (_, lane) => {
      for (let i = lane; performance.now() < end; i += concurrency) {
        await post(bodies[i % bodies.length])
        records += PUT_RECORDS_MAX_RECORDS
      }
    }),
  )
  agent.destroy()
  return {rate: records / ((performance.now() - start) / 1000), records}
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

interface CliSummary {
  delivered: number
  failed: number
  achievedRate: number
  elapsedMs: number
  calls: number
  workers?: {delivered: number}[]
}

/** The real CLI: send --rate 0 --count EVENTS against the stub; its summary, peak RSS and CPU. */
async function cliRun(endpoint: string, extra: string[] = []): Promise<{summary: CliSummary; maxRssMiB: number; cpuSeconds: number}> {
  const dir = await mkdtemp(join(tmpdir(), 'clickops-bench-'))
  const rssFile = join(dir, 'max-rss')
  const cpuFile = join(dir, 'cpu')
  try {
    const child = spawn(process.execPath, [BIN, 'send', '--endpoint-url', endpoint, '--stream', 'bench', '--rate', '0', '--count', String(EVENTS), '--seed', '1', ...extra, '--json'], {
      env: {...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', CPU_FILE: cpuFile, MAX_RSS_FILE: rssFile, NODE_OPTIONS: `--import ${MAX_RSS}`},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    if (code !== 0) throw new Error(`send ${extra.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`)
    const cpu = JSON.parse(await readFile(cpuFile, 'utf8')) as {user: number; system: number}
    return {cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: Number(await readFile(rssFile, 'utf8')) / 1024, summary: JSON.parse(stdout)}
  } finally {
    await rm(dir, {force: true, recursive: true})
  }
}

const bench: Bench = {
  name: 'writer',
  async run(): Promise<BenchFigure[]> {
    const cores = availableParallelism()
    const load = () => loadavg().map((x) => round(x))
    const loadBefore = load()
    const stub = await startStub()
    try {
      const concurrency = SEND_DEFAULTS.concurrency
      const raw = await withStubCpu(stub, () => rawLimit(stub.endpoint, RAW_SECONDS, concurrency))
      const naive = await naiveLoop(stub.endpoint, NAIVE_SECONDS)
      const expectAll = (s: CliSummary, received: number, what: string) => {
        if (s.delivered !== EVENTS || received !== EVENTS) throw new Error(`${what}: expected ${EVENTS} records, the CLI says ${s.delivered} delivered and the stub received ${received}`)
      }
      const single = await withStubCpu(stub, () => cliRun(stub.endpoint))
      expectAll(single.value.summary, single.received, 'single writer')
      const fleets: {workers: number; rate: number; stubCpu: number; cliCpu: number; elapsedMs: number}[] = []
      for (const n of WORKERS) {
        const r = await withStubCpu(stub, () => cliRun(stub.endpoint, ['--workers', String(n)]))
        expectAll(r.value.summary, r.received, `--workers ${n}`)
        fleets.push({cliCpu: round(r.value.cpuSeconds / r.seconds), elapsedMs: r.value.summary.elapsedMs, rate: r.value.summary.achievedRate, stubCpu: round(r.stubCpu), workers: n})
      }
      const loadAfter = load()
      const rate = single.value.summary.achievedRate
      const machine = {cores, loadAverageAfter: loadAfter, loadAverageBefore: loadBefore}
      const figures: BenchFigure[] = [
        {
          details: {...machine, concurrency, records: raw.value.records, stubCpuCores: round(raw.stubCpu)},
          name: `writer: the stub's raw limit (prebuilt ${PUT_RECORDS_MAX_RECORDS}-record PutRecords bodies posted raw, ${concurrency} at once)`,
          unit: 'records/s',
          value: Math.round(raw.value.rate),
        },
        {
          baseline: {name: 'naive loop: one PutRecord per event, awaited (records/s)', value: Math.round(naive.rate)},
          details: {...machine, calls: single.value.summary.calls, cliCpuCores: round(single.value.cpuSeconds / single.seconds), elapsedMs: single.value.summary.elapsedMs, events: EVENTS, naiveRecords: naive.records, stubCpuCores: round(single.stubCpu)},
          met: rate >= 20_000 && rate / naive.rate >= 30,
          name: 'writer: clickops send --rate 0 (one process) against the stub',
          ratio: round(rate / naive.rate),
          ratioMeaning: 'times the naive loop (higher is better)',
          target: '≥ 20,000 records/s and ≥ 30× the naive loop',
          unit: 'records/s',
          value: Math.round(rate),
        },
        {
          baseline: {name: "the stub's raw limit (records/s)", value: Math.round(raw.value.rate)},
          met: rate / raw.value.rate >= 0.35,
          name: "writer: the single writer's share of the raw limit",
          ratio: round(rate / raw.value.rate),
          ratioMeaning: 'share of the raw limit (higher is better)',
          target: '≥ 35% of the raw limit',
          unit: 'records/s',
          value: Math.round(rate),
        },
      ]
      for (const f of fleets) {
        const speedup = f.rate / rate
        const addedCores = Math.min(f.workers, cores) - 1
        figures.push({
          baseline: {name: 'the single writer, one process (records/s)', value: Math.round(rate)},
          details: {
            ...machine,
            cliCpuCores: f.cliCpu,
            elapsedMs: f.elapsedMs,
            events: EVENTS,
            gainPerAddedCore: addedCores > 0 ? round((speedup - 1) / addedCores) : undefined,
            shareOfRawLimit: round(f.rate / raw.value.rate),
            stubCpuCores: f.stubCpu,
          },
          met: f.workers === 2 ? speedup >= 1.4 : undefined,
          name: `writer: clickops send --rate 0 --workers ${f.workers} (worker threads) against the stub`,
          ratio: round(speedup),
          ratioMeaning: 'times the single writer (higher is better)',
          target: f.workers === 2 ? '≥ 1.4× the single writer on a 2-core machine' : undefined,
          unit: 'records/s',
          value: Math.round(f.rate),
        })
      }
      figures.push({
        details: {events: EVENTS, measuredIn: 'the CLI process (process.resourceUsage().maxRSS at exit)'},
        met: single.value.maxRssMiB * 1.048576 <= 200, // the target is in MB (10^6 bytes)
        name: `writer: peak RSS of clickops send --rate 0 --count ${EVENTS.toLocaleString('en-US')}`,
        target: '≤ 200 MB',
        unit: 'MiB',
        value: round(single.value.maxRssMiB),
      })
      return figures
    } finally {
      await stub.close()
    }
  },
}

export default bench
