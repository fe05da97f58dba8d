/**
 * A status line on stderr (a terminal only), redrawn at most ten times a second and cut to the
 * terminal's width. Used by the long-running commands (`send`, `tail`).
 */
import {truncate} from '../lib/format.js'
import {capability, styler} from './output.js'

export interface StatusLineOptions {
  /** Off when stderr is not a terminal or under --json: every call is then a no-op. */
  enabled: boolean
  /** stdout is the same terminal: records must not be written over the status line. */
  sharesTerminal?: boolean
  /** Draw it dimmed. */
  dim?: boolean
}

export class StatusLine {
  private shown = false
  private lastDraw = 0
  private text?: () => string
  private timer?: NodeJS.Timeout
  private ticker?: NodeJS.Timeout

  constructor(private readonly options: StatusLineOptions) {}

  get enabled(): boolean {
    return this.options.enabled
  }

  update(text: () => string): void {
    if (!this.options.enabled) return
    this.text = text
    if (Date.now() - this.lastDraw >= 100) this.draw()
  }

  /** Redraws the line from `text` every `ms` until stop() (nothing when the line is off). */
  every(ms: number, text: () => string): void {
    if (!this.options.enabled) return
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = setInterval(() => {
      const value = text()
      this.update(() => value)
    }, ms)
  }

  /** Before a record goes to stdout: clear the line, redraw it shortly after. */
  beforeRecord(): void {
    if (!this.shown || !this.options.sharesTerminal) return
    this.clear()
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.draw()
    }, 100).unref()
  }

  clear(): void {
    if (!this.shown) return
    process.stderr.write('\r\u001B[2K')
    this.shown = false
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = undefined
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.clear()
  }

  private draw(): void {
    if (this.text === undefined) return
    this.lastDraw = Date.now()
    const width = (process.stderr.columns || 160) - 1
    const raw = this.text()
    const text = truncate(raw, width)
    // Its colour is stderr's to decide, not stdout's.
    process.stderr.write(`\r\u001B[2K${this.options.dim ? styler(capability(process.stderr).colour)(text, 'dim') : text}`)
    this.shown = true
  }
}
