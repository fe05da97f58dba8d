/** The one-shot heat view (off a TTY, --once): a header and a cli-table3 table. No ink. */
import {colorEnabled, keyValues, table} from '../../cli/output.js'
import {heatLevel} from '../../lib/load/model.js'
import type {LoadSnapshot} from '../../lib/load/types.js'
import {formatBytes, formatCount, formatDuration, formatInt, formatPercent} from '../../lib/format.js'
import type {SplitCandidate} from '../../lib/scaling/candidate.js'
import {candidateText, fmtKeys, hottest, paint, sortShards, sparkline, type SortMode} from './format.js'

export const TABLE_SPARK_WIDTH = 20

export function heatTable(snapshot: LoadSnapshot, options: {target: string; sort: SortMode; color?: boolean; candidate?: SplitCandidate}): string {
  const color = options.color ?? colorEnabled()
  const open = snapshot.shards.length
  const capR = snapshot.capacityRecordsPerSecond ?? 0
  const capB = snapshot.capacityBytesPerSecond ?? 0
  const hot = hottest(snapshot)
  const head = keyValues([
    ['stream', snapshot.streamName],
    ['target', options.target],
    ['source', `${snapshot.source} (${snapshot.source === 'stream' ? 'per-second peaks' : 'per-minute sums'})`],
    ['window', `${formatDuration(snapshot.windowSeconds * 1000)} (${snapshot.from} – ${snapshot.to})`],
    ['open shards', formatInt(open)],
    ['records/s', `${formatCount(snapshot.totalRecordsPerSecond)} of ${formatCount(capR)} (${formatPercent(capR > 0 ? snapshot.totalRecordsPerSecond / capR : 0)})`],
    ['bytes/s', `${formatBytes(snapshot.totalBytesPerSecond)} of ${formatBytes(capB)} (${formatPercent(capB > 0 ? snapshot.totalBytesPerSecond / capB : 0)})`],
    ['write throttles', formatCount(snapshot.writeThrottles)],
    ['hottest shard', hot === undefined ? undefined : `${hot.shardId} (peak ${formatPercent(hot.peakUtilization)})`],
    ['split candidate', options.candidate === undefined ? undefined : candidateText(options.candidate, true)],
  ], color)
  const withKeys = snapshot.source === 'stream'
  const rows = sortShards(snapshot.shards, options.sort).map((s) => {
    const throttled = s.writeThrottles > 0 ? 1 : 0
    const util = formatPercent(s.meanUtilization)
    const peak = formatPercent(s.peakUtilization)
    const row: string[] = [
      s.estimated ? `${s.shardId}~` : s.shardId,
      color ? paint(util, heatLevel(s.meanUtilization, throttled)) : util,
      color ? paint(peak, heatLevel(s.peakUtilization, throttled)) : peak,
      formatBytes(s.bytesPerSecond),
      formatCount(s.recordsPerSecond),
      formatCount(s.writeThrottles),
      sparkline(s.series, TABLE_SPARK_WIDTH, color),
    ]
    if (withKeys) row.push(fmtKeys(s))
    return row
  })
  const columns = ['shard', 'util', 'peak', 'bytes/s', 'rec/s', 'throttles', 'over the window', ...(withKeys ? ['hottest keys (share)'] : [])]
  const align: ('left' | 'right')[] = ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'left']
  const notes = snapshot.notices.map((n) => `note: ${n}`)
  return [head, '', table(columns, rows, {align, colour: color}), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n')
}
