/** The executor under fault injection through aws-sdk-client-mock: what kinesis-local cannot be made to do on cue. */
import {
  AddTagsToStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {executePlan, whichLimit} from '../../../src/lib/scaling/executor.js'
import {HISTORY_TAG_KEY, parseHistory} from '../../../src/lib/scaling/history.js'
import {planScaling} from '../../../src/lib/scaling/planner.js'
import {input, policy, uniformShards} from './fixtures.js'

describe('scaling executor (fault injection)', () => {
  // This one client instance is mocked (not the class: the block above uses real clients).
  const client = new KinesisClient({region: 'us-east-1'})
  const kinesisMock = mockClient(client)
  let tag: string | undefined
  let shards: number
  let status: string

  beforeEach(() => {
    kinesisMock.reset()
    tag = undefined
    shards = 4
    status = 'ACTIVE'
    kinesisMock.on(DescribeStreamSummaryCommand).callsFake(() => ({StreamDescriptionSummary: {OpenShardCount: shards, StreamStatus: status}}))
    kinesisMock.on(ListTagsForStreamCommand).callsFake(() => ({HasMoreTags: false, Tags: tag === undefined ? [] : [{Key: HISTORY_TAG_KEY, Value: tag}]}))
    kinesisMock.on(AddTagsToStreamCommand).callsFake((i) => {
      tag = i.Tags[HISTORY_TAG_KEY]
      return {}
    })
  })

  after(() => kinesisMock.restore())

  const plan = () => planScaling({...input(uniformShards([1.5, 0.1, 0.1, 0.1]), {now: new Date()}), policy: policy()})
  const sdkError = (name: string, message: string) => Object.assign(new Error(message), {name, $metadata: {}})

  it('ResourceInUseException on the call: blocked, no change, its history entry taken out again', async () => {
    kinesisMock.on(UpdateShardCountCommand).rejects(sdkError('ResourceInUseException', 'Stream is not currently ACTIVE.'))
    const result = await executePlan({history: [], kinesis: client, plan: plan(), pollMs: 10, wait: true})
    expect(result.outcome).to.equal('blocked')
    expect(result.blocked?.kind).to.equal('in-progress')
    expect(result.blocked?.message).to.match(/a change is already in progress \(ResourceInUseException\)/)
    // Recorded before the call, removed after the refusal.
    expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).to.have.length(2)
    expect(tag).to.equal('')
  })

  it('LimitExceededException on the 24 h budget is named as such; a later step stops with the earlier one kept', async () => {
    let calls = 0
    kinesisMock.on(UpdateShardCountCommand).callsFake((i) => {
      calls += 1
      if (calls === 2) throw sdkError('LimitExceededException', 'Exceeded the number of UpdateShardCount operations allowed in a rolling 24 hour period.')
      shards = i.TargetShardCount
      return {}
    })
    const result = await executePlan({history: [], kinesis: client, plan: plan(), pollMs: 10, wait: true})
    expect(result.outcome).to.equal('scaled')
    expect(result.applied.map((a) => a.to)).to.deep.equal([8])
    expect(result.blocked?.kind).to.equal('budget')
    expect(result.blocked?.message).to.match(/used its 10 UpdateShardCount calls per rolling 24 h \(calls by other tools count too\)/)
    expect(parseHistory(tag).events.map((e) => e.to)).to.deep.equal([8])
  })

  it('Ctrl-C while waiting: interrupted, the accepted change recorded', async () => {
    kinesisMock.on(UpdateShardCountCommand).callsFake(() => {
      status = 'UPDATING'
      return {}
    })
    const stop = new AbortController()
    // Ctrl-C on the first poll that finds the change under way.
    kinesisMock.on(DescribeStreamSummaryCommand).callsFake(() => {
      if (status === 'UPDATING') stop.abort()
      return {StreamDescriptionSummary: {OpenShardCount: shards, StreamStatus: status}}
    })
    const result = await executePlan({
      history: [],
      kinesis: client,
      plan: plan(),
      pollMs: 10,
      signal: stop.signal,
      wait: true,
    })
    expect(result.outcome).to.equal('interrupted')
    expect(result.applied.map((a) => [a.to, a.completed])).to.deep.equal([[8, false]])
    expect(result.notices.join('\n')).to.match(/the change continues on AWS/)
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).to.have.length(1)
    expect(parseHistory(tag).events.map((e) => e.to)).to.deep.equal([8])
  })

  it('--no-wait returns once the last call is accepted', async () => {
    kinesisMock.on(UpdateShardCountCommand).callsFake(() => {
      status = 'UPDATING'
      return {}
    })
    const single = planScaling({...input(uniformShards([1.25, 1.25, 1.25, 1.25]), {now: new Date()})})
    const result = await executePlan({history: [], kinesis: client, plan: single, pollMs: 10, wait: false})
    expect(result.outcome).to.equal('scaled')
    expect(result.applied.map((a) => [a.to, a.completed])).to.deep.equal([[8, false]])
  })

  describe('split and merge', () => {
    const open = () => ({
      Shards: uniformRanges(4).map((r, i) => ({
        HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
        SequenceNumberRange: {StartingSequenceNumber: '1'},
        ShardId: `shardId-00000000000${i}`,
      })),
    })
    const splitPlan = () => {
      const i = input(uniformShards([1.5, 0.5, 0.5, 0.5]), {now: new Date()}, {strategy: 'targeted'})
      return planScaling({...i, stream: {...i.stream, createdAt: new Date(0).toISOString()}})
    }

    it('retries SplitShard refused for the call rate (LimitExceededException) with backoff, then goes on', async () => {
      kinesisMock.on(ListShardsCommand).callsFake(open)
      let calls = 0
      kinesisMock.on(SplitShardCommand).callsFake(() => {
        calls += 1
        if (calls <= 2) throw sdkError('LimitExceededException', 'Rate exceeded for shard shardId-000000000000 in stream clicks under account 123456789012.')
        shards += 1
        return {}
      })
      const plan = splitPlan()
      expect(plan.steps.map((s) => s.action)).to.deep.equal(['split', 'split'])
      // After the first split the second acts on a range that this fake does not list: it stops there.
      const progress: string[] = []
      const result = await executePlan({history: [], kinesis: client, onProgress: (m) => progress.push(m), plan, pollMs: 10, retryDelayMs: 1, wait: true})
      expect(calls).to.equal(3)
      expect(result.applied.map((a) => [a.action, a.shardId, a.completed])).to.deep.equal([['split', 'shardId-000000000000', true]])
      expect(result.blocked?.kind).to.equal('changed')
      expect(progress.filter((m) => /refused for the call rate \(LimitExceededException\); retrying/.test(m))).to.have.length(2)
      expect(parseHistory(tag).events.map((e) => [e.kind, e.from, e.to])).to.deep.equal([['split', 4, 5]])
    })

    it('a SplitShard refused for the account shard quota is not retried: blocked, its entry taken out', async () => {
      kinesisMock.on(ListShardsCommand).callsFake(open)
      kinesisMock.on(SplitShardCommand).rejects(sdkError('LimitExceededException', 'This request would exceed the shard limit for the account 123456789012 in us-east-1.'))
      const result = await executePlan({history: [], kinesis: client, plan: splitPlan(), pollMs: 10, retryDelayMs: 1, wait: true})
      expect(kinesisMock.commandCalls(SplitShardCommand)).to.have.length(1)
      expect(result.outcome).to.equal('blocked')
      expect(result.blocked?.kind).to.equal('quota')
      expect(result.blocked?.message).to.match(/5 open shards would exceed the account's shard quota/)
      expect(tag).to.equal('')
    })

    it('Ctrl-C during a split lets it finish, then stops before the next step', async () => {
      let listed = open()
      kinesisMock.on(ListShardsCommand).callsFake(() => listed)
      const stop = new AbortController()
      const plan = splitPlan()
      kinesisMock.on(SplitShardCommand).callsFake((i) => {
        stop.abort()
        status = 'UPDATING'
        setImmediate(() => {
          status = 'ACTIVE'
          shards += 1
          const key = BigInt(i.NewStartingHashKey)
          listed = {Shards: [...listed.Shards.slice(1), {HashKeyRange: {EndingHashKey: (key - 1n).toString(), StartingHashKey: '0'}, SequenceNumberRange: {StartingSequenceNumber: '2'}, ShardId: 'shardId-000000000004'}]}
        })
        return {}
      })
      const result = await executePlan({history: [], kinesis: client, plan, pollMs: 10, signal: stop.signal, wait: true})
      expect(result.outcome).to.equal('interrupted')
      expect(result.applied.map((a) => [a.action, a.completed])).to.deep.equal([['split', true]])
      expect(result.notices.join('\n')).to.match(/stopped after step 1\/2 \(split, 4 → 5\), which completed; the later steps were not made/)
      expect(kinesisMock.commandCalls(SplitShardCommand)).to.have.length(1)
      expect(kinesisMock.commandCalls(MergeShardsCommand)).to.have.length(0)
    })
  })

  it('maps LimitExceededException messages to the limit in words', () => {
    expect(whichLimit('Operation would result more shards than the configured shard limit for this account', {from: 4, to: 8}).kind).to.equal('quota')
    expect(whichLimit('Rate exceeded for UpdateShardCount within 24 hours', {from: 4, to: 8}).kind).to.equal('budget')
    expect(whichLimit('Something else', {from: 4, to: 8}).words).to.match(/the 10 calls per rolling 24 h .*the account's shard quota, or the call rate/)
  })
})
