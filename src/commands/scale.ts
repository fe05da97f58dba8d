import {Flags} from '@oclif/core'

import {BaseCommand, ExitCode, UsageError} from '../cli/base-command.js'
import {interruptible} from '../cli/interrupt.js'
import {style, table} from '../cli/output.js'
import type {ScaleDocument} from '../lib/scaling/document.js'
import type {ScalingRun} from '../lib/scaling/index.js'
import {BASES, POLICY_DEFAULTS, policyFromFlags, sourceFor, STRATEGIES, type ResolvedPolicy} from '../lib/scaling/policy.js'
import {LIMIT_TEXT} from '../lib/load/model.js'
import {checkSourceAvailable, defaultSource, LOAD_SOURCES, WINDOW_BOUNDS} from '../lib/load/sources.js'
import {parseDuration} from '../lib/parse.js'
import {formatDuration, formatInt, formatPercentShort as pct} from '../lib/format.js'
import {costLine, loadPrices} from '../lib/pricing.js'
import {hasCloudWatch} from '../lib/target.js'

const range = (b: {min: number; max: number}) => `${formatDuration(b.min)} to ${formatDuration(b.max)}`

/** The --json document (the autoscale function logs the same one). */
export type ScaleResult = ScaleDocument

export default class Scale extends BaseCommand<typeof Scale> {
  static override summary = 'Right-size the stream, deciding on the hottest shard, not the average: split the hot shard where its traffic is, or UpdateShardCount.'
  static override description = `Reads the per-shard load over --window (each shard's load spread over its hash range, known hot keys kept whole) and plans two ways (--strategy):

uniform: UpdateShardCount to the smallest N uniform shards whose hottest projected shard stays at or under --target-utilization (utilisation = ${LIMIT_TEXT.utilization} per shard). Each call within half to double the count (so 4 → 20 is 4 → 8 → 16 → 20), 10 calls per rolling 24 h.

targeted: SplitShard of each shard over the target at the traffic-weighted hash key (into the fewest parts that fit), MergeShards of adjacent shards that stay under the target minus --scale-in-margin together. No 24 h budget; one call at a time.

auto (the default): both, and the one that fits with fewer open shards (ties: fewer calls).

Scales in only when the smaller layout stays under the target by --scale-in-margin, the cooldown has passed, and no consumer is further behind than --max-lag-for-scale-in (CloudWatch iterator age; off without CloudWatch). A provisioned plan ends with the month's cost of the planned count against on-demand Standard and Advantage at list prices (--prices to override). Plans within 10,000 shards per stream and the account's shard quota. Each change is recorded in the stream's "clickops/scaling" tag, so cooldowns and the budget hold across hosts and cron runs; overlapping runs are safe.

Exit codes: 0 nothing to do, 10 scaled, 11 would scale (--dry-run), 12 blocked (cooldown, 24 h budget, quota, on-demand stream, change in progress, consumer lag), 2 invalid input, 3 no such stream, 1 error, 130 interrupted.`

  static override examples = [
    {command: '<%= config.bin %> scale --target-utilization 0.7 --dry-run', description: 'Show the plan, change nothing (exit 11 if it would scale).'},
    {command: '<%= config.bin %> scale --target aws --stream clickstream --min-shards 2 --max-shards 64', description: 'Plan from CloudWatch and apply the UpdateShardCount steps.'},
    {command: '<%= config.bin %> scale --target aws --policy /etc/clickops/scale.yaml --json', description: 'Cron: the settings per stream from a policy file, one JSON document for the log.'},
    {command: '<%= config.bin %> scale --source stream --window 5m --basis mean', description: 'Decide on the mean of the last 5 minutes read from the stream itself.'},
    {command: '<%= config.bin %> scale --strategy targeted --dry-run', description: 'Plan SplitShard/MergeShards steps only: split the hot shard where its traffic is.'},
  ]

