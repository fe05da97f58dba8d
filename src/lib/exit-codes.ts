/**
 * What each exit code means for a user: the rows of the README's exit-code table, which
 * `npm run docs:exit-codes` writes from here (and a test checks). Keyed by `ExitCode`'s names, so a
 * new code does not compile without its meaning.
 */
import {ExitCode, type ExitCodeName} from './errors.js'

export const EXIT_CODE_MEANINGS: Record<ExitCodeName, string> = {
  OK: 'success (`scale`: nothing to do)',
  ERROR: 'unexpected error',
  USAGE: 'invalid input (flags, policy file), rejected before any AWS call',
  NOT_FOUND: 'the stream (or the API) does not exist: create it with `clickops provision`',
  LOCAL_STACK: 'the local stack could not start (a port in use, the emulator crashed, `CLICKOPS_HOME` read-only or full)',
  AWS: 'AWS refused or could not be reached (credentials, permissions, region, endpoint)',
  PARTIAL_FAILURE: '`send`: some events failed permanently',
  SCALED: '`scale`: the change was applied',
  WOULD_SCALE: '`scale --dry-run`: a change would be made',
  BLOCKED: '`scale`: a change is needed but blocked (cooldown, 24 h budget, quota, on-demand, change in progress, consumer lag for a scale-in)',
  LAGGING: "`lag`: a consumer's lag now is above `--max-lag`",
  INTERRUPTED: 'interrupted (Ctrl-C)',
}

/** Exit codes that oclif's plugins give, not clickops's own code. */
const PLUGIN_EXIT_CODES: {code: number; meaning: string}[] = [{code: 127, meaning: 'unknown command (with a suggestion of the nearest one)'}]

export const EXIT_CODES_BEGIN = '<!-- exit-codes:begin (generated from ExitCode by `npm run docs:exit-codes`; do not edit) -->'
export const EXIT_CODES_END = '<!-- exit-codes:end -->'

/** The Markdown table, ordered by code. */
export function exitCodeTable(): string {
  const rows = [
    ...(Object.keys(ExitCode) as ExitCodeName[]).map((name) => ({code: ExitCode[name] as number, meaning: EXIT_CODE_MEANINGS[name]})),
    ...PLUGIN_EXIT_CODES,
  ].sort((a, b) => a.code - b.code)
  return ['| code | meaning |', '| --- | --- |', ...rows.map((r) => `| ${r.code} | ${r.meaning} |`)].join('\n')
}

/** `readme` with the text between the markers replaced by the table; throws when a marker is missing. */
export function withExitCodeTable(readme: string): string {
  const begin = readme.indexOf(EXIT_CODES_BEGIN)
  const end = readme.indexOf(EXIT_CODES_END)
  if (begin < 0 || end < begin) throw new Error(`The README lacks the exit-code markers ${EXIT_CODES_BEGIN} … ${EXIT_CODES_END}.`)
  return `${readme.slice(0, begin + EXIT_CODES_BEGIN.length)}\n${exitCodeTable()}\n${readme.slice(end)}`
}
