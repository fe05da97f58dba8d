import {Flags} from '@oclif/core'

import {BaseCommand, UsageError} from '../../cli/base-command.js'
import {keyValues, style, table} from '../../cli/output.js'
import type {AutoscaleStatusResult} from '../../lib/autoscale/index.js'
import {parseDuration} from '../../lib/parse.js'
import {streamNamed} from './deploy.js'
import {streamsOf} from './remove.js'

export default class AutoscaleStatus extends BaseCommand<typeof AutoscaleStatus> {
  static override summary = 'The schedule, the function\'s version and settings, and its last decisions.'
  static override description = `For each stream: the schedule, the function (version, runtime, memory, timeout, reserved concurrency, code hash) and the last --last decisions within --since, each with its outcome, the exit code \`clickops scale\` would have given (0 nothing to do, 10 scaled, 12 blocked, 1 error...), the steps and the reasons. On AWS the decisions come from the function's log group (CloudWatch Logs FilterLogEvents); locally from the stack's decision log.`

  static override examples = [
    {command: '<%= config.bin %> autoscale status --target aws', description: 'The deployment of "clickstream" and its last 10 decisions.'},
    {command: '<%= config.bin %> autoscale status --last 50 --since 24h --json', description: 'The last 50 decisions of the last day, as one JSON document.'},
  ]

  static override flags = {
    last: Flags.integer({default: 10, description: 'How many of the latest decisions to show, e.g. 50.', max: 1000, min: 1}),
    since: Flags.string({default: '24h', description: 'How far back to look for decisions, e.g. 1h or 7d.', helpValue: 'DURATION'}),
    policy: Flags.string({description: 'A policy file with a "streams:" section: the status of each of its streams (unless --stream is given).', helpValue: 'FILE'}),
  }

  async run(): Promise<AutoscaleStatusResult> {
    const f = this.flags
    this.target()
    const sinceMs = parseDuration(f.since, '--since')
    if (sinceMs <= 0) throw new UsageError(`--since ${f.since} must be above 0.`)
    const streams = await streamsOf(f.policy, f.stream, streamNamed(this.argv))
    const {clients, region, target} = await this.connect()
    const [{autoscaleStatus}, {resolveLocalConfig}] = await Promise.all([import('../../lib/autoscale/index.js'), import('../../lib/local/config.js')])
    const result = await autoscaleStatus(streams, {clients, localDir: resolveLocalConfig().dir, region, target}, {last: f.last, sinceMs})
    if (!this.jsonEnabled()) this.log(render(result))
    return result
  }
}

function render(r: AutoscaleStatusResult): string {
  const out: string[] = []
  for (const d of r.deployments) {
    if (!d.deployed) {
      out.push(`${style(d.stream, 'bold')}: no autoscale function is deployed (\`clickops autoscale deploy --stream ${d.stream}\`).`)
      continue
    }
    out.push(
      `${style(d.stream, 'bold')}: ${d.functionName}`,
      keyValues([
        ['schedule', d.schedule ? `${d.schedule.expression} (${d.schedule.state})` : 'none'],
        ['runtime', d.function?.runtime && `${d.function.runtime}${d.function.architecture ? ` ${d.function.architecture}` : ''}`],
        ['version', d.function?.version],
        ['memory', d.function?.memoryMb === undefined ? undefined : `${d.function.memoryMb} MB`],
        ['timeout', d.function?.timeoutSeconds === undefined ? undefined : `${d.function.timeoutSeconds} s`],
        ['concurrency', d.function?.reservedConcurrency === undefined ? undefined : `${d.function.reservedConcurrency} reserved`],
        ['code', d.function?.codeSha256],
        ['deployed', d.function?.lastModified],
        ['alarm', d.alarm && `${d.alarm.name} (${d.alarm.state})`],
        ['log group', d.logGroup],
      ]),
    )
    if (d.decisions.length === 0) out.push('No decision logged yet.')
    else {
      out.push(
        table(
          ['time', 'outcome', 'exit', 'steps', 'reason'],
          d.decisions.map((s) => [s.time, s.outcome, String(s.exitCode), s.steps.join(', ') || '-', s.error ?? s.reasons.at(-1) ?? '']),
        ),
      )
    }
    out.push('')
  }
  return out.join('\n').trimEnd()
}
