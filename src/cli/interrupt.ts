import {ExitCode} from '../lib/errors.js'

export interface Interruptible {
  /** Aborted by the first Ctrl-C (or by abort()). */
  readonly signal: AbortSignal
  /** Aborted by the second Ctrl-C when `onSecond` is given (the hard stop); never otherwise. */
  readonly hardSignal: AbortSignal
  /** Stops the work as a first Ctrl-C would, for other reasons (a closed pipe). */
  abort(): void
  /** Removes the signal handlers. */
  dispose(): void
}

export interface InterruptOptions {
  /** Runs on the first Ctrl-C, before `signal` aborts (say what happens now). */
  onFirst?: () => void
  /**
   * Makes a three-stage interrupt: the second Ctrl-C runs this and aborts `hardSignal` (abandon what
   * is in flight), and only the third exits 130. Without it the second Ctrl-C exits 130.
   */
  onSecond?: () => void
  signals?: readonly NodeJS.Signals[]
}

/**
 * Ctrl-C for a command that can stop cleanly: the first one runs `onFirst` and aborts `signal`, so
 * the work ends at its next safe point; a second one exits 130 at once, or, with `onSecond`, aborts
 * `hardSignal` and leaves the exit to a third. SIGTERM counts as Ctrl-C unless `signals` says otherwise.
 */
export function interruptible(options: InterruptOptions = {}): Interruptible {
  const controller = new AbortController()
  const hard = new AbortController()
  const signals = options.signals ?? ['SIGINT', 'SIGTERM']
  const stages = options.onSecond === undefined ? 1 : 2
  let received = 0
  const onSignal = () => {
    received += 1
    if (received > stages) {
      process.exit(ExitCode.INTERRUPTED)
      return
    }
    if (received === 1) {
      options.onFirst?.()
      controller.abort()
    } else {
      options.onSecond?.()
      hard.abort()
    }
  }
  for (const s of signals) process.on(s, onSignal)
  return {
    abort: () => controller.abort(),
    dispose() {
      for (const s of signals) process.off(s, onSignal)
    },
    hardSignal: hard.signal,
    signal: controller.signal,
  }
}
