/** The one-shot read-side view (`heat --read` off a TTY, --once): a header, the shards, the EFO consumers. No ink. */
import {keyValues, table} from '../../cli/output.js'
import type {ReadLoadSnapshot} from '../../lib/load/read.js'
import {heatLevel} from '../../lib/load/model.js'
import {formatBytes, formatCount, formatDuration, formatPercent} from '../../lib/format.js'
import {fmtAge, hottest, paint, sortShards, sparkline, type SortMode} from './format.js'
import {TABLE_SPARK_WIDTH} from './table.js'

export function readHeatTable(snapshot: ReadLoadSnapshot, options: {target: string; sort: SortMode; color?: boolean}): string {
  const color = options.color ?? true
  const capB = snapshot.capacityBytesPerSecond ?? 0
  const hot = hottest(snapshot)
  const head = keyValues([
    ['stream', snapshot.streamName],
    ['target', options.target],
    ['side', 'read (CloudWatch, per-minute sums; 2 MiB/s per shard shared by polling consumers)'],
    ['window', `${formatDuration(snapshot.windowSeconds * 1000)} (${snapshot.from} – ${snapshot.to})`],
    ['open shards', snapshot.shards.length.toLocaleString('en-US')],
    ['read out', `${formatBytes(snapshot.totalBytesPerSecond)}/s of ${formatBytes(capB)}/s (${formatPercent(capB > 0 ? snapshot.totalBytesPerSecond / capB : 0)}), ${formatCount(snapshot.totalRecordsPerSecond)} records/s`],
    ['read throttles', formatCount(snapshot.readThrottles)],
    ['oldest iterator', `${fmtAge(snapshot.iteratorAgeMs)} now, ${fmtAge(snapshot.peakIteratorAgeMs)} at its peak`],
    ['hottest shard', hot === undefined ? undefined : `${hot.shardId} (peak ${formatPercent(hot.peakUtilization)})`],
  ])
  const rows = sortShards(snapshot.shards, options.sort).map((s) => {
    const throttled = (s.readThrottles ?? 0) > 0 ? 1 : 0
    const util = formatPercent(s.meanUtilization)
    const peak = formatPercent(s.peakUtilization)
    return [
      s.estimated ? `${s.shardId}~` : s.shardId,
      color ? paint(util, heatLevel(s.meanUtilization, throttled)) : util,
      color ? paint(peak, heatLevel(s.peakUtilization, throttled)) : peak,
      formatBytes(s.bytesPerSecond),
      formatCount(s.recordsPerSecond),
      formatCount(s.readThrottles ?? 0),
      fmtAge(s.iteratorAgeMs),
      fmtAge(s.peakIteratorAgeMs),
      sparkline(s.series, TABLE_SPARK_WIDTH, color),
    ]
  })
  const parts = [
    head,
    '',
    table(['shard', 'util', 'peak', 'bytes/s out', 'rec/s out', 'throttles', 'iterator age', 'peak age', 'over the window'], rows, {
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    }),
  ]
  if (snapshot.consumers.length > 0) {
    const consumers = snapshot.consumers.map((c) => {
      const peak = formatPercent(c.peakUtilization)
      return [c.consumerName, c.status, formatBytes(c.bytesPerSecond), formatPercent(c.meanUtilization), color ? paint(peak, heatLevel(c.peakUtilization)) : peak, fmtAge(c.millisBehindLatest), fmtAge(c.peakMillisBehindLatest)]
    })
    parts.push('', table(['enhanced fan-out consumer', 'status', 'bytes/s', 'util', 'peak', 'behind', 'peak behind'], consumers, {align: ['left', 'left', 'right', 'right', 'right', 'right', 'right']}))
  }
  const notes = snapshot.notices.map((n) => `note: ${n}`)
  if (notes.length > 0) parts.push('', ...notes)
  return parts.join('\n')
}
