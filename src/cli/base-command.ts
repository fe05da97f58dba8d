/**
 * The base of every clickops command: the shared flags (target, profile, region, endpoint, stream,
 * --json), target resolution with the local stack started on demand, the one stderr line naming the
 * target, and the mapping of typed errors to one-sentence messages and exit codes.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import type {Clients} from '../lib/aws/clients.js'
import {ClickopsError, ExitCode, toClickopsError, UsageError} from '../lib/errors.js'
import {validateStreamName} from '../lib/parse.js'
import {describeTarget, resolveTarget, type Target} from '../lib/target.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

const GLOBAL = 'GLOBAL'

export interface Connection {
  target: Target
  clients: Clients
  region: string
  stream: string
  /** Endpoints of the embedded stack (kinesis, gateway) when the target is local. */
  localEndpoints: Record<string, string>
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    target: Flags.option({
      description: 'Where to act: the embedded local stack or AWS.',
      env: 'CLICKOPS_TARGET',
      helpGroup: GLOBAL,
      options: ['local', 'aws'] as const,
    })(),
    profile: Flags.string({description: 'AWS profile (as the AWS CLI; env AWS_PROFILE).', helpGroup: GLOBAL}),
    region: Flags.string({description: 'AWS region (env AWS_REGION).', helpGroup: GLOBAL}),
    'endpoint-url': Flags.string({
      description: 'Override the endpoint of every AWS service (env AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KINESIS, ...).',
      helpGroup: GLOBAL,
    }),
    stream: Flags.string({
      char: 's',
      default: 'clickstream',
      description: 'Kinesis stream name.',
      env: 'CLICKOPS_STREAM',
      helpGroup: GLOBAL,
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  private connection?: Connection

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  /** Diagnostics: one line on stderr, silent under --json. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  /** Resolves the target (validating every flag first), without touching the network. */
  protected target(): Target {
    validateStreamName(this.flags.stream)
    return resolveTarget({
      endpointUrl: this.flags['endpoint-url'],
      profile: this.flags.profile,
      region: this.flags.region,
      target: this.flags.target,
    })
  }

  /**
   * The target, its clients and the stream name. On target local, starts the embedded stack when it
   * is not running and says so. States the target on stderr (not under --json).
   */
  protected async connect(): Promise<Connection> {
    if (this.connection) return this.connection
    const target = this.target()
    let localEndpoints: Record<string, string> = {}
    if (target.kind === 'local' && target.embedded) {
      const [{resolveLocalConfig}, {ensureLocalStack}] = await Promise.all([import('../lib/local/config.js'), import('../lib/local/stack.js')])
      const config = resolveLocalConfig()
      const ensured = await ensureLocalStack(config, {onProgress: (m) => this.note(`local stack: ${m}`)})
      if (ensured.started) this.note('Started the embedded local stack (stop it with `clickops local down`).')
      localEndpoints = ensured.endpoints
      target.endpoints.kinesis = ensured.endpoints.kinesis
    }
    const [{createClients}, {mfaCodePrompt}] = await Promise.all([import('../lib/aws/clients.js'), import('./mfa.js')])
    const clients = createClients(target, {mfaCode: mfaCodePrompt()})
    const region = await clients.region()
    this.note(describeTarget(target, region))
    this.connection = {clients, localEndpoints, region, stream: this.flags.stream, target}
    return this.connection
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    // oclif's own errors (unknown flag, bad option value, conflicting flags): one message, exit 2,
    // and under --json a small document (oclif's own would dump its config and every flag value,
    // API keys included).
    const oclif = (error as {oclif?: {exit?: number}}).oclif
    if (error instanceof Errors.ExitError) throw error
    if (error instanceof Errors.CLIError || oclif !== undefined) {
      const exitCode = oclif?.exit ?? ExitCode.USAGE
      const message = error.message
        .replace(/\n*See more help with --help\s*$/, '')
        .replace(/^The following errors? occurred:\s*/, '')
        .trim()
        .split(/\s*\n\s*/)
        .join(': ')
      const hint = `See \`${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''} --help\`.`
      if (this.jsonEnabled() || process.argv.includes('--json')) {
        process.exitCode = exitCode
        this.logJson({error: {exitCode, hint, message, name: 'UsageError'}})
        return
      }
      process.stderr.write(`Error: ${message}\n${hint}\n`)
      this.exit(exitCode)
    }
    const mapped = toClickopsError(error, {target: this.flags?.target ?? process.env.CLICKOPS_TARGET ?? 'local'})
    if (process.env.DEBUG && mapped.cause instanceof Error) process.stderr.write(`${mapped.cause.stack}\n`)
    if (this.jsonEnabled()) {
      process.exitCode = mapped.exitCode
      this.logJson({error: {exitCode: mapped.exitCode, hint: mapped.hint, message: mapped.message, name: mapped.name}})
      return
    }
    // One sentence and what to do next, unwrapped (oclif's own formatter would wrap and indent it).
    process.stderr.write(`Error: ${mapped.message}\n${mapped.hint ? `${mapped.hint}\n` : ''}`)
    this.exit(mapped.exitCode)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.connection?.clients.destroy()
    return super.finally(error)
  }

  /** Ends the command with `code` after its result was printed (used for documented non-zero outcomes). */
  protected setExitCode(code: number): void {
    process.exitCode = code
  }
}

export {ClickopsError, ExitCode, UsageError}
