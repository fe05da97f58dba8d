/** Runs the real CLI binary (bin/run.js, the built package) as a child process. */
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  input?: string
  timeoutMs?: number
  /** Called with the child once it is spawned (to send signals mid-run). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void
}

/** Environment that keeps tests away from the user's ~/.aws and real AWS. */
export function isolatedEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {...process.env}
  for (const key of Object.keys(env)) {
    if (key.startsWith('AWS_') || key.startsWith('CLICKOPS_')) delete env[key]
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    NO_COLOR: '1',
    NODE_OPTIONS: undefined,
    ...extra,
  }
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: isolatedEnv(options.env) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stderr, stdout})
    })
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
    options.onSpawn?.(child)
  })
}

/**
 * A private embedded stack for CLI tests: a temporary CLICKOPS_HOME and free loopback ports, as the
 * env to spawn the CLI with. `cleanup()` stops whatever the CLI started there and removes the folder.
 */
export async function privateStackEnv(prefix: string, extra: Record<string, string> = {}): Promise<{env: Record<string, string>; home: string; cleanup(): Promise<void>}> {
  const [{mkdtemp, rm}, {tmpdir}, {join}, {freePort}] = await Promise.all([import('node:fs/promises'), import('node:os'), import('node:path'), import('../../src/lib/local/process.js')])
  const home = await mkdtemp(join(tmpdir(), `clickops-${prefix}-`))
  const env = {
    CLICKOPS_GATEWAY_PORT: String(await freePort()),
    CLICKOPS_SCHEDULER_PORT: String(await freePort()),
    CLICKOPS_HOME: home,
    CLICKOPS_KINESIS_PORT: String(await freePort()),
    CLICKOPS_KINESIS_TLS_PORT: String(await freePort()),
    ...extra,
  }
  return {
    env,
    home,
    async cleanup() {
      await runCli(['local', 'down'], {env})
      await rm(home, {force: true, recursive: true})
    },
  }
}
