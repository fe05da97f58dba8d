/**
 * The AUTO record distribution strategy: read from a mocked DescribeStreamSummary (kinesis-local
 * 0.6.2 neither reports nor sets it), and what tail, heat's split candidate and scale do with it.
 */
import {DescribeStreamSummaryCommand, KinesisClient} from '@aws-sdk/client-kinesis'
import {mockClient, type AwsStub} from 'aws-sdk-client-mock'
import type {MetadataBearer} from '@smithy/types'
import {expect} from 'chai'

import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {distributionOf, readDistribution} from '../../../src/lib/kinesis/distribution.js'
import {splitCandidate} from '../../../src/lib/scaling/candidate.js'
import {planScaling} from '../../../src/lib/scaling/planner.js'
import {describeStreamFacts} from '../../../src/lib/scaling/state.js'
import {planForDistribution, planTail} from '../../../src/lib/tail/plan.js'
import {input, MiB, shardLoad} from '../scaling/fixtures.js'

const summary = (extra: Record<string, unknown> = {}) => ({
  StreamDescriptionSummary: {
    EnhancedMonitoring: [],
    OpenShardCount: 4,
    RetentionPeriodHours: 24,
    StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
    StreamCreationTimestamp: new Date('2026-01-01T00:00:00Z'),
    StreamModeDetails: {StreamMode: 'ON_DEMAND' as const},
    StreamName: 'clicks',
    StreamStatus: 'ACTIVE' as const,
    ...extra,
  },
})

/** Shard 0 with key "35" at 90% of the shard limit, three light shards. */
function keyed() {
  const ranges = uniformRanges(4)
  const keyBytes = 0.9 * MiB * 60
  const shard0 = shardLoad(0, ranges[0], 1 * MiB, [{bytes: keyBytes, partitionKey: '35', peakUtilization: 0.9, records: keyBytes / 4096, share: 0.9}])
  return [shard0, ...[1, 2, 3].map((i) => shardLoad(i, ranges[i], 0.1 * MiB))]
}

describe('record distribution strategy', () => {
  // Mocked per test: a class-wide mock made at load would be undone by any other file's restore().
  let kinesis: AwsStub<object, MetadataBearer, unknown>
  beforeEach(() => {
    kinesis = mockClient(KinesisClient)
  })
  afterEach(() => kinesis.restore())

  it('reads AUTO from DescribeStreamSummary; absent or unreadable means the default, not reported', async () => {
    const client = new KinesisClient({region: 'us-east-1'})
    kinesis.on(DescribeStreamSummaryCommand).resolves(summary({RecordDistributionStrategy: 'AUTO'}))
    expect(await readDistribution(client, 'clicks')).to.deep.equal({reported: true, strategy: 'AUTO'})
    kinesis.on(DescribeStreamSummaryCommand).resolves(summary())
    expect(await readDistribution(client, 'clicks')).to.deep.equal({reported: false, strategy: 'USER_PARTITION_KEY'})
    kinesis.on(DescribeStreamSummaryCommand).rejects(Object.assign(new Error('no'), {name: 'AccessDeniedException'}))
    expect(await readDistribution(client, 'clicks')).to.deep.equal({reported: false, strategy: 'USER_PARTITION_KEY'})
    expect(distributionOf({RecordDistributionStrategy: 'USER_PARTITION_KEY'})).to.deep.equal({reported: true, strategy: 'USER_PARTITION_KEY'})
  })

  it('scale sees it: StreamFacts.recordDistribution', async () => {
    const client = new KinesisClient({region: 'us-east-1'})
    kinesis.on(DescribeStreamSummaryCommand).resolves(summary({MaxRecordSizeInKiB: 2048, RecordDistributionStrategy: 'AUTO'}))
    expect(await describeStreamFacts(client, 'clicks')).to.deep.include({recordDistribution: 'AUTO'})
    kinesis.on(DescribeStreamSummaryCommand).resolves(summary())
    expect(await describeStreamFacts(client, 'clicks')).to.not.have.property('recordDistribution')
  })

  it('tail --user on an AUTO stream reads every shard and says why; a start at a sequence number stays on its shard', () => {
    const now = new Date()
    const plan = planTail({from: 'trim-horizon', user: '35'}, now)
    const auto = planForDistribution(plan, 'AUTO')
    expect(auto.plan.allShards).to.equal(true)
    expect(auto.reason).to.include('AUTO').and.include('every shard is read and filtered by key 35')
    expect(planForDistribution(plan, 'USER_PARTITION_KEY')).to.deep.equal({plan})
    expect(planForDistribution(plan, undefined)).to.deep.equal({plan})
    expect(planForDistribution(planTail({from: 'trim-horizon'}, now), 'AUTO').reason, 'no key: nothing changes').to.equal(undefined)
    const fromSequence = planForDistribution(planTail({fromSequence: '123', user: '35'}, now), 'AUTO')
    expect(fromSequence.plan.allShards).to.equal(undefined)
    expect(fromSequence.reason).to.include('start with --from')
  })

  it("heat's split candidate: weighted by keys and naming a key over the limit normally, at the load's midpoint and naming none on AUTO", () => {
    const [shard0] = keyed()
    const range = uniformRanges(4)[0]
    const midpoint = range.start + (range.end - range.start + 1n) / 2n
    const byKey = splitCandidate(shard0, 60)!
    expect(byKey.weighted).to.equal(true)
    expect(BigInt(byKey.newStartingHashKey)).to.not.equal(midpoint)
    const auto = splitCandidate(shard0, 60, 'AUTO')!
    expect(auto.hotKey).to.equal(undefined)
    expect(auto.weighted).to.equal(false)
    const cut = BigInt(auto.newStartingHashKey)
    // The midpoint of the load, spread evenly over the range (to the model's rounding).
    expect(Number(cut - midpoint) / Number(range.end - range.start)).to.be.within(-1e-6, 1e-6)
    const hot = shardLoad(0, range, 2 * MiB, [{bytes: 1.2 * MiB * 60, partitionKey: '35', peakUtilization: 1.2, records: (1.2 * MiB * 60) / 4096, share: 1}])
    expect(splitCandidate(hot, 60)?.hotKey, 'a key over the shard limit is named normally').to.equal('35')
    expect(splitCandidate(hot, 60, 'AUTO')?.hotKey, 'and not on AUTO').to.equal(undefined)
  })

  it('scale: a key over the target is a hot key that blocks scale-in normally, and is plain load on AUTO', () => {
    const normal = planScaling(input(keyed(), {windowSeconds: 60}))
    expect(normal.hotKeys.map((k) => k.partitionKey)).to.deep.equal(['35'])
    expect(normal.reasons.join('\n')).to.match(/Partition key "35" alone puts 90%/)

    const auto = planScaling(input(keyed(), {stream: {mode: 'PROVISIONED', openShardCount: 4, recordDistribution: 'AUTO', status: 'ACTIVE', streamName: 'clicks'}, windowSeconds: 60}))
    expect(auto.hotKeys).to.deep.equal([])
    expect(auto.reasons.join('\n')).to.include('distributes records AUTO').and.not.match(/Partition key "35"/)
    expect(auto.reasons.join('\n')).to.not.match(/onto the shard of hot key/)
  })
})

