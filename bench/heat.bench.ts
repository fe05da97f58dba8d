/**
 * `clickops heat` at 10,000 shards:
 * - one TUI frame (a key press to the frame written), paged to the terminal's height, against the
 *   same view with every row rendered, measured in the same run;
 * - GetMetricData calls per refresh with 500 queries per call, against one call per shard and
 *   metric, both counted on the same mocked CloudWatch client.
 */
import {CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput} from '@aws-sdk/client-cloudwatch'
import {DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand} from '@aws-sdk/client-kinesis'
import {mockClient} from 'aws-sdk-client-mock'

import {uniformRanges} from '../src/lib/kinesis/hashkey.js'
import {collectLoad} from '../src/lib/load/index.js'
import {SHARD_METRICS} from '../src/lib/load/cloudwatch.js'
import type {LoadSnapshot} from '../src/lib/load/types.js'
import {FakeStdin, FakeStdout, KEYS, syntheticSnapshot, waitFor} from '../test/ui/heat-fixtures.js'
import {median, round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const SHARDS = Number(process.env.BENCH_HEAT_SHARDS ?? 10_000)
const RUNS = Number(process.env.BENCH_HEAT_RUNS ?? 21)
const BASELINE_RUNS = Number(process.env.BENCH_HEAT_BASELINE_RUNS ?? 1)
const WIDTH = 160
const HEIGHT = 50


/** A feed whose reads the benchmark answers by hand. */
function manualFeed() {
  let answer: ((s: LoadSnapshot) => void) | undefined
  return {
    next: () => new Promise<LoadSnapshot>((resolve) => (answer = resolve)),
    pending: () => answer !== undefined,
    serve(s: LoadSnapshot) {
      const a = answer!
      answer = undefined
      a(s)
    },
  }
}

/**
 * The live view as `clickops heat` renders it (React production build, its own stdout), on a
 * WIDTH × height terminal: milliseconds from each key press to the frame it causes, and from each
 * new snapshot to its frame.
 */
async function frameTimes(height: number, keys: string[], runs: number, refreshes: number): Promise<{keys: number[]; refreshes: number[]}> {
  // Refresh at once after each read while refreshes are measured; never again after that.
  const refreshMs = refreshes > 0 ? 1 : 3_600_000
  process.env.NODE_ENV = 'production'
  const [{createElement}, {render}, {HeatApp}] = await Promise.all([import('react'), import('ink'), import('../src/ui/heat/HeatApp.js')])
  const stdout = new FakeStdout()
  stdout.columns = WIDTH
  stdout.rows = height
  const stdin = new FakeStdin()
  const snapshots = [syntheticSnapshot(SHARDS), syntheticSnapshot(SHARDS, 300, {hot: 42})]
  const feed = manualFeed()
  const app = render(createElement(HeatApp, {color: true, feed, height, meta: {refreshMs, target: 'local'}, refreshMs, width: WIDTH}), {
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
    stdin: stdin as never,
    stdout: stdout as never,
  })
  const frame = async (act: () => void) => {
    const before = stdout.frames.length
    const start = performance.now()
    act()
    await waitFor(() => stdout.frames.length > before && stdout.frames.at(-1)!.includes('shardId-'), 'a frame', 900_000)
    if (process.env.BENCH_HEAT_TRACE) process.stderr.write(`frame h=${height} ${(performance.now() - start).toFixed(0)} ms, ${stdout.frames.length} frames\n`)
    return performance.now() - start
  }
  try {
    const refreshTimes: number[] = []
    for (let i = 0; i <= refreshes; i++) {
      await waitFor(() => feed.pending(), 'a read', 300_000)
      const t = await frame(() => feed.serve(snapshots[i % 2]))
      if (i > 0) refreshTimes.push(t) // the first frame also mounts the view
    }
    if (refreshes > 0) await waitFor(() => feed.pending(), 'the last read to start', 300_000)
    const keyTimes: number[] = []
    for (let i = 0; i < runs; i++) keyTimes.push(await frame(() => stdin.write(keys[i % keys.length])))
    return {keys: keyTimes, refreshes: refreshTimes}
  } finally {
    app.unmount()
  }
}

async function metricCalls(): Promise<{batched: number; naive: number; batchedMs: number; naiveMs: number}> {
  const kinesisMock = mockClient(KinesisClient)
  const cwMock = mockClient(CloudWatchClient)
  try {
    const shards = uniformRanges(SHARDS).map((r, i) => ({
      HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()},
      SequenceNumberRange: {StartingSequenceNumber: '1'},
      ShardId: `shardId-${String(i).padStart(12, '0')}`,
    }))
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({StreamDescriptionSummary: {EnhancedMonitoring: [{ShardLevelMetrics: ['ALL']}]} as never})
    kinesisMock.on(ListShardsCommand).resolves({Shards: shards})
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: input.MetricDataQueries!.map((q) => ({Id: q.Id, StatusCode: 'Complete', Timestamps: [], Values: []})),
    }))
    const kinesis = new KinesisClient({region: 'us-east-1'})
    const cloudwatch = new CloudWatchClient({region: 'us-east-1'})
    const now = new Date()

    let start = performance.now()
    await collectLoad({cloudwatch, kinesis, now, source: 'cloudwatch', streamName: 'clicks', windowMs: 15 * 60_000})
    const batchedMs = performance.now() - start
    const batched = cwMock.commandCalls(GetMetricDataCommand).length

    // The naive way: one call per shard and metric.
    cwMock.resetHistory()
    start = performance.now()
    for (const s of shards) {
      for (const metric of SHARD_METRICS) {
        await cloudwatch.send(
          new GetMetricDataCommand({
            EndTime: now,
            MetricDataQueries: [{Id: 'q', MetricStat: {Metric: {Dimensions: [{Name: 'StreamName', Value: 'clicks'}, {Name: 'ShardId', Value: s.ShardId}], MetricName: metric, Namespace: 'AWS/Kinesis'}, Period: 60, Stat: 'Sum'}}],
            StartTime: new Date(now.getTime() - 15 * 60_000),
          }),
        )
      }
    }
    const naiveMs = performance.now() - start
    const naive = cwMock.commandCalls(GetMetricDataCommand).length
    return {batched, batchedMs, naive, naiveMs}
  } finally {
    kinesisMock.restore()
    cwMock.restore()
  }
}

