/** The executor against a real kinesis-local: UpdateShardCount, split and merge, waits, the history tag. */
import {
  AddTagsToStreamCommand,
  DeleteStreamCommand,
  DescribeLimitsCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  SplitShardCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis'
import {NodeHttpHandler} from '@smithy/node-http-handler'
import {expect} from 'chai'

import {byHashRange, listShards, openShards} from '../../../src/lib/kinesis/shards.js'
import {listTags} from '../../../src/lib/kinesis/status.js'
import {executePlan} from '../../../src/lib/scaling/executor.js'
import {HISTORY_TAG_KEY, parseHistory, type ScalingEvent} from '../../../src/lib/scaling/history.js'
import {planScaling, type ScalingPlan} from '../../../src/lib/scaling/planner.js'
import {writeHistory} from '../../../src/lib/scaling/state.js'
import {createStream, sharedKinesisLocal, startKinesisLocal, uniqueStreamName, waitActive, type KinesisLocal} from '../../helpers/kinesis-local.js'
import {input, MiB, shardLoad, uniformShards} from './fixtures.js'

/** A plan for `name` from `shards` MiB/s per shard, made now. */
function planFor(name: string, mib: number[], history: ScalingEvent[] = []): ScalingPlan {
  const i = input(uniformShards(mib), {history, now: new Date()})
  return planScaling({...i, stream: {...i.stream, streamName: name}})
}

async function historyOf(client: KinesisClient, name: string): Promise<ScalingEvent[]> {
  const tag = (await listTags(client, name)).find((t) => t.Key === HISTORY_TAG_KEY)
  return parseHistory(tag?.Value).events
}

async function openShardCount(client: KinesisClient, name: string): Promise<number> {
  return (await client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary!.OpenShardCount!
}

describe('scaling executor (kinesis-local)', function () {
  let local: KinesisLocal
  let client: KinesisClient
  const created: string[] = []
  const stream = async (prefix: string, shards: number) => {
    const name = uniqueStreamName(prefix)
    await createStream(client, name, shards)
    created.push(name)
    return name
  }

  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
  })

  after(async () => {
    for (const name of created) await client.send(new DeleteStreamCommand({EnforceConsumerDeletion: true, StreamName: name})).catch(() => {})
  })

  it('applies 4 → 8 → 9, waiting for ACTIVE between steps, and records both calls in the tag', async () => {
    const name = await stream('exec', 4)
    const plan = planFor(name, [1.5, 0.1, 0.1, 0.1])
    expect(plan.steps.map((s) => s.to)).to.deep.equal([8, 9])
    const progress: string[] = []
    const result = await executePlan({history: [], kinesis: client, onProgress: (m) => progress.push(m), plan, pollMs: 100, wait: true})
    expect(result.outcome).to.equal('scaled')
    expect(result.applied.map((a) => [a.from, a.to, a.completed])).to.deep.equal([
      [4, 8, true],
      [8, 9, true],
    ])
    expect(result.finalOpenShards).to.equal(9)
    expect(await openShardCount(client, name)).to.equal(9)
    const history = await historyOf(client, name)
    expect(history.map((e) => [e.from, e.to])).to.deep.equal([
      [4, 8],
      [8, 9],
    ])
    expect(Math.abs(history[1].at - Date.now())).to.be.below(60_000)
    expect(progress.join('\n')).to.match(/step 1\/2 \(4 → 8\): UpdateShardCount 4 → 8[\s\S]*step 1\/2 \(4 → 8\): ACTIVE after[\s\S]*step 2\/2 \(8 → 9\): ACTIVE after .*9 open shards/)
  })

  it('keeps other tags and prunes history older than 24 h', async () => {
    const name = await stream('exec-tags', 2)
    await client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {team: 'data'}}))
    const old = Date.now() - 30 * 3_600_000
    await writeHistory(client, name, [{at: old - 3_600_000, from: 1, to: 2}, {at: old, from: 2, to: 1}], new Date(old))
    const result = await executePlan({history: await historyOf(client, name), kinesis: client, plan: planFor(name, [1, 1]), pollMs: 100, wait: true})
    expect(result.outcome).to.equal('scaled')
    const tags = Object.fromEntries((await listTags(client, name)).map((t) => [t.Key, t.Value]))
    expect(tags.team).to.equal('data')
    expect((await historyOf(client, name)).map((e) => [e.from, e.to])).to.deep.equal([[2, 3]])
  })

  it('is blocked, changing nothing, while the stream is UPDATING', async () => {
    const name = await stream('exec-busy', 2)
    const plan = planFor(name, [1, 1])
    await client.send(new UpdateShardCountCommand({ScalingType: 'UNIFORM_SCALING', StreamName: name, TargetShardCount: 4}))
    const result = await executePlan({history: [], kinesis: client, plan, pollMs: 100, wait: true})
    expect(result.outcome).to.equal('blocked')
    expect(result.blocked?.kind).to.equal('in-progress')
    expect(result.applied).to.deep.equal([])
    expect(await historyOf(client, name)).to.deep.equal([])
    await waitActive(client, name)
    expect(await openShardCount(client, name)).to.equal(4)
  })

  it('is blocked when the stream changed since the plan, or another run recorded a change', async () => {
    const name = await stream('exec-stale', 2)
    // Planned from 3 shards, the stream has 2.
    const stale = planScaling({...input(uniformShards([1, 1, 1]), {now: new Date()}), stream: {mode: 'PROVISIONED', openShardCount: 3, status: 'ACTIVE', streamName: name}})
    let result = await executePlan({history: [], kinesis: client, plan: stale, pollMs: 100, wait: true})
    expect(result.blocked?.kind).to.equal('changed')
    expect(result.blocked?.message).to.match(/has 2 open shards, but step 1\/\d \(3 → \d+\) starts from 3/)
    // Another run recorded a call after this one read the history.
    const plan = planFor(name, [1, 1])
    await writeHistory(client, name, [{at: Date.now(), from: 2, to: 3}], new Date())
    result = await executePlan({history: [], kinesis: client, plan, pollMs: 100, wait: true})
    expect(result.blocked?.kind).to.equal('concurrent')
    expect(await openShardCount(client, name)).to.equal(2)
    expect((await historyOf(client, name)).map((e) => [e.from, e.to])).to.deep.equal([[2, 3]])
  })

  it('names the account shard quota when Kinesis refuses with LimitExceededException, and takes its entry out', async () => {
    // A private emulator with a quota of 20 open shards, 18 of them used: 4 → 8 exceeds it however
    // the emulator counts (18 − 4 + 8 = 22). Its client has no retries: the SDK retries
    // LimitExceededException with back-off, as it is also Kinesis's answer to too many calls per second.
    const small = await startKinesisLocal({shardLimit: 20})
    const noRetries = new KinesisClient({credentials: {accessKeyId: 'test', secretAccessKey: 'test'}, endpoint: small.endpoint, maxAttempts: 1, region: 'us-east-1', requestHandler: new NodeHttpHandler()})
    try {
      const name = uniqueStreamName('exec-quota')
      await createStream(noRetries, name, 4)
      await createStream(noRetries, uniqueStreamName('exec-filler'), 14)
      expect((await noRetries.send(new DescribeLimitsCommand({}))).OpenShardCount).to.equal(18)
      // The plan does not know the quota (as when DescribeLimits is not allowed): Kinesis enforces it.
      const plan = planFor(name, [1.5, 0.1, 0.1, 0.1])
      const result = await executePlan({history: [], kinesis: noRetries, plan, pollMs: 100, quota: {openShardCount: 18, shardLimit: 20}, wait: true})
      expect(result.outcome).to.equal('blocked')
      expect(result.blocked?.kind).to.equal('quota')
      expect(result.blocked?.message).to.match(/8 shards would exceed the account's shard quota \(18 of 20 open when planned\)/)
      expect(await historyOf(noRetries, name)).to.deep.equal([])
      expect(await openShardCount(noRetries, name)).to.equal(4)
    } finally {
      noRetries.destroy()
      await small.stop()
    }
  })

  it('splits at the planned keys, then merges: the open ranges afterwards are the plan\'s, each step in the history tag', async () => {
    const name = await stream('exec-targeted', 4)
    // Shard 0 at 150%: thirds (two splits); shards 1–3 at 10%: merged into one (two merges).
    const plan = await targetedPlanFor(client, name, [1.5, 0.1, 0.1, 0.1])
    const [r0, r1, , r3] = (await openRanges(client, name)).map(([start, end]) => ({end: BigInt(end), start: BigInt(start)}))
    expect(plan.steps.map((s) => s.action)).to.deep.equal(['split', 'split', 'merge', 'merge'])
    const progress: string[] = []
    const result = await executePlan({history: [], kinesis: client, onProgress: (m) => progress.push(m), plan, pollMs: 100, wait: true})
    expect(result.outcome).to.equal('scaled')
    expect(result.applied.map((a) => [a.action, a.from, a.to, a.completed])).to.deep.equal([
      ['split', 4, 5, true],
      ['split', 5, 6, true],
      ['merge', 6, 5, true],
      ['merge', 5, 4, true],
    ])
    expect(result.applied[0].shardId).to.equal('shardId-000000000000')
    expect(result.applied[0].newStartingHashKey).to.equal(plan.steps[0].newStartingHashKey)
    expect(result.applied[2]).to.include({adjacentShardId: 'shardId-000000000002', shardId: 'shardId-000000000001'})
    expect(result.finalOpenShards).to.equal(4)

    const [c1, c2] = [BigInt(plan.steps[0].newStartingHashKey!), BigInt(plan.steps[1].newStartingHashKey!)]
    expect(await openRanges(client, name)).to.deep.equal([
      ['0', (c1 - 1n).toString()],
      [c1.toString(), (c2 - 1n).toString()],
      [c2.toString(), r0.end.toString()],
      [r1.start.toString(), r3.end.toString()],
    ])
    const history = await historyOf(client, name)
    expect(history.map((e) => [e.kind, e.from, e.to])).to.deep.equal([
      ['split', 4, 5],
      ['split', 5, 6],
      ['merge', 6, 5],
      ['merge', 5, 4],
    ])
    expect(progress.join('\n')).to.match(/step 1\/4 \(split, 4 → 5\): SplitShard shardId-000000000000 at \d+[\s\S]*step 3\/4 \(merge, 6 → 5\): MergeShards shardId-000000000001 \+ shardId-000000000002/)
  })

  it('stops, changing nothing, when the shard a step acts on is no longer open with the planned range', async () => {
    const name = await stream('exec-targeted-stale', 2)
    const plan = await targetedPlanFor(client, name, [1.5, 0.1])
    // Someone else splits shard 0 first. The stale plan's counts are made to match, so the range
    // check is what must catch it.
    const [[, end0]] = await openRanges(client, name)
    await client.send(new SplitShardCommand({NewStartingHashKey: (BigInt(end0) / 2n).toString(), ShardToSplit: 'shardId-000000000000', StreamName: name}))
    await waitActive(client, name)
    const stale = {...plan, steps: plan.steps.map((s) => ({...s, from: 3, to: 4}))}
    const before = await openRanges(client, name)
    const result = await executePlan({history: [], kinesis: client, plan: stale, pollMs: 100, wait: true})
    expect(result.outcome).to.equal('blocked')
    expect(result.blocked?.kind).to.equal('changed')
    expect(result.blocked?.message).to.match(/shardId-000000000000 with hash range 0–\d+ is no longer open/)
    expect(await openRanges(client, name)).to.deep.equal(before)
    expect(await historyOf(client, name)).to.deep.equal([])
  })
})

/**
 * A targeted plan for `name` from `mib` MiB/s per open shard, on the stream's own ranges
 * (kinesis-local lays shards out a few keys off AWS's), as if the stream were old enough to merge.
 */
async function targetedPlanFor(client: KinesisClient, name: string, mib: number[]): Promise<ScalingPlan> {
  const open = byHashRange(openShards(await listShards(client, name)))
  const shards = open.map((s, i) => ({
    ...shardLoad(i, {end: BigInt(s.HashKeyRange!.EndingHashKey!), start: BigInt(s.HashKeyRange!.StartingHashKey!)}, mib[i] * MiB),
    shardId: s.ShardId!,
  }))
  const i = input(shards, {now: new Date()}, {strategy: 'targeted'})
  return planScaling({...i, stream: {...i.stream, createdAt: new Date(Date.now() - 86_400_000).toISOString(), streamName: name}})
}

async function openRanges(client: KinesisClient, name: string): Promise<string[][]> {
  return byHashRange(openShards(await listShards(client, name))).map((s) => [s.HashKeyRange!.StartingHashKey!, s.HashKeyRange!.EndingHashKey!])
}
