/** Small process and socket utilities for the embedded stack. */
import {execFile} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {open, readdir, readFile} from 'node:fs/promises'
import {get as httpGet} from 'node:http'
import {createServer} from 'node:net'
import {promisify} from 'node:util'

/** True when a process `pid` runs (a zombie, dead but not yet reaped by its parent, does not). */
export function isAlive(pid: number): boolean {
  if (!isSignallablePid(pid)) return false
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (!PROC) return true
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
  } catch {
    return false
  }
}

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({port, host, exclusive: true}, () => server.close(() => resolve(true)))
  })
}

/** A free ephemeral port on loopback (for tests and benchmarks). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({port: 0, host: '127.0.0.1'}, () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

/**
 * GET `url`; true on a 2xx answer within `timeoutMs`. Its own connection, closed after the answer:
 * a pooled keep-alive connection would outlive a service that is killed and hold its port (the
 * killed side stays in FIN-WAIT-2 while the client keeps its end open), so it could not restart.
 */
export function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpGet(url, {agent: false, headers: {connection: 'close'}, timeout: timeoutMs}, (response) => {
      response.resume()
      response.once('end', () => resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300))
      response.once('error', () => resolve(false))
    })
    request.once('timeout', () => request.destroy())
    request.once('error', () => resolve(false))
  })
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * What tells one process from another that later gets the same pid: its start time (clock ticks
 * since boot on Linux, `ps`'s start time elsewhere) and its command line. `group` is true when it
 * leads its own process group (the stack starts every service detached, so it does).
 */
export interface ProcessIdentity {
  startTime: string
  commandLine: string
  group: boolean
}

/** Only a real, single process may ever be signalled: 0, -1 and 1 (init) mean "many" or "everyone". */
export const isSignallablePid = (pid: unknown): pid is number => typeof pid === 'number' && Number.isInteger(pid) && pid > 1

const PROC = existsSync('/proc/self/stat')

/** The identity of a live process, or undefined when there is none (or only a zombie). */
export async function processIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  if (!isSignallablePid(pid)) return undefined
  if (PROC) {
    try {
      const [stat, cmdline] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')])
      // Fields after the command name in parentheses: state ppid pgrp session ... starttime (22nd overall).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (fields[0] === 'Z' || fields[0] === 'X') return undefined
      return {commandLine: cmdline.split('\0').filter((a) => a !== '').join(' '), group: Number(fields[2]) === pid, startTime: fields[19]}
    } catch {
      return undefined
    }
  }
  try {
    const {stdout} = await promisify(execFile)('ps', ['-o', 'pgid=', '-o', 'lstart=', '-o', 'args=', '-p', String(pid)])
    const match = /^\s*(\d+)\s+(\S+\s+\S+\s+\d+\s+[\d:]+\s+\d+)\s+(.*)$/.exec(stdout.trim())
    return match ? {commandLine: match[3], group: Number(match[1]) === pid, startTime: match[2]} : undefined
  } catch {
    return undefined
  }
}

/** True when the live process `pid` is the one whose identity was recorded. */
export async function isSameProcess(pid: number, recorded: Pick<ProcessIdentity, 'startTime' | 'commandLine'>): Promise<ProcessIdentity | undefined> {
  const now = await processIdentity(pid)
  return now && now.startTime === recorded.startTime && now.commandLine === recorded.commandLine ? now : undefined
}

/**
 * The live processes whose environment holds `name=<value>` (Linux, own processes only), with
 * that value. Elsewhere: none.
 */
export async function processesWithEnv(name: string): Promise<{pid: number; value: string; identity: ProcessIdentity}[]> {
  if (!PROC) return []
  const found: {pid: number; value: string; identity: ProcessIdentity}[] = []
  const prefix = `${name}=`
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid || !isSignallablePid(pid)) continue
    let environ: string
    try {
      environ = await readFile(`/proc/${pid}/environ`, 'utf8')
    } catch {
      continue
    }
    if (!environ.includes(prefix)) continue
    const value = environ.split('\0').find((v) => v.startsWith(prefix))?.slice(prefix.length)
    const identity = value === undefined ? undefined : await processIdentity(pid)
    if (value !== undefined && identity) found.push({identity, pid, value})
  }
  return found
}

/** Whether this platform lets clickops find processes by their environment (Linux /proc). */
export const canFindProcesses = (): boolean => PROC

/**
 * Sends SIGTERM to a verified process (its group when it leads one), then SIGKILL after `graceMs`.
 * Resolves when it is gone. The caller must have checked that `pid` is the process it means to
 * stop (`isSameProcess`): the signal goes to nothing else.
 */
export async function terminate(pid: number, identity: ProcessIdentity, graceMs = 10_000): Promise<'exited' | 'killed' | 'not-running'> {
  if (!isSignallablePid(pid)) return 'not-running'
  const gone = async () => !(await isSameProcess(pid, identity))
  if (await gone()) return 'not-running'
  signal(pid, identity.group, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (await gone()) return 'exited'
    await sleep(50)
  }
  if (await gone()) return 'exited'
  signal(pid, identity.group, 'SIGKILL')
  while (!(await gone())) await sleep(20)
  return 'killed'
}

function signal(pid: number, group: boolean, sig: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, sig)
  } catch {
    /* already gone */
  }
}

/** The last `bytes` of a file, or '' when it does not exist. */
export async function tail(path: string, bytes = 4096): Promise<string> {
  try {
    const handle = await open(path, 'r')
    try {
      const {size} = await handle.stat()
      const start = Math.max(0, size - bytes)
      const buffer = Buffer.alloc(size - start)
      await handle.read(buffer, 0, buffer.length, start)
      return buffer.toString('utf8')
    } finally {
      await handle.close()
    }
  } catch {
    return ''
  }
}

