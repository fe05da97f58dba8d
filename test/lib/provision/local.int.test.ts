import {AddTagsToStreamCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Clients} from '../../../src/lib/aws/clients.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {buildApiDocument} from '../../../src/lib/gateway/openapi.js'
import {apiFile, apisDir, readLocalApi} from '../../../src/lib/gateway/state.js'
import {getStreamStatus} from '../../../src/lib/kinesis/status.js'
import {desiredState, type ProvisionFlags} from '../../../src/lib/provision/desired.js'
import {InterruptedError} from '../../../src/lib/provision/plan.js'
import {destroy, provision, type ProvisionDeps} from '../../../src/lib/provision/provision.js'
import {SHARD_LEVEL_METRICS} from '../../../src/lib/provision/stream.js'
import {deleteStreams} from '../../helpers/gateway.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../../helpers/kinesis-local.js'

const MUTATING = /^(Create|Delete|Update|Increase|Decrease|Start|Stop|Enable|Disable|Add|Remove|Put|Merge|Split)/

/** Records the name of every command the client sends (the real calls, against kinesis-local). */
function recordCalls(client: KinesisClient): string[] {
  const calls: string[] = []
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''))
      return next(args)
    },
    {name: 'recordCalls', step: 'initialize'},
  )
  return calls
}

