/**
 * The local gateway's cost. Three figures, each beside a baseline measured in the same run:
 *
 * 1. POST /events through the gateway (HTTP + validation + template + SDK PutRecord) against a
 *    direct SDK PutRecord to kinesis-local: median latency, calls interleaved, one stream each.
 * 2. POST /events/batch with 500 events through the whole HTTP pipeline with an instant Kinesis
 *    behind it (kinesis-local's own PutRecords time varies too much to compare), against a bare node
 *    HTTP server that reads and parses the same body.
 * 3. The pipeline's own CPU work for a 500-event batch (ajv validation + the check for inexact
 *    numbers + velocity rendering + parsing the rendered input), without any I/O, against JSON.parse + JSON.stringify of the body.
 *
 * 4. Concurrent bursts against the gateway's own process (started by the embedded stack, as
 *    `clickops local up` does) with kinesis-local behind it, within the stage throttle of a default
 *    `provision`: 1,000 concurrent POST /events, then 100 concurrent 500-event POST /events/batch.
 *    Every answer must be 200 or 429 and the stream must hold exactly the records accepted;
 *    p50/p99 latency and the gateway process's resident memory are reported.
 *
 * In 1, the direct and gateway calls alternate and write to two streams of the same shape that
 * fill at the same pace (kinesis-local slows down as shards fill).
 */
