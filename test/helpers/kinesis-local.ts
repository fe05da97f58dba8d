/**
 * Test harness: a real kinesis-local on free loopback ports, started through the production stack
 * code (same preload, same persistence) under a temporary CLICKOPS_HOME.
 */
import {CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand} from '@aws-sdk/client-kinesis'
import {NodeHttpHandler} from '@smithy/node-http-handler'
import {mkdtemp, rm} from 'node:fs/promises'
import {Agent} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {createClients} from '../../src/lib/aws/clients.js'
import {resolveLocalConfig, type LocalConfig} from '../../src/lib/local/config.js'
import {freePort, sleep} from '../../src/lib/local/process.js'
import {kinesisService} from '../../src/lib/local/services.js'
import {localDown, localUp} from '../../src/lib/local/stack.js'
import {resolveTarget, type Target} from '../../src/lib/target.js'

export interface KinesisLocal {
  endpoint: string
  home: string
  config: LocalConfig
  /** Env for spawning the CLI against this instance (CLICKOPS_HOME and ports). */
  env: Record<string, string>
  target: Target
  client(): KinesisClient
  stop(): Promise<void>
  restart(): Promise<void>
}

/** `shardLimit`: the emulator's account shard quota (a test of the quota itself wants a small one). */
export async function startKinesisLocal(options: {shardLimit?: number} = {}): Promise<KinesisLocal> {
  const home = await mkdtemp(join(tmpdir(), 'clickops-test-'))
  const env = {
    CLICKOPS_HOME: home,
    // Every test file shares one emulator; its account-wide shard quota must not be what fails.
    CLICKOPS_LOCAL_SHARD_LIMIT: String(options.shardLimit ?? 2000),
    CLICKOPS_KINESIS_PORT: String(await freePort()),
    CLICKOPS_KINESIS_TLS_PORT: String(await freePort()),
    CLICKOPS_GATEWAY_PORT: String(await freePort()),
    CLICKOPS_SCHEDULER_PORT: String(await freePort()),
  }
  const config = resolveLocalConfig(env)
  await localUp(config, {services: [kinesisService]})
  const endpoint = `http://127.0.0.1:${config.ports.kinesis}`
  const target = resolveTarget({endpointUrl: endpoint, target: 'local'}, {})
  const clients: KinesisClient[] = []
  return {
    config,
    endpoint,
    env,
    home,
    target,
    client() {
      const c = new KinesisClient({
        credentials: {accessKeyId: 'test', secretAccessKey: 'test'},
        endpoint,
        maxAttempts: 5,
        region: 'us-east-1',
        requestHandler: new NodeHttpHandler({httpAgent: new Agent({keepAlive: true, maxSockets: 50})}),
      })
      clients.push(c)
      return c
    },
    async restart() {
      await localDown(config)
      await localUp(config, {services: [kinesisService]})
    },
    async stop() {
      for (const c of clients) c.destroy()
      await localDown(config)
      await rm(home, {force: true, recursive: true})
    },
  }
}

let shared: Promise<KinesisLocal> | undefined

/** One kinesis-local for the whole test run; stopped by the root hook. */
export function sharedKinesisLocal(): Promise<KinesisLocal> {
  shared ??= startKinesisLocal()
  return shared
}

export async function stopSharedKinesisLocal(): Promise<void> {
  if (shared) await (await shared).stop()
  shared = undefined
}

let counter = 0
export function uniqueStreamName(prefix = 'test'): string {
  counter += 1
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`
}

/** Creates a provisioned stream and waits until it is ACTIVE. */
export async function createStream(client: KinesisClient, name: string, shardCount = 4): Promise<void> {
  await client.send(new CreateStreamCommand({ShardCount: shardCount, StreamName: name}))
  await waitActive(client, name)
}

export async function waitActive(client: KinesisClient, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const s = await client.send(new DescribeStreamSummaryCommand({StreamName: name}))
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return
    await sleep(100)
  }
  throw new Error(`stream ${name} not ACTIVE after ${timeoutMs} ms`)
}

/** Production clients (HTTP/1.1 handler, adaptive retries) for a harness instance. */
export function productionClients(local: KinesisLocal) {
  return createClients(local.target)
}

/** Every record of a stream, counted by reading each shard from its start. */
export async function countRecords(client: KinesisClient, stream: string): Promise<number> {
  const {Shards = []} = await client.send(new ListShardsCommand({StreamName: stream}))
  let count = 0
  for (const shard of Shards) {
    let iterator = (await client.send(new GetShardIteratorCommand({ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON', StreamName: stream}))).ShardIterator
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({Limit: 10_000, ShardIterator: iterator}))
      count += page.Records?.length ?? 0
      if ((page.Records?.length ?? 0) === 0 && (page.MillisBehindLatest ?? 0) === 0) break
      iterator = page.NextShardIterator
    }
  }
  return count
}

/** A client for the kinesis-local of a private stack env (CLICKOPS_KINESIS_PORT). */
export function clientFor(env: Record<string, string>, maxAttempts = 3): KinesisClient {
  return new KinesisClient({
    credentials: {accessKeyId: 'test', secretAccessKey: 'test'},
    endpoint: `http://127.0.0.1:${env.CLICKOPS_KINESIS_PORT}`,
    maxAttempts,
    region: 'us-east-1',
    requestHandler: new NodeHttpHandler(),
  })
}