  static override flags = {
    'target-utilization': Flags.string({
      description: `Keep the hottest projected shard at or under this fraction of the shard write limit, above 0 and at most 1, e.g. 0.7 (70% of ${LIMIT_TEXT.write}). Default ${POLICY_DEFAULTS.targetUtilization}.`,
      helpValue: 'FRACTION',
    }),
    'dry-run': Flags.boolean({default: false, description: 'Plan only: make no change (exit 11 when a change would be made), e.g. to review a plan before a cron job applies it.'}),
    policy: Flags.string({
      description: 'A JSON or YAML policy file with these settings (flag names as keys; per stream under "streams:"), e.g. /etc/clickops/scale.yaml. Flags win over it.',
      helpValue: 'FILE',
    }),
    'min-shards': Flags.string({description: `Never fewer open shards than this, e.g. 2. Default ${POLICY_DEFAULTS.minShards}.`, helpValue: 'N'}),
    'max-shards': Flags.string({description: `Never more open shards than this, e.g. 64. Default ${formatInt(POLICY_DEFAULTS.maxShards)} (the per-stream maximum).`, helpValue: 'N'}),
    window: Flags.string({
      description: `How much recent load to decide on, e.g. 15m (stream source: ${range(WINDOW_BOUNDS.stream)}; cloudwatch: ${range(WINDOW_BOUNDS.cloudwatch)}). Default ${formatDuration(POLICY_DEFAULTS.windowMs)}.`,
      helpValue: 'DURATION',
    }),
    source: Flags.option({
      description: 'Where the load comes from: CloudWatch shard metrics, or a read of the stream itself (sees per-second peaks and hot keys), e.g. --source stream. Default: cloudwatch on --target aws, stream on --target local.',
      options: LOAD_SOURCES,
    })(),
    basis: Flags.option({
      description: `Judge a shard by its busiest second (CloudWatch: minute) in the window, or by its mean, e.g. --basis mean for steady traffic. Default ${POLICY_DEFAULTS.basis}.`,
      options: BASES,
    })(),
    'scale-in-margin': Flags.string({
      description: `Scale in only when the smaller count keeps the hottest shard at or under target minus this, in utilisation points, e.g. 0.1 (0.6 for a 0.7 target). Default ${POLICY_DEFAULTS.scaleInMargin}.`,
      helpValue: 'FRACTION',
    }),
    'cooldown-in': Flags.string({description: `Time since the last change before a scale-in, e.g. 2h (at least the window, too). Default ${formatDuration(POLICY_DEFAULTS.cooldownInMs)}.`, helpValue: 'DURATION'}),
    'cooldown-out': Flags.string({description: `Time since the last change before a scale-out, e.g. 10m. Default ${formatDuration(POLICY_DEFAULTS.cooldownOutMs)}.`, helpValue: 'DURATION'}),
    strategy: Flags.option({
      description: `How to reshard: uniform (UpdateShardCount, equal ranges), targeted (SplitShard the hot shards at their traffic-weighted key, MergeShards adjacent cold ones), or auto (plan both, apply the one with fewer open shards), e.g. --strategy targeted. Default ${POLICY_DEFAULTS.strategy}.`,
      options: STRATEGIES,
    })(),
    wait: Flags.boolean({
      allowNo: true,
      default: true,
      description: 'Wait for the stream to be ACTIVE again after the last step (between steps it always waits), e.g. --no-wait to return once the last call is accepted.',
    }),
    'max-lag-for-scale-in': Flags.string({
      description: 'No scale-in (nor merge) while a consumer is further behind the tip than this (iterator age from CloudWatch: GetRecords.IteratorAgeMilliseconds, SubscribeToShardEvent.MillisBehindLatest), e.g. 10m. Policy key max-lag-for-scale-in. Default 5m. Off where CloudWatch is not available (the embedded stack).',
      helpValue: 'DURATION',
    }),
    prices: Flags.string({
      description: 'A JSON file overriding any of the list prices the plan\'s cost line uses (default us-east-1), e.g. {"region": "eu-west-1", "provisioned": {"shardHour": 0.017}}. See the README.',
      helpValue: 'FILE',
    }),
    'wait-timeout': Flags.string({default: '30m', description: 'Give up waiting for ACTIVE after this long, e.g. 1h for large streams (the change continues on AWS).', helpValue: 'DURATION'}),
  }