const bench: Bench = {
  name: 'heat',
  async run(): Promise<BenchFigure[]> {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
    process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCH'
    process.env.AWS_SECRET_ACCESS_KEY ??= 'bench'
    const paged = await frameTimes(HEIGHT, ['s', KEYS.pageDown, KEYS.pageDown, KEYS.down, KEYS.home, 's'], RUNS, 5)
    const all = await frameTimes(SHARDS + 20, ['s'], BASELINE_RUNS, 0)
    const calls = await metricCalls()
    const keyMs = median(paged.keys)
    const refreshMs = median(paged.refreshes)
    const allMs = median(all.keys)
    return [
      {
        baseline: {name: `the same view with all 10,000 rows rendered (no paging), median of ${BASELINE_RUNS}`, value: round(allMs)},
        details: {keys: 's, PgDn, PgDn, ↓, Home, s (each changes the frame)', samples: paged.keys.map(round), terminal: `${WIDTH}×${HEIGHT}`},
        met: keyMs <= 50,
        name: `heat: one TUI frame, 10,000 shards, key press to frame (median of ${RUNS})`,
        ratio: round(keyMs / allMs),
        ratioMeaning: 'fraction of the unpaged frame time (lower is better)',
        target: '≤ 50 ms',
        unit: 'ms',
        value: round(keyMs),
      },
      {
        details: {note: 'includes ordering 10,000 shards by heat and the header totals', samples: paged.refreshes.map(round), terminal: `${WIDTH}×${HEIGHT}`},
        name: `heat: one TUI frame, 10,000 shards, new snapshot to frame (median of ${paged.refreshes.length})`,
        unit: 'ms',
        value: round(refreshMs),
      },
      {
        baseline: {name: 'one GetMetricData call per shard and metric', value: calls.naive},
        details: {batchedMs: round(calls.batchedMs), naiveMs: round(calls.naiveMs), note: 'wall time against a mocked client (no network)'},
        met: calls.batched <= 60,
        name: 'heat: GetMetricData calls per refresh, 10,000 shards × 3 metrics',
        ratio: round(calls.batched / calls.naive),
        ratioMeaning: 'fraction of the naive call count (lower is better)',
        target: '≤ 60 calls',
        unit: 'calls',
        value: calls.batched,
      },
    ]
  },
}

export default bench
