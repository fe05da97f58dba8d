/**
 * The entry into the live view. Only this module (imported lazily by `clickops heat` when it
 * renders) pulls in ink and React.
 */
import {render} from 'ink'

import {HeatApp, type HeatAppProps} from './HeatApp.js'

export interface TuiStreams {
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
  stderr?: NodeJS.WriteStream
  /** Use the terminal's alternate screen (restored on exit). Default: when stdout is a TTY. */
  alternateScreen?: boolean
  /** Closes the view when aborted (e.g. `heat --for 30s`), as `q` would. */
  signal?: AbortSignal
}

const ENTER_ALT = '\u001B[?1049h'
const LEAVE_ALT = '\u001B[?1049l'

/** Renders the heat view until the user quits; rejects with the error that ended it, if any. */
export async function runHeatTui(props: HeatAppProps, streams: TuiStreams = {}): Promise<void> {
  const stdout = streams.stdout ?? process.stdout
  // A pseudo-terminal that reports no size (0 × 0, e.g. under `script`) would make ink lay out one
  // character per line: give it the classic 100 × 24 instead.
  if (stdout.isTTY && !stdout.columns) Object.assign(stdout, {columns: 100})
  if (stdout.isTTY && !stdout.rows) Object.assign(stdout, {rows: 24})
  const alt = streams.alternateScreen ?? Boolean(stdout.isTTY)
  const leave = () => stdout.write(LEAVE_ALT)
  if (alt) {
    stdout.write(ENTER_ALT)
    process.once('exit', leave)
  }
  try {
    // Only the streams given: an explicit undefined would override ink's defaults.
    const instance = render(<HeatApp {...props} />, {
      exitOnCtrlC: true,
      patchConsole: false,
      stdout,
      ...(streams.stdin === undefined ? {} : {stdin: streams.stdin}),
      ...(streams.stderr === undefined ? {} : {stderr: streams.stderr}),
    })
    const close = () => instance.unmount()
    if (streams.signal?.aborted) close()
    streams.signal?.addEventListener('abort', close, {once: true})
    try {
      await instance.waitUntilExit()
    } finally {
      streams.signal?.removeEventListener('abort', close)
    }
  } finally {
    if (alt) {
      process.off('exit', leave)
      leave()
    }
  }
}
