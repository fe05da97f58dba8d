/**
 * Prints bench/results.json as the Markdown table the README shows:
 * `node --import tsx bench/readme-table.ts` after `npm run bench`.
 */
import {readFileSync} from 'node:fs'

import type {BenchFigure} from './types.js'

const report = JSON.parse(readFileSync(new URL('results.json', import.meta.url), 'utf8')) as {
  date: string
  machine: {cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; arch: string}
  benchmarks: Record<string, BenchFigure[] | {error: string}>
}

const num = (x: number) => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 100) / 100))
const m = report.machine
const lines = [
  `Measured ${report.date.slice(0, 10)} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}-${m.arch}, Node ${m.node}.`,
  '',
  '| benchmark | figure | baseline (same run) | ratio | target | met |',
  '| --- | --- | --- | --- | --- | --- |',
]
for (const [name, figures] of Object.entries(report.benchmarks)) {
  if (!Array.isArray(figures)) {
    lines.push(`| ${name} | error: ${figures.error} | | | | |`)
    continue
  }
  for (const f of figures) {
    const label = f.name.replace(new RegExp(`^${name}: `), '')
    const baseline = f.baseline ? `${f.baseline.name}: ${num(f.baseline.value)}` : ''
    const ratio = f.ratio === undefined ? '' : `${f.ratio < 0.01 && f.baseline ? (f.value / f.baseline.value).toPrecision(2) : num(f.ratio)}×`
    const met = f.met === undefined ? '' : f.met ? 'yes' : 'no'
    lines.push(`| ${name} | ${label}: **${num(f.value)} ${f.unit}** | ${baseline} | ${ratio} | ${f.target ?? ''} | ${met} |`)
  }
}
process.stdout.write(lines.join('\n') + '\n')
