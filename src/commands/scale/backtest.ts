import {Flags} from '@oclif/core'

import {BaseCommand, UsageError} from '../../cli/base-command.js'
import {capability, table} from '../../cli/output.js'
import {StatusLine} from '../../cli/status-line.js'
import type {BacktestReport, BacktestRun, PolicyName, PolicyResult} from '../../lib/backtest/index.js'
import {formatDecimal, formatDuration, formatIntOrDash as int, formatPercent} from '../../lib/format.js'
import {parseDuration} from '../../lib/parse.js'
import Scale from '../scale.js'

export type BacktestResult = BacktestReport & {savedTrace?: string; html?: string}

const POLICIES = ['clickops', 'average', 'alarm', 'tiered', 'on-demand'] as const

export default class ScaleBacktest extends BaseCommand<typeof ScaleBacktest> {
  static override summary = "Replay a load history through clickops's scaling policy and the ones people use today, side by side: minutes throttled, shard-hours, cost."
  static override description = `Replays a per-minute, per-hash-range load history (--trace FILE, or a built-in --synthetic one) through the same planner \`clickops scale\` uses, with the same settings (--policy and the scale flags), and through the rules of the awslabs Kinesis Scaling Utility (average), aws-samples kinesis-auto-scaling (alarm) and Substation's autoscale (tiered); on-demand capacity is priced beside them.

Each policy sees only the minutes up to its decision, waits the modelled resharding time (UpdateShardCount 2 min plus 1 min per 500 shards, a split or merge 30 s), keeps each call within half to double the count, 10 UpdateShardCount calls per rolling 24 h and the account quota (--quota).

Reported per policy: minutes with a shard over its write limit and the records over it, minutes over the target, the peak shard utilisation, shard-hours and their cost at list prices, and the calls made. --html writes one self-contained page with a chart per policy.

History: --from D on AWS (CloudWatch shard metrics, the default with 24h), --trace FILE, or --synthetic SPEC.

Exit codes: 0 done, 2 invalid input (a bad flag, a trace line: the line and field are named), 3 no such stream, 5 AWS refused or unreachable.`

  static override examples = [
    {command: '<%= config.bin %> scale backtest --synthetic diurnal,hot-user=35:0.3,peak=5000rps,days=3', description: 'Try it on a built-in trace: a daily cycle with one user sending 30% of the records.'},
    {command: '<%= config.bin %> scale backtest --trace week.ndjson --strategy targeted --html backtest.html', description: 'Replay a recorded trace with the targeted strategy and write the chart.'},
    {command: '<%= config.bin %> scale backtest --target aws --stream clickstream --from 14d --save-trace two-weeks.ndjson', description: 'Replay the last two weeks of CloudWatch shard metrics, and keep them as a trace file.'},
    {command: '<%= config.bin %> scale backtest --synthetic diurnal,launch,days=3 --compare clickops,alarm --json', description: 'Only two policies, one JSON document.'},
    {command: '<%= config.bin %> scale backtest --synthetic diurnal,days=14,shards=64 --save-trace two-weeks.ndjson', description: 'Keep the generated trace as a file.'},
  ]

