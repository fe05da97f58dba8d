import {Flags} from '@oclif/core'

import {BaseCommand, UsageError} from '../cli/base-command.js'
import {keyValues, style, table} from '../cli/output.js'
import {ExitCode} from '../lib/errors.js'
import type {LagReport} from '../lib/lag.js'
import {formatDuration, parseDuration} from '../lib/parse.js'
import {hasCloudWatch} from '../lib/target.js'

export type LagResult = LagReport & {target: string; region: string; exitCode: number}

const WINDOW = {default: '15m', max: 24 * 3_600_000, min: 60_000}

export default class Lag extends BaseCommand<typeof Lag> {
  static override summary = "List the stream's consumers with their lag behind the tip, now and at its peak; exit 13 when one is over --max-lag."
  static override description = `Every registered enhanced fan-out consumer (ListStreamConsumers) with SubscribeToShardEvent.MillisBehindLatest, and the polling consumers (GetRecords) together as one row with the stream-level GetRecords.IteratorAgeMilliseconds: the latest minute's maximum ("now") and the peak over --window, from CloudWatch. Most behind first.

Exits 13 when a consumer's lag now is above --max-lag (default 5m), so cron and CI can alert on it; 0 otherwise. An unknown lag (no datapoint in the window: nobody read, or no CloudWatch) never exits 13, and is said so.

On the embedded local stack there is no CloudWatch (kinesis-local publishes no metrics): the registered consumers are listed, with the lag "unknown — no CloudWatch locally", exit 0.`

  static override examples = [
    {command: '<%= config.bin %> lag --target aws --stream clickstream', description: 'Each consumer\'s lag now and its peak over the last 15 minutes.'},
    {command: '<%= config.bin %> lag --target aws --max-lag 2m --window 1h', description: 'Alert threshold 2 minutes, peak over the last hour.'},
    {command: '<%= config.bin %> lag --target aws --stream clickstream --json >> lag.ndjson || notify-oncall', description: 'From cron (e.g. every 5 minutes): one JSON document per run; a non-zero exit (13: a consumer is over 5 minutes behind) pages.'},
    {command: '<%= config.bin %> lag', description: 'Locally: the registered consumers of the local stream (lag unknown: no CloudWatch).'},
  ]

  static override flags = {
    'max-lag': Flags.string({default: '5m', description: 'Exit 13 when a consumer is further behind than this now, e.g. 2m or 30s.', helpValue: 'DURATION'}),
    window: Flags.string({default: WINDOW.default, description: 'How far back the peak looks, whole minutes, e.g. 1h (1m to 24h).', helpValue: 'DURATION'}),
  }

  async run(): Promise<LagResult> {
    const {flags} = this
    const target = this.target()
    const maxLagMs = parseDuration(flags['max-lag'], '--max-lag')
    if (maxLagMs <= 0) throw new UsageError(`--max-lag ${flags['max-lag']} must be above 0.`, 'Use e.g. 5m.')
    const windowMs = parseDuration(flags.window, '--window')
    if (windowMs < WINDOW.min || windowMs > WINDOW.max) {
      throw new UsageError(`--window ${flags.window} is out of range (1m to 1d).`, 'CloudWatch Kinesis metrics come in whole minutes: use e.g. 15m.')
    }
    const {clients, region, stream} = await this.connect()
    const [{collectLag}, kinesis] = await Promise.all([import('../lib/lag.js'), clients.kinesis()])
    const cloudwatch = hasCloudWatch(target) ? await clients.cloudwatch() : undefined
    const report = await collectLag({cloudwatch, kinesis, maxLagMs, now: new Date(), streamName: stream, targetName: target.kind, windowMs})
    const exitCode = report.exceeded.length > 0 ? ExitCode.LAGGING : ExitCode.OK
    const result: LagResult = {...report, exitCode, region, target: target.kind}
    if (!this.jsonEnabled()) this.log(render(result))
    this.setExitCode(exitCode)
    return result
  }
}

function fmtLag(ms: number | null): string {
  if (ms === null) return 'unknown'
  if (ms < 1000) return `${Math.round(ms)} ms`
  return formatDuration(Math.round(ms / 1000) * 1000)
}

function render(r: LagResult): string {
  const head = keyValues([
    ['stream', r.streamName],
    ['target', r.target],
    ['window', r.from === undefined ? formatDuration(r.windowSeconds * 1000) : `${formatDuration(r.windowSeconds * 1000)} (${r.from} – ${r.to})`],
    ['max lag', formatDuration(r.maxLagMs)],
  ])
  const rows = r.consumers.map((c) => {
    const now = fmtLag(c.lagMs)
    return [c.name, c.kind === 'efo' ? `enhanced fan-out${c.status && c.status !== 'ACTIVE' ? ` (${c.status})` : ''}` : 'polling', c.exceeded ? style(now, 'red') : now, fmtLag(c.peakLagMs)]
  })
  const verdict =
    r.exceeded.length > 0
      ? style(`Over ${formatDuration(r.maxLagMs)} behind: ${r.exceeded.join(', ')} (exit 13).`, 'red')
      : r.consumers.some((c) => c.lagMs !== null)
        ? style(`Every known lag is within ${formatDuration(r.maxLagMs)}.`, 'green')
        : 'No lag is known: nothing to compare with --max-lag.'
  const notes = r.notices.map((n) => `note: ${n}`)
  // Locally one notice says why every lag is unknown; on AWS each unknown row says why.
  if (r.cloudwatch) for (const c of r.consumers) if (c.unknown !== undefined) notes.push(`note: ${c.name}: lag unknown, ${c.unknown}.`)
  return [head, '', table(['consumer', 'kind', 'lag now', 'peak'], rows, {align: ['left', 'left', 'right', 'right']}), '', ...notes, ...(notes.length > 0 ? [''] : []), verdict].join('\n')
}
