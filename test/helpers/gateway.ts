/**
 * Test helpers for the local gateway: an in-process gateway on a free loopback port (real HTTP,
 * real kinesis-local behind it), API files written the way `provision` writes them, a sample event,
 * and reading every record of a stream back.
 */
import {GetRecordsCommand, GetShardIteratorCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {mkdtemp, rm} from 'node:fs/promises'
import {request} from 'node:http'
import {connect} from 'node:net'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {ClickEvent} from '../../src/lib/clickstream/schema.js'
import {buildApiDocument, documentVersion, type ApiDocument} from '../../src/lib/gateway/openapi.js'
import {createGateway, type GatewayOptions} from '../../src/lib/gateway/server.js'
import {writeLocalApi, type LocalApiState} from '../../src/lib/gateway/state.js'
import {listShards} from '../../src/lib/kinesis/shards.js'
import {localInvokeUrl} from '../../src/lib/api-contract.js'

export interface TestGateway {
  endpoint: string
  apisDir: string
  /** The invoke URL of a stream's API on this gateway. */
  invokeUrl(stream: string, stage?: string): string
  stop(): Promise<void>
}

/** A gateway in this process, serving the API files of a fresh temporary folder. */
export async function startTestGateway(kinesis: KinesisClient | GatewayOptions['kinesis'], options: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const apisDir = await mkdtemp(join(tmpdir(), 'clickops-gw-'))
  const gateway = createGateway({
    apisDir,
    kinesis: typeof kinesis === 'function' ? kinesis : async () => kinesis,
    ...options,
  })
  await new Promise<void>((resolve) => gateway.server.listen({host: '127.0.0.1', port: 0}, resolve))
  const {port} = gateway.server.address() as AddressInfo
  const endpoint = `http://127.0.0.1:${port}`
  return {
    apisDir,
    endpoint,
    invokeUrl: (stream, stage = 'v1') => localInvokeUrl(endpoint, stream, stage),
    async stop() {
      gateway.server.closeAllConnections()
      await new Promise<void>((resolve) => gateway.server.close(() => resolve()))
      await rm(apisDir, {force: true, recursive: true})
    },
  }
}

/** Writes the API file of `stream` as `clickops provision` does on target local. */
export async function writeTestApi(
  apisDir: string,
  stream: string,
  options: {stage?: string; apiKey?: string; throttle?: {rateLimit: number; burstLimit: number}; region?: string; editDocument?: (doc: ApiDocument) => void} = {},
): Promise<LocalApiState> {
  const region = options.region ?? 'us-east-1'
  const document = buildApiDocument({apiKeyRequired: options.apiKey !== undefined, region, roleArn: `arn:aws:iam::000000000000:role/clickops/clickops-${stream}-apigw`, stream})
  if (options.editDocument) {
    options.editDocument(document)
    document.info.version = documentVersion(document)
  }
  const state: LocalApiState = {
    apiId: 'testapi001',
    createdAt: '2026-01-01T00:00:00.000Z',
    document,
    documentVersion: document.info.version,
    name: `clickops-${stream}`,
    region,
    stage: options.stage ?? 'v1',
    stream,
    throttle: options.throttle ?? {burstLimit: 5000, rateLimit: 10_000},
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
  }
  if (options.apiKey !== undefined) state.apiKey = {id: 'testkey001', name: `clickops-${stream}`, value: options.apiKey}
  await writeLocalApi(apisDir, state)
  return state
}

/** The event of DESIGN.md, with overrides. */
export function sampleEvent(overrides: Partial<ClickEvent> = {}): ClickEvent {
  return {
    timestamp: '2021-07-12 12:01:58.732726',
    user_id: '35',
    pixel_id: 'wjgao4w1oi',
    click_id: 'a5cf179b9c9d483abf6d424d44a293be',
    insertion_timestamp: '2021-07-12 12:01:58.732754',
    event_name: 'Search',
    user_ip: '111.33.64.227',
    additional_data: {time_on_data: 79, percent_viewed: 39.7, product_id: 557246, price: 417.97},
    ...overrides,
  }
}

/** `count` distinct valid events for users 0..count-1. */
export function sampleEvents(count: number): ClickEvent[] {
  return Array.from({length: count}, (_, i) =>
    sampleEvent({click_id: i.toString(16).padStart(32, '0'), user_id: String(i)}),
  )
}

export interface StoredRecord {
  shardId: string
  sequenceNumber: string
  partitionKey: string
  data: string
}

/** Every record of every shard, from TRIM_HORIZON. */
export async function readAllRecords(kinesis: KinesisClient, stream: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = []
  for (const shard of await listShards(kinesis, stream)) {
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON', StreamName: stream}))).ShardIterator
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({Limit: 10_000, ShardIterator: iterator}))
      for (const r of page.Records ?? []) {
        out.push({data: Buffer.from(r.Data!).toString('utf8'), partitionKey: r.PartitionKey!, sequenceNumber: r.SequenceNumber!, shardId: shard.ShardId!})
      }
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break
      iterator = page.NextShardIterator
    }
  }
  return out
}

