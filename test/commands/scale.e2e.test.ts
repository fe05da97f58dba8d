/** End-to-end: `clickops scale` through the real binary against kinesis-local, and bad input. */
import {CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {ScaleResult} from '../../src/commands/scale.js'
import {shardForKey} from '../../src/lib/kinesis/hashkey.js'
import {byHashRange, listShards, openShards} from '../../src/lib/kinesis/shards.js'
import {listTags} from '../../src/lib/kinesis/status.js'
import {HISTORY_TAG_KEY, parseHistory} from '../../src/lib/scaling/history.js'
import {runCli} from '../helpers/cli.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, waitActive, type KinesisLocal} from '../helpers/kinesis-local.js'

describe('clickops scale (end to end)', () => {
  let local: KinesisLocal
  let client: KinesisClient
  const created: string[] = []

  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
  })

  after(async () => {
    for (const name of created) await client.send(new DeleteStreamCommand({EnforceConsumerDeletion: true, StreamName: name})).catch(() => {})
  })

  const on = (stream: string) => ['--endpoint-url', local.endpoint, '--stream', stream]

  it('plans and applies from a burst on one shard, records it, and an immediate second run is blocked by the cooldown', async () => {
    const stream = uniqueStreamName('scale-e2e')
    created.push(stream)
    await createStream(client, stream, 4)
    // A burst of 500 records on the first shard in one PutRecords call: its busiest second holds at
    // least 250 (utilisation ≥ 0.25 at 1,000 records/s), which spread over a quarter of the hash
    // space needs ≥ 20 shards at a 5% target; --max-shards 8 caps it at one step, 4 → 8.
    const shards = await listShards(client, stream)
    const keys: string[] = []
    for (let i = 0; keys.length < 500; i++) if (shardForKey(shards, `user-${i}`)?.ShardId === shards[0].ShardId) keys.push(`user-${i}`)
    const put = await client.send(new PutRecordsCommand({Records: keys.map((k) => ({Data: new TextEncoder().encode(`{"user_id":"${k}"}`), PartitionKey: k})), StreamName: stream}))
    expect(put.FailedRecordCount ?? 0).to.equal(0)

    const args = ['scale', ...on(stream), '--source', 'stream', '--window', '2m', '--target-utilization', '0.05', '--max-shards', '8', '--json']
    const first = await runCli(args)
    expect(first.code, first.stderr).to.equal(10)
    const result = JSON.parse(first.stdout) as ScaleResult
    expect(result.outcome).to.equal('scaled')
    expect(result.plan.currentShards).to.equal(4)
    expect(result.plan.current.hottestShardId).to.equal(shards[0].ShardId)
    expect(result.plan.current.maxUtilization).to.be.at.least(0.25)
    expect(result.plan.targetShards).to.equal(8)
    expect(result.plan.steps.map((s) => [s.from, s.to])).to.deep.equal([[4, 8]])
    expect(result.load).to.include({openShards: 4, source: 'stream'})
    expect(result.execution!.applied.map((a) => [a.from, a.to, a.completed])).to.deep.equal([[4, 8, true]])
    expect(first.stderr).to.equal('')

    // The stream ends with the planned open shard count, and the tag records the change.
    const summary = (await client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary!
    expect(summary.OpenShardCount).to.equal(result.plan.targetShards)
    const tag = (await listTags(client, stream)).find((t) => t.Key === HISTORY_TAG_KEY)
    const history = parseHistory(tag?.Value).events
    expect(history.map((e) => [e.from, e.to])).to.deep.equal([[4, 8]])
    expect(Math.abs(history[0].at - Date.parse(result.execution!.applied[0].at))).to.be.below(2000)

    // Right away again: the new shards carry none of the burst, so the plan wants fewer shards,
    // and the scale-in cooldown (1h) blocks it.
    const second = await runCli(args.filter((a) => a !== '--json'))
    expect(second.code, second.stderr).to.equal(12)
    expect(second.stdout).to.match(/^Blocked: Cooldown: the last change \(4 → 8\) was \d+s ago; a scale-in waits 1h, until .* \(exit 12\)$/m)
    expect(second.stdout).to.match(/│ step │ shards +│ max util │ mean util │ budget left │/)
    expect(second.stdout).to.match(/│ now +│ 8 +│/)
    expect(second.stderr).to.include('target: local')
    expect((await client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary!.OpenShardCount).to.equal(8)
  })

  it('--strategy targeted splits the hot shard where the burst is: the open ranges are the plan\'s, a second run is held, tail --user reads across the split', async () => {
    const stream = uniqueStreamName('scale-targeted')
    created.push(stream)
    await createStream(client, stream, 4)
    const shards = await listShards(client, stream)
    // User 35 (shard 0) writes 20 records, and a burst of 480 other keys of shard 0 lands in one second.
    const keys: string[] = []
    for (let i = 0; keys.length < 480; i++) if (shardForKey(shards, `user-${i}`)?.ShardId === shards[0].ShardId) keys.push(`user-${i}`)
    const record = (k: string, n: number) => ({Data: new TextEncoder().encode(`{"user_id":"${k}","n":${n}}`), PartitionKey: k})
    const put = await client.send(new PutRecordsCommand({Records: [...Array.from({length: 20}, (_, n) => record('35', n)), ...keys.map((k) => record(k, 0))], StreamName: stream}))
    expect(put.FailedRecordCount ?? 0).to.equal(0)

    const args = ['scale', ...on(stream), '--strategy', 'targeted', '--source', 'stream', '--window', '2m', '--target-utilization', '0.2', '--json']
    const first = await runCli(args)
    expect(first.code, first.stderr).to.equal(10)
    const result = JSON.parse(first.stdout) as ScaleResult
    expect(result.plan.strategy).to.equal('targeted')
    const splits = result.plan.steps.filter((s) => s.action === 'split')
    expect(splits.length).to.be.at.least(2)
    expect(result.plan.steps.every((s) => s.action === 'split'), 'a new stream is not merged').to.equal(true)
    expect(result.execution!.applied.map((a) => [a.action, a.completed])).to.deep.equal(splits.map(() => ['split', true]))

    // The open shards now: shard 0's range cut at exactly the planned keys, the others as they were.
    const open = byHashRange(openShards(await listShards(client, stream))).map((s) => [s.HashKeyRange!.StartingHashKey!, s.HashKeyRange!.EndingHashKey!])
    const cuts = splits.map((s) => BigInt(s.newStartingHashKey!))
    const bounds = [BigInt(shards[0].HashKeyRange!.StartingHashKey!), ...cuts, BigInt(shards[0].HashKeyRange!.EndingHashKey!) + 1n]
    const expected = [
      ...bounds.slice(0, -1).map((b, i) => [b.toString(), (bounds[i + 1] - 1n).toString()]),
      ...shards.slice(1).map((s) => [s.HashKeyRange!.StartingHashKey!, s.HashKeyRange!.EndingHashKey!]),
    ]
    expect(open).to.deep.equal(expected)
    expect(result.plan.targetShards).to.equal(open.length)
    const history = parseHistory((await listTags(client, stream)).find((t) => t.Key === HISTORY_TAG_KEY)?.Value).events
    expect(history.map((e) => e.kind)).to.deep.equal(splits.map(() => 'split'))

    // Right away again: the new shards carry nothing of the burst; merging them back waits for the cooldown.
    const second = await runCli(args.filter((a) => a !== '--json'))
    expect(second.code, second.stderr).to.equal(12)
    expect(second.stdout).to.match(/^Blocked: Cooldown: the last change \(split, \d+ → \d+\) was \d+s ago; a scale-in waits 1h/m)
    expect(second.stdout).to.match(/│ step │ action +│ shard +│ hash key +│ open shards │ max util │/)
    expect(byHashRange(openShards(await listShards(client, stream))).length).to.equal(open.length)

    // User 35's records after the split land on a child; tail reads the parent, then the child.
    const more = await client.send(new PutRecordsCommand({Records: Array.from({length: 10}, (_, n) => record('35', 20 + n)), StreamName: stream}))
    expect(more.FailedRecordCount ?? 0).to.equal(0)
    const tail = await runCli(['tail', ...on(stream), '--user', '35', '--from', 'trim-horizon', '--no-follow', '--output', 'json'])
    expect(tail.code, tail.stderr).to.equal(0)
    const ns = tail.stdout.trim().split('\n').map((l) => (JSON.parse(l) as {data: {n: number}}).data.n)
    expect(ns).to.deep.equal(Array.from({length: 30}, (_, n) => n))
  })

  it('nothing to do (exit 0) on an idle stream at its minimum; on-demand streams are reported, never scaled (exit 12)', async () => {
    const idle = uniqueStreamName('scale-idle')
    created.push(idle)
    await createStream(client, idle, 2)
    const hold = await runCli(['scale', ...on(idle), '--min-shards', '2', '--window', '1m'])
    expect(hold.code, hold.stderr).to.equal(0)
    expect(hold.stdout).to.match(/^Nothing to do: 2 shards fit the target\.$/m)

    const onDemand = uniqueStreamName('scale-od')
    created.push(onDemand)
    await client.send(new CreateStreamCommand({StreamModeDetails: {StreamMode: 'ON_DEMAND'}, StreamName: onDemand}))
    await waitActive(client, onDemand)
    const od = await runCli(['scale', ...on(onDemand), '--json'])
    expect(od.code, od.stderr).to.equal(12)
    const result = JSON.parse(od.stdout) as ScaleResult
    expect(result.plan.blocked?.kind).to.equal('on-demand')
    expect(result.load).to.equal(undefined)
    const targeted = await runCli(['scale', ...on(onDemand), '--strategy', 'targeted'])
    expect(targeted.code, targeted.stderr).to.equal(12)
    expect(targeted.stdout).to.match(/^Blocked: The stream is in on-demand mode: AWS scales it; clickops never changes it\. \(exit 12\)$/m)
  })

  it('exits 3 when the stream does not exist', async () => {
    const r = await runCli(['scale', ...on(uniqueStreamName('nope'))])
    expect(r.code).to.equal(3)
    expect(r.stderr).to.match(/does not exist on target local/)
  })

  describe('bad input: a clear error before any AWS call (the cases: flags.test.ts, in process)', () => {
    // A closed port as the endpoint: any AWS call would fail differently (exit 5), not with 2.
    const closed = ['--endpoint-url', 'http://127.0.0.1:9', '--stream', 'clicks']
    let dir: string

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'clickops-scale-'))
    })

    after(async () => {
      await rm(dir, {force: true, recursive: true})
    })

    it('loads no AWS client at all for bad input or --help', async () => {
      const tracer = fileURLToPath(new URL('../fixtures/trace-imports.mjs', import.meta.url))
      for (const args of [['--target-utilization', '0'], ['--help']]) {
        const file = join(dir, `trace-${args[0]}.log`)
        const r = await runCli(['scale', ...closed, ...args], {env: {NODE_OPTIONS: `--import ${tracer}`, TRACE_IMPORTS_FILE: file}})
        expect(r.code, r.stderr).to.equal(args[0] === '--help' ? 0 : 2)
        const loaded = await readFile(file, 'utf8')
        expect(loaded).to.include('bin/run.js') // the tracer works
        expect(loaded).not.to.match(/node_modules\/(ink|react|@aws-sdk|@smithy|yaml)\//)
        expect(loaded).not.to.match(/^cjs:(ink|react|@aws-sdk\/|@smithy\/)/m)
      }
    })
  })
})
