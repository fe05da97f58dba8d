/**
 * The autoscale function's code: handler.ts bundled with the src/lib/scaling code it imports. From
 * an installed clickops the entry is the compiled `dist/lib/autoscale/handler.js` (shipped in the
 * package); under the TypeScript sources (tests, bin/dev.js) it is `handler.ts` itself.
 */
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {buildFunctionBundle, type FunctionBundle} from '../lambda/bundle.js'

/** The Node.js major of the Lambda runtime the bundle targets (nodejs20.x). */
export const AUTOSCALE_NODE_MAJOR = 20

export function handlerEntry(): string {
  const here = fileURLToPath(import.meta.url)
  return join(dirname(here), here.endsWith('.ts') ? 'handler.ts' : 'handler.js')
}

export function buildAutoscaleBundle(): Promise<FunctionBundle> {
  return buildFunctionBundle({entry: handlerEntry(), nodeMajor: AUTOSCALE_NODE_MAJOR})
}
