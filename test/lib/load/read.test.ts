/**
 * The read side from CloudWatch (`heat --read`, `lag`) with aws-sdk-client-mock: CloudWatch cannot
 * run here, and the Kinesis calls are mocked alongside so enhanced monitoring can be set at will.
 * Proves the queries made (metric, statistic, dimensions), GetMetricData pages followed, the
 * stream-level fallback with its notice, EFO consumers per ConsumerName, and lag now / peak.
 */
import {CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult} from '@aws-sdk/client-cloudwatch'
import {DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, ListStreamConsumersCommand} from '@aws-sdk/client-kinesis'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {SHARD_READ_BYTES_PER_SECOND} from '../../../src/lib/kinesis/limits.js'
import {collectLag, oldestLag, POLLING_ROW_NAME} from '../../../src/lib/lag.js'
import {collectReadLoad} from '../../../src/lib/load/read.js'

const NOW = new Date('2026-01-01T12:00:30Z')
const START = Date.parse('2026-01-01T11:45:00Z')
const MINUTES = 15
const ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks'

const shards = uniformRanges(4).map((r, i) => ({
  HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
  SequenceNumberRange: {StartingSequenceNumber: '1'},
  ShardId: `shardId-00000000000${i}`,
}))

interface Seen {
  metric: string
  stat: string
  dims: Record<string, string>
}