  async run(): Promise<ScaleResult> {
    const {flags} = this
    // Everything about the input is checked before any AWS call.
    const target = this.target()
    const resolved: ResolvedPolicy = await policyFromFlags(flags, flags.stream)
    const policy = resolved.policy
    const source = sourceFor(policy, defaultSource(target.kind), resolved.origins.window === 'flag' ? '--window' : 'window')
    checkSourceAvailable(source, target)
    const prices = await loadPrices(flags.prices)
    const waitTimeoutMs = parseDuration(flags['wait-timeout'], '--wait-timeout')
    if (waitTimeoutMs < 10_000) throw new UsageError(`--wait-timeout ${flags['wait-timeout']} is below 10s.`, 'Resharding takes seconds to minutes: use e.g. 30m.')

    const {clients, region, stream} = await this.connect()
    const [{runScaling}, {scaleDocument}, kinesis] = await Promise.all([import('../lib/scaling/index.js'), import('../lib/scaling/document.js'), clients.kinesis()])
    // CloudWatch for the cloudwatch source, and wherever it exists for the scale-in guard's consumer lag.
    const cloudwatch = source === 'cloudwatch' || hasCloudWatch(target) ? await clients.cloudwatch() : undefined
    const stop = interruptible({
      onFirst: () => this.note('Interrupt: stopping after the current call (a change already accepted continues on AWS); Ctrl-C again to quit now…'),
      signals: ['SIGINT'],
    })
    let run: ScalingRun
    try {
      run = await runScaling({
        cloudwatch,
        dryRun: flags['dry-run'],
        kinesis,
        onNotice: (m) => this.note(`note: ${m}`),
        onProgress: (m) => this.note(m),
        policy,
        prices,
        signal: stop.signal,
        source,
        streamName: stream,
        targetName: target.kind,
        wait: flags.wait,
        waitTimeoutMs,
      })
    } finally {
      stop.dispose()
    }

    const result: ScaleResult = scaleDocument(run, {policy, policyOrigins: resolved.origins, region, source, streamName: stream, target: target.kind})
    if (!this.jsonEnabled()) this.log(render(result))
    this.setExitCode(run.exitCode)
    return result
  }
}

