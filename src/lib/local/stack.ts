/**
 * The embedded local stack: start (detached), stop, status and "start when needed". Each service
 * runs as its own detached node process on loopback, with its pid, ports and start time recorded
 * in `<CLICKOPS_HOME>/local/stack.json`, its log in `logs/`, and kinesis-local's data in `data/`.
 */
import {spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {mkdir, open, rm, unlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {LocalStackError, PortInUseError} from '../errors.js'
import {LOCAL_PORTS, type LocalConfig, type LocalPortName} from './config.js'
import {httpOk, isAlive, isPortFree, readJson, sleep, tail, terminate} from './process.js'
import {STACK_SERVICES, type ServiceSpec} from './services.js'

export interface ServiceState {
  name: string
  pid: number
  ports: Partial<Record<LocalPortName, number>>
  endpoint: string
  healthUrl: string
  log: string
  startedAt: string
}

export interface StackState {
  version: 1
  startedAt: string
  services: ServiceState[]
}

export interface ServiceStatus extends ServiceState {
  running: boolean
  healthy: boolean
}

export interface LocalStatus {
  /** running: every service healthy; degraded: some are down; stopped: none runs. */
  state: 'running' | 'degraded' | 'stopped'
  home: string
  dataDir: string
  startedAt?: string
  uptimeSeconds?: number
  services: ServiceStatus[]
  /** Endpoints by service name (only when running). */
  endpoints: Record<string, string>
}

export interface UpOptions {
  services?: ServiceSpec[]
  /** Milliseconds to wait for health (default 60 s). */
  timeoutMs?: number
  onProgress?: (message: string) => void
  now?: () => Date
}

const readState = (config: LocalConfig) => readJson<StackState>(config.stateFile)

/**
 * One health probe's patience. kinesis-local stalls for a second or two while it rewrites a large
 * store to disk, so a short timeout would call a busy emulator dead.
 */
const HEALTH_TIMEOUT_MS = 3000
/** How long a running service may stay unresponsive before commands give up on it. */
const UNRESPONSIVE_GRACE_MS = 20_000

export async function localStatus(config: LocalConfig, now: () => Date = () => new Date()): Promise<LocalStatus> {
  const state = await readState(config)
  const services: ServiceStatus[] = []
  for (const service of state?.services ?? []) {
    const running = isAlive(service.pid)
    const healthy = running && (await httpOk(service.healthUrl, HEALTH_TIMEOUT_MS))
    services.push({...service, running, healthy})
  }
  const healthyCount = services.filter((s) => s.healthy).length
  const stateName = services.length > 0 && healthyCount === services.length ? 'running' : services.some((s) => s.running) ? 'degraded' : 'stopped'
  const status: LocalStatus = {state: stateName, home: config.home, dataDir: config.dataDir, services, endpoints: {}}
  if (stateName !== 'stopped' && state) {
    status.startedAt = state.startedAt
    status.uptimeSeconds = Math.max(0, Math.round((now().getTime() - Date.parse(state.startedAt)) / 1000))
  }
  if (stateName === 'running') for (const s of services) status.endpoints[s.name] = s.endpoint
  return status
}

/**
 * What `up` says about services it kept: one running on other ports than the ones asked for stays
 * where it is (moving it means `local down` first).
 */
function portNotices(kept: readonly {name: string; ports: Partial<Record<LocalPortName, number>>}[], config: LocalConfig): string[] {
  const notices: string[] = []
  for (const s of kept) {
    for (const [port, actual] of Object.entries(s.ports) as [LocalPortName, number][]) {
      if (actual !== config.ports[port]) {
        notices.push(
          `${s.name} already runs on port ${actual}, not ${config.ports[port]}: it keeps its port; \`clickops local down\` first to move it.`,
        )
      }
    }
  }
  return notices
}

/** Starts every service that is not already running; returns the status, what started, and notices about kept services. */
export async function localUp(config: LocalConfig, options: UpOptions = {}): Promise<{started: string[]; status: LocalStatus; notices: string[]}> {
  const specs = options.services ?? STACK_SERVICES
  const now = options.now ?? (() => new Date())
  return withLock(config, async () => {
    const current = await localStatus(config, now)
    const previous = await readState(config)
    // Healthy services stay as they are; anything running but unhealthy is stopped and restarted.
    // A service whose process is alive is kept, never killed from here: killing kinesis-local in the
    // middle of writing its store would lose every stream. A slow one gets time to answer; one that
    // stays silent is reported, and `local down` (which waits for its data to be on disk) is the cure.
    const keep = current.services.filter((s) => s.running && specs.some((spec) => spec.name === s.name))
    for (const s of keep) {
      if (!s.healthy && !(await waitHealthy(s.healthUrl, UNRESPONSIVE_GRACE_MS))) {
        throw new LocalStackError(
          `${s.name} (pid ${s.pid}) is running but has not answered ${s.healthUrl} for ${UNRESPONSIVE_GRACE_MS / 1000} s.`,
          `See its log (${s.log}); restart the stack with \`clickops local down\` and \`clickops local up\`.`,
        )
      }
    }
    const notices = portNotices(keep, config)
    const missing = specs.filter((spec) => !keep.some((k) => k.name === spec.name))
    if (missing.length === 0) return {notices, started: [], status: current}

    await mkdir(config.logDir, {recursive: true})
    await mkdir(config.dataDir, {recursive: true})
    for (const spec of missing) {
      for (const port of spec.ports) {
        if (!(await isPortFree(config.ports[port]))) {
          throw new PortInUseError(config.ports[port], LOCAL_PORTS[port].what, LOCAL_PORTS[port].env)
        }
      }
    }

    const state: StackState = {
      version: 1,
      startedAt: keep.length > 0 && previous ? previous.startedAt : now().toISOString(),
      services: keep.map(({healthy: _h, running: _r, ...rest}) => rest),
    }
    const startedHere: ServiceState[] = []
    try {
      for (const spec of missing) {
        options.onProgress?.(`starting ${spec.description} on ${spec.endpoint(config)}`)
        const started = await startService(config, spec, options.timeoutMs ?? 60_000, now, options.onProgress)
        startedHere.push(started)
        state.services.push(started)
        await writeFile(config.stateFile, JSON.stringify(state, null, 2) + '\n')
      }
    } catch (error) {
      for (const s of startedHere.reverse()) await terminate(s.pid)
      state.services = state.services.filter((s) => !startedHere.includes(s))
      if (state.services.length > 0) await writeFile(config.stateFile, JSON.stringify(state, null, 2) + '\n')
      else await rm(config.stateFile, {force: true})
      throw error
    }
    return {notices, started: missing.map((s) => s.name), status: await localStatus(config, now)}
  })
}

async function startService(config: LocalConfig, spec: ServiceSpec, timeoutMs: number, now: () => Date, onProgress?: (message: string) => void): Promise<ServiceState> {
  const notice = await spec.beforeStart?.(config)
  if (notice) onProgress?.(notice)
  const {args, env} = spec.launch(config)
  const log = join(config.logDir, `${spec.name}.log`)
  const fd = openSync(log, 'a')
  let exitCode: number | null | undefined
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: {...process.env, ...env},
    cwd: config.dir,
  })
  closeSync(fd)
  child.once('exit', (code, signal) => {
    exitCode = code ?? (signal ? -1 : null)
  })
  child.once('error', () => {
    exitCode = -1
  })
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new LocalStackError(`Could not start ${spec.name}.`, `See ${log}.`)

  const healthUrl = spec.healthUrl(config)
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const output = await tail(log)
      const inUse = /EADDRINUSE[^\n]*:(\d+)/.exec(output)
      if (inUse) {
        const port = Number(inUse[1])
        const name = spec.ports.find((p) => config.ports[p] === port) ?? spec.ports[0]
        throw new PortInUseError(port, LOCAL_PORTS[name].what, LOCAL_PORTS[name].env)
      }
      throw new LocalStackError(`${spec.name} exited while starting.`, `See its log: ${log}`)
    }
    if (await httpOk(healthUrl, 500)) {
      const ports: Partial<Record<LocalPortName, number>> = {}
      for (const p of spec.ports) ports[p] = config.ports[p]
      return {name: spec.name, pid, ports, endpoint: spec.endpoint(config), healthUrl, log, startedAt: now().toISOString()}
    }
    await sleep(100)
  }
  await terminate(pid)
  throw new LocalStackError(`${spec.name} did not become healthy within ${Math.round(timeoutMs / 1000)} s.`, `See its log: ${log}`)
}

