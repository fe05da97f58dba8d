/** A read-side snapshot (`heat --read`) for the view's tests. */
import type {ReadLoadSnapshot} from '../../src/lib/load/read.js'

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

export const readSnapshot: ReadLoadSnapshot = {
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
