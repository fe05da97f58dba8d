/**
 * Runs a bundled handler in a child process the way Lambda's Node.js runtime calls it: the module
 * imported fresh (a cold start), `handler(event, context)` awaited once, with a context that has
 * the request id, the function name and getRemainingTimeInMillis(); what the handler writes to
 * stdout is its log. Used by the local stack's scheduler, and by tests and benchmarks.
 */
import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {pathToFileURL} from 'node:url'

/**
 * The runtime stand-in, run with `node --input-type=module -e`: argv[1] the bundle's file URL,
 * stdin the event (JSON). Exit 0 when the handler returned, 1 when it threw (the error on stderr).
 */
const RUNTIME = `
const [url] = process.argv.slice(1)
const chunks = []
for await (const c of process.stdin) chunks.push(c)
const text = Buffer.concat(chunks).toString('utf8')
const event = text === '' ? {} : JSON.parse(text)
const deadline = Date.now() + Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT ?? 900) * 1000
const context = {
  awsRequestId: process.env.CLICKOPS_REQUEST_ID,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
}
try {
  const mod = await import(url)
  await mod.handler(event, context)
  process.exit(0)
} catch (error) {
  process.stderr.write(String(error && error.stack || error) + '\\n')
  process.exit(1)
}
`

export interface InvokeOptions {
  /** The bundled module (index.mjs). */
  bundle: string
  event?: unknown
  /** The function's environment (its configuration), on top of PATH and HOME. */
  env: Record<string, string>
  functionName: string
  timeoutSeconds: number
  /** Working directory of the child (default: the current one). */
  cwd?: string
  /** Aborting kills the invocation's process. */
  signal?: AbortSignal
}

export interface InvokeResult {
  requestId: string
  /** Lines the handler wrote to stdout (its log). */
  lines: string[]
  stderr: string
  /** 0: returned; 1: threw; null: killed at the timeout. */
  code: number | null
  timedOut: boolean
  durationMs: number
}

export function invokeBundle(options: InvokeOptions): Promise<InvokeResult> {
  const requestId = randomUUID()
  const started = process.hrtime.bigint()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNTIME, pathToFileURL(options.bundle).href], {
      cwd: options.cwd,
      // Only what a Lambda execution environment has: the function's own variables, no inherited secrets.
      env: {
        AWS_LAMBDA_FUNCTION_NAME: options.functionName,
        AWS_LAMBDA_FUNCTION_TIMEOUT: String(options.timeoutSeconds),
        CLICKOPS_REQUEST_ID: requestId,
        HOME: process.env.HOME ?? '/tmp',
        PATH: process.env.PATH ?? '',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutSeconds * 1000)
    const abort = () => child.kill('SIGKILL')
    options.signal?.addEventListener('abort', abort, {once: true})
    child.once('error', (error) => {
      options.signal?.removeEventListener('abort', abort)
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', abort)
      resolve({
        code: timedOut ? null : code,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        lines: stdout.split('\n').filter((l) => l.trim() !== ''),
        requestId,
        stderr,
        timedOut,
      })
    })
    child.stdin.end(JSON.stringify(options.event ?? {}))
  })
}
