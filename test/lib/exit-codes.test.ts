import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {ExitCode} from '../../src/lib/errors.js'
import {EXIT_CODES_BEGIN, EXIT_CODES_END, exitCodeTable, withExitCodeTable} from '../../src/lib/exit-codes.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('exit-code table', () => {
  it('in the README is the one ExitCode generates (run `npm run docs:exit-codes` to update it)', () => {
    expect(withExitCodeTable(readme)).to.equal(readme)
  })

  it('has one row per ExitCode value, in order', () => {
    const codes = [...exitCodeTable().matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
    for (const code of Object.values(ExitCode)) expect(codes).to.include(code)
    expect(codes).to.deep.equal([...codes].sort((a, b) => a - b))
    expect(codes).to.include(127)
  })

  it('replaces a stale table between the markers and nothing else', () => {
    const stale = `# x\n\n${EXIT_CODES_BEGIN}\n| code | meaning |\n| 9 | gone |\n${EXIT_CODES_END}\n\nafter\n`
    const fresh = withExitCodeTable(stale)
    expect(fresh).not.to.include('| 9 | gone |')
    expect(fresh).to.include(`${EXIT_CODES_BEGIN}\n${exitCodeTable()}\n${EXIT_CODES_END}\n\nafter\n`)
    expect(fresh.startsWith('# x\n\n')).to.equal(true)
    expect(() => withExitCodeTable('# no markers')).to.throw(/markers/)
  })
})
