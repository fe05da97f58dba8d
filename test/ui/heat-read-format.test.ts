/** The read side in the heat view's pure text (the live view renders these strings). */
import {expect} from 'chai'

import type {ReadLoadSnapshot} from '../../src/lib/load/read.js'
import {columnHeader, headerLines, rowLayout, shardRow, sortShards} from '../../src/ui/heat/format.js'

const shard = (id: string, util: number, throttles: number, age: number | null) => ({
  bytesPerSecond: util * 2 * 1024 * 1024,
  endingHashKey: '1',
  iteratorAgeMs: age,
  meanUtilization: util,
  peakBytesPerSecond: util * 2 * 1024 * 1024,
  peakIteratorAgeMs: age,
  peakRecordsPerSecond: 10,
  peakUtilization: util,
  readThrottles: throttles,
  recordsPerSecond: 10,
  series: [util],
  shardId: id,
  startingHashKey: '0',
  writeThrottles: 0,
})

const snapshot: ReadLoadSnapshot = {
  bucketSeconds: 60,
  capacityBytesPerSecond: 2 * 2 * 1024 * 1024,
  consumers: [
    {bytesPerSecond: 1024, consumerArn: 'arn', consumerName: 'analytics', meanUtilization: 0.1, millisBehindLatest: 2000, peakBytesPerSecond: 2048, peakMillisBehindLatest: 9000, peakUtilization: 0.2, recordsPerSecond: 1, status: 'ACTIVE'},
  ],
  from: '2026-01-01T00:00:00.000Z',
  iteratorAgeMs: 95_000,
  notices: [],
  peakIteratorAgeMs: 120_000,
  readThrottles: 3,
  shards: [shard('shardId-a', 0.2, 0, 1000), shard('shardId-b', 0.2, 3, 95_000)],
  side: 'read',
  source: 'cloudwatch',
  streamLevelOnly: false,
  streamName: 'clicks',
  to: '2026-01-01T00:15:00.000Z',
  totalBytesPerSecond: 0.4 * 2 * 1024 * 1024,
  totalRecordsPerSecond: 20,
  windowSeconds: 900,
  writeThrottles: 0,
}

describe('heat view: the read side (pure text)', () => {
  it('the header names the read side, read throttles, the oldest iterator and each EFO consumer', () => {
    const lines = headerLines(snapshot, {target: 'aws'}, 200, false)
    expect(lines[0]).to.include('read side')
    expect(lines[1]).to.include('read throttles 3').and.include('oldest iterator 1m35s (peak 2m)')
    expect(lines[2]).to.match(/^read out 819\.2 KiB\/s of 4\.0 MiB\/s shared \(20\.0%\)/)
    expect(lines[3]).to.equal('efo analytics: 1.0 KiB/s · peak 20.0% of its own 2 MiB/s per shard · behind 2s (peak 9s)')
  })

  it('a row shows the read throttles and the iterator age in place of the keys; a throttled shard sorts first on a tie', () => {
    const layout = rowLayout(120)
    const row = shardRow(snapshot.shards[1], layout, false)
    expect(row).to.match(/^shardId-b\s+20\.0%\s+20\.0%\s+409\.6 KiB\s+10\s+3 /)
    expect(row).to.include('age 1m35s · peak 1m35s')
    expect(columnHeader(layout, 'iterator age')).to.include('iterator age')
    expect(sortShards(snapshot.shards, 'heat')[0].shardId).to.equal('shardId-b')
  })
})
