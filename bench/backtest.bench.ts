/**
 * `clickops scale backtest`: 14 days × 1,440 minutes × 64 shards through all five policies
 * (target ≤ 5 s on one core), 1 day × 10,000 shards (time and peak RSS), and on the built-in
 * synthetic traces the minutes over the limit and shard-hours per policy (the README's table).
 * Each run is a fresh process, so its peak RSS is its own.
 */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const RUN = fileURLToPath(new URL('fixtures/backtest-run.ts', import.meta.url))

interface Run {
  ms: number
  cpuMs: number
  maxRssMiB: number
  policies: {policy: string; minutesOverLimit: number | null; throttledRecords: number | null; shardHours: number | null; cost: number; calls: Record<string, number>}[]
}

function run(spec: string): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', RUN, spec], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}, maxBuffer: 1 << 24})
  if (r.status !== 0) throw new Error(`backtest child failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as Run
}

/** The built-in traces of the README's table: three days each, 4 shards at the start. */
export const README_TRACES = [
  'diurnal,peak=3000rps,days=3',
  'diurnal,hot-user=35:0.1,peak=3000rps,days=3',
  'diurnal,launch,peak=3000rps,days=3',
  'diurnal,growth=30%,peak=2000rps,days=3',
  'hot-user=35:0.3,peak=5000rps,days=3',
]

const bench: Bench = {
  name: 'backtest',
  async run(): Promise<BenchFigure[]> {
    const figures: BenchFigure[] = []
    const big = run('diurnal,hot-user=35:0.02,peak=40000rps,days=14,shards=64')
    // CPU time (user + system) of the run: one core's work, whatever else the machine is doing.
    figures.push({
      details: {maxRssMiB: round(big.maxRssMiB), policies: big.policies, wallMs: round(big.ms)},
      met: big.cpuMs <= 5000,
      name: '14 days × 1,440 minutes × 64 shards through all five policies (clickops every 5 min), CPU time',
      target: '≤ 5 s on one core',
      unit: 'ms',
      value: round(big.cpuMs),
    })
    const wide = run('diurnal,peak=5000000rps,days=1,shards=10000')
    figures.push({details: {policies: wide.policies, wallMs: round(wide.ms)}, name: '1 day × 10,000 shards through all five policies: CPU time', unit: 'ms', value: round(wide.cpuMs)})
    figures.push({name: '1 day × 10,000 shards through all five policies: peak RSS', unit: 'MiB', value: round(wide.maxRssMiB)})
    for (const spec of README_TRACES) {
      const r = run(spec)
      for (const p of r.policies) {
        figures.push({
          details: {calls: p.calls, cost: round(p.cost), throttledRecords: p.throttledRecords === null ? null : Math.round(p.throttledRecords)},
          name: `synthetic ${spec}: ${p.policy}: minutes over limit / shard-hours`,
          unit: p.shardHours === null ? 'USD (on-demand)' : `min over limit, ${round(p.shardHours)} shard-hours`,
          value: p.minutesOverLimit ?? round(p.cost),
        })
      }
    }
    return figures
  },
}

export default bench
