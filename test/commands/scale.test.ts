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

  it('plans 4 → 6 from a hot shard, makes only read calls, and exits 11', async () => {
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

    const {error, result, stdout} = await captureOutput<ScaleResult>(() =>
      Scale.run(['--dry-run', '--json', '--stream', 'clicks', '--endpoint-url', 'http://127.0.0.1:9', '--window', '1m'], ROOT),
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

    const sent = kinesisMock.calls().map((c) => (c.args[0] as object).constructor.name)
    expect(sent).to.include.members(['DescribeStreamSummaryCommand', 'DescribeLimitsCommand', 'ListTagsForStreamCommand', 'ListShardsCommand', 'GetRecordsCommand'])
    expect(sent.filter((name) => !READ_ONLY.has(name)), 'mutating calls').to.deep.equal([])
  })
})
