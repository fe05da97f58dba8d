/** Human output helpers: tables (cli-table3), colour that honours NO_COLOR and non-TTY stdout. */
import Table from 'cli-table3'

/** A CI job (CI set to anything but '', 'false' or '0'): no live views, which it could not show. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
}

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}

const CODES = {bold: [1, 22], dim: [2, 22], inverse: [7, 27], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39], gray: [90, 39]} as const
export type Style = keyof typeof CODES

/** `text` in `styles`, decided from stdout (NO_COLOR, FORCE_COLOR, a terminal). */
export function style(text: string, ...styles: Style[]): string {
  return styled(colorEnabled(), text, ...styles)
}

/** `text` in `styles` when `color`: for output whose colour the caller has decided. */
export function styled(color: boolean, text: string, ...styles: Style[]): string {
  if (!color) return text
  return styles.reduce((t, s) => `\u001B[${CODES[s][0]}m${t}\u001B[${CODES[s][1]}m`, text)
}

export function table(head: string[], rows: (string | number)[][], options: {align?: ('left' | 'right')[]; color?: boolean} = {}): string {
  const color = options.color ?? colorEnabled()
  const t = new Table({
    ...(options.align ? {colAligns: options.align} : {}),
    chars: {'left-mid': '', mid: '', 'mid-mid': '', 'right-mid': ''},
    head: head.map((h) => styled(color, h, 'bold')),
    style: {border: color ? ['gray'] : [], head: []},
  })
  for (const row of rows) t.push(row.map(String))
  return t.toString()
}

/** Key/value lines, aligned. */
export function keyValues(pairs: [string, string | number | undefined][], color = colorEnabled()): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== '')
  const width = Math.max(...shown.map(([k]) => k.length))
  return shown.map(([k, v]) => `${styled(color, k.padEnd(width), 'bold')}  ${v}`).join('\n')
}