function render(r: ScaleResult): string {
  const {plan} = r
  const lines: string[] = []
  const mode = r.stream.mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned'
  const load = r.load ? `; load from ${r.load.source} over ${formatDuration(r.load.windowSeconds * 1000)} (${plan.basis})` : ''
  lines.push(`${style(r.streamName, 'bold')}: ${plan.currentShards} open shards, ${mode}, ${r.stream.status}${load}; target ${pct(plan.targetUtilization)}`)
  if (plan.strategy === 'targeted' && plan.steps.length > 0) {
    const rows: string[][] = [['now', '', '', '', String(plan.currentShards), pct(plan.current.maxUtilization)]]
    for (const s of plan.steps) {
      const applied = r.execution?.applied.find((a) => a.step === s.step)
      const mark = applied ? (applied.completed ? ' ✓' : ' …') : s.runnable ? '' : ' (not now)'
      const shard = s.action === 'split' ? (applied?.shardId ?? s.shardId ?? `new, from ${shortKey(s.startingHashKey!)}`) : `${applied?.shardId ?? s.shardId ?? `new, from ${shortKey(s.startingHashKey!)}`} + ${applied?.adjacentShardId ?? s.adjacentShardId ?? 'new'}`
      const key = s.action === 'split' ? s.newStartingHashKey! : `${s.startingHashKey}–${s.adjacentEndingHashKey}`
      rows.push([String(s.step), `${s.action}${mark}`, shard, key, `${s.from} → ${s.to}`, pct(s.projectedMaxUtilization)])
    }
    lines.push('', table(['step', 'action', 'shard', 'hash key', 'open shards', 'max util'], rows, {align: ['left', 'left', 'left', 'left', 'left', 'right'], fit: ['wrap', 'wrap', 'wrap', 'truncate', 'wrap', 'wrap']}))
  } else if (plan.steps.length > 0 || r.load) {
    const rows: (string | number)[][] = [['now', String(plan.currentShards), pct(plan.current.maxUtilization), pct(plan.current.meanUtilization), String(plan.budget.left)]]
    for (const s of plan.steps) {
      const applied = r.execution?.applied.find((a) => a.step === s.step)
      const mark = applied ? (applied.completed ? ' ✓' : ' …') : s.runnable ? '' : ' (not now)'
      rows.push([String(s.step), `${s.from} → ${s.to}${mark}`, pct(s.projectedMaxUtilization), pct(s.projectedMeanUtilization), s.budgetLeft >= 0 ? String(s.budgetLeft) : 'over budget'])
    }
    lines.push('', table(['step', 'shards', 'max util', 'mean util', 'budget left'], rows, {align: ['left', 'left', 'right', 'right', 'right']}))
  }
  const cost = r.cost ? [`- ${costLine(r.cost, r.cost.region)}`] : []
  lines.push('', ...plan.reasons.map((reason) => `- ${reason}`), ...cost, '', verdict(r))
  return lines.join('\n')
}

/** The first digits of a hash key, for the table (the whole key is in --json). */
function shortKey(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}…` : key
}

function verdict(r: ScaleResult): string {
  const {plan} = r
  const chain = (steps: {from: number; to: number; action?: string}[]) => {
    if (plan.strategy !== 'targeted') return [steps[0].from, ...steps.map((s) => s.to)].join(' → ')
    const splits = steps.filter((s) => s.action === 'split').length
    const merges = steps.filter((s) => s.action === 'merge').length
    const what = [splits > 0 ? `${splits} split${splits === 1 ? '' : 's'}` : '', merges > 0 ? `${merges} merge${merges === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ')
    return `${steps[0].from} → ${steps.at(-1)!.to} open shards (${what})`
  }
  switch (r.outcome) {
    case 'nothing-to-do': {
      const keys = plan.hotKeys.map((k) => `"${k.partitionKey}"`).join(', ')
      return plan.hotKeys.length > 0
        ? style(`Nothing to do by resharding: ${plan.currentShards} shards fit the target except for hot key${plan.hotKeys.length === 1 ? '' : 's'} ${keys}.`, 'yellow')
        : style(`Nothing to do: ${plan.currentShards} shards fit the target.`, 'green')
    }
    case 'would-scale':
      return style(`Dry run: would ${plan.decision} ${chain(plan.steps.filter((s) => s.runnable))} (exit ${ExitCode.WOULD_SCALE}). Nothing was changed.`, 'yellow')
    case 'blocked':
      return style(`Blocked: ${r.execution?.blocked?.message ?? plan.blocked?.message ?? 'a limit stands in the way.'} (exit ${ExitCode.BLOCKED})`, 'red')
    case 'interrupted':
      return style(`Interrupted${r.execution?.applied.length ? ` after ${chain(r.execution.applied)}` : ''} (exit ${ExitCode.INTERRUPTED}).`, 'yellow')
    case 'scaled': {
      const applied = r.execution?.applied ?? []
      const end = r.execution?.finalOpenShards === undefined ? '' : `; the stream has ${r.execution.finalOpenShards} open shards`
      const stop = r.execution?.blocked ? ` Stopped early: ${r.execution.blocked.message}` : ''
      return style(`Scaled ${chain(applied)}${end} (exit ${ExitCode.SCALED}).${stop}`, 'green')
    }
  }
}
