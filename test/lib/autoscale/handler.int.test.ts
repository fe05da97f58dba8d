/**
 * The autoscale bundle, built here and executed in a child process as Lambda's Node.js runtime
 * calls it, against a real kinesis-local: it scales a hot stream and writes the history tag; a
 * second invocation inside the cooldown is blocked, and reported, not thrown.
 */
import {DeleteStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CONFIG_ENV, encodeConfig} from '../../../src/lib/autoscale/config.js'
import {buildAutoscaleBundle} from '../../../src/lib/autoscale/bundle.js'
import {shardForKey} from '../../../src/lib/kinesis/hashkey.js'
import {listShards} from '../../../src/lib/kinesis/shards.js'
import {listTags} from '../../../src/lib/kinesis/status.js'
import {bundledPackages, type FunctionBundle} from '../../../src/lib/lambda/bundle.js'
import {invokeBundle} from '../../../src/lib/lambda/invoke.js'
import type {ScaleDocument, ScaleErrorDocument} from '../../../src/lib/scaling/document.js'
import {HISTORY_TAG_KEY, parseHistory} from '../../../src/lib/scaling/history.js'
import {resolvePolicy} from '../../../src/lib/scaling/policy.js'
import {LOCAL_CREDENTIALS} from '../../../src/lib/target.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../../helpers/kinesis-local.js'

describe('autoscale handler bundle (executed against kinesis-local)', () => {
  let local: KinesisLocal
  let client: KinesisClient
  let dir: string
  let bundle: FunctionBundle
  let file: string
  const created: string[] = []

  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
    dir = await mkdtemp(join(tmpdir(), 'clickops-handler-'))
    bundle = await buildAutoscaleBundle()
    file = join(dir, 'index.mjs')
    await writeFile(file, bundle.code)
  })

  after(async () => {
    for (const name of created) await client.send(new DeleteStreamCommand({EnforceConsumerDeletion: true, StreamName: name})).catch(() => {})
    await rm(dir, {force: true, recursive: true})
  })

  it('is built from src/lib/scaling and carries neither ink, React nor oclif', () => {
    const paths = bundle.inputs.map((i) => i.path.replaceAll('\\', '/'))
    for (const f of ['src/lib/autoscale/handler.ts', 'src/lib/scaling/index.ts', 'src/lib/scaling/planner.ts', 'src/lib/scaling/executor.ts', 'src/lib/scaling/history.ts']) {
      expect(paths.some((p) => p.endsWith(f)), f).to.equal(true)
    }
    const packages = bundledPackages(bundle.inputs)
    expect(packages).to.include('@aws-sdk/client-kinesis')
    for (const p of packages) expect(p).to.not.match(/^(ink|react|react-dom|react-reconciler|@oclif\/.*|oclif|yoga-.*|esbuild|yazl)$/)
    expect(paths.filter((p) => /\/(ink|react|@oclif)\//.test(p))).to.deep.equal([])
    expect(paths.filter((p) => /src\/(ui|cli|commands)\//.test(p))).to.deep.equal([])
  })

  it('scales a hot stream and writes the history tag; a second invocation inside the cooldown is blocked', async () => {
    const stream = uniqueStreamName('autoscale-fn')
    created.push(stream)
    await createStream(client, stream, 4)
    // 500 records on the first shard at once: ≥ 25% utilisation there, ≥ 20 shards at a 5% target; --max-shards 8 caps it at 4 → 8.
    const shards = await listShards(client, stream)
    const keys: string[] = []
    for (let i = 0; keys.length < 500; i++) if (shardForKey(shards, `user-${i}`)?.ShardId === shards[0].ShardId) keys.push(`user-${i}`)
    const put = await client.send(new PutRecordsCommand({Records: keys.map((k) => ({Data: new TextEncoder().encode(`{"user_id":"${k}"}`), PartitionKey: k})), StreamName: stream}))
    expect(put.FailedRecordCount ?? 0).to.equal(0)

    const {origins, policy} = resolvePolicy({flags: {'max-shards': '8', source: 'stream', strategy: 'uniform', 'target-utilization': '0.05', window: '2m'}, stream})
    const env = {
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_ENDPOINT_URL_KINESIS: local.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      [CONFIG_ENV]: encodeConfig({policy, policyOrigins: origins, source: 'stream', stream, target: 'local', version: 1, waitTimeoutMs: 60_000}),
    }
    const invoke = () => invokeBundle({bundle: file, env, event: {source: 'aws.scheduler'}, functionName: 'clickops-autoscale-test', timeoutSeconds: 90})

    const first = await invoke()
    expect(first.code, first.stderr).to.equal(0)
    expect(first.lines).to.have.length(1)
    const doc = JSON.parse(first.lines[0]) as ScaleDocument
    expect(doc.outcome, first.lines[0]).to.equal('scaled')
    expect(doc.exitCode).to.equal(10)
    expect(doc).to.include({streamName: stream, target: 'local', region: 'us-east-1'})
    expect(doc.policy).to.include({maxShards: 8, source: 'stream', targetUtilization: 0.05})
    expect(doc.policyOrigins['max-shards']).to.equal('flag')
    expect(doc.execution!.applied.map((a) => [a.from, a.to, a.completed])).to.deep.equal([[4, 8, true]])
    expect((await client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary!.OpenShardCount).to.equal(8)
    const tag = (await listTags(client, stream)).find((t) => t.Key === HISTORY_TAG_KEY)
    expect(parseHistory(tag?.Value).events.map((e) => [e.from, e.to])).to.deep.equal([[4, 8]])

    // A fresh process again (a second cold start): the new shards carry none of the burst, the plan
    // wants fewer shards, and the scale-in cooldown read from the tag blocks it. Exit 0: a blocked
    // outcome is a result, not a failed invocation.
    const second = await invoke()
    expect(second.code, second.stderr).to.equal(0)
    const blocked = JSON.parse(second.lines[0]) as ScaleDocument
    expect(blocked.outcome).to.equal('blocked')
    expect(blocked.exitCode).to.equal(12)
    expect(blocked.plan.blocked?.message).to.match(/^Cooldown: the last change \(4 → 8\)/)
    expect((await client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary!.OpenShardCount).to.equal(8)
  })

  it('reports a stream that does not exist and a missing configuration as the document\'s error', async () => {
    const {origins, policy} = resolvePolicy({flags: {source: 'stream', window: '1m'}, stream: 'no-such-stream'})
    const base = {AWS_ACCESS_KEY_ID: 'x', AWS_ENDPOINT_URL_KINESIS: local.endpoint, AWS_REGION: 'us-east-1', AWS_SECRET_ACCESS_KEY: 'x'}
    const missing = await invokeBundle({
      bundle: file,
      env: {...base, [CONFIG_ENV]: encodeConfig({policy, policyOrigins: origins, source: 'stream', stream: 'no-such-stream', target: 'local', version: 1, waitTimeoutMs: 60_000})},
      functionName: 'f',
      timeoutSeconds: 60,
    })
    expect(missing.code, missing.stderr).to.equal(0)
    const err = JSON.parse(missing.lines[0]) as ScaleErrorDocument
    expect(err.error).to.include({exitCode: 3, name: 'StreamNotFoundError'})
    expect(err.error.message).to.equal('Stream "no-such-stream" does not exist on target local.')

    const unconfigured = await invokeBundle({bundle: file, env: base, functionName: 'f', timeoutSeconds: 60})
    expect(unconfigured.code).to.equal(0)
    expect((JSON.parse(unconfigured.lines[0]) as ScaleErrorDocument).error.message).to.match(new RegExp(`^${CONFIG_ENV} is not set`))
  })
})
