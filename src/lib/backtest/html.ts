/**
 * The backtest as one self-contained HTML page (pure): an inline SVG chart per policy of the
 * stream's load (in shards' worth of write capacity) and the policy's open shards over time, with
 * the minutes over the write limit marked, and the summary table. No script, no network.
 */
import type {BacktestReport, PolicyResult} from './simulate.js'
import {formatDecimal, formatPercent} from '../format.js'

const COLORS: Record<string, string> = {alarm: '#d95f02', average: '#7570b3', clickops: '#1b9e77', tiered: '#e7298a'}
const W = 900
const H = 180
const PAD = 36

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({'"': '&quot;', '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;'})[c]!)
const fmt = (n: number | null, digits = 0) => (n === null ? '–' : formatDecimal(n, digits))

function polyline(values: readonly number[], max: number): string {
  const n = Math.max(1, values.length - 1)
  return values.map((v, i) => `${(PAD + (i / n) * (W - 2 * PAD)).toFixed(1)},${(H - PAD - (v / max) * (H - 2 * PAD)).toFixed(1)}`).join(' ')
}

function chart(report: BacktestReport, p: PolicyResult): string {
  const max = Math.max(1, ...report.series.load, ...p.series.shards) * 1.1
  const n = Math.max(1, p.series.shards.length - 1)
  const step = (W - 2 * PAD) / n
  const over = p.series.overLimit
    .map((o, i) => (o > 0 ? `<rect class="over" x="${(PAD + i * step - step / 2).toFixed(1)}" y="${PAD - 12}" width="${Math.max(1, step).toFixed(1)}" height="8"><title>${o} min over the limit</title></rect>` : ''))
    .join('')
  const color = COLORS[p.policy] ?? '#333'
  return `<figure>
<figcaption><b>${esc(p.policy)}</b>: ${esc(p.describe)}</figcaption>
<svg class="chart" data-policy="${esc(p.policy)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(p.policy)}: load and open shards over time">
<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#999"/>
<text x="${PAD}" y="${H - PAD + 14}" font-size="11">${esc(report.from)}</text>
<text x="${W - PAD}" y="${H - PAD + 14}" font-size="11" text-anchor="end">${esc(report.to)}</text>
<text x="4" y="${PAD}" font-size="11">${fmt(max / 1.1, 1)}</text>
<polyline class="load" fill="none" stroke="#888" stroke-width="1" points="${polyline(report.series.load, max)}"><title>load, in shards' worth of write capacity</title></polyline>
<polyline class="series" data-policy="${esc(p.policy)}" fill="none" stroke="${color}" stroke-width="2" points="${polyline(p.series.shards, max)}"><title>${esc(p.policy)}: open shards</title></polyline>
<g fill="#c00">${over}</g>
</svg>
</figure>`
}

export function renderHtml(report: BacktestReport): string {
  const rows = report.policies
    .map(
      (p) =>
        `<tr><td>${esc(p.policy)}</td><td>${fmt(p.minutesOverLimit)}</td><td>${fmt(p.throttledRecords)}</td><td>${fmt(p.minutesOverTarget)}</td><td>${p.peakUtilization === null ? '–' : formatPercent(p.peakUtilization, 0)}</td><td>${fmt(p.shardHours, 1)}</td><td>$${fmt(p.cost, 2)}</td><td>${p.calls.updateShardCount} / ${p.calls.split} / ${p.calls.merge}</td></tr>`,
    )
    .join('\n')
  const charts = report.policies.filter((p) => p.policy !== 'on-demand').map((p) => chart(report, p)).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>clickops scale backtest: ${esc(report.streamName)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}.over{opacity:.8}</style>
</head><body>
<h1>Backtest of ${esc(report.streamName)}</h1>
<p>${esc(report.source)}: ${esc(report.from)} to ${esc(report.to)}, ${fmt(report.minutes)} minutes, ${report.initialShards} shards at the start, target ${formatPercent(report.targetUtilization, 0)}. Recorded throttles: ${fmt(report.recorded.throttledRecords)} records in ${fmt(report.recorded.minutesWithThrottles)} minutes (the model on the recorded layout: ${fmt(report.recorded.modelThrottledRecords)} in ${fmt(report.recorded.modelMinutesOverLimit)}).</p>
<table><thead><tr><th>policy</th><th>minutes over limit</th><th>records over limit</th><th>minutes over target</th><th>peak</th><th>shard-hours</th><th>cost</th><th>UpdateShardCount / split / merge</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>Grey: the load in shards' worth of write capacity; colour: open shards; red marks: minutes with a shard over its write limit. Each point is the highest of ${report.series.minutesPerPoint} minute${report.series.minutesPerPoint === 1 ? '' : 's'}.</p>
${charts}
</body></html>
`
}
