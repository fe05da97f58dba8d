/**
 * The CloudWatch history of a backtest with aws-sdk-client-mock (CloudWatch cannot run locally;
 * the shard listing with closed parents is mocked beside it, as in the load source's tests).
 */
import {CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult} from '@aws-sdk/client-cloudwatch'
import {KinesisClient, ListShardsCommand, type Shard} from '@aws-sdk/client-kinesis'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {readCloudWatchTrace} from '../../../src/lib/backtest/cloudwatch.js'
import {POLICY_NAMES, runBacktest} from '../../../src/lib/backtest/simulate.js'
import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {HASH_KEY_MAX} from '../../../src/lib/kinesis/limits.js'
import {POLICY_DEFAULTS} from '../../../src/lib/scaling/policy.js'

const NOW = new Date('2026-03-02T02:00:30Z')
const START = Date.parse('2026-03-02T01:00:00Z')
const MINUTES = 60
const HALF = (HASH_KEY_MAX + 1n) / 2n
const QUARTER = HALF / 2n

/** shardId-0 [0, 2^127) split at minute 30 into 1 [0, 2^126) and 2 [2^126, 2^127); shard 3 [2^127, 2^128) open throughout. */
const SHARDS: Shard[] = [
  {HashKeyRange: {EndingHashKey: (HALF - 1n).toString(), StartingHashKey: '0'}, SequenceNumberRange: {EndingSequenceNumber: '9', StartingSequenceNumber: '1'}, ShardId: 'shardId-000000000000'},
  {HashKeyRange: {EndingHashKey: (QUARTER - 1n).toString(), StartingHashKey: '0'}, ParentShardId: 'shardId-000000000000', SequenceNumberRange: {StartingSequenceNumber: '10'}, ShardId: 'shardId-000000000001'},
  {HashKeyRange: {EndingHashKey: (HALF - 1n).toString(), StartingHashKey: QUARTER.toString()}, ParentShardId: 'shardId-000000000000', SequenceNumberRange: {StartingSequenceNumber: '11'}, ShardId: 'shardId-000000000002'},
  {HashKeyRange: {EndingHashKey: HASH_KEY_MAX.toString(), StartingHashKey: HALF.toString()}, SequenceNumberRange: {StartingSequenceNumber: '2'}, ShardId: 'shardId-000000000003'},
]

/** Records per minute the fake CloudWatch holds: the parent until minute 30, its children after. */
function records(shardId: string, m: number): number | undefined {
  switch (shardId) {
    case 'shardId-000000000000':
      return m < 30 ? 50_000 : undefined
    case 'shardId-000000000001':
    case 'shardId-000000000002':
      return m >= 30 ? 25_000 : undefined
    default:
      return 10_000
  }
}

function results(input: GetMetricDataCommandInput, shardIndex: (id: string) => number | undefined = () => undefined): MetricDataResult[] {
  return input.MetricDataQueries!.map((q) => {
    const shard = q.MetricStat!.Metric!.Dimensions!.find((d) => d.Name === 'ShardId')!.Value!
    const metric = q.MetricStat!.Metric!.MetricName!
    const ts: Date[] = []
    const vs: number[] = []
    for (let m = 0; m < MINUTES; m++) {
      const r = shardIndex(shard) ?? records(shard, m)
      if (r === undefined) continue
      ts.push(new Date(START + m * 60_000))
      vs.push(metric === 'IncomingRecords' ? r : metric === 'IncomingBytes' ? r * 500 : shard === 'shardId-000000000000' && m === 29 ? 7 : 0)
    }
    return {Id: q.Id, StatusCode: 'Complete', Timestamps: ts, Values: vs}
  })
}

describe('backtest: history from CloudWatch (mocked)', () => {
  const kinesis = new KinesisClient({region: 'us-east-1'})
  const cloudwatch = new CloudWatchClient({region: 'us-east-1'})
  const kinesisMock = mockClient(kinesis)
  const cwMock = mockClient(cloudwatch)
  beforeEach(() => {
    kinesisMock.reset()
    cwMock.reset()
  })
  after(() => {
    kinesisMock.restore()
    cwMock.restore()
  })

  it('maps each minute onto the hash ranges that carried it, through a split, following NextToken pages', async () => {
    kinesisMock.on(ListShardsCommand).resolves({Shards: SHARDS})
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const all = results(input)
      const cut = (r: MetricDataResult, from: number, to: number) => ({...r, Timestamps: r.Timestamps!.slice(from, to), Values: r.Values!.slice(from, to)})
      return input.NextToken === undefined ? {MetricDataResults: all.map((r) => cut(r, 0, 10)), NextToken: 'p2'} : {MetricDataResults: all.map((r) => cut(r, 10, MINUTES))}
    })
    const progress: number[] = []
    const trace = await readCloudWatchTrace({cloudwatch, kinesis, now: NOW, onProgress: (p) => progress.push(p.calls), streamName: 'clicks', windowMs: 60 * 60_000})

    const calls = cwMock.commandCalls(GetMetricDataCommand)
    expect(calls).to.have.length(2)
    expect(calls[1].args[0].input.NextToken).to.equal('p2')
    expect(calls[0].args[0].input.MetricDataQueries!.map((q) => q.MetricStat!.Metric!.MetricName)).to.include.members(['IncomingBytes', 'IncomingRecords', 'WriteProvisionedThroughputExceeded'])
    expect(progress).to.deep.equal([1, 2])
    expect(trace.startMs).to.equal(START)
    expect(trace.minutes).to.equal(MINUTES)
    expect(trace.closedShards).to.equal(1)
    const ranges = (m: number) => trace.minute(m).map((s) => `${s.startingHashKey}-${s.endingHashKey}:${s.records}`)
    expect(ranges(0)).to.deep.equal([`0-${HALF - 1n}:50000`, `${HALF}-${HASH_KEY_MAX}:10000`])
    expect(ranges(45)).to.deep.equal([`0-${QUARTER - 1n}:25000`, `${QUARTER}-${HALF - 1n}:25000`, `${HALF}-${HASH_KEY_MAX}:10000`])
    expect(trace.minute(29)[0].throttled).to.equal(7)

    // Replayed: the recorded throttles beside the model's, the layout at the start the recorded one.
    const report = runBacktest({policies: POLICY_NAMES, policy: {...POLICY_DEFAULTS}, trace})
    expect(report.initialShards).to.equal(2)
    expect(report.recorded).to.deep.include({minutesWithThrottles: 1, throttledRecords: 7})
  })

  it('batches the queries at most 500 per GetMetricData call', async () => {
    const many: Shard[] = uniformRanges(200).map((r, i) => ({
      HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
      SequenceNumberRange: {StartingSequenceNumber: '1'},
      ShardId: `shardId-${String(i).padStart(12, '0')}`,
    }))
    kinesisMock.on(ListShardsCommand).resolves({Shards: many})
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({MetricDataResults: results(input, () => 600)}))
    const trace = await readCloudWatchTrace({cloudwatch, kinesis, now: NOW, streamName: 'clicks', windowMs: 60 * 60_000})
    const calls = cwMock.commandCalls(GetMetricDataCommand)
    expect(calls.map((c) => c.args[0].input.MetricDataQueries!.length)).to.deep.equal([500, 100])
    expect(trace.minute(10)).to.have.length(200)
    expect(trace.minute(10).every((s) => s.records === 600)).to.equal(true)
  })
})