  static override flags = {
    from: Flags.string({
      description: 'On AWS: replay the last D of CloudWatch shard metrics (IncomingBytes, IncomingRecords, WriteProvisionedThroughputExceeded, one-minute sums; needs enhanced monitoring), at most 15d, e.g. 14d. Default 24h when neither --trace nor --synthetic is given.',
      helpValue: 'DURATION',
    }),
    trace: Flags.string({description: 'A trace file to replay: NDJSON, one line per minute (see the README), e.g. from --save-trace or `clickops heat --record`.', helpValue: 'FILE'}),
    synthetic: Flags.string({
      description: 'A built-in seeded trace instead: diurnal, hot-user=KEY:SHARE, peak=Nrps, days=N, shards=N, launch, growth=P%, seed=N, e.g. diurnal,hot-user=35:0.3,peak=5000rps,days=3.',
      helpValue: 'SPEC',
    }),
    'save-trace': Flags.string({description: 'Also write the trace replayed (whatever its source) to this file, e.g. trace.ndjson.', helpValue: 'FILE'}),
    html: Flags.string({description: 'Write the report with an inline SVG chart per policy to this self-contained HTML file, e.g. backtest.html.', helpValue: 'FILE'}),
    compare: Flags.string({default: POLICIES.join(','), description: `The policies to run, comma-separated, from ${POLICIES.join(', ')}, e.g. clickops,alarm.`, helpValue: 'LIST'}),
    every: Flags.string({default: '5m', description: 'How often clickops scale runs (as a scheduler would run it), in whole minutes, e.g. 1m.', helpValue: 'DURATION'}),
    'reshard-time': Flags.string({description: 'Take this long for every UpdateShardCount call instead of the model (2 min plus 1 min per 500 shards), e.g. 10m.', helpValue: 'DURATION'}),
    quota: Flags.integer({description: "The account's shard quota, which caps every policy, e.g. 500 (default: none).", min: 1}),
    'price-shard-hour': Flags.string({default: '0.015', description: 'US dollars per shard-hour (us-east-1 list price 0.015).', helpValue: 'USD'}),
    policy: Scale.flags.policy,
    'target-utilization': Scale.flags['target-utilization'],
    strategy: Scale.flags.strategy,
    'min-shards': Scale.flags['min-shards'],
    'max-shards': Scale.flags['max-shards'],
    window: Scale.flags.window,
    basis: Scale.flags.basis,
    'scale-in-margin': Scale.flags['scale-in-margin'],
    'cooldown-in': Scale.flags['cooldown-in'],
    'cooldown-out': Scale.flags['cooldown-out'],
  }

  async run(): Promise<BacktestResult> {
    const {flags} = this
    const policies = flags.compare.split(',').map((p) => p.trim()).filter((p) => p !== '')
    for (const p of policies) {
      if (!(POLICIES as readonly string[]).includes(p)) throw new UsageError(`--compare: "${p}" is not a policy.`, `Use any of ${POLICIES.join(', ')}.`)
    }
    if (policies.length === 0) throw new UsageError('--compare names no policy.', `Use any of ${POLICIES.join(', ')}.`)
    const checkEveryMs = parseDuration(flags.every, '--every')
    if (checkEveryMs < 60_000 || checkEveryMs % 60_000 !== 0) throw new UsageError(`--every ${flags.every} must be whole minutes (the trace has one line per minute), e.g. 5m.`)
    const reshardTimeMs = flags['reshard-time'] === undefined ? undefined : parseDuration(flags['reshard-time'], '--reshard-time')
    const price = Number(flags['price-shard-hour'])
    if (!(price >= 0) || flags['price-shard-hour'].trim() === '') throw new UsageError(`--price-shard-hour must be a price in US dollars, e.g. 0.015, not ${flags['price-shard-hour']}.`)
    validateStreamNameOnly(flags.stream)

    const [{policyFromFlags}, {CLOUDWATCH_ONE_MINUTE_RETENTION_MS: CLOUDWATCH_RETENTION_MS, readCloudWatchTrace, runBacktestCommand}] = await Promise.all([
      import('../../lib/scaling/policy.js'),
      import('../../lib/backtest/index.js'),
    ])
    const {policy} = await policyFromFlags(flags, flags.stream)
    if (policy.windowMs < 60_000) throw new UsageError(`The window ${formatDuration(policy.windowMs)} is under a minute; a trace has one line per minute.`, 'Use e.g. --window 15m.')

    const fromCloudWatch = flags.from !== undefined || (flags.trace === undefined && flags.synthetic === undefined)
    let trace: import('../../lib/backtest/trace.js').Trace | undefined
    if (fromCloudWatch && (flags.trace !== undefined || flags.synthetic !== undefined)) throw new UsageError('Give one history: --from (CloudWatch), --trace or --synthetic.')
    if (fromCloudWatch) {
      const windowMs = parseDuration(flags.from ?? '24h', '--from')
      if (windowMs < 60_000) throw new UsageError(`--from ${flags.from} is under a minute.`, 'Use e.g. --from 14d.')
      if (windowMs > CLOUDWATCH_RETENTION_MS) throw new UsageError(`--from ${flags.from} reaches past CloudWatch's 15 days of one-minute data.`, 'Use --from 15d or less.')
      const target = this.target()
      if (target.kind === 'local' && target.endpoints.cloudwatch === undefined) {
        throw new UsageError(
          'There is no CloudWatch on the embedded local stack, so no history to read.',
          'Give --trace FILE (record one with `clickops heat --record FILE`) or --synthetic SPEC, or use --target aws.',
        )
      }
      const {clients, stream} = await this.connect()
      const [kinesis, cloudwatch] = await Promise.all([clients.kinesis(), clients.cloudwatch()])
      this.note(`Reading ${formatDuration(windowMs)} of CloudWatch shard metrics for stream ${stream}…`)
      const line = new StatusLine({enabled: capability(process.stderr).interactive && !this.jsonEnabled()})
      try {
        trace = await readCloudWatchTrace({
          cloudwatch,
          kinesis,
          now: new Date(),
          onProgress: (p) => line.update(() => `GetMetricData: ${p.chunksDone} of ${p.chunks} batches of 500 queries done, ${p.calls} calls`),
          streamName: stream,
          targetName: target.kind,
          windowMs,
        })
      } finally {
        line.stop()
      }
    }

    const run: BacktestRun = await runBacktestCommand({
      checkEveryMs,
      htmlPath: flags.html,
      policies: policies as PolicyName[],
      policy,
      priceShardHour: price,
      quota: flags.quota,
      reshardTimeMs,
      saveTracePath: flags['save-trace'],
      streamName: flags.stream,
      synthetic: flags.synthetic,
      ...(trace === undefined ? {} : {trace}),
      tracePath: flags.trace,
    })
    const result: BacktestResult = {...run.report, ...(run.savedTrace ? {savedTrace: run.savedTrace} : {}), ...(run.html ? {html: run.html} : {})}
    if (!this.jsonEnabled()) {
      this.log(render(result))
      if (run.savedTrace) this.note(`Trace written to ${run.savedTrace}.`)
      if (run.html) this.note(`Chart written to ${run.html}.`)
    }
    return result
  }
}

