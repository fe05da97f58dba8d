import {expect} from 'chai'

import {SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND} from '../../../src/lib/kinesis/limits.js'
import {defaultSource, heatLevel, recordBytes, utilization} from '../../../src/lib/load/index.js'
import {assembleSnapshot, shardLoadFromBuckets} from '../../../src/lib/load/model.js'

const id = {endingHashKey: '99', shardId: 'shardId-000000000000', startingHashKey: '0'}

describe('load model', () => {
  it('a bytes-bound shard: 600 records/s of 2,000 bytes is 1,200,000 / 1,048,576 of the limit', () => {
    // records: 600 / 1,000 = 0.6; bytes: 1,200,000 / 1,048,576 = 1.1444091796875
    expect(utilization(600 * 2000, 600)).to.equal(1_200_000 / 1_048_576)
    expect(utilization(600 * 2000, 600)).to.be.closeTo(1.1444, 1e-4)
  })

  it('a records-bound shard: 900 records/s of 100 bytes is 90% of the limit', () => {
    // bytes: 90,000 / 1,048,576 = 0.0858; records: 900 / 1,000 = 0.9
    expect(utilization(900 * 100, 900)).to.equal(0.9)
  })

  it('counts partition-key bytes (UTF-8) towards the byte limit', () => {
    expect(recordBytes(1000, '35')).to.equal(1002)
    expect(recordBytes(10, 'é')).to.equal(12)
    // 512 records/s of 2,048 data bytes fill 1 MiB/s exactly; the 2-byte key "35" pushes the shard over.
    expect(utilization(512 * 2048, 512)).to.equal(1)
    expect(utilization(512 * recordBytes(2048, '35'), 512)).to.equal(1.0009765625)
  })

  it('uses the limits from the one definition', () => {
    expect(utilization(SHARD_WRITE_BYTES_PER_SECOND, 0)).to.equal(1)
    expect(utilization(0, SHARD_WRITE_RECORDS_PER_SECOND)).to.equal(1)
  })

  it('picks the default source by target', () => {
    expect(defaultSource('aws')).to.equal('cloudwatch')
    expect(defaultSource('local')).to.equal('stream')
  })

  it('places utilisation on the absolute heat scale', () => {
    expect(heatLevel(0.49)).to.equal('cool')
    expect(heatLevel(0.5)).to.equal('warm')
    expect(heatLevel(0.8)).to.equal('hot')
    expect(heatLevel(1)).to.equal('hot')
    expect(heatLevel(1.01)).to.equal('throttled')
    expect(heatLevel(0.1, 3)).to.equal('throttled')
  })

  it('derives means, peaks and the series from per-minute sums', () => {
    // Three minutes: 60,000 records of 100 B, nothing, 30,000 records of 100 B.
    const load = shardLoadFromBuckets(id, {bytes: [6_000_000, 0, 3_000_000], records: [60_000, 0, 30_000], throttles: [5, 0, 1]}, 60)
    expect(load.recordsPerSecond).to.equal(90_000 / 180)
    expect(load.bytesPerSecond).to.equal(9_000_000 / 180)
    expect(load.peakRecordsPerSecond).to.equal(1000)
    expect(load.peakBytesPerSecond).to.equal(100_000)
    expect(load.peakUtilization).to.equal(1)
    expect(load.meanUtilization).to.equal(0.5)
    expect(load.series).to.deep.equal([1, 0, 0.5])
    expect(load.writeThrottles).to.equal(6)
  })

  it('assembles stream totals against the open shards’ capacity', () => {
    const a = shardLoadFromBuckets(id, {bytes: [0, 0], records: [1000, 0]}, 1)
    const b = shardLoadFromBuckets({...id, shardId: 'shardId-000000000001'}, {bytes: [0, 0], records: [0, 500]}, 1)
    const snap = assembleSnapshot({
      bucketSeconds: 1, fromMs: 0, notices: [], shards: [a, b], source: 'stream', streamBytes: [0, 0], streamLevelOnly: false,
      streamName: 's', streamRecords: [1000, 500], toMs: 2000, windowSeconds: 2,
    })
    expect(snap.totalRecordsPerSecond).to.equal(750)
    expect(snap.capacityRecordsPerSecond).to.equal(2000)
    expect(snap.streamSeries).to.deep.equal([0.5, 0.25])
    expect(snap.from).to.equal('1970-01-01T00:00:00.000Z')
  })
})
