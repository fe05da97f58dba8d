/**
 * `clickops heat --read` in process on mocked AWS clients (CloudWatch cannot run here): the JSON
 * snapshot, the one-shot table, and the flags it refuses before any call.
 */
import {CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput} from '@aws-sdk/client-cloudwatch'
import {DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, ListStreamConsumersCommand} from '@aws-sdk/client-kinesis'
import {captureOutput} from '@oclif/test'
import {mockClient, type AwsClientStub} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import {fileURLToPath} from 'node:url'

import Heat, {type HeatResult} from '../../src/commands/heat.js'
import {ExitCode} from '../../src/lib/errors.js'
import {uniformRanges} from '../../src/lib/kinesis/hashkey.js'
import type {ReadLoadSnapshot} from '../../src/lib/load/read.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks'
const AWS = ['--target', 'aws', '--region', 'us-east-1', '--stream', 'clicks']

describe('clickops heat --read (mocked CloudWatch and Kinesis)', () => {
  let kinesisMock: AwsClientStub<KinesisClient>
  let cwMock: AwsClientStub<CloudWatchClient>
  const env = {...process.env}

  before(() => {
    kinesisMock = mockClient(KinesisClient)
    cwMock = mockClient(CloudWatchClient)
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST'
    process.env.AWS_SECRET_ACCESS_KEY = 'test'
  })

  after(() => {
    kinesisMock.restore()
    cwMock.restore()
    process.env = env
    process.exitCode = undefined
  })

  beforeEach(() => {
    kinesisMock.reset()
    cwMock.reset()
    const shards = uniformRanges(2).map((r, i) => ({
      HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
      SequenceNumberRange: {StartingSequenceNumber: '1'},
      ShardId: `shardId-00000000000${i}`,
    }))
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({StreamDescriptionSummary: {EnhancedMonitoring: [{ShardLevelMetrics: ['ALL']}], StreamARN: ARN} as never})
    kinesisMock.on(ListShardsCommand).resolves({Shards: shards})
    kinesisMock.on(ListStreamConsumersCommand).resolves({Consumers: [{ConsumerARN: `${ARN}/consumer/analytics:1`, ConsumerCreationTimestamp: new Date(0), ConsumerName: 'analytics', ConsumerStatus: 'ACTIVE'}]})
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const end = input.EndTime!.getTime()
      const ts = [new Date(end - 120_000), new Date(end - 60_000)]
      return {
        MetricDataResults: input.MetricDataQueries!.map((q) => {
          const name = q.MetricStat!.Metric!.MetricName!
          const shard0 = q.MetricStat!.Metric!.Dimensions!.some((d) => d.Value === 'shardId-000000000000')
          const v =
            name === 'OutgoingBytes' ? (shard0 ? 60 * 1.8 * 1024 * 1024 : 60 * 1024) : name === 'IteratorAgeMilliseconds' ? (shard0 ? 95_000 : 1000) : name === 'SubscribeToShardEvent.MillisBehindLatest' ? 2000 : name === 'ReadProvisionedThroughputExceeded' ? (shard0 ? 3 : 0) : 60
          return {Id: q.Id, StatusCode: 'Complete', Timestamps: ts, Values: [v, v]}
        }),
      }
    })
  })

  it('--json: one snapshot of the read side, the hot shard at 90% of 2 MiB/s, its throttles and iterator age, the EFO consumer', async () => {
    const {error, result, stdout} = await captureOutput<HeatResult>(() => Heat.run(['--read', '--json', '--window', '2m', ...AWS], ROOT))
    expect(error).to.equal(undefined)
    const json = JSON.parse(stdout) as ReadLoadSnapshot & {target: string}
    expect(json).to.include({side: 'read', source: 'cloudwatch', streamName: 'clicks', target: 'aws', windowSeconds: 120})
    expect(json.shards[0].peakUtilization).to.be.closeTo(0.9, 1e-9)
    expect(json.shards[0]).to.include({iteratorAgeMs: 95_000, readThrottles: 6})
    expect(json.consumers.map((c) => [c.consumerName, c.millisBehindLatest])).to.deep.equal([['analytics', 2000]])
    expect(result!.shards).to.have.length(2)
    // Read calls only; no stream read (GetRecords) and no write-side metric.
    const metrics = cwMock.calls().flatMap((c) => (c.args[0].input as GetMetricDataCommandInput).MetricDataQueries!.map((q) => q.MetricStat!.Metric!.MetricName!))
    expect(metrics).to.not.include('IncomingBytes')
    expect(metrics).to.include.members(['OutgoingBytes', 'OutgoingRecords', 'ReadProvisionedThroughputExceeded', 'IteratorAgeMilliseconds', 'SubscribeToShardEvent.Bytes'])
    expect(kinesisMock.calls().map((c) => (c.args[0] as object).constructor.name)).to.not.include('GetRecordsCommand')
  })

  it('off a terminal: the table with the iterator ages and the consumer', async () => {
    const {error, stdout} = await captureOutput(() => Heat.run(['--read', '--window', '2m', ...AWS], ROOT))
    expect(error).to.equal(undefined)
    expect(stdout).to.include('oldest iterator')
    expect(stdout).to.match(/shardId-000000000000 .*90\.0%.*1m35s/)
    expect(stdout).to.match(/analytics\s+│ ACTIVE/)
  })

  it('refuses --source stream, --record and a sub-minute window with exit 2, before any call', async () => {
    for (const args of [['--source', 'stream'], ['--record', 'x.ndjson'], ['--window', '30s']]) {
      const {error} = await captureOutput(() => Heat.run(['--read', ...args, ...AWS], ROOT))
      expect((error as {oclif?: {exit?: number}})?.oclif?.exit, args.join(' ')).to.equal(ExitCode.USAGE)
    }
    expect(cwMock.calls()).to.have.length(0)
    expect(kinesisMock.calls()).to.have.length(0)
  })
})
