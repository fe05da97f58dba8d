/**
 * The embedded local stack: start (detached), stop, status and "start when needed". Each service
 * runs as its own detached node process on loopback, with its pid, ports and start time recorded
 * in `<CLICKOPS_HOME>/local/stack.json`, its log in `logs/`, and kinesis-local's data in `data/`.
 */
import {spawn} from 'node:child_process'
import {closeSync, fchmodSync, openSync} from 'node:fs'
import {readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {LocalStackError, PortInUseError} from '../errors.js'
import {LOCAL_PORTS, type LocalConfig, type LocalPortName} from './config.js'
import {ensurePrivateDir, fullDiskError, isStateDirProblem, makePrivate, PRIVATE_FILE_MODE, stateDirError, writePrivateFile} from './files.js'
import {
  canFindProcesses,
  httpOk,
  isPortFree,
  isSameProcess,
  isSignallablePid,
  processesWithEnv,
  processIdentity,
  type ProcessIdentity,
  sleep,
  tail,
  terminate,
} from './process.js'
import {STACK_SERVICES, type ServiceSpec} from './services.js'

export interface ServiceState {
  name: string
  pid: number
  ports: Partial<Record<LocalPortName, number>>
  endpoint: string
  healthUrl: string
  log: string
  startedAt: string
  /** Start time and command line of the process, read when it started: a pid is signalled only while both still match. */
  identity?: Pick<ProcessIdentity, 'startTime' | 'commandLine'>
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
  /** Set when stack.json could not be read and the services were found from their processes instead. */
  recovered?: string
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

/** The environment variable that marks a service's process with its stack and its record (JSON). */
export const SERVICE_MARKER_ENV = 'CLICKOPS_STACK_SERVICE'

function isStackState(value: unknown): value is StackState {
  const v = value as StackState
  return (
    typeof v === 'object' && v !== null && v.version === 1 && typeof v.startedAt === 'string' && Array.isArray(v.services) &&
    v.services.every((s) => typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.pid === 'number' && typeof s.healthUrl === 'string')
  )
}

/**
 * The stack as recorded in stack.json. When that file is missing or unreadable, the running services
 * are found from the processes themselves (each carries its stack folder in its environment), so a
 * lost or corrupt stack.json never orphans them; where processes cannot be found that way (no /proc),
 * a corrupt file is an error that says what to do.
 */
async function readState(config: LocalConfig): Promise<{state?: StackState; recovered?: string}> {
  let text: string | undefined
  try {
    text = await readFile(config.stateFile, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw stateDirError(error, config.home)
  }
  let parsed: unknown
  if (text !== undefined) {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (isStackState(parsed)) return {state: parsed}
  }
  const found = await findServices(config)
  if (found.length > 0) {
    const startedAt = found.map((s) => s.startedAt).sort()[0]
    const recovered =
      text === undefined
        ? `${config.stateFile} is missing; found the running services from their processes.`
        : `${config.stateFile} could not be read; found the running services from their processes.`
    return {recovered, state: {services: found, startedAt, version: 1}}
  }
  if (text !== undefined && !canFindProcesses()) {
    throw new LocalStackError(
      `${config.stateFile} cannot be read, so clickops cannot tell which processes are the local stack's.`,
      `Stop any kinesis-local and clickops gateway process started for ${config.dir} (look for them with \`ps -ef | grep -e kinesis-local -e gateway/main\`), then delete ${config.stateFile}.`,
    )
  }
  return {}
}

/** The stack's services, found from the processes that carry this stack folder in their environment. */
async function findServices(config: LocalConfig): Promise<ServiceState[]> {
  const services: ServiceState[] = []
  for (const {identity, pid, value} of await processesWithEnv(SERVICE_MARKER_ENV)) {
    let record: Omit<ServiceState, 'pid' | 'identity'> & {dir?: string}
    try {
      record = JSON.parse(value) as typeof record
    } catch {
      continue
    }
    if (record.dir !== config.dir) continue
    const {dir: _dir, ...rest} = record
    services.push({...rest, identity: {commandLine: identity.commandLine, startTime: identity.startTime}, pid})
  }
  return services.sort((a, b) => STACK_SERVICES.findIndex((s) => s.name === a.name) - STACK_SERVICES.findIndex((s) => s.name === b.name))
}

/**
 * The live process of a recorded service, or undefined. A pid is the service only when it is a real
 * single process (> 1) whose start time and command line are the ones recorded when it started; a
 * record from an earlier clickops (no identity) must at least run the service's program. A stale pid
 * (after a reboot, or a crash) is never taken for the service, and never signalled.
 */
async function liveProcess(config: LocalConfig, service: ServiceState): Promise<ProcessIdentity | undefined> {
  if (!isSignallablePid(service.pid)) return undefined
  if (service.identity) return isSameProcess(service.pid, service.identity)
  const spec = STACK_SERVICES.find((s) => s.name === service.name)
  const identity = await processIdentity(service.pid)
  const program = spec?.launch(config).args.at(-1)
  return identity && program && identity.commandLine.endsWith(program) ? identity : undefined
}

async function writeState(config: LocalConfig, state: StackState): Promise<void> {
  try {
    await writePrivateFile(config.stateFile, JSON.stringify(state, null, 2) + '\n')
  } catch (error) {
    throw stateDirError(error, config.home)
  }
}

/**
 * One health probe's patience. kinesis-local stalls for a second or two while it rewrites a large
 * store to disk, so a short timeout would call a busy emulator dead.
 */
const HEALTH_TIMEOUT_MS = 3000
/** How long a running service may stay unresponsive before commands give up on it. */
const UNRESPONSIVE_GRACE_MS = 20_000

export async function localStatus(config: LocalConfig, now: () => Date = () => new Date()): Promise<LocalStatus> {
  const {recovered, state} = await readState(config)
  const services: ServiceStatus[] = []
  for (const service of state?.services ?? []) {
    const running = (await liveProcess(config, service)) !== undefined
    const healthy = running && (await httpOk(service.healthUrl, HEALTH_TIMEOUT_MS))
    services.push({...service, running, healthy})
  }
  const healthyCount = services.filter((s) => s.healthy).length
  const stateName = services.length > 0 && healthyCount === services.length ? 'running' : services.some((s) => s.running) ? 'degraded' : 'stopped'
  const status: LocalStatus = {state: stateName, home: config.home, dataDir: config.dataDir, services, endpoints: {}}
  if (recovered) status.recovered = recovered
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
    const {state: previous} = await readState(config)
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
    if (current.recovered) notices.unshift(current.recovered)
    const missing = specs.filter((spec) => !keep.some((k) => k.name === spec.name))
    const kept = (): StackState => ({
      services: keep.map(({healthy: _h, running: _r, ...rest}) => rest),
      startedAt: keep.length > 0 && previous ? previous.startedAt : now().toISOString(),
      version: 1,
    })
    if (missing.length === 0) {
      // stack.json was lost or unreadable: write it again from what was found.
      if (current.recovered) await writeState(config, kept())
      return {notices, started: [], status: current}
    }

    try {
      for (const dir of [config.home, config.dir, config.logDir, config.dataDir]) await ensurePrivateDir(dir)
      await makePrivate(config.dir)
    } catch (error) {
      throw stateDirError(error, config.home)
    }
    // A full disk: the services could not even write their logs. Better to know before anything starts.
    const full = await fullDiskError(config.home)
    if (full) throw full
    for (const spec of missing) {
      for (const port of spec.ports) {
        if (!(await isPortFree(config.ports[port]))) {
          throw new PortInUseError(config.ports[port], LOCAL_PORTS[port].what, LOCAL_PORTS[port].env)
        }
      }
    }

    const state = kept()
    // Can the state be written at all? Better to know before anything starts.
    await writeState(config, state)
    const startedHere: ServiceState[] = []
    try {
      for (const spec of missing) {
        options.onProgress?.(`starting ${spec.description} on ${spec.endpoint(config)}`)
        const started = await startService(config, spec, options.timeoutMs ?? 60_000, now, options.onProgress)
        startedHere.push(started)
        state.services.push(started)
        await writeState(config, state)
      }
    } catch (error) {
      for (const s of startedHere.reverse()) await stopService(config, s)
      state.services = state.services.filter((s) => !startedHere.includes(s))
      if (state.services.length > 0) await writeState(config, state).catch(() => {})
      else await rm(config.stateFile, {force: true}).catch(() => {})
      throw stateDirError(error, config.home)
    }
    return {notices, started: missing.map((s) => s.name), status: await localStatus(config, now)}
  })
}

async function startService(config: LocalConfig, spec: ServiceSpec, timeoutMs: number, now: () => Date, onProgress?: (message: string) => void): Promise<ServiceState> {
  const notice = await spec.beforeStart?.(config)
  if (notice) onProgress?.(notice)
  const {args, env} = spec.launch(config)
  const log = join(config.logDir, `${spec.name}.log`)
  const fd = openSync(log, 'a', PRIVATE_FILE_MODE)
  fchmodSync(fd, PRIVATE_FILE_MODE)
  let exitCode: number | null | undefined
  const healthUrl = spec.healthUrl(config)
  const ports: Partial<Record<LocalPortName, number>> = {}
  for (const p of spec.ports) ports[p] = config.ports[p]
  const record = {endpoint: spec.endpoint(config), healthUrl, log, name: spec.name, ports, startedAt: now().toISOString()}
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: {...process.env, ...env, [SERVICE_MARKER_ENV]: JSON.stringify({...record, dir: config.dir})},
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
      throw (await fullDiskError(config.home)) ?? new LocalStackError(`${spec.name} exited while starting.`, `See its log: ${log}`)
    }
    if (await httpOk(healthUrl, 500)) {
      const identity = await processIdentity(pid)
      if (identity) return {...record, identity: {commandLine: identity.commandLine, startTime: identity.startTime}, pid}
    }
    await sleep(100)
  }
  const identity = await processIdentity(pid)
  if (identity) await terminate(pid, identity)
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

