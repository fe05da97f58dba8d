/** Base of the `clickops local` commands: no target or stream flags, the stack's own port flags. */
import {Command, Flags} from '@oclif/core'

import {keyValues, table} from './output.js'
import {BaseCommand} from './base-command.js'
import type {LocalStatus} from '../lib/local/stack.js'
import {formatDuration} from '../lib/format.js'

export abstract class LocalCommand<T extends typeof Command> extends BaseCommand<T> {
  static override baseFlags = {} as typeof BaseCommand.baseFlags

  protected async localConfig(overrides: {kinesis?: number; kinesisTls?: number; gateway?: number; scheduler?: number} = {}) {
    const {resolveLocalConfig} = await import('../lib/local/config.js')
    const clean = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined))
    return resolveLocalConfig(process.env, clean)
  }
}

export const portFlags = {
  'kinesis-port': Flags.integer({description: 'Loopback port of kinesis-local (plain http). [env: CLICKOPS_KINESIS_PORT, default: 4568]', min: 1, max: 65_535}),
  'kinesis-tls-port': Flags.integer({description: 'Loopback port of kinesis-local (https). [env: CLICKOPS_KINESIS_TLS_PORT, default: 4567]', min: 1, max: 65_535}),
  'gateway-port': Flags.integer({description: 'Loopback port of the local API gateway. [env: CLICKOPS_GATEWAY_PORT, default: 4580]', min: 1, max: 65_535}),
  'scheduler-port': Flags.integer({description: 'Loopback port of the local scheduler (autoscale). [env: CLICKOPS_SCHEDULER_PORT, default: 4581]', min: 1, max: 65_535}),
}

export function renderLocalStatus(status: LocalStatus): string {
  const head = keyValues([
    ['state', status.state],
    ['home', status.home],
    ['data', status.dataDir],
    ['started', status.startedAt],
    ['uptime', status.uptimeSeconds === undefined ? undefined : formatDuration(status.uptimeSeconds * 1000)],
  ])
  if (status.services.length === 0) return head
  const rows = status.services.map((s) => [s.name, s.healthy ? 'healthy' : s.running ? 'unhealthy' : 'stopped', s.pid, Object.values(s.ports).join(', '), s.endpoint])
  return `${head}\n\n${table(['service', 'state', 'pid', 'ports', 'endpoint'], rows)}`
}
