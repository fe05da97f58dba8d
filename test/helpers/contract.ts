/** Validates a command's `--json` output against its committed JSON Schema (schemas/<command>.json). */
import {Ajv} from 'ajv'
import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {schemaFile, type ContractCommand} from '../../scripts/schemas.js'

const ajv = new Ajv({allErrors: true, strict: false})

export function expectContract(command: ContractCommand, doc: unknown): void {
  const schema = JSON.parse(readFileSync(schemaFile(command), 'utf8')) as {$id: string}
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema)
  const ok = validate(doc)
  expect(ok, `${command} --json does not match schemas/${command.replaceAll(' ', '-')}.json (npm run schemas regenerates it from the types):\n${ajv.errorsText(validate.errors, {separator: '\n'})}`).to.equal(true)
}