async function waitHealthy(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await httpOk(url, HEALTH_TIMEOUT_MS)) return true
    await sleep(250)
  }
  return false
}

/** Stops every service (data is kept). */
export async function localDown(config: LocalConfig): Promise<{stopped: string[]}> {
  return withLock(config, async () => {
    const state = await readState(config)
    const stopped: string[] = []
    for (const service of [...(state?.services ?? [])].reverse()) {
      const spec = STACK_SERVICES.find((s) => s.name === service.name)
      if (spec?.beforeStop && isAlive(service.pid)) await spec.beforeStop(config)
      const result = await terminate(service.pid)
      if (result !== 'not-running') stopped.push(service.name)
    }
    await rm(config.stateFile, {force: true})
    return {stopped}
  })
}

/**
 * For commands on target local: the stack's endpoints, starting it first when it is not running.
 * `started` is true when this call started it (commands say so).
 */
export async function ensureLocalStack(config: LocalConfig, options: UpOptions = {}): Promise<{started: boolean; endpoints: Record<string, string>}> {
  const status = await localStatus(config, options.now)
  const wanted = (options.services ?? STACK_SERVICES).map((s) => s.name)
  if (status.state === 'running' && wanted.every((n) => status.endpoints[n])) return {started: false, endpoints: status.endpoints}
  const up = await localUp(config, options)
  return {started: up.started.length > 0, endpoints: up.status.endpoints}
}

/** A lock file so that two commands never start or stop the stack at the same time. */
async function withLock<T>(config: LocalConfig, fn: () => Promise<T>): Promise<T> {
  await mkdir(config.dir, {recursive: true})
  const deadline = Date.now() + 90_000
  for (;;) {
    try {
      const handle = await open(config.lockFile, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number((await readJson<number>(config.lockFile)) ?? Number.NaN)
      if (!Number.isInteger(holder) || !isAlive(holder)) {
        await unlink(config.lockFile).catch(() => {})
        continue
      }
      if (Date.now() > deadline) {
        throw new LocalStackError(`Another clickops process (pid ${holder}) is starting or stopping the local stack.`, 'Wait for it, then try again.')
      }
      await sleep(100)
    }
  }
  try {
    return await fn()
  } finally {
    await unlink(config.lockFile).catch(() => {})
  }
}