import {PutRecordCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {readFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

import {silenceSdkNodeWarning} from '../src/lib/aws/clients.js'
import {buildApiDocument, putRecordsTemplate} from '../src/lib/gateway/openapi.js'
import {apisDir} from '../src/lib/gateway/state.js'
import {compileModels, inexactNumbers} from '../src/lib/gateway/validate.js'
import {formatRequestTime, renderTemplate, type VtlContext} from '../src/lib/gateway/vtl.js'
import {gatewayService, kinesisService} from '../src/lib/local/services.js'
import {localUp} from '../src/lib/local/stack.js'
import {PROVISION_DEFAULTS} from '../src/lib/provision/desired.js'
import {post, readAllRecords, sampleEvents, startTestGateway, writeTestApi} from '../test/helpers/gateway.js'
import {createStream, startKinesisLocal, uniqueStreamName} from '../test/helpers/kinesis-local.js'
import {median, quantile, round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const SINGLE_CALLS = Number(process.env.BENCH_GATEWAY_CALLS ?? 200)
const BATCH_CALLS = Number(process.env.BENCH_GATEWAY_BATCHES ?? 30)
const CPU_ROUNDS = Number(process.env.BENCH_GATEWAY_CPU_ROUNDS ?? 50)
const BURST_SINGLES = Number(process.env.BENCH_GATEWAY_BURST_SINGLES ?? 1000)
const BURST_BATCHES = Number(process.env.BENCH_GATEWAY_BURST_BATCHES ?? 100)
const BURST_BATCH_SIZE = 500


async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

const context: VtlContext = {
  accountId: '000000000000',
  apiId: 'bench',
  domainName: '127.0.0.1',
  error: {},
  extendedRequestId: 'r',
  httpMethod: 'POST',
  identity: {sourceIp: '127.0.0.1', userAgent: 'bench'},
  path: '/s/v1/events/batch',
  protocol: 'HTTP/1.1',
  requestId: 'r',
  requestTime: formatRequestTime(0),
  requestTimeEpoch: 0,
  resourcePath: '/events/batch',
  responseOverride: {header: {}},
  stage: 'v1',
}

/** Resident memory of a process in MiB, now (VmRSS) and at its peak so far (VmHWM); Linux only. */
async function residentMiB(pid: number): Promise<{now: number; peak: number} | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined)
  if (status === undefined) return undefined
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return {now: round(kib('VmRSS') / 1024), peak: round(kib('VmHWM') / 1024)}
}

interface BurstResult {
  statuses: Record<number, number>
  latencies: number[]
  /** Records Kinesis accepted according to the 200 answers. */
  accepted: number
  wallMs: number
}

/** Sends every body at once and waits for every answer. */
async function burst(url: string, bodies: string[], acceptedOf: (json: Record<string, unknown>) => number): Promise<BurstResult> {
  const statuses: Record<number, number> = {}
  const latencies: number[] = []
  let accepted = 0
  const start = performance.now()
  await Promise.all(
    bodies.map(async (body) => {
      const t = performance.now()
      const r = await post(url, body).catch((error: Error) => ({json: {}, status: 0, text: error.message}))
      latencies.push(performance.now() - t)
      statuses[r.status] = (statuses[r.status] ?? 0) + 1
      if (r.status === 200) accepted += acceptedOf(r.json)
    }),
  )
  return {accepted, latencies, statuses, wallMs: performance.now() - start}
}

const bench: Bench = {
  name: 'gateway',
  async run(): Promise<BenchFigure[]> {
    silenceSdkNodeWarning()
    const figures: BenchFigure[] = []

    // 3. CPU: validation + template for a 500-event batch, no I/O.
    const body = JSON.stringify({records: sampleEvents(500)})
    const doc = buildApiDocument({apiKeyRequired: false, region: 'us-east-1', roleArn: 'arn:aws:iam::000000000000:role/r', stream: 'bench'})
    const validate = compileModels(doc)('#/components/schemas/ClickEventBatch')
    const template = putRecordsTemplate('bench')
    const pipeline: number[] = []
    const baseline: number[] = []
    for (let i = 0; i < CPU_ROUNDS + 5; i++) {
      const a = performance.now()
      if (!validate(JSON.parse(body)) || (await inexactNumbers(body)).length > 0) throw new Error('invalid batch')
      JSON.parse(renderTemplate(template, {body, context}).output)
      const b = performance.now()
      JSON.stringify(JSON.parse(body))
      const c = performance.now()
      if (i >= 5) {
        pipeline.push(b - a)
        baseline.push(c - b)
      }
    }
    const cpu = median(pipeline)
    const parse = median(baseline)
    figures.push({
      baseline: {name: 'JSON.parse + JSON.stringify of the same body (median)', value: round(parse)},
      details: {eventsPerSecond: Math.round(500 / (cpu / 1000)), rounds: CPU_ROUNDS},
      name: `gateway: validate (schema, exact numbers) + render a 500-event batch, no I/O (median of ${CPU_ROUNDS})`,
      ratio: round(cpu / parse),
      ratioMeaning: 'times the JSON baseline (lower is better)',
      unit: 'ms',
      value: round(cpu),
    })

    // 1 and 2: over HTTP against kinesis-local.
    const local = await startKinesisLocal()
    const kinesis = local.client()
    const gw = await startTestGateway(kinesis)
    try {
      const viaGateway = uniqueStreamName('bench-gw')
      const direct = uniqueStreamName('bench-direct')
      await Promise.all([createStream(kinesis, viaGateway, 4), createStream(kinesis, direct, 4)])
      await writeTestApi(gw.apisDir, viaGateway)
      const events = sampleEvents(SINGLE_CALLS)
      const url = gw.invokeUrl(viaGateway)

      const gwSingle: number[] = []
      const sdkSingle: number[] = []
      for (const [i, event] of events.entries()) {
        const json = JSON.stringify(event)
        const order = i % 2 === 0
        const g = () => post(`${url}/events`, json).then((r) => r.status === 200 || Promise.reject(new Error(`HTTP ${r.status}`)))
        const d = () => kinesis.send(new PutRecordCommand({Data: Buffer.from(json), PartitionKey: event.user_id, StreamName: direct}))
        if (order) {
          gwSingle.push(await time(g))
          sdkSingle.push(await time(d))
        } else {
          sdkSingle.push(await time(d))
          gwSingle.push(await time(g))
        }
      }
      const single = median(gwSingle)
      const singleBase = median(sdkSingle)
      figures.push({
        baseline: {name: 'direct SDK PutRecord to kinesis-local (median)', value: round(singleBase)},
        details: {calls: SINGLE_CALLS, overheadMs: round(single - singleBase)},
        name: `gateway: POST /events → PutRecord (median of ${SINGLE_CALLS})`,
        ratio: round(single / singleBase),
        ratioMeaning: 'times the direct call (lower is better)',
        unit: 'ms',
        value: round(single),
      })

    } finally {
      await gw.stop()
      await local.stop()
    }

    // 2. The whole HTTP pipeline for 500-event batches, with an instant Kinesis behind it, against a
    // bare node HTTP server that reads and parses the same body and answers.
    const records = Array.from({length: 500}, (_, i) => ({SequenceNumber: String(i), ShardId: 'shardId-000000000000'}))
    const instant = {send: async () => ({$metadata: {}, FailedRecordCount: 0, Records: records})} as unknown as KinesisClient
    const pipelineGw = await startTestGateway(instant)
    const bare = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'))
        res.writeHead(200, {'content-type': 'application/json'})
        res.end(JSON.stringify({failedRecordCount: 0, records: records.map((r) => ({sequenceNumber: r.SequenceNumber, shardId: r.ShardId}))}))
      })
    })
    await new Promise<void>((resolve) => bare.listen({host: '127.0.0.1', port: 0}, resolve))
    try {
      await writeTestApi(pipelineGw.apisDir, 'bench')
      const gwUrl = `${pipelineGw.invokeUrl('bench')}/events/batch`
      const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/events/batch`
      const json = JSON.stringify({records: sampleEvents(500)})
      const gwTimes: number[] = []
      const bareTimes: number[] = []
      for (let i = 0; i < BATCH_CALLS + 3; i++) {
        const g = await time(() => post(gwUrl, json).then((r) => r.status === 200 || Promise.reject(new Error(`HTTP ${r.status}: ${r.text}`))))
        const b = await time(() => post(bareUrl, json))
        if (i >= 3) {
          gwTimes.push(g)
          bareTimes.push(b)
        }
      }
      const g = median(gwTimes)
      const b = median(bareTimes)
      figures.push({
        baseline: {name: 'bare node HTTP server parsing the same body (median)', value: round(b)},
        details: {batches: BATCH_CALLS, eventsPerSecond: Math.round(500 / (g / 1000))},
        name: `gateway: POST /events/batch with 500 events, instant Kinesis (median of ${BATCH_CALLS})`,
        ratio: round(g / b),
        ratioMeaning: 'times the bare server (lower is better)',
        unit: 'ms',
        value: round(g),
      })
    } finally {
      await pipelineGw.stop()
      bare.close()
    }

    figures.push(...(await bursts()))
    return figures
  },
}

/** 4. Concurrent bursts through the gateway's own process, within the default stage throttle. */
async function bursts(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = []
  const local = await startKinesisLocal()
  try {
    const kinesis = local.client()
    const up = await localUp(local.config, {services: [kinesisService, gatewayService]})
    const gateway = up.status.services.find((s) => s.name === 'gateway')!
    const throttle = {burstLimit: PROVISION_DEFAULTS.throttleBurst, rateLimit: PROVISION_DEFAULTS.throttleRate}
    const idle = await residentMiB(gateway.pid)
    const scenarios = [
      {
        bodies: sampleEvents(BURST_SINGLES).map((e) => JSON.stringify(e)),
        name: `gateway: ${BURST_SINGLES.toLocaleString('en-US')} concurrent POST /events`,
        path: '/events',
        shards: 4,
        acceptedOf: () => 1,
      },
      {
        bodies: Array.from({length: BURST_BATCHES}, (_, b) =>
          JSON.stringify({records: sampleEvents(BURST_BATCH_SIZE).map((e, i) => ({...e, click_id: (b * BURST_BATCH_SIZE + i).toString(16).padStart(32, '0')}))}),
        ),
        name: `gateway: ${BURST_BATCHES} concurrent POST /events/batch of ${BURST_BATCH_SIZE} events`,
        path: '/events/batch',
        shards: 16,
        acceptedOf: (json: Record<string, unknown>) => BURST_BATCH_SIZE - Number(json.failedRecordCount ?? BURST_BATCH_SIZE),
      },
    ]
    for (const scenario of scenarios) {
      const stream = uniqueStreamName('bench-burst')
      await createStream(kinesis, stream, scenario.shards)
      await writeTestApi(apisDir(local.config.dir), stream, {throttle})
      const result = await burst(`${gateway.endpoint}/${stream}/v1${scenario.path}`, scenario.bodies, scenario.acceptedOf)
      const memory = await residentMiB(gateway.pid)
      const stored = (await readAllRecords(kinesis, stream)).length
      const onlyExpected = Object.keys(result.statuses).every((s) => s === '200' || s === '429')
      const details = {
        acceptedRecords: result.accepted,
        gatewayIdleRssMiB: idle?.now,
        gatewayRssMiB: memory?.now,
        recordsPerSecond: Math.round(stored / (result.wallMs / 1000)),
        requests: scenario.bodies.length,
        shards: scenario.shards,
        statuses: result.statuses,
        storedRecords: stored,
        throttle,
        wallSeconds: round(result.wallMs / 1000),
      }
      figures.push(
        {
          details,
          met: onlyExpected && stored === result.accepted,
          name: `${scenario.name}, default throttle: p50 latency`,
          target: 'every answer 200 or 429; records in the stream = records accepted',
          unit: 'ms',
          value: round(quantile(result.latencies, 0.5)),
        },
        {name: `${scenario.name}: p99 latency`, unit: 'ms', value: round(quantile(result.latencies, 0.99))},
        {
          ...(idle === undefined ? {} : {baseline: {name: 'the gateway idle, before the bursts (MiB)', value: idle.now}}),
          name: `${scenario.name}: peak RSS of the gateway process so far`,
          unit: 'MiB',
          value: memory?.peak ?? Number.NaN,
        },
      )
    }
  } finally {
    await local.stop()
  }
  return figures
}

export default bench
