import {ExitCode} from '../lib/errors.js'

export interface Interruptible {
  /** Aborted by the first Ctrl-C (or by abort()). */
  readonly signal: AbortSignal
  /** Stops the work as a first Ctrl-C would, for other reasons (a closed pipe). */
  abort(): void
  /** Removes the signal handlers. */
  dispose(): void
}

/**
 * Ctrl-C for a command that can stop cleanly: the first one runs `onFirst` and aborts `signal`, so
 * the work ends at its next safe point; a second one exits 130 at once. SIGTERM counts as Ctrl-C
 * unless `signals` says otherwise.
 */
export function interruptible(options: {onFirst?: () => void; signals?: readonly NodeJS.Signals[]} = {}): Interruptible {
  const controller = new AbortController()
  const signals = options.signals ?? ['SIGINT', 'SIGTERM']
  let received = 0
  const onSignal = () => {
    received += 1
    if (received > 1) process.exit(ExitCode.INTERRUPTED)
    options.onFirst?.()
    controller.abort()
  }
  for (const s of signals) process.on(s, onSignal)
  return {
    abort: () => controller.abort(),
    dispose() {
      for (const s of signals) process.off(s, onSignal)
    },
    signal: controller.signal,
  }
}
