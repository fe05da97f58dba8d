/**
 * Generation to NDJSON: the seeded generator plus serialisation, in process on one core, beside the
 * floor of serialising a prebuilt event with JSON.stringify; and the real CLI
 * (`send --via stdout --rate 0` into /dev/null), as measured by its own summary.
 */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {createGenerator, eventJson} from '../src/lib/clickstream/generator.js'
import {parseHotUser} from '../src/lib/clickstream/users.js'
import {round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const N = Number(process.env.BENCH_GENERATE_EVENTS ?? 1_000_000)
const CLI_EVENTS = Number(process.env.BENCH_GENERATE_CLI_EVENTS ?? 1_000_000)

/** Events per second of `make` over n events, joining each 256 into one chunk as `send` does. */
function rate(n: number, make: () => string): number {
  let bytes = 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i += 256) {
    let chunk = ''
    for (let k = 0; k < 256 && i + k < n; k++) chunk += make() + '\n'
    bytes += chunk.length
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (bytes === 0) throw new Error('nothing generated')
  return n / seconds
}

const bench: Bench = {
  name: 'generate',
  async run(): Promise<BenchFigure[]> {
    const clock = () => performance.timeOrigin + performance.now()
    const options = {hotUsers: [parseHotUser('35:0.3')], seed: 1, skew: 1.1, users: 1000}
    // Warm up both paths, then measure them interleaved: best of three.
    rate(100_000, () => eventJson(createGenerator(options, clock).next()))
    const fixed = createGenerator(options, clock).next()
    const gen: number[] = []
    const floor: number[] = []
    for (let attempt = 0; attempt < 3; attempt++) {
      const g = createGenerator(options, clock)
      gen.push(rate(N, () => eventJson(g.next())))
      floor.push(rate(N, () => JSON.stringify(fixed)))
    }
    const generated = Math.max(...gen)
    const stringify = Math.max(...floor)

    const started = process.hrtime.bigint()
    const cli = spawnSync(process.execPath, [BIN, 'send', '--via', 'stdout', '--rate', '0', '--count', String(CLI_EVENTS), '--seed', '1', '--skew', '1.1'], {
      encoding: 'utf8',
      env: {...process.env, NODE_OPTIONS: '', NO_COLOR: '1'},
      maxBuffer: 1024 * 1024,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9
    if (cli.status !== 0) throw new Error(`send --via stdout exited ${cli.status}: ${cli.stderr}`)
    const achieved = Number(/\(([\d,.]+)\/s\)/.exec(cli.stderr)?.[1].replaceAll(',', '') ?? Number.NaN)

    return [
      {
        baseline: {name: 'JSON.stringify of one prebuilt event (events/s)', value: Math.round(stringify)},
        details: {events: N, rounds: 3, users: 1000, skew: 1.1, hotUser: '35:0.3'},
        met: generated >= 200_000,
        name: 'generate: seeded generator + NDJSON serialisation, in process (best of 3)',
        ratio: round(generated / stringify),
        ratioMeaning: 'times the JSON.stringify floor (higher is better)',
        target: '≥ 200,000 events/s on one core',
        unit: 'events/s',
        value: Math.round(generated),
      },
      {
        details: {
          events: CLI_EVENTS,
          wallSeconds: round(wallSeconds),
          note: 'the whole command (pacing loop, chunked writes to a pipe); achieved rate from its summary, wall time includes start-up',
        },
        name: 'generate: clickops send --via stdout --rate 0 > /dev/null',
        unit: 'events/s',
        value: Math.round(achieved),
      },
    ]
  },
}

export default bench
