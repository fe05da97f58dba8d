/** The send worker function's code: handler.ts (or the compiled handler.js) bundled by esbuild. */
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {buildFunctionBundle, type FunctionBundle} from '../../lambda/bundle.js'

export function sendWorkerEntry(): string {
  const here = fileURLToPath(import.meta.url)
  return join(dirname(here), here.endsWith('.ts') ? 'handler.ts' : 'handler.js')
}

export function buildSendWorkerBundle(): Promise<FunctionBundle> {
  return buildFunctionBundle({entry: sendWorkerEntry(), nodeMajor: 20})
}
