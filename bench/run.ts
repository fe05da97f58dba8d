/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints one
 * JSON report and writes it to bench/results.json. Build first (`npm run build`): start-up is
 * measured on the built CLI.
 */
import {readdirSync, writeFileSync} from 'node:fs'
import {cpus, totalmem} from 'node:os'
import {fileURLToPath} from 'node:url'

import type {Bench, BenchFigure} from './types.js'

const dir = fileURLToPath(new URL('.', import.meta.url))
const only = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort()

const report: {machine: Record<string, unknown>; date: string; benchmarks: Record<string, BenchFigure[] | {error: string}>} = {
  benchmarks: {},
  date: new Date().toISOString(),
  machine: {arch: process.arch, cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform},
}

for (const file of files) {
  const bench = (await import(new URL(file, import.meta.url).href)).default as Bench
  process.stderr.write(`bench: ${bench.name} ...\n`)
  try {
    report.benchmarks[bench.name] = await bench.run()
  } catch (error) {
    report.benchmarks[bench.name] = {error: (error as Error).message}
  }
}

const json = JSON.stringify(report, null, 2)
writeFileSync(new URL('results.json', import.meta.url), json + '\n')
process.stdout.write(json + '\n')
