import {Errors, Flags} from '@oclif/core'

import {BaseCommand, UsageError} from '../cli/base-command.js'
import {capability, style} from '../cli/output.js'
import type {DemoStep} from '../lib/demo/steps.js'
import {formatPercent} from '../lib/format.js'

export interface DemoStepResult {
  id: string
  title: string
  command: string
  exitCode: number
  /** The step's own typed result (what it returns under --json). */
  result: unknown
}

export interface DemoResult {
  stream: string
  steps: DemoStepResult[]
  seconds: number
}

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = 'Show the whole pipeline on the embedded stack in about two minutes: provision, send, heat, tail, scale.'
  static override description = `Starts the local stack, provisions a 4-shard stream and its HTTP API, sends skewed traffic (one hot user) through the API and straight to Kinesis, shows shard heat (live on a terminal, one snapshot otherwise), tails the hot user, plans a reshard (dry run), applies it and shows the result. Each step prints its title and the clickops command that does it, so you can repeat it by hand. Runs unattended when not on a terminal or with CI=true. Uses its own stream (--stream, default clickops-demo), which it recreates on every run. Local target only.`

  static override examples = [
    '<%= config.bin %> demo',
    {command: 'CI=true <%= config.bin %> demo --heat-seconds 0', description: 'Unattended, with a heat snapshot instead of the live view.'},
    {command: '<%= config.bin %> demo --json > demo.json', description: 'Every step\'s typed result in one JSON document.'},
  ]

  static override flags = {
    stream: Flags.string({char: 's', default: 'clickops-demo', description: 'The demo stream (created afresh; any earlier one made by clickops is deleted first).', helpGroup: 'GLOBAL'}),
    'hot-user': Flags.string({default: '35', description: 'The user that gets a large share of the events, and whose records are tailed.'}),
    'heat-seconds': Flags.integer({description: 'Seconds of live heat view on a terminal (0: a snapshot). Default 12 on a terminal, 0 otherwise.', min: 0, max: 600}),
    'target-utilization': Flags.string({description: 'The target the scale steps plan for, e.g. 0.2. Default: 60% of the hottest shard\'s measured peak (the emulator is slow; this shows a scale-out).'}),
  }

  async run(): Promise<DemoResult> {
    const started = Date.now()
    const target = this.target()
    if (target.kind !== 'local' || !target.embedded) {
      throw new UsageError('The demo runs on the embedded local stack only.', 'Drop --target aws / --endpoint-url (and CLICKOPS_TARGET=aws).')
    }
    const given = this.flags['target-utilization']
    const utilization = given === undefined ? undefined : Number(given)
    if (utilization !== undefined && !(utilization > 0 && utilization <= 1)) throw new UsageError(`--target-utilization must be above 0 and at most 1, not "${given}".`)
    if (!/^\d{1,18}$/.test(this.flags['hot-user'])) throw new UsageError(`--hot-user must be a user id (digits), not "${this.flags['hot-user']}".`)

    const json = this.jsonEnabled()
    const interactive = capability(process.stdout).interactive && !json
    const {DEMO_DEFAULTS, commandLine, demoSteps, demoTarget, stepNumber} = await import('../lib/demo/steps.js')
    const options = {
      ...DEMO_DEFAULTS,
      // Known once the stack runs (after step 1); assumed until then so the step count is right.
      existing: true,
      hotUser: this.flags['hot-user'],
      liveHeatSeconds: this.flags['heat-seconds'] ?? (interactive ? DEMO_DEFAULTS.liveHeatSeconds : 0),
      stream: this.flags.stream as string,
      targetUtilization: utilization,
    }
    let steps = demoSteps(options)

    const results: DemoStepResult[] = []
    for (let i = 0; i < steps.length; i++) {
      let step = steps[i]
      if (step.id === 'plan' && options.targetUtilization === undefined) {
        const hottest = await this.hottestPeak(options.stream)
        options.targetUtilization = demoTarget(hottest)
        this.note(`\nThe hottest shard peaked at ${formatPercent(hottest, 0)} of its write limit; the demo aims at ${formatPercent(options.targetUtilization, 0)} (--target-utilization sets it).`)
        steps = demoSteps(options)
        step = steps[i]
      }
      const line = commandLine(this.config.bin, step)
      const at = stepNumber(steps, i)
      this.note(`\n${style(`▶ ${at ? `${at.n}/${at.of} ` : ''}${step.title}`, 'bold', 'cyan')}\n  ${style(step.why, 'dim')}\n  ${style('$', 'gray')} ${line}\n`)
      const {exitCode, result} = await this.runStep(step, json)
      if (!step.okExitCodes.includes(exitCode)) {
        throw new UsageError(`Demo step "${step.title}" failed with exit code ${exitCode}.`, `Run it by hand to see why: ${line}`)
      }
      results.push({command: line, exitCode, id: step.id, result, title: step.title})
      if (step.id === 'stack') {
        options.existing = await this.streamExists()
        steps = demoSteps(options)
      }
    }

    const seconds = Math.round((Date.now() - started) / 100) / 10
    this.note(`\n${style('✔ Demo done', 'bold', 'green')} in ${seconds} s. Stop the stack with \`${this.config.bin} local down\`; remove the demo stream with \`${this.config.bin} destroy --stream ${this.flags.stream} --yes\`.`)
    return {seconds, steps: results, stream: this.flags.stream as string}
  }

  /** Runs one step in this process. Under --json its stdout (its own JSON) is captured, not printed. */
  private async runStep(step: DemoStep, json: boolean): Promise<{exitCode: number; result: unknown}> {
    const args = json ? [...step.args, '--json'] : step.args
    const write = process.stdout.write
    let captured = ''
    if (json) {
      process.stdout.write = ((chunk: string | Uint8Array) => {
        captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
        return true
      }) as typeof process.stdout.write
    }
    const savedTarget = process.env.CLICKOPS_TARGET
    process.env.CLICKOPS_TARGET = 'local'
    process.exitCode = undefined
    try {
      const result = await this.config.runCommand(step.command, args)
      // A streaming command (tail) prints JSON lines instead of returning one document: keep them.
      return {exitCode: Number(process.exitCode ?? 0), result: result ?? jsonLines(captured)}
    } catch (error) {
      if (error instanceof Errors.ExitError) return {exitCode: error.oclif.exit ?? 1, result: undefined}
      throw error
    } finally {
      process.stdout.write = write
      process.exitCode = undefined
      if (savedTarget === undefined) delete process.env.CLICKOPS_TARGET
      else process.env.CLICKOPS_TARGET = savedTarget
    }
  }

  /** The hottest open shard's peak utilisation, read from the stream (as `heat --source stream`). */
  private async hottestPeak(stream: string): Promise<number> {
    const {clients} = await this.connect()
    const {collectLoad} = await import('../lib/load/index.js')
    const snapshot = await collectLoad({kinesis: await clients.kinesis(), now: new Date(), source: 'stream', streamName: stream, windowMs: 600_000})
    return Math.max(0, ...snapshot.shards.map((s) => s.peakUtilization))
  }

  private async streamExists(): Promise<boolean> {
    const {clients, stream} = await this.connect()
    const {streamExists} = await import('../lib/kinesis/status.js')
    return streamExists(await clients.kinesis(), stream)
  }
}

/** JSON lines as an array, or undefined when the text is empty or not JSON lines. */
function jsonLines(text: string): unknown[] | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  if (lines.length === 0) return undefined
  try {
    return lines.map((l) => JSON.parse(l) as unknown)
  } catch {
    return undefined
  }
}
