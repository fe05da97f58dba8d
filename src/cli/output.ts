/** Human output helpers: what a stream can do (interactive, colour), styles, tables (cli-table3), key/value lines. */
import Table from 'cli-table3'

/** A CI job (CI set to anything but '', 'false' or '0'): no live views, which it could not show. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
}

/** What a stream may be used for: live views, prompts and redrawn lines (interactive), and colour. */
export interface Capability {
  /** A terminal and not a CI job: live views, prompts and status lines redrawn in place. */
  interactive: boolean
  /** Colour codes may be written: off under NO_COLOR, on under FORCE_COLOR, else on a terminal. */
  colour: boolean
}

/**
 * The one decision of what a stream can do, from the stream itself (its isTTY) and the environment
 * (NO_COLOR, FORCE_COLOR, CI). Decide per stream: stderr's status line asks about stderr.
 */
export function capability(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): Capability {
  const tty = Boolean(stream.isTTY)
  let colour = tty
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') colour = false
  else if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') colour = true
  return {colour, interactive: tty && !inCi(env)}
}

/** Whether colour may be written to `stream` (stdout by default). */
export function colorEnabled(stream: {isTTY?: boolean} = process.stdout): boolean {
  return capability(stream).colour
}

const CODES = {bold: [1, 22], dim: [2, 22], inverse: [7, 27], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39], gray: [90, 39]} as const
export type Style = keyof typeof CODES
export type Styler = (text: string, ...styles: Style[]) => string

/** A style function that colours when `colour` is true and returns the text unchanged otherwise. */
export function styler(colour: boolean): Styler {
  if (!colour) return (text) => text
  return (text, ...styles) => styles.reduce((t, s) => `\u001B[${CODES[s][0]}m${t}\u001B[${CODES[s][1]}m`, text)
}

/** `text` styled when `colour` is true (the caller decided the capability). */
export function styled(colour: boolean, text: string, ...styles: Style[]): string {
  return styler(colour)(text, ...styles)
}

/** Styles text for stdout (colour decided by stdout's capability). */
export function style(text: string, ...styles: Style[]): string {
  return styler(colorEnabled())(text, ...styles)
}

/** The width to fit output to: the terminal's columns, else a positive COLUMNS, else none (no limit). */
export function terminalWidth(stream: {isTTY?: boolean; columns?: number}, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns
  const columns = Number(env.COLUMNS)
  return Number.isInteger(columns) && columns > 0 ? columns : undefined
}

/** How a column gives way when the table is wider than `width`: wrap at words, or cut with `…`. */
export type ColumnFit = 'truncate' | 'wrap'

export interface TableOptions {
  align?: ('left' | 'right')[]
  /** Colour the header and borders (default: stdout's capability). */
  colour?: boolean
  /** Fit every line into this many columns (default: stdout's terminal width; none when not a terminal). */
  width?: number
  /** Per column, how it gives way when the table must shrink (default wrap). */
  fit?: ColumnFit[]
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;]*m/g
const visibleLength = (text: string) => text.replace(ANSI, '').length
/** The narrowest a shrunk column gets (content plus its two spaces of padding). */
const MIN_COLUMN = 8

/**
 * Column widths (padding included) that fit `budget`, taking from the widest column first, or
 * undefined when the natural widths already fit. Pure: exported for tests.
 */
export function fitColumns(natural: readonly number[], budget: number): number[] | undefined {
  let over = natural.reduce((a, b) => a + b, 0) - budget
  if (over <= 0) return undefined
  const widths = [...natural]
  while (over > 0) {
    let widest = -1
    for (let i = 0; i < widths.length; i++) if (widths[i] > MIN_COLUMN && (widest < 0 || widths[i] > widths[widest])) widest = i
    if (widest < 0) break
    widths[widest]--
    over--
  }
  return widths
}

/**
 * A table with a bold header and light borders. When `width` is known and the natural table is
 * wider, the widest columns give way (wrapped at words or cut with `…`), so no line exceeds it.
 */
export function table(head: string[], rows: (string | number)[][], options: TableOptions = {}): string {
  const colour = options.colour ?? colorEnabled()
  const paint = styler(colour)
  const cells = rows.map((row) => row.map(String))
  const width = options.width === undefined ? terminalWidth(process.stdout) : options.width
  const columns = Math.max(head.length, ...cells.map((r) => r.length))
  const natural = Array.from({length: columns}, (_, c) => 2 + Math.max(visibleLength(head[c] ?? ''), ...cells.map((r) => Math.max(0, ...(r[c] ?? '').split('\n').map(visibleLength)))))
  // Borders: one character before each column and one after the last.
  const widths = width === undefined ? undefined : fitColumns(natural, width - columns - 1)
  const fit = (c: number): ColumnFit => options.fit?.[c] ?? 'wrap'
  const t = new Table({
    ...(options.align ? {colAligns: options.align} : {}),
    ...(widths ? {colWidths: widths, wordWrap: true} : {}),
    chars: {'left-mid': '', mid: '', 'mid-mid': '', 'right-mid': ''},
    head: head.map((h) => paint(h, 'bold')),
    style: {border: colour ? ['gray'] : [], head: []},
  })
  for (const row of cells) t.push(widths ? row.map((content, c) => (fit(c) === 'truncate' ? {content, wordWrap: false} : content)) : row)
  return t.toString()
}

/** Key/value lines, aligned. */
export function keyValues(pairs: [string, string | number | undefined][], color = colorEnabled()): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== '')
  const width = Math.max(...shown.map(([k]) => k.length))
  return shown.map(([k, v]) => `${styled(color, k.padEnd(width), 'bold')}  ${v}`).join('\n')
}
