/** Start-up time of the CLI against bare node, medians over the same number of runs, interleaved. */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {median, round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21)

function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}})
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}


const bench: Bench = {
  name: 'startup',
  async run(): Promise<BenchFigure[]> {
    const cases = {
      bare: ['-e', ''],
      help: [BIN, 'status', '--help'],
      version: [BIN, '--version'],
    }
    const samples: Record<keyof typeof cases, number[]> = {bare: [], help: [], version: []}
    for (const args of Object.values(cases)) timeOnce(args) // warm the file cache
    for (let i = 0; i < RUNS; i++) {
      for (const [name, args] of Object.entries(cases) as [keyof typeof cases, string[]][]) samples[name].push(timeOnce(args))
    }
    const bare = median(samples.bare)
    return (['version', 'help'] as const).map((name) => {
      const value = median(samples[name])
      const ratio = value / bare
      return {
        baseline: {name: "node -e ''", value: round(bare)},
        met: ratio <= 3,
        name: `startup: clickops ${cases[name].slice(1).join(' ')} (median of ${RUNS})`,
        ratio: round(ratio),
        ratioMeaning: 'times bare node (lower is better)',
        target: '≤ 3× bare node',
        unit: 'ms',
        value: round(value),
      }
    })
  },
}

export default bench
