/**
 * The JSON contract of every command: the TypeScript type of what `--json` prints, turned into a
 * JSON Schema by ts-json-schema-generator. `npm run schemas` writes them to schemas/<command>.json;
 * test/schemas.test.ts fails when the committed files differ from what the types give now, and the
 * commands' end-to-end contract test validates their real output against the committed files.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {Config} from 'ts-json-schema-generator'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const SCHEMA_DIR = join(ROOT, 'schemas')

/** command → the exported type of its `--json` document (for tail: of each line it prints). */
export const CONTRACTS = {
  demo: {file: 'src/commands/demo.ts', type: 'DemoResult'},
  destroy: {file: 'src/commands/destroy.ts', type: 'DestroyResult'},
  heat: {file: 'src/commands/heat.ts', type: 'HeatResult'},
  lag: {file: 'src/commands/lag.ts', type: 'LagResult'},
  'local down': {file: 'src/commands/local/down.ts', type: 'LocalDownResult'},
  'local status': {file: 'src/commands/local/status.ts', type: 'LocalStatusResult'},
  'local up': {file: 'src/commands/local/up.ts', type: 'LocalUpResult'},
  provision: {file: 'src/commands/provision.ts', type: 'ProvisionResult'},
  scale: {file: 'src/commands/scale.ts', type: 'ScaleResult'},
  'scale backtest': {file: 'src/commands/scale/backtest.ts', type: 'BacktestResult'},
  send: {file: 'src/commands/send.ts', type: 'SendResult'},
  status: {file: 'src/commands/status.ts', type: 'StatusResult'},
  tail: {file: 'src/commands/tail.ts', type: 'TailJsonLineResult'},
} as const

export type ContractCommand = keyof typeof CONTRACTS

export const schemaFile = (command: string) => join(SCHEMA_DIR, `${command.replaceAll(' ', '-')}.json`)

/** Every command's schema, as the text `npm run schemas` writes. */
export async function generateSchemas(): Promise<Record<string, string>> {
  // Loaded here: the contract tests read CONTRACTS without paying for the generator.
  const {createGenerator} = await import('ts-json-schema-generator')
  const config: Config = {
    additionalProperties: false,
    expose: 'export',
    jsDoc: 'basic',
    path: join(ROOT, 'src/commands/**/*.ts'),
    skipTypeCheck: true,
    sortProps: true,
    topRef: true,
    tsconfig: join(ROOT, 'tsconfig.json'),
  }
  const generator = createGenerator(config)
  const out: Record<string, string> = {}
  for (const [command, {type}] of Object.entries(CONTRACTS)) {
    const schema = {$id: `clickops/${command.replaceAll(' ', '-')}.json`, ...generator.createSchema(type)}
    out[command] = `${JSON.stringify(schema, null, 2)}\n`
  }
  return out
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [command, text] of Object.entries(await generateSchemas())) {
    writeFileSync(schemaFile(command), text)
    process.stdout.write(`${schemaFile(command).slice(ROOT.length)}\n`)
  }
}
