import {Flags} from '@oclif/core'

import type {SplitCandidate} from '../lib/scaling/candidate.js'
import {BaseCommand, ClickopsError, ExitCode, UsageError} from '../cli/base-command.js'
import {interruptible} from '../cli/interrupt.js'
import {capability} from '../cli/output.js'
import {LIMIT_TEXT} from '../lib/load/model.js'
import {checkSourceAvailable, checkWindow, defaultSource, LOAD_SOURCES, WINDOW_BOUNDS} from '../lib/load/sources.js'
import type {LoadSnapshot, LoadSourceName} from '../lib/load/types.js'
import {formatDuration} from '../lib/format.js'
import {parseDuration} from '../lib/parse.js'
import {hasCloudWatch} from '../lib/target.js'

export type HeatResult = LoadSnapshot & {
  target: string
  region: string
  /** The hottest shard's split candidate, when its peak is 80% of the shard limit or more. */
  splitCandidate?: SplitCandidate
}

/** Default window and refresh per source (the bounds are the load layer's: WINDOW_BOUNDS). */
const WINDOW = {cloudwatch: '15m', stream: '5m'} as const
const REFRESH = {cloudwatch: '10s', stream: '2s'} as const
const MIN_REFRESH_MS = 1000

export default class Heat extends BaseCommand<typeof Heat> {
  static override summary = 'Show per-shard write utilisation against the shard limits, live (hot shards, hot keys); --read for the read side.'
  static override description = `Each open shard's bytes/s and records/s (mean and peak over --window), write throttles and a sparkline, with utilisation = ${LIMIT_TEXT.utilization} on an absolute colour scale: ${LIMIT_TEXT.heatScale}.

Two sources:
  cloudwatch  (default on --target aws) shard-level IncomingBytes, IncomingRecords and WriteProvisionedThroughputExceeded, one-minute sums, through GetMetricData (500 queries per call, so 60 calls per refresh for 10,000 shards). Needs enhanced monitoring; without it only the stream total is known and the view says so.
  stream      (default on --target local) reads every open shard from the window start to the tip and keeps following; sees per-second peaks that one-minute sums hide and the hottest partition keys per shard, but uses the shards' read limits (${LIMIT_TEXT.read}) alongside your consumers. It cannot see write throttles.

--read shows the read side instead, from CloudWatch only: per shard OutgoingBytes and OutgoingRecords (utilisation = bytes/s out ÷ 2 MiB/s, the read limit polling consumers share), ReadProvisionedThroughputExceeded and IteratorAgeMilliseconds (now and its peak), and each registered enhanced fan-out consumer's SubscribeToShardEvent.* against its own 2 MiB/s per shard. Without shard-level read metrics enabled, the stream-level GetRecords.* figures are split by hash range and the view says so. Not on the embedded local stack (exit 2): there, \`clickops lag\` lists the consumers.

On a terminal it is a live view (keys: s sort by hash range or heat, ↑↓ PgUp PgDn scroll, q quit, ? help). Off a terminal, with --once or --json, it prints one snapshot and exits. Exits 3 when the stream does not exist.`

  static override examples = [
    {command: '<%= config.bin %> heat', description: 'Live view of the local stream (stream source, 5-minute window).'},
    {command: '<%= config.bin %> heat --target aws --stream clickstream', description: 'Live view on AWS from CloudWatch (15-minute window, refresh every 10 s).'},
    {command: '<%= config.bin %> heat --target aws --source stream --window 2m', description: 'Per-second peaks and hot keys on AWS by reading the stream itself.'},
    {command: '<%= config.bin %> heat --once --sort heat', description: 'One snapshot as a table, hottest shard first.'},
    {command: '<%= config.bin %> heat --json | jq \'.shards | max_by(.peakUtilization)\'', description: 'The typed snapshot as JSON.'},
    {command: '<%= config.bin %> heat --read --target aws --stream clickstream', description: 'The read side: bytes out per shard against 2 MiB/s, read throttles, iterator age, enhanced fan-out consumers.'},
    {command: '<%= config.bin %> heat --record session.ndjson', description: 'Watch live and keep every whole minute as a trace, to replay with `clickops scale backtest --trace session.ndjson`.'},
  ]