function validateStreamNameOnly(name: string): void {
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(name)) throw new UsageError(`--stream "${name}" is not a valid stream name.`)
}

function render(r: BacktestResult): string {
  const rows = r.policies.map((p: PolicyResult) => [
    p.policy,
    int(p.minutesOverLimit),
    int(p.throttledRecords),
    int(p.minutesOverTarget),
    p.peakUtilization === null ? '–' : formatPercent(p.peakUtilization, 0),
    p.shardHours === null ? '–' : formatDecimal(p.shardHours, 1),
    p.policy === 'on-demand' ? '–' : `${p.minShards}–${p.maxShards}`,
    `$${formatDecimal(p.cost, 2)}`,
    p.policy === 'on-demand' ? '–' : `${p.calls.updateShardCount} / ${p.calls.split} / ${p.calls.merge}`,
  ])
  const lines = [
    `${r.source}: ${r.from} to ${r.to} (${int(r.minutes)} minutes), ${r.initialShards} shards at the start; target ${formatPercent(r.targetUtilization, 0)}; clickops checks every ${formatDuration(r.checkEveryMs)}`,
    '',
    table(['policy', 'min over limit', 'records over limit', 'min over target', 'peak', 'shard-hours', 'shards', 'cost', 'USC / split / merge'], rows, {
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    }),
    '',
    `Recorded in the trace: ${int(r.recorded.throttledRecords)} throttled records in ${int(r.recorded.minutesWithThrottles)} minutes; the model on the recorded layout: ${int(r.recorded.modelThrottledRecords)} in ${int(r.recorded.modelMinutesOverLimit)} minutes.`,
    'The scale-in guard on consumer lag (--max-lag-for-scale-in) is inactive here: a trace has no iterator age.',
    `Cost at list prices: $${r.assumptions.prices.shardHourUsed} per shard-hour and $${r.assumptions.prices.putPayloadUnitsPerMillion} per million PUT payload units; on-demand $${r.assumptions.prices.onDemandStreamHour} per stream-hour and $${r.assumptions.prices.onDemandPerGB} per GB.`,
  ]
  return lines.join('\n')
}
