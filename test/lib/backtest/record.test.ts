import {expect} from 'chai'

import {TraceRecorder} from '../../../src/lib/backtest/record.js'
import {parseTrace} from '../../../src/lib/backtest/trace.js'
import {uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import type {LoadSnapshot, ShardLoad} from '../../../src/lib/load/types.js'

/** A stream-source snapshot (1 s buckets) over [from, to] on 2 shards: shard 0 gets 2 records a second, shard 1 one. */
function snapshot(fromMs: number, toMs: number): LoadSnapshot {
  const n = Math.round((toMs - fromMs) / 1000)
  const shards: ShardLoad[] = uniformRanges(2).map((r, i) => ({
    bytesPerSecond: 0,
    endingHashKey: r.end.toString(),
    meanUtilization: 0,
    peakBytesPerSecond: 0,
    peakRecordsPerSecond: 0,
    peakUtilization: 0,
    recordsPerSecond: 0,
    series: [],
    shardId: `shardId-00000000000${i}`,
    startingHashKey: r.start.toString(),
    sums: {bytes: Array(n).fill(i === 0 ? 200 : 100), records: Array(n).fill(i === 0 ? 2 : 1)},
    ...(i === 0 ? {topKeys: [{bytes: 1000, partitionKey: '35', peakUtilization: 0.001, records: 10, share: 0.5}]} : {}),
    writeThrottles: 0,
  }))
  return {bucketSeconds: 1, from: new Date(fromMs).toISOString(), notices: [], shards, source: 'stream', streamLevelOnly: false, streamName: 's', to: new Date(toMs).toISOString(), totalBytesPerSecond: 0, totalRecordsPerSecond: 0, windowSeconds: n, writeThrottles: 0}
}

describe('heat --record: trace recorder', () => {
  const T0 = Date.parse('2026-03-02T10:00:20Z')
  it('writes each whole, settled minute once, in order, in the trace format', () => {
    const rec = new TraceRecorder()
    // [10:00:20, 10:03:02]: 10:01 and 10:02 are whole; 10:02 ended 2 s ago (< 5 s lag): not yet.
    const a = rec.lines(snapshot(T0, Date.parse('2026-03-02T10:03:02Z')))
    expect(a.map((l) => JSON.parse(l).t)).to.deep.equal(['2026-03-02T10:01:00Z'])
    const b = rec.lines(snapshot(Date.parse('2026-03-02T10:01:30Z'), Date.parse('2026-03-02T10:04:10Z')))
    expect(b.map((l) => JSON.parse(l).t)).to.deep.equal(['2026-03-02T10:02:00Z', '2026-03-02T10:03:00Z'])
    const trace = parseTrace([...a, ...b].join('\n'), 'rec.ndjson')
    expect(trace.minutes).to.equal(3)
    const [s0, s1] = trace.minute(0)
    expect(s0).to.include({bytes: 12_000, records: 120})
    expect(s1).to.include({bytes: 6000, records: 60})
    // The hot key's window share applied to the minute.
    expect(s0.keys).to.deep.equal([{bytes: 6000, key: '35', records: 60}])
  })
  it('appends after the last minute already in the file', () => {
    const rec = new TraceRecorder(Date.parse('2026-03-02T10:01:00Z'))
    expect(rec.lines(snapshot(T0, Date.parse('2026-03-02T10:03:10Z'))).map((l) => JSON.parse(l).t)).to.deep.equal(['2026-03-02T10:02:00Z'])
  })
})
