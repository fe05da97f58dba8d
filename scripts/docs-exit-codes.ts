/** Rewrites the README's exit-code table from `ExitCode` (src/lib/exit-codes.ts). `npm run docs:exit-codes`. */
import {readFileSync, writeFileSync} from 'node:fs'

import {withExitCodeTable} from '../src/lib/exit-codes.js'

const path = new URL('../README.md', import.meta.url)
const before = readFileSync(path, 'utf8')
const after = withExitCodeTable(before)
if (after === before) {
  process.stdout.write('README.md: the exit-code table is up to date.\n')
} else {
  writeFileSync(path, after)
  process.stdout.write('README.md: rewrote the exit-code table.\n')
}
