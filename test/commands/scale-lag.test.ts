/**
 * `clickops scale --dry-run` on AWS with mocked CloudWatch and Kinesis (CloudWatch cannot run
 * here): a lightly loaded stream would scale in, unless a consumer is too far behind; the plan
 * ends with the month's cost line.
 */
import {CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput} from '@aws-sdk/client-cloudwatch'
import {DescribeLimitsCommand, DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, ListStreamConsumersCommand, ListTagsForStreamCommand} from '@aws-sdk/client-kinesis'
import {captureOutput} from '@oclif/test'
import {mockClient, type AwsClientStub} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import Scale, {type ScaleResult} from '../../src/commands/scale.js'
import {ExitCode} from '../../src/lib/errors.js'
import {uniformRanges} from '../../src/lib/kinesis/hashkey.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks'
const AWS = ['--target', 'aws', '--region', 'us-east-1', '--stream', 'clicks', '--dry-run', '--strategy', 'uniform', '--window', '15m']

describe('clickops scale: the scale-in guard and the cost line (mocked CloudWatch and Kinesis)', () => {
  let kinesisMock: AwsClientStub<KinesisClient>
  let cwMock: AwsClientStub<CloudWatchClient>
  const env = {...process.env}
  let lagMs = 0

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
    const shards = uniformRanges(8).map((r, i) => ({
      HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
      SequenceNumberRange: {StartingSequenceNumber: '1'},
      ShardId: `shardId-00000000000${i}`,
    }))
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: {
        EnhancedMonitoring: [{ShardLevelMetrics: ['ALL']}],
        OpenShardCount: 8,
        RetentionPeriodHours: 24,
        StreamARN: ARN,
        StreamCreationTimestamp: new Date(0),
        StreamModeDetails: {StreamMode: 'PROVISIONED'},
        StreamName: 'clicks',
        StreamStatus: 'ACTIVE',
      },
    })
    kinesisMock.on(DescribeLimitsCommand).resolves({OnDemandStreamCount: 0, OnDemandStreamCountLimit: 10, OpenShardCount: 8, ShardLimit: 500})
    kinesisMock.on(ListTagsForStreamCommand).resolves({HasMoreTags: false, Tags: []})
    kinesisMock.on(ListShardsCommand).resolves({Shards: shards})
    kinesisMock.on(ListStreamConsumersCommand).resolves({Consumers: []})
    // Every shard writes 0.1 MiB/s (in 1 KiB records); the polling consumers are lagMs behind.
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const start = input.StartTime!.getTime()
      const ts = Array.from({length: 15}, (_, m) => new Date(start + m * 60_000))
      return {
        MetricDataResults: input.MetricDataQueries!.map((q) => {
          const name = q.MetricStat!.Metric!.MetricName!
          const v = name === 'IncomingBytes' ? 60 * 0.1 * 1024 * 1024 : name === 'IncomingRecords' ? 60 * 102.4 : name === 'GetRecords.IteratorAgeMilliseconds' ? lagMs : 0
          return {Id: q.Id, StatusCode: 'Complete', Timestamps: ts.slice(0, 10), Values: ts.slice(0, 10).map(() => v)}
        }),
      }
    })
  })

  const queried = () => cwMock.calls().flatMap((c) => (c.args[0].input as GetMetricDataCommandInput).MetricDataQueries!.map((q) => `${q.MetricStat!.Metric!.MetricName}/${q.MetricStat!.Stat}`))

  it('a consumer 10 minutes behind blocks the scale-in: exit 12, the reason printed', async () => {
    lagMs = 10 * 60_000
    const {error, result, stdout} = await captureOutput<ScaleResult>(() => Scale.run([...AWS], ROOT))
    expect(error).to.equal(undefined)
    expect(process.exitCode).to.equal(ExitCode.BLOCKED)
    process.exitCode = undefined
    expect(result!.plan.decision).to.equal('scale-in')
    expect(result!.plan.blocked?.kind).to.equal('lag')
    expect(result!.lag).to.deep.equal({ageMs: 600_000, consumer: 'polling consumers (GetRecords)'})
    expect(stdout).to.include('Blocked: Consumer lag: polling consumers (GetRecords) is 10m behind the tip, above the 5m of --max-lag-for-scale-in')
    expect(queried()).to.include('GetRecords.IteratorAgeMilliseconds/Maximum')
  })

  it('within --max-lag-for-scale-in the scale-in goes ahead (exit 11), and the plan ends with the cost line', async () => {
    lagMs = 10 * 60_000
    const {error, result, stdout} = await captureOutput<ScaleResult>(() => Scale.run([...AWS, '--max-lag-for-scale-in', '15m'], ROOT))
    expect(error).to.equal(undefined)
    expect(process.exitCode).to.equal(ExitCode.WOULD_SCALE)
    process.exitCode = undefined
    expect(result!.plan.blocked).to.equal(undefined)
    expect(result!.policy.maxLagForScaleInMs).to.equal(900_000)
    // 0.8 MiB/s in 1 KiB records: 2 shards planned.
    expect(result!.plan.targetShards).to.equal(2)
    expect(result!.cost!.shards).to.equal(2)
    expect(stdout).to.match(/- Month's cost at the measured mean traffic \(us-east-1 \(list prices\)\): 2 provisioned shards \$\d/)
    expect(stdout).to.match(/on-demand Standard \$[\d,]+; on-demand Advantage \$[\d,]+/)
  })

  it('--prices FILE changes the figures and the region named; a bad file exits 2 before any call', async () => {
    lagMs = 0
    const dir = await mkdtemp(join(tmpdir(), 'clickops-prices-'))
    try {
      const file = join(dir, 'prices.json')
      await writeFile(file, JSON.stringify({provisioned: {putPayloadUnitsPerMillion: 0, shardHour: 1}, region: 'eu-west-1'}))
      const {result, stdout} = await captureOutput<ScaleResult>(() => Scale.run([...AWS, '--prices', file], ROOT))
      process.exitCode = undefined
      expect(result!.cost!.provisioned).to.be.closeTo(2 * 730, 1e-9)
      expect(stdout).to.include('(eu-west-1): 2 provisioned shards $1,460;')

      kinesisMock.reset()
      cwMock.reset()
      await writeFile(file, '{"provisioned": {"shardHour": "cheap"}}')
      const bad = await captureOutput(() => Scale.run([...AWS, '--prices', file], ROOT))
      expect((bad.error as {oclif?: {exit?: number}})?.oclif?.exit).to.equal(ExitCode.USAGE)
      expect(kinesisMock.calls()).to.have.length(0)
      expect(cwMock.calls()).to.have.length(0)
    } finally {
      await rm(dir, {force: true, recursive: true})
    }
  })
})
