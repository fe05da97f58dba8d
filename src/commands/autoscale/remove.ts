import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {interruptible} from '../../cli/interrupt.js'
import type {RemoveResult} from '../../lib/autoscale/index.js'
import {renderPlan, STOPPING} from '../../cli/plan-table.js'
import {streamNamed} from './deploy.js'

export default class AutoscaleRemove extends BaseCommand<typeof AutoscaleRemove> {
  static override summary = 'Delete what `autoscale deploy` created for a stream: only resources tagged managed-by=clickops.'
  static override description = `On AWS: the CloudWatch alarm, the schedule group with its schedule, the Lambda function, its log group (the decision log goes with it) and the two IAM roles, each only when it carries the managed-by=clickops tag (one without it is left alone and named). Locally: the function registered with the stack's scheduler, its code and its decision log. The stream itself is not touched. With --dry-run, shows what would be deleted.`

  static override examples = [
    {command: '<%= config.bin %> autoscale remove --target aws --stream clickstream --dry-run', description: 'Show what would be deleted.'},
    {command: '<%= config.bin %> autoscale remove', description: 'Stop the local scheduler from running the check of "clickstream".'},
    {command: '<%= config.bin %> autoscale remove --target aws --policy scale.yaml', description: 'Remove the function of every stream of a policy file.'},
  ]

  static override flags = {
    policy: Flags.string({description: 'A policy file with a "streams:" section: remove the function of each of its streams (unless --stream is given), e.g. scale.yaml.', helpValue: 'FILE'}),
    'dry-run': Flags.boolean({default: false, description: 'Show what would be deleted and delete nothing.'}),
  }

  async run(): Promise<RemoveResult> {
    const f = this.flags
    this.target()
    const streams = await streamsOf(f.policy, f.stream, streamNamed(this.argv))
    const {clients, region, target} = await this.connect()
    const [{removeAutoscale}, {resolveLocalConfig}] = await Promise.all([import('../../lib/autoscale/index.js'), import('../../lib/local/config.js')])
    const stop = interruptible({onFirst: () => this.note(STOPPING)})
    try {
      const result = await removeAutoscale(streams, {clients, localDir: resolveLocalConfig().dir, onProgress: (m) => this.note(`  ${m}`), region, signal: stop.signal, target}, {dryRun: f['dry-run']})
      if (!this.jsonEnabled()) {
        const lines: string[] = []
        for (const d of result.deployments) {
          if (d.plan.length > 0) lines.push(`${d.stream}: ${d.functionName}`, renderPlan(d.plan))
          if (d.changes > 0) lines.push(result.dryRun ? `${d.changes} deletion${d.changes === 1 ? '' : 's'} would be made (dry run: nothing was deleted).` : `Deleted ${d.applied}.`)
        }
        for (const n of result.notes) lines.push(`note: ${n}`)
        this.log(lines.join('\n'))
      }
      return result
    } finally {
      stop.dispose()
    }
  }
}

/** The stream named, or each stream under a policy file's "streams:" when none is named. */
export async function streamsOf(policy: string | undefined, stream: string, named: boolean): Promise<string[]> {
  if (policy === undefined || named) return [stream]
  const {loadPolicyFile} = await import('../../lib/scaling/policy.js')
  const file = await loadPolicyFile(policy)
  const names = Object.keys(file.streams)
  return names.length > 0 ? names : [stream]
}
