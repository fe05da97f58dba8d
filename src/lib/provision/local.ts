/**
 * The local side of the ingestion API: the same OpenAPI document, written with its stage, throttling
 * and key to the local gateway's state folder, where the running gateway picks it up at once.
 */
import {randomBytes} from 'node:crypto'

import {buildApiDocument} from '../gateway/openapi.js'
import {writeLocalApi, type LocalApiState} from '../gateway/state.js'
import {parseArn} from '../aws/arn.js'
import {roleArnFor} from './naming.js'
import type {DesiredState} from './desired.js'
import {apiKeyName, apiName} from '../api-contract.js'
import type {Step} from './plan.js'

export interface LocalApiContext {
  /** The gateway's state folder (`<CLICKOPS_HOME>/local/apis`). */
  dir: string
  region: string
  streamArn: () => string | undefined
  now?: () => Date
  random?: (bytes: number) => Buffer
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** A 10-character id like API Gateway's. */
export function newApiId(random: (bytes: number) => Buffer = randomBytes): string {
  return [...random(10)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')
}

/** A 40-character key (API Gateway's generated keys are 40 characters too). */
export function newApiKeyValue(random: (bytes: number) => Buffer = randomBytes): string {
  return random(30).toString('base64url')
}

/** The placeholder integration role: nothing assumes it locally, but the document names one. */
export function localRoleArn(streamArn: string | undefined, region: string, stream: string): string {
  return roleArnFor(streamArn ? parseArn(streamArn).account : '000000000000', region, stream)
}

export function planLocalApi(desired: DesiredState, current: LocalApiState | undefined, ctx: LocalApiContext): Step[] {
  const {stream, stage, throttle} = desired
  const region = ctx.region
  const random = ctx.random ?? randomBytes
  const now = ctx.now ?? (() => new Date())
  const documentNow = () => buildApiDocument({apiKeyRequired: desired.apiKey, region, roleArn: localRoleArn(ctx.streamArn(), region, stream), stream})
  const throttleText = `${throttle.rateLimit} requests/s, burst ${throttle.burstLimit}`
  const keyText = desired.apiKey ? 'key required' : 'no key'

  const write = async () => {
    const document = documentNow()
    const time = now().toISOString()
    const keep = desired.apiKey && current?.apiKey ? current.apiKey : undefined
    const state: LocalApiState = {
      apiId: current?.apiId ?? newApiId(random),
      createdAt: current?.createdAt ?? time,
      document,
      documentVersion: document.info.version,
      name: apiName(stream),
      region,
      stage,
      stream,
      throttle: {...throttle},
      updatedAt: time,
      version: 1,
    }
    if (desired.apiKey) state.apiKey = keep ?? {id: newApiId(random), name: apiKeyName(stream), value: newApiKeyValue(random)}
    await writeLocalApi(ctx.dir, state)
  }

  if (!current) {
    return [{action: 'create', name: apiName(stream), reason: `does not exist; stage ${stage}, ${throttleText}, ${keyText}`, resource: 'local api', run: write}]
  }
  const differences: string[] = []
  const arn = ctx.streamArn()
  const expected = arn === undefined ? undefined : documentNow().info.version
  if (expected === undefined || current.documentVersion !== expected) differences.push(`document ${current.documentVersion} → ${expected ?? 'new (stream to be created)'}`)
  if (current.stage !== stage) differences.push(`stage ${current.stage} → ${stage}`)
  if (current.throttle.rateLimit !== throttle.rateLimit || current.throttle.burstLimit !== throttle.burstLimit) {
    differences.push(`${current.throttle.rateLimit} requests/s, burst ${current.throttle.burstLimit} → ${throttleText}`)
  }
  if (Boolean(current.apiKey) !== desired.apiKey) differences.push(desired.apiKey ? 'require a key' : 'drop the key')
  if (differences.length === 0) {
    return [{action: 'unchanged', name: current.apiId, reason: `stage ${stage}, ${throttleText}, ${keyText}, document ${current.documentVersion}`, resource: 'local api'}]
  }
  return [{action: 'update', name: current.apiId, reason: differences.join(', '), resource: 'local api', run: write}]
}