describe('provision on target local (kinesis-local and the local gateway)', () => {
  let local: KinesisLocal
  let kinesis: KinesisClient
  let calls: string[]
  let home: string
  let deps: ProvisionDeps

  before(async () => {
    local = await sharedKinesisLocal()
    kinesis = local.client()
    calls = recordCalls(kinesis)
    home = await mkdtemp(join(tmpdir(), 'clickops-prov-'))
    const clients = {kinesis: async () => kinesis, region: async () => 'us-east-1', target: local.target} as unknown as Clients
    deps = {clients, gatewayEndpoint: 'http://127.0.0.1:4580', localDir: home, region: 'us-east-1', sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100))), target: local.target}
  })

  after(async () => {
    await rm(home, {force: true, recursive: true})
  })

  const created: string[] = []
  const track = (prefix: string) => {
    const name = uniqueStreamName(prefix)
    created.push(name)
    return name
  }

  beforeEach(() => {
    calls.length = 0
  })

  afterEach(async () => {
    await deleteStreams(kinesis, created.splice(0))
  })

  const want = (flags: Partial<ProvisionFlags> & {stream: string}) => desiredState(flags, local.target)
  const mutating = () => calls.filter((c) => MUTATING.test(c))

  it('creates the stream and the API on the first run, and changes nothing on the second', async () => {
    const stream = track('prov')
    const first = await provision(want({stream}), deps)
    expect(first.plan.map((i) => `${i.resource}:${i.action}`)).to.deep.equal([
      'stream:create',
      'retention:unchanged',
      'encryption:update',
      'enhanced monitoring:update',
      'stream tags:unchanged',
      'local api:create',
    ])
    expect(first.applied).to.equal(4)
    expect(mutating()).to.deep.equal(['CreateStream', 'StartStreamEncryption', 'EnableEnhancedMonitoring'])

    const status = await getStreamStatus(kinesis, stream)
    expect(status).to.deep.include({encryption: 'KMS', kmsKeyId: 'alias/aws/kinesis', mode: 'PROVISIONED', openShardCount: 4, retentionHours: 24, status: 'ACTIVE'})
    expect(status.enhancedMonitoring).to.have.members([...SHARD_LEVEL_METRICS])
    expect(status.tags).to.deep.equal({'clickops:stream': stream, 'managed-by': 'clickops'})

    const api = await readLocalApi(apisDir(home), stream)
    expect(api).to.deep.include({name: `clickops-${stream}`, region: 'us-east-1', stage: 'v1', stream, throttle: {burstLimit: 2000, rateLimit: 1000}})
    expect(api!.apiKey).to.equal(undefined)
    const expected = buildApiDocument({apiKeyRequired: false, region: 'us-east-1', roleArn: `arn:aws:iam::000000000000:role/clickops/clickops-us-east-1-${stream}-apigw`, stream})
    expect(api!.document).to.deep.equal(expected)
    expect((await stat(apiFile(apisDir(home), stream))).mode & 0o777).to.equal(0o600)
    expect(first.api).to.deep.include({
      apiKeyRequired: false,
      batchUrl: `http://127.0.0.1:4580/${stream}/v1/events/batch`,
      invokeUrl: `http://127.0.0.1:4580/${stream}/v1`,
      stage: 'v1',
      url: `http://127.0.0.1:4580/${stream}/v1/events`,
    })

    calls.length = 0
    const second = await provision(want({stream}), deps)
    expect(second.plan.every((i) => i.action === 'unchanged')).to.equal(true)
    expect([second.changes, second.applied]).to.deep.equal([0, 0])
    expect(mutating()).to.deep.equal([])
    expect((await readLocalApi(apisDir(home), stream))!.updatedAt).to.equal(api!.updatedAt)
  })

  it('--dry-run plans against the real state and changes nothing', async () => {
    const stream = track('dry')
    const result = await provision(want({stream}), deps, {dryRun: true})
    expect(result.dryRun).to.equal(true)
    expect(result.changes).to.equal(4)
    expect(result.applied).to.equal(0)
    expect(mutating()).to.deep.equal([])
    expect(calls).to.include('DescribeStreamSummary')
    expect(await readLocalApi(apisDir(home), stream)).to.equal(undefined)
    let missing: unknown
    await getStreamStatus(kinesis, stream).catch((e) => (missing = e))
    expect((missing as {exitCode: number}).exitCode).to.equal(ExitCode.NOT_FOUND)
  })

  it('updates exactly what the flags change, keeps the API key stable, and drops it when no longer wanted', async () => {
    const stream = track('upd')
    await provision(want({shards: 1, stream}), deps)
    const before = (await readLocalApi(apisDir(home), stream))!.documentVersion
    calls.length = 0
    const changed = await provision(want({apiKey: true, encryption: 'none', enhancedMonitoring: false, retentionHours: 48, shards: 1, stream, throttleBurst: 20, throttleRate: 10}), deps)
    expect(changed.plan.filter((i) => i.action !== 'unchanged').map((i) => `${i.resource}:${i.action}:${i.reason}`)).to.deep.equal([
      'retention:update:24 h → 48 h',
      'encryption:update:KMS → none',
      `enhanced monitoring:update:disable ${[...SHARD_LEVEL_METRICS].sort().join(', ')}`,
      `local api:update:document ${before} → ${buildApiDocument({apiKeyRequired: true, region: 'us-east-1', roleArn: `arn:aws:iam::000000000000:role/clickops/clickops-us-east-1-${stream}-apigw`, stream}).info.version}, 1000 requests/s, burst 2000 → 10 requests/s, burst 20, require a key`,
    ])
    expect(mutating()).to.deep.equal(['IncreaseStreamRetentionPeriod', 'StopStreamEncryption', 'DisableEnhancedMonitoring'])
    const status = await getStreamStatus(kinesis, stream)
    expect(status).to.deep.include({encryption: 'NONE', enhancedMonitoring: [], retentionHours: 48})
    const keyed = await readLocalApi(apisDir(home), stream)
    expect(keyed!.apiKey!.value).to.match(/^[A-Za-z0-9_-]{40}$/)
    expect(keyed!.throttle).to.deep.equal({burstLimit: 20, rateLimit: 10})
    expect(changed.api!.apiKeyHint).to.include(apiFile(apisDir(home), stream))

    const again = await provision(want({apiKey: true, encryption: 'none', enhancedMonitoring: false, retentionHours: 48, shards: 1, stream, throttleBurst: 20, throttleRate: 10}), deps)
    expect(again.changes).to.equal(0)
    expect((await readLocalApi(apisDir(home), stream))!.apiKey).to.deep.equal(keyed!.apiKey)

    const dropped = await provision(want({encryption: 'none', enhancedMonitoring: false, retentionHours: 48, shards: 1, stream, throttleBurst: 20, throttleRate: 10}), deps)
    expect(dropped.plan.find((i) => i.resource === 'local api')!.reason).to.include('drop the key')
    expect((await readLocalApi(apisDir(home), stream))!.apiKey).to.equal(undefined)
  })

  it('never reshards an existing stream: it says so and points at clickops scale', async () => {
    const stream = track('shards')
    await createStream(kinesis, stream, 2)
    await kinesis.send(new AddTagsToStreamCommand({StreamName: stream, Tags: {'managed-by': 'clickops'}}))
    const result = await provision(want({enhancedMonitoring: false, encryption: 'none', shards: 4, stream}), deps)
    expect(result.plan[0]).to.deep.equal({action: 'unchanged', name: stream, reason: 'exists (active, 2 open shards)', resource: 'stream'})
    expect(result.notes).to.deep.equal([
      `Stream "${stream}" has 2 open shards, not 4: provision does not reshard an existing stream. Use \`clickops scale --stream ${stream}\`.`,
    ])
    expect(mutating()).to.not.include('UpdateShardCount')
    expect((await getStreamStatus(kinesis, stream)).openShardCount).to.equal(2)
  })

  it('serves a stream it did not create without claiming it; destroy then keeps the stream', async () => {
    const stream = track('foreign')
    await createStream(kinesis, stream, 1)
    const result = await provision(want({encryption: 'none', enhancedMonitoring: false, stream}), deps)
    expect(result.plan.find((i) => i.resource === 'stream tags')).to.deep.include({action: 'skip'})
    expect((await getStreamStatus(kinesis, stream)).tags).to.deep.equal({})
    const gone = await destroy(stream, deps)
    expect(gone.plan.map((i) => `${i.resource}:${i.action}`)).to.deep.equal(['local api:delete', 'stream:skip'])
    expect((await getStreamStatus(kinesis, stream)).status).to.equal('ACTIVE')
  })

  it('stops between steps when interrupted (exit 130) and converges when run again', async () => {
    const stream = track('intr')
    const controller = new AbortController()
    const progress: string[] = []
    let error: unknown
    try {
      await provision(want({shards: 1, stream}), {
        ...deps,
        onProgress(m) {
          progress.push(m)
          if (progress.length === 1) controller.abort() // Ctrl-C while the stream is being created
        },
        signal: controller.signal,
      })
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(InterruptedError)
    expect((error as InterruptedError).exitCode).to.equal(ExitCode.INTERRUPTED)
    expect((error as Error).message).to.equal('Interrupted after 1 of 4 changes.')
    expect(mutating()).to.deep.equal(['CreateStream'])

    calls.length = 0
    const resumed = await provision(want({shards: 1, stream}), deps)
    expect(resumed.plan.filter((i) => i.action !== 'unchanged').map((i) => i.resource)).to.deep.equal(['encryption', 'enhanced monitoring', 'local api'])
    expect(mutating()).to.deep.equal(['StartStreamEncryption', 'EnableEnhancedMonitoring'])
    expect((await provision(want({shards: 1, stream}), deps)).changes).to.equal(0)
  })

  it('creates an on-demand stream, and switches modes as an update', async () => {
    const stream = track('od')
    await provision(want({encryption: 'none', enhancedMonitoring: false, onDemand: true, stream}), deps)
    expect((await getStreamStatus(kinesis, stream)).mode).to.equal('ON_DEMAND')
    calls.length = 0
    const back = await provision(want({encryption: 'none', enhancedMonitoring: false, stream}), deps)
    expect(back.plan.find((i) => i.resource === 'stream mode')).to.deep.include({action: 'update', reason: 'mode on-demand → provisioned'})
    expect(mutating()).to.deep.equal(['UpdateStreamMode'])
    expect((await getStreamStatus(kinesis, stream)).mode).to.equal('PROVISIONED')
  })

  it('destroy removes the API and the stream it created, and then finds nothing to do', async () => {
    const stream = track('destroy')
    await provision(want({shards: 1, stream}), deps)
    const dry = await destroy(stream, deps, {dryRun: true})
    expect(dry.plan.map((i) => `${i.resource}:${i.action}`)).to.deep.equal(['local api:delete', 'stream:delete'])
    expect(await readLocalApi(apisDir(home), stream)).to.not.equal(undefined)
    calls.length = 0
    const result = await destroy(stream, deps)
    expect(result.applied).to.equal(2)
    expect(mutating()).to.deep.equal(['DeleteStream'])
    expect(await readLocalApi(apisDir(home), stream)).to.equal(undefined)
    let missing: unknown
    await getStreamStatus(kinesis, stream).catch((e) => (missing = e))
    expect((missing as {exitCode: number}).exitCode).to.equal(ExitCode.NOT_FOUND)
    const again = await destroy(stream, deps)
    expect(again.plan.map((i) => `${i.resource}:${i.action}`)).to.deep.equal(['local api:skip', 'stream:skip'])
    expect(again.changes).to.equal(0)
  })
})