/**
 * Stops one recorded service, only when its process is still the one that was started. Returns
 * whether it was running, and a notice when something the user should know happened.
 */
async function stopService(config: LocalConfig, service: ServiceState): Promise<{stopped: boolean; notice?: string}> {
  const identity = await liveProcess(config, service)
  if (!identity) return {stopped: false}
  const spec = STACK_SERVICES.find((s) => s.name === service.name)
  const since = new Date()
  const result = await terminate(service.pid, identity, spec?.stopGraceMs)
  if (result === 'not-running') return {stopped: false}
  const notice = await spec?.afterStop?.(config, since)
  return notice ? {notice, stopped: true} : {stopped: true}
}

/**
 * Stops every service (data is kept). It works on a full or read-only disk too: the lock is then
 * skipped (it cannot be written), and stopping needs no space.
 */
export async function localDown(config: LocalConfig): Promise<{stopped: string[]; notices: string[]}> {
  return withLock(
    config,
    async () => {
      const {recovered, state} = await readState(config)
      const stopped: string[] = []
      const notices: string[] = recovered ? [recovered] : []
      for (const service of [...(state?.services ?? [])].reverse()) {
        const result = await stopService(config, service)
        if (result.stopped) stopped.push(service.name)
        if (result.notice) notices.push(result.notice)
      }
      await rm(config.stateFile, {force: true}).catch(() => {})
      return {notices, stopped}
    },
    {bestEffort: true},
  )
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

/** How long a command waits for another one that is starting or stopping the stack. */
const LOCK_WAIT_MS = 90_000

/**
 * A lock (proper-lockfile: an atomic mkdir, kept fresh while held, taken over when its holder died)
 * so that two commands never start or stop the stack at the same time. `bestEffort`: when the lock
 * cannot be written at all (full or read-only disk), go on without it.
 */
async function withLock<T>(config: LocalConfig, fn: () => Promise<T>, options: {bestEffort?: boolean} = {}): Promise<T> {
  const {lock} = await import('proper-lockfile')
  let release: (() => Promise<void>) | undefined
  try {
    await ensurePrivateDir(config.dir)
    release = await lock(config.dir, {
      lockfilePath: config.lockFile,
      onCompromised: () => {},
      realpath: false,
      retries: {factor: 1.2, maxRetryTime: LOCK_WAIT_MS, maxTimeout: 500, minTimeout: 50, retries: 1000},
      stale: 15_000,
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new LocalStackError('Another clickops process is starting or stopping the local stack.', 'Wait for it, then try again.')
    }
    if (!(options.bestEffort && isStateDirProblem(error))) throw stateDirError(error, config.home)
  }
  try {
    return await fn()
  } finally {
    await release?.().catch(() => {})
  }
}