describe('load: read side from CloudWatch (mocked)', () => {
  const kinesis = new KinesisClient({region: 'us-east-1'})
  const cloudwatch = new CloudWatchClient({region: 'us-east-1'})
  const kinesisMock = mockClient(kinesis)
  const cwMock = mockClient(cloudwatch)
  let seen: Seen[] = []
  let calls = 0

  /** The fake CloudWatch: per-minute values by metric and dimension; every answer in two pages. */
  function metrics(value: (s: Seen, minute: number) => number | undefined) {
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      calls++
      const results: MetricDataResult[] = input.MetricDataQueries!.map((q) => {
        const stat = q.MetricStat!
        const s: Seen = {dims: Object.fromEntries(stat.Metric!.Dimensions!.map((d) => [d.Name!, d.Value!])), metric: stat.Metric!.MetricName!, stat: stat.Stat!}
        if (input.NextToken === undefined) seen.push(s)
        const ts: Date[] = []
        const vs: number[] = []
        for (let m = 0; m < MINUTES; m++) {
          const v = value(s, m)
          if (v === undefined) continue
          ts.push(new Date(START + m * 60_000))
          vs.push(v)
        }
        // First page: the first half of the minutes; second page (NextToken): the rest.
        const half = Math.ceil(ts.length / 2)
        const first = input.NextToken === undefined
        return {Id: q.Id, StatusCode: 'Complete', Timestamps: first ? ts.slice(0, half) : ts.slice(half), Values: first ? vs.slice(0, half) : vs.slice(half)}
      })
      return {MetricDataResults: results, NextToken: input.NextToken === undefined ? 'page2' : undefined}
    })
  }

  function stream(enhanced: string[], consumers: string[] = []) {
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({StreamDescriptionSummary: {EnhancedMonitoring: [{ShardLevelMetrics: enhanced}], StreamARN: ARN} as never})
    kinesisMock.on(ListShardsCommand).resolves({Shards: shards})
    // Consumers in pages of one: every page asks with the stream's ARN.
    kinesisMock.on(ListStreamConsumersCommand).callsFake((input) => {
      expect(input.StreamARN).to.equal(ARN)
      const i = input.NextToken === undefined ? 0 : Number(input.NextToken)
      const c = consumers[i]
      return {
        Consumers: c === undefined ? [] : [{ConsumerARN: `${ARN}/consumer/${c}:1`, ConsumerCreationTimestamp: new Date(0), ConsumerName: c, ConsumerStatus: 'ACTIVE'}],
        NextToken: i + 1 < consumers.length ? String(i + 1) : undefined,
      }
    })
  }

  beforeEach(() => {
    kinesisMock.reset()
    cwMock.reset()
    seen = []
    calls = 0
  })

  it('shard level: OutgoingBytes/Records and throttles as Sum, IteratorAgeMilliseconds as Maximum, both pages read', async () => {
    stream(['ALL'])
    metrics((s, m) => {
      const shard = Number(s.dims.ShardId?.slice(-1))
      if (s.metric === 'OutgoingBytes') return shard === 0 ? 60 * SHARD_READ_BYTES_PER_SECOND * (m === 14 ? 1.5 : 0.5) : 60 * 1024
      if (s.metric === 'OutgoingRecords') return 600
      if (s.metric === 'ReadProvisionedThroughputExceeded') return shard === 0 && m === 14 ? 4 : 0
      if (s.metric === 'IteratorAgeMilliseconds') return m < 13 ? 1000 * (shard + 1) * (m + 1) : undefined
      return undefined
    })
    const snap = await collectReadLoad({cloudwatch, kinesis, now: NOW, streamName: 'clicks', windowMs: 15 * 60_000})
    expect(snap.side).to.equal('read')
    expect(snap.streamLevelOnly).to.equal(false)
    expect(snap.notices).to.deep.equal([])
    // Each query's metric, statistic and dimensions.
    expect(seen.filter((s) => s.dims.ShardId === 'shardId-000000000002').map((s) => `${s.metric}/${s.stat}`)).to.have.members([
      'OutgoingBytes/Sum',
      'OutgoingRecords/Sum',
      'ReadProvisionedThroughputExceeded/Sum',
      'IteratorAgeMilliseconds/Maximum',
    ])
    expect(seen.every((s) => s.dims.StreamName === 'clicks')).to.equal(true)
    expect(calls).to.equal(4) // Sums and maxima, each in two pages.
    const hot = snap.shards[0]
    expect(hot.peakUtilization).to.be.closeTo(1.5, 1e-9)
    expect(hot.meanUtilization).to.be.closeTo((14 * 0.5 + 1.5) / 15, 1e-9)
    expect(hot.readThrottles).to.equal(4)
    // The age: the latest minute with a datapoint (12) and the peak; pages joined in order.
    expect(hot.iteratorAgeMs).to.equal(13_000)
    expect(snap.shards[3].iteratorAgeMs).to.equal(52_000)
    expect(snap.iteratorAgeMs).to.equal(52_000)
    expect(snap.readThrottles).to.equal(4)
    expect(snap.capacityBytesPerSecond).to.equal(4 * SHARD_READ_BYTES_PER_SECOND)
    expect(snap.shards[1].recordsPerSecond).to.be.closeTo(10, 1e-9)
  })

  it('without shard-level read metrics: the stream-level GetRecords.* split by hash share, estimated, with a notice', async () => {
    stream(['IncomingBytes', 'IncomingRecords'])
    metrics((s) => {
      if (s.dims.ShardId !== undefined) throw new Error('no shard-level query may be made')
      if (s.metric === 'GetRecords.Bytes') return 4 * 60 * 1024 * 1024
      if (s.metric === 'GetRecords.Records') return 4 * 60 * 100
      if (s.metric === 'ReadProvisionedThroughputExceeded') return 2
      if (s.metric === 'GetRecords.IteratorAgeMilliseconds') return 7000
      return undefined
    })
    const snap = await collectReadLoad({cloudwatch, kinesis, now: NOW, streamName: 'clicks', windowMs: 15 * 60_000})
    expect(snap.streamLevelOnly).to.equal(true)
    expect(seen.map((s) => `${s.metric}/${s.stat}`)).to.have.members(['GetRecords.Bytes/Sum', 'GetRecords.Records/Sum', 'ReadProvisionedThroughputExceeded/Sum', 'GetRecords.IteratorAgeMilliseconds/Maximum'])
    expect(snap.notices).to.have.length(1)
    expect(snap.notices[0]).to.match(/Shard-level read metrics .* not enabled on stream "clicks".*aws kinesis enable-enhanced-monitoring --stream-name clicks --shard-level-metrics OutgoingBytes OutgoingRecords ReadProvisionedThroughputExceeded IteratorAgeMilliseconds/)
    for (const s of snap.shards) {
      expect(s.estimated).to.equal(true)
      expect(s.bytesPerSecond).to.be.closeTo(1024 * 1024, 1e-6) // a quarter of 4 MiB/s each
      expect(s.iteratorAgeMs).to.equal(7000)
    }
    expect(snap.readThrottles).to.equal(30)
  })

  it('EFO consumers: SubscribeToShardEvent.* per ConsumerName (listed over pages), each against its own 2 MiB/s per shard', async () => {
    stream(['ALL'], ['analytics', 'archiver'])
    metrics((s) => {
      if (s.dims.ConsumerName === 'analytics') return s.metric === 'SubscribeToShardEvent.Bytes' ? 60 * 4 * SHARD_READ_BYTES_PER_SECOND * 0.25 : s.metric === 'SubscribeToShardEvent.MillisBehindLatest' ? 400_000 : 10
      if (s.dims.ConsumerName === 'archiver') return s.metric === 'SubscribeToShardEvent.MillisBehindLatest' ? 1000 : 0
      return s.metric === 'IteratorAgeMilliseconds' ? 500 : 0
    })
    const snap = await collectReadLoad({cloudwatch, kinesis, now: NOW, streamName: 'clicks', windowMs: 15 * 60_000})
    expect(snap.consumers.map((c) => c.consumerName)).to.deep.equal(['analytics', 'archiver'])
    const a = snap.consumers[0]
    expect(a.meanUtilization).to.be.closeTo(0.25, 1e-9)
    expect(a.millisBehindLatest).to.equal(400_000)
    expect(seen.filter((s) => s.dims.ConsumerName === 'analytics').map((s) => `${s.metric}/${s.stat}`)).to.have.members([
      'SubscribeToShardEvent.Bytes/Sum',
      'SubscribeToShardEvent.Records/Sum',
      'SubscribeToShardEvent.MillisBehindLatest/Maximum',
    ])
    expect(snap.notices.join(' ')).to.include('2 MiB/s per shard each')
  })

  it('lag: polling row and EFO consumers, most behind first, the ones over the maximum named', async () => {
    stream([], ['analytics', 'archiver', 'idle'])
    metrics((s, m) => {
      if (s.metric === 'GetRecords.IteratorAgeMilliseconds') return m === 3 ? 900_000 : 60_000
      if (s.dims.ConsumerName === 'analytics') return m === 14 ? undefined : 400_000
      if (s.dims.ConsumerName === 'archiver') return 1000
      return undefined // idle: not subscribed
    })
    const report = await collectLag({cloudwatch, kinesis, maxLagMs: 300_000, now: NOW, streamName: 'clicks', windowMs: 15 * 60_000})
    expect(report.cloudwatch).to.equal(true)
    expect(report.consumers.map((c) => [c.name, c.lagMs, c.peakLagMs, c.exceeded])).to.deep.equal([
      ['analytics', 400_000, 400_000, true],
      [POLLING_ROW_NAME, 60_000, 900_000, false],
      ['archiver', 1000, 1000, false],
      ['idle', null, null, false],
    ])
    expect(report.consumers[0].at).to.equal(new Date(START + 13 * 60_000).toISOString())
    expect(report.consumers[3].unknown).to.match(/not subscribed/)
    expect(report.exceeded).to.deep.equal(['analytics'])
    expect(oldestLag(report)).to.deep.equal({lagMs: 400_000, name: 'analytics'})
    // Only Maximum statistics, no shard-level query.
    expect(seen.every((s) => s.stat === 'Maximum' && s.dims.ShardId === undefined)).to.equal(true)
  })

  it('lag without CloudWatch: no metric call, every lag unknown, nothing exceeded', async () => {
    stream([], ['analytics'])
    const report = await collectLag({kinesis, maxLagMs: 1, now: NOW, streamName: 'clicks', windowMs: 15 * 60_000})
    expect(cwMock.calls()).to.have.length(0)
    expect(report.cloudwatch).to.equal(false)
    expect(report.consumers.every((c) => c.lagMs === null)).to.equal(true)
    expect(report.exceeded).to.deep.equal([])
    expect(oldestLag(report)).to.equal(null)
  })
})
