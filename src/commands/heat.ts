import {Flags} from '@oclif/core'

import type {SplitCandidate} from '../lib/scaling/candidate.js'
import {BaseCommand, ClickopsError, ExitCode, UsageError} from '../cli/base-command.js'
import {interruptible} from '../cli/interrupt.js'
import {inCi} from '../cli/output.js'
import type {LoadSnapshot, LoadSourceName} from '../lib/load/types.js'
import {formatDuration, parseDuration} from '../lib/parse.js'

export type HeatResult = LoadSnapshot & {
  target: string
  region: string
  /** The hottest shard's split candidate, when its peak is 80% of the shard limit or more. */
  splitCandidate?: SplitCandidate
}

/** Window and refresh bounds per source (CloudWatch: whole minutes; stream: memory and read cost). */
const WINDOW = {
  cloudwatch: {default: '15m', min: 60_000, max: 24 * 3_600_000},
  stream: {default: '5m', min: 10_000, max: 3_600_000},
} as const
const REFRESH = {cloudwatch: '10s', stream: '2s'} as const
const MIN_REFRESH_MS = 1000

export default class Heat extends BaseCommand<typeof Heat> {
  static override summary = 'Show per-shard write utilisation against the shard limits, live (hot shards, hot keys).'
  static override description = `Each open shard's bytes/s and records/s (mean and peak over --window), write throttles and a sparkline, with utilisation = max(bytes/s ÷ 1 MiB, records/s ÷ 1,000) on an absolute colour scale: below 50% cool, 50–80% warm, 80–100% hot, over 100% or throttled.

Two sources:
  cloudwatch  (default on --target aws) shard-level IncomingBytes, IncomingRecords and WriteProvisionedThroughputExceeded, one-minute sums, through GetMetricData (500 queries per call, so 60 calls per refresh for 10,000 shards). Needs enhanced monitoring; without it only the stream total is known and the view says so.
  stream      (default on --target local) reads every open shard from the window start to the tip and keeps following; sees per-second peaks that one-minute sums hide and the hottest partition keys per shard, but uses the shards' read limits (2 MiB/s, 5 GetRecords/s) alongside your consumers. It cannot see write throttles.

On a terminal it is a live view (keys: s sort by hash range or heat, ↑↓ PgUp PgDn scroll, q quit, ? help). Off a terminal, with --once or --json, it prints one snapshot and exits. Exits 3 when the stream does not exist.`

  static override examples = [
    {command: '<%= config.bin %> heat', description: 'Live view of the local stream (stream source, 5-minute window).'},
    {command: '<%= config.bin %> heat --target aws --stream clickstream', description: 'Live view on AWS from CloudWatch (15-minute window, refresh every 10 s).'},
    {command: '<%= config.bin %> heat --target aws --source stream --window 2m', description: 'Per-second peaks and hot keys on AWS by reading the stream itself.'},
    {command: '<%= config.bin %> heat --once --sort heat', description: 'One snapshot as a table, hottest shard first.'},
    {command: '<%= config.bin %> heat --json | jq \'.shards | max_by(.peakUtilization)\'', description: 'The typed snapshot as JSON.'},
    {command: '<%= config.bin %> heat --record session.ndjson', description: 'Watch live and keep every whole minute as a trace, to replay with `clickops scale backtest --trace session.ndjson`.'},
  ]

  static override flags = {
    source: Flags.option({
      description: 'Where the load comes from: CloudWatch shard metrics, or a read of the stream itself. Default: cloudwatch on --target aws, stream on --target local.',
      options: ['cloudwatch', 'stream'] as const,
    })(),
    window: Flags.string({
      description: `How far back to look, e.g. 30s, 5m, 1h. Default ${WINDOW.stream.default} (stream, at most 1h) or ${WINDOW.cloudwatch.default} (cloudwatch, whole minutes, at most 24h).`,
    }),
    refresh: Flags.string({
      description: `How often the live view refreshes, e.g. 2s. Default ${REFRESH.stream} (stream) or ${REFRESH.cloudwatch} (cloudwatch).`,
    }),
    once: Flags.boolean({description: 'Print one snapshot and exit, even on a terminal.', default: false}),
    for: Flags.string({
      description: 'Close the live view after this long, e.g. 30s (for demos and screen recordings). Default: until q or Ctrl-C.',
      helpValue: '<duration>',
    }),
    record: Flags.string({
      description: 'Append each whole minute seen to this trace file (NDJSON, the `clickops scale backtest --trace` format) as it runs, e.g. session.ndjson.',
      helpValue: 'FILE',
    }),
    sort: Flags.option({
      default: 'hash' as const,
      description: 'Row order: by hash range (the key space, left to right) or by heat (hottest peak first). Toggle with s in the live view.',
      options: ['hash', 'heat'] as const,
    })(),
  }

