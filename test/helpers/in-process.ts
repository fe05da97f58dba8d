/**
 * Runs a command class in this process (oclif's `Command.run`), stdout and stderr captured: for the
 * unit tier, where spawning the binary for every rejected flag would cost a Node start each.
 *
 * The command module is imported with `import()`, as the commands import the library lazily: a
 * static import from a test file loads its own copy of the modules under mocha + tsx, and the
 * library's errors would then not be `instanceof` the base command's.
 */
import {captureOutput} from '@oclif/test'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface InProcessResult<T> {
  /** The exit code the binary would end with. */
  code: number
  stdout: string
  stderr: string
  result?: T
  error?: Error
}

/** Runs the command `id` (`scale backtest`, `tail`, ...) with `argv`, with `env` set for the run only. */
export async function runInProcess<T = unknown>(id: string, argv: string[], env: Record<string, string | undefined> = {}): Promise<InProcessResult<T>> {
  const {default: command} = (await import(`../../src/commands/${id.replaceAll(' ', '/')}.js`)) as {default: {run(argv: string[], opts: string): Promise<unknown>}}
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  const restore = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  process.exitCode = undefined
  try {
    const {error, result, stderr, stdout} = await captureOutput<T>(() => command.run(argv, ROOT))
    const exit = (error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit
    const code = error ? (exit ?? 1) : Number(process.exitCode ?? 0)
    return {code, error, result, stderr, stdout}
  } finally {
    process.exitCode = undefined
    restore()
  }
}
