/**
 * The committed JSON contract (schemas/*.json) is what the result types give now: a renamed or
 * retyped field in a `--json` result fails here until `npm run schemas` is run and the change
 * committed, where a reviewer sees it.
 */
import {expect} from 'chai'
import {readdirSync, readFileSync} from 'node:fs'

import {CONTRACTS, generateSchemas, SCHEMA_DIR, schemaFile} from '../scripts/schemas.js'

describe('JSON contract schemas', function () {
  // One TypeScript program over src/commands: a few seconds.
  this.timeout(120_000)

  it('schemas/ holds one file per command, each as generated from the current result types', async () => {
    const generated = await generateSchemas()
    expect(Object.keys(generated).sort()).to.deep.equal(Object.keys(CONTRACTS).sort())
    expect(readdirSync(SCHEMA_DIR).sort()).to.deep.equal(Object.keys(CONTRACTS).map((c) => schemaFile(c).slice(SCHEMA_DIR.length + 1)).sort())
    for (const [command, text] of Object.entries(generated)) {
      expect(readFileSync(schemaFile(command), 'utf8'), `schemas for ${command} are stale: run npm run schemas`).to.equal(text)
    }
  })
})