  async run(): Promise<HeatResult | undefined> {
    const {flags} = this
    // Everything about the flags is checked before any AWS call.
    const target = this.target()
    const source: LoadSourceName = flags.source ?? (target.kind === 'aws' ? 'cloudwatch' : 'stream')
    const bounds = WINDOW[source]
    const windowMs = parseDuration(flags.window ?? bounds.default, '--window')
    if (windowMs < bounds.min || windowMs > bounds.max) {
      throw new UsageError(
        `--window ${flags.window} is out of range for the ${source} source (${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}).`,
        source === 'cloudwatch' ? 'CloudWatch Kinesis metrics come in whole minutes: use e.g. 15m.' : 'Use e.g. 5m; a longer stream read costs read throughput.',
      )
    }
    const refreshMs = parseDuration(flags.refresh ?? REFRESH[source], '--refresh')
    if (refreshMs < MIN_REFRESH_MS) throw new UsageError(`--refresh ${flags.refresh} is below 1s.`, 'Use e.g. 2s or 10s.')
    if (source === 'cloudwatch' && target.kind === 'local' && target.endpoints.cloudwatch === undefined) {
      throw new UsageError(
        'The cloudwatch source is not available on the embedded local stack (kinesis-local publishes no metrics).',
        'Use --source stream locally, or --target aws.',
      )
    }
    const forMs = flags.for === undefined ? undefined : parseDuration(flags.for, '--for')
    if (forMs !== undefined && forMs < MIN_REFRESH_MS) throw new UsageError(`--for ${flags.for} is below 1s.`, 'Use e.g. 30s.')
    // CI=true: ink would draw only the last frame, so a CI job gets the snapshot, as off a terminal.
    const live = !flags.once && !this.jsonEnabled() && !inCi() && Boolean(process.stdout.isTTY) && Boolean(process.stdin.isTTY)

    const {clients, region, stream} = await this.connect()
    const [{collectLoad, openLoadFeed}, kinesis] = await Promise.all([import('../lib/load/index.js'), clients.kinesis()])
    const cloudwatch = source === 'cloudwatch' ? await clients.cloudwatch() : undefined
    // The live view reads Ctrl-C as a key itself; a snapshot stops on the first, and quits on the second.
    const stop = interruptible({signals: live ? [] : ['SIGINT']})
    const args = {cloudwatch, kinesis, signal: stop.signal, source, streamName: stream, targetName: target.kind, windowMs, withSums: flags.record !== undefined}
    const recording = flags.record === undefined ? undefined : await this.recorder(flags.record)

    if (live) {
      const opened = openLoadFeed(args)
      const feed = recording === undefined ? opened : {...opened, close: () => opened.close(), next: async (now: Date) => recording.add(await opened.next(now))}
      try {
        // React's production build (the development one checks every element): chosen at import.
        process.env.NODE_ENV ??= 'production'
        const {runHeatTui} = await import('../ui/heat/run.js')
        const closeAfter = forMs === undefined ? undefined : AbortSignal.timeout(forMs)
        await runHeatTui({feed, initialSort: flags.sort, meta: {refreshMs, source, stream, target: target.kind}, refreshMs}, {signal: closeAfter})
      } finally {
        stop.abort()
        feed.close()
      }
      return undefined
    }

    let snapshot: LoadSnapshot
    try {
      if (source === 'stream') this.note(`Reading every open shard of "${stream}" over the last ${formatDuration(windowMs)}…`)
      // A snapshot only reads, so Ctrl-C ends it at once, also while a call hangs on an endpoint
      // that never answers (the shard listing takes no abort signal).
      const interrupted = new Promise<never>((_, reject) => {
        stop.signal.addEventListener('abort', () => reject(stop.signal.reason), {once: true})
      })
      snapshot = await Promise.race([collectLoad({...args, now: new Date()}), interrupted])
    } catch (error) {
      if (stop.signal.aborted) throw new ClickopsError('Interrupted before the snapshot was complete.', {cause: error, exitCode: ExitCode.INTERRUPTED})
      throw error
    } finally {
      stop.dispose()
    }
    if (recording !== undefined) {
      const written = await recording.write(snapshot)
      this.note(written === 0 ? `No whole minute in the window yet to record in ${flags.record}.` : `Recorded ${written} minute${written === 1 ? '' : 's'} in ${flags.record}.`)
      for (const s of snapshot.shards) delete s.sums
    }
    const [{hotShardCandidate}, {AUTO_NOTICE, readDistribution}] = await Promise.all([import('../lib/scaling/candidate.js'), import('../lib/kinesis/distribution.js')])
    const {strategy} = await readDistribution(kinesis, stream)
    if (strategy === 'AUTO') snapshot.notices.push(`${AUTO_NOTICE}: the keys shown are where their records happened to land, and a split is cut at the load's midpoint.`)
    const candidate = hotShardCandidate(snapshot.shards, snapshot.windowSeconds, strategy)
    const result: HeatResult = {...snapshot, region, target: target.kind, ...(candidate ? {splitCandidate: candidate} : {})}
    if (!this.jsonEnabled()) {
      const {heatTable} = await import('../ui/heat/table.js')
      this.log(heatTable(snapshot, {candidate, sort: flags.sort, target: target.kind}))
    }
    return result
  }

  /** The trace recorder for --record: appends after the file's last minute. */
  private async recorder(path: string): Promise<{add(s: LoadSnapshot): Promise<LoadSnapshot>; write(s: LoadSnapshot): Promise<number>}> {
    const {appendTraceLines, lastRecordedMinute, TraceRecorder} = await import('../lib/backtest/record.js')
    const recorder = new TraceRecorder(await lastRecordedMinute(path))
    const write = async (s: LoadSnapshot) => {
      const lines = recorder.lines(s)
      await appendTraceLines(path, lines)
      return lines.length
    }
    return {
      async add(s) {
        await write(s)
        for (const shard of s.shards) delete shard.sums
        return s
      },
      write,
    }
  }
}
