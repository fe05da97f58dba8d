import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {interruptible} from '../../cli/interrupt.js'
import type {DeployResult} from '../../lib/autoscale/index.js'
import Scale from '../scale.js'
import {renderPlan, STOPPING} from '../../cli/plan-table.js'

const {'dry-run': _dryRun, wait: _wait, 'wait-timeout': _waitTimeout, ...scaleFlags} = Scale.flags

/** Whether the stream was named (flag or CLICKOPS_STREAM) rather than left at its default. */
export function streamNamed(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--stream' || a === '-s' || a.startsWith('--stream=') || (a.startsWith('-s') && a.length > 2)) || Boolean(process.env.CLICKOPS_STREAM)
}

export default class AutoscaleDeploy extends BaseCommand<typeof AutoscaleDeploy> {
  static override summary = 'Run the scale check on a schedule with no host: a Lambda function invoked by EventBridge Scheduler (locally: the stack\'s scheduler).'
  static override description = `Bundles the very code of \`clickops scale\` into one file (esbuild), and creates or updates, idempotently with a plan (--dry-run shows it and changes nothing):

On AWS, per stream: an IAM role clickops-<region>-<stream>-autoscale that only lambda.amazonaws.com may assume for this account, allowed only what a scale run calls on that stream (DescribeStreamSummary, ListShards, ListTagsForStream, AddTagsToStream, UpdateShardCount, SplitShard/MergeShards unless --strategy uniform), kinesis:DescribeLimits, cloudwatch:GetMetricData and its own log group; the log group /aws/lambda/clickops-autoscale-<stream> (30 days); the function (nodejs20.x, arm64, 256 MB, reserved concurrency 1 so two runs never overlap, timeout = --wait-timeout + 60 s, the policy in its environment, never credentials); an EventBridge Scheduler schedule in a schedule group of its own, with a role allowed only lambda:InvokeFunction on the function; and with --alarm a CloudWatch alarm on the stream's WriteProvisionedThroughputExceeded that invokes the function at once. Everything is tagged managed-by=clickops.

Locally: the same bundle is registered with the embedded stack's scheduler, which invokes it on the schedule against kinesis-local (stream source); \`autoscale status\` and \`autoscale logs\` read its decisions.

Each run logs the document \`clickops scale --json\` prints. The policy comes from the same flags and policy file as \`clickops scale\`; with --policy and a "streams:" section, and no --stream, every stream of the file gets its function.`

  static override examples = [
    {command: '<%= config.bin %> autoscale deploy --target aws --stream clickstream --max-shards 64 --dry-run', description: 'Show the plan, change nothing.'},
    {command: '<%= config.bin %> autoscale deploy --target aws --every 5m --permissions-boundary arn:aws:iam::123456789012:policy/clickops/clickops-permissions-boundary', description: 'Deploy under the permissions boundary, every 5 minutes.'},
    {command: '<%= config.bin %> autoscale deploy --target aws --policy scale.yaml --every "rate(10 minutes)" --alarm', description: 'One function per stream of a policy file; write throttling invokes it at once.'},
    {command: '<%= config.bin %> autoscale deploy --every 10s --window 30s', description: 'Locally: the stack\'s scheduler runs the check every 10 seconds.'},
  ]

  static override flags = {
    ...scaleFlags,
    every: Flags.string({
      default: '5m',
      description: 'How often the check runs: a duration (5m, 1h; locally also 10s) or an EventBridge Scheduler expression as is, e.g. "rate(10 minutes)" or "cron(0/5 * * * ? *)". On AWS at least 1m.',
      helpValue: 'DURATION|EXPRESSION',
    }),
    alarm: Flags.boolean({default: false, description: 'Also create a CloudWatch alarm on the stream\'s WriteProvisionedThroughputExceeded that invokes the function at once (fast scale-out), e.g. for spiky traffic. AWS only.'}),
    'permissions-boundary': Flags.string({description: 'ARN of the permissions boundary for the two roles, e.g. the policy made from iam/clickops-permissions-boundary.json.', helpValue: 'ARN'}),
    'wait-timeout': Flags.string({default: '10m', description: 'How long a run waits for the stream to be ACTIVE after its last step, e.g. 5m; the function\'s timeout is this plus 60 s (at most 14m).', helpValue: 'DURATION'}),
    'dry-run': Flags.boolean({default: false, description: 'Show the plan and change nothing.'}),
  }

  async run(): Promise<DeployResult> {
    const f = this.flags
    const early = this.target()
    const {deployAutoscale, prepareDeploy} = await import('../../lib/autoscale/index.js')
    const prepared = await prepareDeploy(f, f.stream, streamNamed(this.argv), early.kind)
    const {clients, region, target} = await this.connect()
    const {resolveLocalConfig} = await import('../../lib/local/config.js')
    const stop = interruptible({onFirst: () => this.note(STOPPING)})
    try {
      const result = await deployAutoscale(prepared, {clients, localDir: resolveLocalConfig().dir, onProgress: (m) => this.note(`  ${m}`), region, signal: stop.signal, target}, {dryRun: f['dry-run']})
      if (!this.jsonEnabled()) this.log(render(result))
      return result
    } finally {
      stop.dispose()
    }
  }
}

function render(r: DeployResult): string {
  const lines: string[] = []
  for (const d of r.deployments) {
    lines.push(`${d.stream}: ${d.functionName}, ${r.schedule}`, renderPlan(d.plan))
    if (d.changes === 0) lines.push('Everything is up to date: nothing to change.')
    else if (r.dryRun) lines.push(`${d.changes} change${d.changes === 1 ? '' : 's'} would be made (dry run: nothing was changed). Run without --dry-run to apply.`)
    else lines.push(`Applied ${d.applied} change${d.applied === 1 ? '' : 's'}.`)
    lines.push('')
  }
  lines.push(`bundle: ${(r.bundle.bytes / 1024).toFixed(0)} KiB, code ${r.bundle.codeSha256}`)
  for (const n of r.notes) lines.push(`note: ${n}`)
  if (!r.dryRun) lines.push(`See its decisions with \`clickops autoscale status${r.target === 'aws' ? ' --target aws' : ''}\` or \`clickops autoscale logs --follow\`.`)
  return lines.join('\n')
}
