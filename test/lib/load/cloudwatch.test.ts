/**
 * The CloudWatch source with aws-sdk-client-mock (CloudWatch cannot run locally). The Kinesis
 * listing of 10,000 shards is mocked too: kinesis-local caps a stream at 50 shards.
 */
import {CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult} from '@aws-sdk/client-cloudwatch'
import {DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, type Shard} from '@aws-sdk/client-kinesis'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {StreamNotFoundError} from '../../../src/lib/errors.js'
import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {GET_METRIC_DATA_MAX_QUERIES} from '../../../src/lib/kinesis/limits.js'
import {collectLoad} from '../../../src/lib/load/index.js'

const NOW = new Date('2026-01-01T12:00:30Z')
const WINDOW_START = Date.parse('2026-01-01T11:45:00Z')
const MINUTES = 15

function makeShards(n: number): Shard[] {
  return uniformRanges(n).map((r, i) => ({
    HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
    SequenceNumberRange: {StartingSequenceNumber: '1'},
    ShardId: `shardId-${String(i).padStart(12, '0')}`,
  }))
}

/** Per-minute value the fake CloudWatch holds for a shard and metric. */
function valueOf(shardIndex: number, metric: string, minute: number): number {
  if (metric === 'IncomingRecords') return shardIndex
  if (metric === 'IncomingBytes') return shardIndex * 100
  return shardIndex % 7 === 0 && minute === MINUTES - 1 ? 3 : 0
}

function resultsFor(input: GetMetricDataCommandInput): MetricDataResult[] {
  return input.MetricDataQueries!.map((q) => {
    const dims = q.MetricStat!.Metric!.Dimensions!
    const shard = dims.find((d) => d.Name === 'ShardId')?.Value
    const metric = q.MetricStat!.Metric!.MetricName!
    const index = shard === undefined ? -1 : Number(shard.slice('shardId-'.length))
    const ts = Array.from({length: MINUTES}, (_, m) => new Date(WINDOW_START + m * 60_000))
    const values = ts.map((_, m) => (index < 0 ? (metric === 'IncomingRecords' ? 60_000 : metric === 'IncomingBytes' ? 6_000_000 : 0) : valueOf(index, metric, m)))
    return {Id: q.Id, StatusCode: 'Complete', Timestamps: ts, Values: values}
  })
}