/** POSTs a body (string or JSON) and returns status, headers and the parsed JSON body. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {'content-type': 'application/json'}) {
  const response = await fetch(url, {body: typeof body === 'string' ? body : JSON.stringify(body), headers, method: 'POST'})
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return {headers: response.headers, json: json as Record<string, unknown>, status: response.status, text}
}

/**
 * Deletes streams a test created (kinesis-local allows 50 shards in all, shared by the whole run),
 * and waits until they are gone.
 */
export async function deleteStreams(kinesis: KinesisClient, names: Iterable<string>): Promise<void> {
  const {DeleteStreamCommand, DescribeStreamSummaryCommand} = await import('@aws-sdk/client-kinesis')
  const isGone = (e: unknown) => (e as {name?: string}).name === 'ResourceNotFoundException'
  for (const name of names) {
    try {
      await kinesis.send(new DeleteStreamCommand({EnforceConsumerDeletion: true, StreamName: name}))
    } catch (error) {
      if (!isGone(error)) throw error
    }
  }
  for (const name of names) {
    for (;;) {
      try {
        await kinesis.send(new DescribeStreamSummaryCommand({StreamName: name}))
      } catch (error) {
        if (isGone(error)) break
        throw error
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/** One request with the request target exactly as given (fetch would normalise it), on its own connection. */
export function rawRequest(endpoint: string, method: string, target: string, body = '', headers: Record<string, string> = {}): Promise<{status: number; headers: Record<string, unknown>; body: string}> {
  const {hostname, port} = new URL(endpoint)
  return new Promise((resolve, reject) => {
    const req = request({agent: false, headers: {'content-type': 'application/json', ...headers}, host: hostname, method, path: target, port}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, status: res.statusCode ?? 0}))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Sends a request whose body never ends (until `capBytes` are written), reading whatever comes back.
 * `closed`: the server closed the connection before the cap; `status`: the status of its answer.
 */
export function endlessRequest(endpoint: string, target: string, headers: Record<string, string>, capBytes: number): Promise<{status: number; closed: boolean; written: number}> {
  const {hostname, port} = new URL(endpoint)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    let received = ''
    let written = 0
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      socket.destroy()
      resolve({closed, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), written})
    }
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1')
    })
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
    const chunked = !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')
    const piece = Buffer.alloc(64 * 1024, 'x')
    const frame = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece
    socket.on('connect', () => {
      const head = Object.entries({host: hostname, ...(chunked ? {'transfer-encoding': 'chunked'} : {}), ...headers}).map(([k, v]) => `${k}: ${v}\r\n`)
      socket.write(`POST ${target} HTTP/1.1\r\n${head.join('')}\r\n`)
      const pump = () => {
        while (!done && written < capBytes) {
          written += piece.length
          if (!socket.write(frame)) {
            socket.once('drain', pump)
            return
          }
        }
        if (written >= capBytes) finish(false)
      }
      pump()
    })
  })
}
