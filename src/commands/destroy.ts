import {Flags} from '@oclif/core'

import {BaseCommand, ClickopsError, ExitCode, UsageError} from '../cli/base-command.js'
import type {DestroyResult} from '../lib/provision/provision.js'
import {interruptible} from '../cli/interrupt.js'
import {capability, terminalWidth} from '../cli/output.js'
import {renderPlan, STOPPING} from '../cli/plan-table.js'

export type {DestroyResult}

export default class Destroy extends BaseCommand<typeof Destroy> {
  static override summary = 'Remove what `clickops provision` created for a stream: API, key, usage plan, role and the stream.'

  static override description = `Lists what it will delete first. Deletes only resources that carry clickops's tags (managed-by=clickops); a stream or API that clickops did not create is kept. On a terminal it asks you to type the stream's name; elsewhere it refuses to run without --yes. The stream's records are lost.

Order: WAF association, usage plan, API key, REST API (with its stages), IAM role, stream; locally the API file of the local gateway, then the stream.`

  static override examples = [
    {command: '<%= config.bin %> destroy', description: 'Show what would be deleted and ask.'},
    {command: '<%= config.bin %> destroy --yes', description: 'Delete without asking (scripts, CI).'},
    {command: '<%= config.bin %> destroy --target aws --stream orders --dry-run', description: 'Only show what would be deleted.'},
  ]

  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'Delete without asking (required when not on a terminal).'}),
    'dry-run': Flags.boolean({description: 'Show what would be deleted and delete nothing.'}),
  }

  async run(): Promise<DestroyResult> {
    const dryRun = this.flags['dry-run']
    // A prompt needs a person at a terminal: not a CI job, not a pipe.
    const interactive = capability(process.stdin).interactive && capability(process.stderr).interactive
    this.target()
    if (!dryRun && !this.flags.yes && !interactive) {
      throw new UsageError('destroy deletes the stream and its API, and needs a confirmation: this is not a terminal.', 'Pass --yes to confirm (or --dry-run to see what would be deleted).')
    }
    const {clients, localEndpoints, region, stream, target} = await this.connect()
    const [{resolveLocalConfig}, {destroy, planDestroy}, {describePlan, isChange}] = await Promise.all([
      import('../lib/local/config.js'),
      import('../lib/provision/provision.js'),
      import('../lib/provision/plan.js'),
    ])
    const config = resolveLocalConfig()
    const stop = interruptible({onFirst: () => this.note(STOPPING)})
    const deps = {
      clients,
      gatewayEndpoint: localEndpoints.gateway ?? `http://127.0.0.1:${config.ports.gateway}`,
      localDir: config.dir,
      onProgress: (m: string) => this.note(`  ${m}`),
      region,
      signal: stop.signal,
      target,
    }
    try {
      if (!dryRun && !this.flags.yes) {
        const plan = describePlan(await planDestroy(stream, deps))
        const changes = plan.filter((i) => isChange(i)).length
        process.stderr.write(`${renderPlan(plan, {colour: capability(process.stderr).colour, width: terminalWidth(process.stderr)})}\n`)
        if (changes === 0) {
          const result: DestroyResult = {applied: 0, changes: 0, dryRun: false, plan, region, stream, target: target.kind}
          if (!this.jsonEnabled()) this.log('Nothing to delete.')
          return result
        }
        const answer = await ask(`Delete ${changes} resource${changes === 1 ? '' : 's'} of stream "${stream}" on target ${target.kind}? Type the stream name to confirm: `)
        if (answer.trim() !== stream) throw new UsageError('Not confirmed: nothing was deleted.')
      }
      const result = await destroy(stream, deps, {dryRun})
      if (!this.jsonEnabled()) this.log(render(result, Boolean(this.flags.yes) || dryRun))
      return result
    } finally {
      stop.dispose()
    }
  }
}

async function ask(question: string): Promise<string> {
  const {createInterface} = await import('node:readline/promises')
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    return await rl.question(question)
  } catch (error) {
    // Ctrl-C or Ctrl-D at the prompt: nothing was deleted, and the exit code says interrupted.
    if ((error as {name?: string}).name === 'AbortError') {
      throw new ClickopsError('Interrupted at the confirmation: nothing was deleted.', {cause: error, exitCode: ExitCode.INTERRUPTED})
    }
    throw error
  } finally {
    rl.close()
  }
}

function render(r: DestroyResult, showPlan: boolean): string {
  const lines = showPlan ? [renderPlan(r.plan)] : []
  if (r.changes === 0) lines.push('Nothing to delete.')
  else if (r.dryRun) lines.push(`${r.changes} resource${r.changes === 1 ? '' : 's'} would be deleted (dry run: nothing was deleted).`)
  else lines.push(`Deleted ${r.applied} resource${r.applied === 1 ? '' : 's'}.`)
  return lines.join('\n')
}