describe('load: cloudwatch source (mocked CloudWatch)', () => {
  // Mocks of these two instances only: a class-wide mock would reach every other test file's clients.
  const kinesis = new KinesisClient({region: 'us-east-1'})
  const cloudwatch = new CloudWatchClient({region: 'us-east-1'})
  const kinesisMock = mockClient(kinesis)
  const cwMock = mockClient(cloudwatch)

  function listing(shards: Shard[], metrics: string[]) {
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: {EnhancedMonitoring: [{ShardLevelMetrics: metrics}]} as never,
    })
    // Two pages: the second one by NextToken only.
    const half = Math.ceil(shards.length / 2)
    kinesisMock.on(ListShardsCommand).callsFake((input) => (input.NextToken === undefined ? {NextToken: 'page2', Shards: shards.slice(0, half)} : {Shards: shards.slice(half)}))
  }

  beforeEach(() => {
    kinesisMock.reset()
    cwMock.reset()
  })

  after(() => {
    kinesisMock.restore()
    cwMock.restore()
  })

  it('10,000 shards: exactly ceil(30,000 / 500) = 60 GetMetricData calls, every value mapped back to its shard', async () => {
    listing(makeShards(10_000), ['IncomingBytes', 'IncomingRecords', 'WriteProvisionedThroughputExceeded'])
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({MetricDataResults: resultsFor(input)}))
    const snap = await collectLoad({cloudwatch, kinesis, now: NOW, source: 'cloudwatch', streamName: 'clicks', windowMs: 15 * 60_000})

    const calls = cwMock.commandCalls(GetMetricDataCommand)
    expect(calls).to.have.length(Math.ceil(30_000 / GET_METRIC_DATA_MAX_QUERIES)).and.length(60)
    const ids = new Set<string>()
    for (const call of calls) {
      const input = call.args[0].input
      expect(input.MetricDataQueries!.length).to.be.at.most(500)
      expect(input.StartTime).to.deep.equal(new Date(WINDOW_START))
      expect(input.EndTime).to.deep.equal(new Date('2026-01-01T12:00:00Z'))
      for (const q of input.MetricDataQueries!) {
        expect(q.Id).to.match(/^[a-z][a-zA-Z0-9_]*$/)
        expect(q.MetricStat).to.deep.include({Period: 60, Stat: 'Sum'})
        ids.add(q.Id!)
      }
    }
    expect(ids.size).to.equal(30_000)

    expect(snap.shards).to.have.length(10_000)
    expect(snap.streamLevelOnly).to.equal(false)
    expect(snap.bucketSeconds).to.equal(60)
    expect(snap.windowSeconds).to.equal(900)
    snap.shards.forEach((s, i) => {
      expect(s.shardId).to.equal(`shardId-${String(i).padStart(12, '0')}`)
      expect(s.recordsPerSecond).to.equal((i * MINUTES) / 900)
      expect(s.bytesPerSecond).to.equal((i * 100 * MINUTES) / 900)
      expect(s.peakRecordsPerSecond).to.equal(i / 60)
      expect(s.writeThrottles).to.equal(i % 7 === 0 ? 3 : 0)
      expect(s.series).to.have.length(MINUTES)
      expect(s.estimated).to.equal(undefined)
    })
    expect(snap.writeThrottles).to.equal(Math.ceil(10_000 / 7) * 3)
    expect(snap.cost).to.deep.include({getMetricDataCalls: 60, metricQueries: 30_000})
    expect(snap.notices).to.deep.equal([])
  })

  it('follows NextToken pages and merges a query’s values across them', async () => {
    listing(makeShards(3), ['ALL'])
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const all = resultsFor(input)
      // Page 1: the first 5 minutes of every query; page 2: the rest.
      const cut = (r: MetricDataResult, from: number, to: number) => ({...r, Timestamps: r.Timestamps!.slice(from, to), Values: r.Values!.slice(from, to)})
      return input.NextToken === undefined
        ? {MetricDataResults: all.map((r) => cut(r, 0, 5)), NextToken: 'more'}
        : {MetricDataResults: all.map((r) => cut(r, 5, MINUTES))}
    })
    const snap = await collectLoad({cloudwatch, kinesis, now: NOW, source: 'cloudwatch', streamName: 'clicks', windowMs: 15 * 60_000})
    const calls = cwMock.commandCalls(GetMetricDataCommand)
    expect(calls).to.have.length(2)
    expect(calls[1].args[0].input.NextToken).to.equal('more')
    expect(snap.shards[2].recordsPerSecond).to.equal((2 * MINUTES) / 900)
    expect(snap.shards[2].series.every((u) => u > 0)).to.equal(true)
  })

  it('issues the calls concurrently, within the bound', async () => {
    listing(makeShards(2000), ['ALL']) // 6,000 queries: 12 calls
    let inFlight = 0
    let most = 0
    cwMock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise((r) => setTimeout(r, 5))
      inFlight--
      return {MetricDataResults: resultsFor(input)}
    })
    await collectLoad({cloudwatch, concurrency: 4, kinesis, now: NOW, source: 'cloudwatch', streamName: 'clicks', windowMs: 15 * 60_000})
    expect(cwMock.commandCalls(GetMetricDataCommand)).to.have.length(12)
    expect(most).to.equal(4)
  })

  it('enhanced monitoring off: falls back to stream-level metrics with a clear notice', async () => {
    listing(makeShards(4), [])
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({MetricDataResults: resultsFor(input)}))
    const notices: string[] = []
    const snap = await collectLoad({cloudwatch, kinesis, now: NOW, onNotice: (m) => notices.push(m), source: 'cloudwatch', streamName: 'clicks', windowMs: 15 * 60_000})
    const calls = cwMock.commandCalls(GetMetricDataCommand)
    expect(calls).to.have.length(1)
    const queries = calls[0].args[0].input.MetricDataQueries!
    expect(queries.map((q) => q.MetricStat!.Metric!.MetricName).sort()).to.deep.equal(['IncomingBytes', 'IncomingRecords', 'WriteProvisionedThroughputExceeded'])
    for (const q of queries) expect(q.MetricStat!.Metric!.Dimensions).to.deep.equal([{Name: 'StreamName', Value: 'clicks'}])
    expect(snap.streamLevelOnly).to.equal(true)
    expect(notices).to.have.length(1)
    expect(notices[0]).to.match(/Enhanced \(shard-level\) monitoring is off for stream "clicks": only the stream total is known/)
    expect(notices[0]).to.match(/enable-enhanced-monitoring --stream-name clicks/)
    expect(snap.notices).to.deep.equal(notices)
    // 60,000 records a minute in total = 1,000/s over 4 shards' 4,000/s capacity.
    expect(snap.totalRecordsPerSecond).to.equal(1000)
    expect(snap.streamSeries!.every((u) => u === 0.25)).to.equal(true)
    for (const s of snap.shards) {
      expect(s.estimated).to.equal(true)
      expect(s.recordsPerSecond).to.equal(250)
    }
  })

  it('throttles only at stream level when that shard metric is not enabled', async () => {
    listing(makeShards(2), ['IncomingBytes', 'IncomingRecords'])
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({MetricDataResults: resultsFor(input)}))
    const snap = await collectLoad({cloudwatch, kinesis, now: NOW, source: 'cloudwatch', streamName: 'clicks', windowMs: 15 * 60_000})
    const queries = cwMock.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries!
    expect(queries).to.have.length(5)
    expect(snap.streamLevelOnly).to.equal(false)
    expect(snap.notices[0]).to.match(/WriteProvisionedThroughputExceeded is not enabled/)
  })

  it('maps a missing stream to StreamNotFoundError, with no metric call', async () => {
    const notFound = Object.assign(new Error('Stream nope not found'), {name: 'ResourceNotFoundException'})
    kinesisMock.on(DescribeStreamSummaryCommand).rejects(notFound)
    kinesisMock.on(ListShardsCommand).rejects(notFound)
    const err = await collectLoad({cloudwatch, kinesis, now: NOW, source: 'cloudwatch', streamName: 'nope', targetName: 'aws', windowMs: 60_000}).catch((e) => e)
    expect(err).to.be.instanceOf(StreamNotFoundError)
    expect(cwMock.commandCalls(GetMetricDataCommand)).to.have.length(0)
  })
})
