/** Small process and socket utilities for the embedded stack. */
import {open, readFile} from 'node:fs/promises'
import {createServer} from 'node:net'

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
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

export async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(url, {signal: AbortSignal.timeout(timeoutMs)})
    await response.arrayBuffer()
    return response.ok
  } catch {
    return false
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Sends SIGTERM to the process group, then SIGKILL after `graceMs`. Resolves when it is gone. */
export async function terminate(pid: number, graceMs = 10_000): Promise<'exited' | 'killed' | 'not-running'> {
  if (!isAlive(pid)) return 'not-running'
  signal(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'exited'
    await sleep(50)
  }
  signal(pid, 'SIGKILL')
  while (isAlive(pid)) await sleep(20)
  return 'killed'
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig)
  } catch {
    try {
      process.kill(pid, sig)
    } catch {
      /* already gone */
    }
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

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T
  } catch {
    return undefined
  }
}