  static override flags = {
    source: Flags.option({
      description: 'Where the load comes from: CloudWatch shard metrics, or a read of the stream itself. Default: cloudwatch on --target aws, stream on --target local.',
      options: LOAD_SOURCES,
    })(),
    window: Flags.string({
      description: `How far back to look, e.g. 30s, 5m, 1h. Default ${WINDOW.stream} (stream, at most ${formatDuration(WINDOW_BOUNDS.stream.max)}) or ${WINDOW.cloudwatch} (cloudwatch, whole minutes, at most ${formatDuration(WINDOW_BOUNDS.cloudwatch.max)}).`,
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
    read: Flags.boolean({
      default: false,
      description: 'The read side instead: per shard OutgoingBytes, OutgoingRecords, read throttles and iterator age against 2 MiB/s per shard (shared by polling consumers), and each registered enhanced fan-out consumer against its own 2 MiB/s per shard. CloudWatch only (not on the embedded local stack).',
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
    if (flags.read) return this.readSide()
    const source: LoadSourceName = flags.source ?? defaultSource(target.kind)
    const windowMs = parseDuration(flags.window ?? WINDOW[source], '--window')
    checkWindow(source, windowMs, '--window', WINDOW.stream)
    const refreshMs = parseDuration(flags.refresh ?? REFRESH[source], '--refresh')
    if (refreshMs < MIN_REFRESH_MS) throw new UsageError(`--refresh ${flags.refresh} is below 1s.`, 'Use e.g. 2s or 10s.')
    checkSourceAvailable(source, target)
    const forMs = flags.for === undefined ? undefined : parseDuration(flags.for, '--for')
    if (forMs !== undefined && forMs < MIN_REFRESH_MS) throw new UsageError(`--for ${flags.for} is below 1s.`, 'Use e.g. 30s.')
    // CI=true: ink would draw only the last frame, so a CI job gets the snapshot, as off a terminal.
    const live = !flags.once && !this.jsonEnabled() && capability(process.stdout).interactive && capability(process.stdin).interactive

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
        await runHeatTui({color: capability(process.stdout).colour, feed, initialSort: flags.sort, meta: {refreshMs, source, stream, target: target.kind}, refreshMs}, {signal: closeAfter})
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
      this.log(heatTable(snapshot, {candidate, color: capability(process.stdout).colour, sort: flags.sort, target: target.kind}))
    }
    return result
  }

  /** `heat --read`: the read side from CloudWatch, same views and snapshot/JSON rules as the write side. */
  private async readSide(): Promise<HeatResult | undefined> {
    const {flags} = this
    const target = this.target()
    if (flags.source === 'stream') throw new UsageError('--read comes from CloudWatch\'s read metrics; --source stream reads the write side only.', 'Drop --source, or drop --read.')
    if (flags.record !== undefined) throw new UsageError('--record keeps write-side minutes for `scale backtest`; it does not go with --read.', 'Drop --record, or drop --read.')
    const windowMs = parseDuration(flags.window ?? WINDOW.cloudwatch, '--window')
    checkWindow('cloudwatch', windowMs, '--window', WINDOW.cloudwatch)
    const refreshMs = parseDuration(flags.refresh ?? REFRESH.cloudwatch, '--refresh')
    if (refreshMs < MIN_REFRESH_MS) throw new UsageError(`--refresh ${flags.refresh} is below 1s.`, 'Use e.g. 10s.')
    const forMs = flags.for === undefined ? undefined : parseDuration(flags.for, '--for')
    if (forMs !== undefined && forMs < MIN_REFRESH_MS) throw new UsageError(`--for ${flags.for} is below 1s.`, 'Use e.g. 30s.')
    if (!hasCloudWatch(target)) {
      throw new UsageError(
        '--read is not available on the embedded local stack: the read side comes from CloudWatch, and kinesis-local publishes no metrics.',
        'Locally, `clickops lag` lists the registered consumers (lag unknown) and `clickops heat` shows the write side from the stream itself; use --target aws for the read side.',
      )
    }
    const live = !flags.once && !this.jsonEnabled() && capability(process.stdout).interactive && capability(process.stdin).interactive
    const {clients, region, stream} = await this.connect()
    const [{collectReadLoad}, kinesis, cloudwatch] = await Promise.all([import('../lib/load/read.js'), clients.kinesis(), clients.cloudwatch()])
    const stop = interruptible({signals: live ? [] : ['SIGINT']})
    const args = {cloudwatch, kinesis, signal: stop.signal, streamName: stream, targetName: target.kind, windowMs}
    if (live) {
      try {
        process.env.NODE_ENV ??= 'production'
        const {runHeatTui} = await import('../ui/heat/run.js')
        const feed = {close() {}, next: (now: Date) => collectReadLoad({...args, now}), source: 'cloudwatch' as const}
        const closeAfter = forMs === undefined ? undefined : AbortSignal.timeout(forMs)
        await runHeatTui({feed, initialSort: flags.sort, meta: {refreshMs, source: 'cloudwatch (read side)', stream, target: target.kind}, refreshMs}, {signal: closeAfter})
      } finally {
        stop.abort()
      }
      return undefined
    }
    let snapshot
    try {
      const interrupted = new Promise<never>((_, reject) => {
        stop.signal.addEventListener('abort', () => reject(stop.signal.reason), {once: true})
      })
      snapshot = await Promise.race([collectReadLoad({...args, now: new Date()}), interrupted])
    } catch (error) {
      if (stop.signal.aborted) throw new ClickopsError('Interrupted before the snapshot was complete.', {cause: error, exitCode: ExitCode.INTERRUPTED})
      throw error
    } finally {
      stop.dispose()
    }
    if (!this.jsonEnabled()) {
      const {readHeatTable} = await import('../ui/heat/read-table.js')
      this.log(readHeatTable(snapshot, {sort: flags.sort, target: target.kind}))
    }
    return {...snapshot, region, target: target.kind}
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
