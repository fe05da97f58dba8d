/**
 * Where the embedded stack keeps its state and which loopback ports it uses. Pure: a function of
 * the environment and explicit overrides.
 */
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'

import {UsageError} from '../errors.js'
import type {Env} from '../target.js'

/** Default loopback ports, each overridable by its env var (and a `clickops local up` flag). */
export const LOCAL_PORTS = {
  kinesis: {default: 4568, env: 'CLICKOPS_KINESIS_PORT', what: 'kinesis-local, plain http'},
  kinesisTls: {default: 4567, env: 'CLICKOPS_KINESIS_TLS_PORT', what: 'kinesis-local, https'},
  gateway: {default: 4580, env: 'CLICKOPS_GATEWAY_PORT', what: 'local API gateway'},
  scheduler: {default: 4581, env: 'CLICKOPS_SCHEDULER_PORT', what: 'local scheduler (autoscale)'},
} as const
export type LocalPortName = keyof typeof LOCAL_PORTS

export interface LocalConfig {
  /** The state directory (CLICKOPS_HOME, default ~/.clickops). */
  home: string
  /** The stack's own folder inside it. */
  dir: string
  stateFile: string
  lockFile: string
  logDir: string
  dataDir: string
  ports: Record<LocalPortName, number>
  /** kinesis-local's account shard quota (its SHARD_LIMIT; env CLICKOPS_LOCAL_SHARD_LIMIT, default 50). */
  shardLimit: number
}

/** The emulator's default account shard quota. */
export const LOCAL_DEFAULT_SHARD_LIMIT = 50

export function parsePort(value: string | number, source: string): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    throw new UsageError(`${source} must be a port number between 1 and 65535, not "${value}".`)
  }
  return n
}

export function resolveLocalConfig(env: Env = process.env, overrides: Partial<Record<LocalPortName, number>> = {}): LocalConfig {
  const home = resolve(env.CLICKOPS_HOME && env.CLICKOPS_HOME !== '' ? env.CLICKOPS_HOME : join(homedir(), '.clickops'))
  const dir = join(home, 'local')
  const ports = {} as Record<LocalPortName, number>
  for (const [name, spec] of Object.entries(LOCAL_PORTS) as [LocalPortName, (typeof LOCAL_PORTS)[LocalPortName]][]) {
    const override = overrides[name]
    const fromEnv = env[spec.env]
    ports[name] = override ?? (fromEnv !== undefined && fromEnv !== '' ? parsePort(fromEnv, spec.env) : spec.default)
  }
  const seen = new Map<number, string>()
  for (const [name, port] of Object.entries(ports)) {
    if (seen.has(port)) throw new UsageError(`Ports of ${seen.get(port)} and ${name} are both ${port}; give them distinct ports.`)
    seen.set(port, name)
  }
  return {
    home,
    dir,
    stateFile: join(dir, 'stack.json'),
    lockFile: join(dir, 'stack.lock'),
    logDir: join(dir, 'logs'),
    dataDir: join(dir, 'data'),
    ports,
    shardLimit:
      env.CLICKOPS_LOCAL_SHARD_LIMIT !== undefined && env.CLICKOPS_LOCAL_SHARD_LIMIT !== ''
        ? parseIntInRangeLocal(env.CLICKOPS_LOCAL_SHARD_LIMIT, 'CLICKOPS_LOCAL_SHARD_LIMIT')
        : LOCAL_DEFAULT_SHARD_LIMIT,
  }
}

function parseIntInRangeLocal(value: string, source: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UsageError(`${source} must be a whole number from 1 to 100000, not "${value}".`)
  return n
}
