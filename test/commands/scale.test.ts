/**
 * `clickops scale --dry-run` in process, on a mocked Kinesis client that records every call: the
 * plan is made from a hot shard read through the stream source, and no mutating call goes out.
 */
import {
  DescribeLimitsCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListTagsForStreamCommand,
  type _Record,
} from '@aws-sdk/client-kinesis'
import {captureOutput} from '@oclif/test'
import {mockClient, type AwsClientStub} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import {fileURLToPath} from 'node:url'

import Scale, {type ScaleResult} from '../../src/commands/scale.js'
import {uniformRanges} from '../../src/lib/kinesis/hashkey.js'
import {ExitCode} from '../../src/lib/errors.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Only these may be sent by a dry run. */
const READ_ONLY = new Set(['DescribeStreamSummaryCommand', 'DescribeLimitsCommand', 'ListTagsForStreamCommand', 'ListShardsCommand', 'GetShardIteratorCommand', 'GetRecordsCommand'])

describe('clickops scale --dry-run (mocked Kinesis)', () => {
  let kinesisMock: AwsClientStub<KinesisClient>

  before(() => {
    kinesisMock = mockClient(KinesisClient)
  })

  after(() => {
    kinesisMock.restore()
    process.exitCode = undefined
  })

  /** Four uniform shards read through the stream source: shard 0 at the records limit, the others at 5%. */
  function mockHotShard(): void {
    const ranges = uniformRanges(4)
    const shards = ranges.map((r, i) => ({
      HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
      SequenceNumberRange: {StartingSequenceNumber: '1'},
      ShardId: `shardId-00000000000${i}`,
    }))
    // Shard 0: 1,000 records of 100 bytes in one second (at the records limit); the others 50.
    const at = new Date(Date.now() - 5000)
    const records = (shard: number): _Record[] =>
      Array.from({length: shard === 0 ? 1000 : 50}, (_, i) => ({ApproximateArrivalTimestamp: at, Data: new Uint8Array(100), PartitionKey: `k${shard}-${i}`, SequenceNumber: String(i + 1)}))
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: {
        EnhancedMonitoring: [],
        OpenShardCount: 4,
        RetentionPeriodHours: 24,
        StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
        StreamCreationTimestamp: new Date(0),
        StreamModeDetails: {StreamMode: 'PROVISIONED'},
        StreamName: 'clicks',
        StreamStatus: 'ACTIVE',
      },
    })
    kinesisMock.on(DescribeLimitsCommand).resolves({OnDemandStreamCount: 0, OnDemandStreamCountLimit: 10, OpenShardCount: 4, ShardLimit: 500})
    kinesisMock.on(ListTagsForStreamCommand).resolves({HasMoreTags: false, Tags: []})
    kinesisMock.on(ListShardsCommand).resolves({Shards: shards})
    kinesisMock.on(GetShardIteratorCommand).callsFake((i) => ({ShardIterator: `it-${i.ShardId}`}))
    kinesisMock.on(GetRecordsCommand).callsFake((i) => {
      const shard = Number(String(i.ShardIterator).slice(-1))
      return String(i.ShardIterator).startsWith('it-')
        ? {MillisBehindLatest: 0, NextShardIterator: `done-${shard}`, Records: records(shard)}
        : {MillisBehindLatest: 0, NextShardIterator: `done-${shard}`, Records: []}
    })
  }

  beforeEach(() => kinesisMock.reset())

  const expectReadOnly = () => {
    const sent = kinesisMock.calls().map((c) => (c.args[0] as object).constructor.name)
    expect(sent).to.include.members(['DescribeStreamSummaryCommand', 'DescribeLimitsCommand', 'ListTagsForStreamCommand', 'ListShardsCommand', 'GetRecordsCommand'])
    expect(sent.filter((name) => !READ_ONLY.has(name)), 'mutating calls').to.deep.equal([])
  }

  it('--strategy uniform plans 4 → 6 from a hot shard, makes only read calls, and exits 11', async () => {
    mockHotShard()
    const {error, result, stdout} = await captureOutput<ScaleResult>(() =>
      Scale.run(['--dry-run', '--json', '--stream', 'clicks', '--endpoint-url', 'http://127.0.0.1:9', '--window', '1m', '--strategy', 'uniform'], ROOT),
    )
    expect(error).to.equal(undefined)
    expect(process.exitCode).to.equal(ExitCode.WOULD_SCALE)
    process.exitCode = undefined

    // The hot shard: utilisation 1.0 over a quarter of the hash space; 4 / N ≤ 0.7 first at 6.
    expect(result!.outcome).to.equal('would-scale')
    expect(result!.plan.targetShards).to.equal(6)
    expect(result!.plan.steps.map((s) => [s.from, s.to])).to.deep.equal([[4, 6]])
    expect(result!.execution).to.equal(undefined)
    expect(JSON.parse(stdout)).to.deep.include({exitCode: 11, outcome: 'would-scale', streamName: 'clicks'})
    expect(result!.plan.strategy).to.equal('uniform')
    expect(result!.plan.steps.map((s) => s.action)).to.deep.equal(['update-shard-count'])
    expectReadOnly()
  })

  it('the default (auto) takes the targeted plan: split the hot shard at its midpoint, merge the cold three, 3 shards instead of 6', async () => {
    mockHotShard()
    const {error, result, stdout} = await captureOutput<ScaleResult>(() =>
      Scale.run(['--dry-run', '--json', '--stream', 'clicks', '--endpoint-url', 'http://127.0.0.1:9', '--window', '1m'], ROOT),
    )
    expect(error).to.equal(undefined)
    expect(process.exitCode).to.equal(ExitCode.WOULD_SCALE)
    process.exitCode = undefined
    const plan = result!.plan
    expect(plan.requestedStrategy).to.equal('auto')
    expect(plan.strategy).to.equal('targeted')
    expect(plan.targetShards).to.equal(3)
    const [r0, r1, , r3] = uniformRanges(4)
    // The stream source saw 1,000 keys of one record each: none weighs, so the load is even and the
    // weighted point is the midpoint of shard 0's range.
    expect(plan.steps.map((s) => [s.action, s.shardId, s.newStartingHashKey, s.adjacentShardId, s.from, s.to])).to.deep.equal([
      ['split', 'shardId-000000000000', ((r0.end + 1n) / 2n).toString(), undefined, 4, 5],
      ['merge', 'shardId-000000000001', undefined, 'shardId-000000000002', 5, 4],
      ['merge', undefined, undefined, 'shardId-000000000003', 4, 3],
    ])
    expect(plan.steps[2]).to.include({adjacentEndingHashKey: r3.end.toString(), startingHashKey: r1.start.toString()})
    expect(plan.alternative).to.deep.include({calls: 1, fits: true, strategy: 'uniform', targetShards: 6})
    expect(plan.reasons.join('\n')).to.match(/Strategy auto chose targeted: it would need 3 shards in 3 calls .*; uniform would need 6 shards via 4 → 6\./)
    expect(JSON.parse(stdout).plan.steps[0]).to.include({action: 'split', newStartingHashKey: ((r0.end + 1n) / 2n).toString()})
    expectReadOnly()
  })
})
