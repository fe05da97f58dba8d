import {Flags} from '@oclif/core'

import {BaseCommand, UsageError} from '../../cli/base-command.js'
import {interruptible} from '../../cli/interrupt.js'
import {parseDuration} from '../../lib/parse.js'
import {streamNamed} from './deploy.js'
import {streamsOf} from './remove.js'

export default class AutoscaleLogs extends BaseCommand<typeof AutoscaleLogs> {
  static override summary = 'The decision log of the autoscale function as JSON lines; --follow to keep reading.'
  static override description = `One JSON object per line and decision: {"time", "functionName", "stream", "requestId", "decision"}, where "decision" is the document the function logged, the one \`clickops scale --json\` prints (outcome, exitCode, plan, execution...) or {"error": ...}. On AWS from the function's log group (CloudWatch Logs FilterLogEvents, polled every 5 s with --follow); locally from the stack's decision log. Ctrl-C ends --follow.`

  static override examples = [
    {command: '<%= config.bin %> autoscale logs --since 1h', description: 'The decisions of the last hour.'},
    {command: '<%= config.bin %> autoscale logs --target aws --follow | jq -c \'[.time, .decision.outcome]\'', description: 'Watch the decisions as they come.'},
  ]

  static override flags = {
    follow: Flags.boolean({char: 'f', default: false, description: 'Keep reading new decisions until Ctrl-C, e.g. to watch a burst being handled.'}),
    since: Flags.string({default: '24h', description: 'Start this far back, e.g. 10m or 7d.', helpValue: 'DURATION'}),
    policy: Flags.string({description: 'A policy file with a "streams:" section: the decisions of each of its streams (unless --stream is given).', helpValue: 'FILE'}),
  }

  static override enableJsonFlag = false

  async run(): Promise<void> {
    const f = this.flags
    this.target()
    const sinceMs = parseDuration(f.since, '--since')
    if (sinceMs <= 0) throw new UsageError(`--since ${f.since} must be above 0.`)
    const streams = await streamsOf(f.policy, f.stream, streamNamed(this.argv))
    const {clients, region, target} = await this.connect()
    const [{followDecisions}, {resolveLocalConfig}] = await Promise.all([import('../../lib/autoscale/index.js'), import('../../lib/local/config.js')])
    const stop = interruptible({onFirst: () => {}, signals: ['SIGINT', 'SIGTERM']})
    try {
      await followDecisions(streams, {clients, localDir: resolveLocalConfig().dir, region, signal: stop.signal, target}, {follow: f.follow, onEntry: (e) => process.stdout.write(`${JSON.stringify(e)}\n`), sinceMs})
    } finally {
      stop.dispose()
    }
  }
}
