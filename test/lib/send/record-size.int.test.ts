/**
 * The stream's maximum record size, end to end against kinesis-local: the writer reads it once
 * (DescribeStreamSummary) and takes its per-record and per-call limits from it; provision raises it
 * with UpdateMaxRecordSize.
 */
import type {KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Clients} from '../../../src/lib/aws/clients.js'
import {createRandom} from '../../../src/lib/clickstream/random.js'
import {UsageError} from '../../../src/lib/errors.js'
import {getStreamStatus} from '../../../src/lib/kinesis/status.js'
import {desiredState} from '../../../src/lib/provision/desired.js'
import {provision, type ProvisionDeps} from '../../../src/lib/provision/provision.js'
import {checkStreamWritable, kinesisSink} from '../../../src/lib/send/kinesis-sink.js'
import {SendStats} from '../../../src/lib/send/stats.js'
import {BatchWriter} from '../../../src/lib/send/writer.js'
import {deleteStreams, readAllRecords} from '../../helpers/gateway.js'
import {sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../../helpers/kinesis-local.js'

const MiB = 1024 * 1024

/** Counts PutRecords calls that reach the emulator. */
function countPuts(client: KinesisClient): {puts: number} {
  const counter = {puts: 0}
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutRecordsCommand') counter.puts += 1
      return next(args)
    },
    {name: 'countPuts', step: 'initialize'},
  )
  return counter
}

/** The production path of `send --via kinesis`: read the stream's limits once, then write. */
async function writeOne(kinesis: KinesisClient, stream: string, key: string, body: string) {
  const {maxRecordSizeInKiB} = await checkStreamWritable(kinesis, stream, 'local')
  const sink = kinesisSink(kinesis, {maxRecordSizeInKiB, streamName: stream, target: 'local'})
  const stats = new SendStats(() => performance.now())
  const writer = new BatchWriter({concurrency: 1, lingerMs: 5, maxAttempts: 3, now: () => performance.now(), random: createRandom(1), sink, stats})
  stats.generated += 1
  writer.add(key, body)
  await writer.drain()
  return {limits: sink.limits, stats}
}

describe('maximum record size (kinesis-local)', () => {
  let local: KinesisLocal
  let kinesis: KinesisClient
  let puts: {puts: number}
  let home: string
  let deps: ProvisionDeps
  const created: string[] = []

  before(async () => {
    local = await sharedKinesisLocal()
    kinesis = local.client()
    puts = countPuts(kinesis)
    home = await mkdtemp(join(tmpdir(), 'clickops-size-'))
    const clients = {kinesis: async () => kinesis, region: async () => 'us-east-1', target: local.target} as unknown as Clients
    deps = {clients, gatewayEndpoint: 'http://127.0.0.1:1', localDir: home, region: 'us-east-1', sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))), target: local.target}
  })

  after(async () => {
    await deleteStreams(kinesis, created)
    await rm(home, {force: true, recursive: true})
  })

  it('refuses a 2 MiB record on a default stream (limit named, nothing sent), and sends it after provision --max-record-size 4MiB', async () => {
    const stream = uniqueStreamName('size')
    created.push(stream)
    const flags = {api: false, encryption: 'none', enhancedMonitoring: false, shards: 1, stream}
    await provision(desiredState(flags, local.target), deps)
    expect((await getStreamStatus(kinesis, stream)).maxRecordSizeKiB).to.equal(1024)

    const body = JSON.stringify({pad: 'x'.repeat(2 * MiB - 20)})
    const before = puts.puts
    const refused = await writeOne(kinesis, stream, 'k', body)
    expect(puts.puts - before, 'PutRecords calls').to.equal(0)
    expect(refused.stats.delivered).to.equal(0)
    const failure = refused.stats.failureCounts()[0]
    expect(failure.code).to.equal('RecordTooLarge')
    expect(failure.message).to.contain(`stream "${stream}" (MaxRecordSizeInKiB) of ${MiB} bytes`)
    expect(await readAllRecords(kinesis, stream)).to.have.length(0)

    const dry = await provision(desiredState({...flags, maxRecordSize: '4MiB'}, local.target), deps, {dryRun: true})
    expect(dry.plan.find((i) => i.resource === 'max record size')).to.include({action: 'update', reason: '1 MiB → 4 MiB (UpdateMaxRecordSize; shard throughput stays 1 MiB/s write)'})
    expect((await getStreamStatus(kinesis, stream)).maxRecordSizeKiB, 'a dry run changes nothing').to.equal(1024)

    const applied = await provision(desiredState({...flags, maxRecordSize: '4MiB'}, local.target), deps)
    expect(applied.applied).to.equal(1)
    expect((await getStreamStatus(kinesis, stream)).maxRecordSizeKiB).to.equal(4096)

    const sent = await writeOne(kinesis, stream, 'k', body)
    expect(sent.limits).to.include({maxBytes: 5 * MiB, maxRecordBytes: 4 * MiB})
    expect(sent.stats.delivered).to.equal(1)
    const records = await readAllRecords(kinesis, stream)
    expect(records).to.have.length(1)
    expect(Buffer.byteLength(records[0].data)).to.equal(Buffer.byteLength(body))

    const again = await provision(desiredState({...flags, maxRecordSize: '4MiB'}, local.target), deps)
    expect(again.changes, 'idempotent').to.equal(0)
    expect(again.plan.find((i) => i.resource === 'max record size')).to.include({action: 'unchanged', reason: '4 MiB'})
  })

  it('rejects sizes outside 1 MiB..10 MiB before any call', () => {
    for (const bad of ['512KiB', '11MiB', '2', '2MB', '1.5KiB']) {
      expect(() => desiredState({maxRecordSize: bad, stream: 's'}, {kind: 'local'}), bad).to.throw(UsageError, /--max-record-size/)
    }
    expect(desiredState({maxRecordSize: '1536KiB', stream: 's'}, {kind: 'local'}).maxRecordSizeKiB).to.equal(1536)
    expect(desiredState({maxRecordSize: '10MiB', stream: 's'}, {kind: 'local'}).maxRecordSizeKiB).to.equal(10_240)
  })
})
