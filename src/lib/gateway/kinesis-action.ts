/**
 * The integration's back end for the local gateway: the Kinesis action named by the integration URI,
 * performed with the SDK on the rendered request template, answered the way Kinesis answers API
 * Gateway (HTTP status, and a JSON body: the action's output, or `{"__type", "message"}` on error).
 */
import type {KinesisClient, PutRecordInput, PutRecordsInput} from '@aws-sdk/client-kinesis'

import {createClients, type Clients} from '../aws/clients.js'
import * as Kinesis from '../aws/kinesis.js'
import {resolveTarget} from '../target.js'
import type {IntegrationAction} from './openapi.js'

export interface KinesisAnswer {
  status: number
  body: Record<string, unknown>
}

/** The request template did not produce a valid action input (a bug in the template, not the caller's fault). */
export class TemplateOutputError extends Error {}

function base64Data(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string') throw new TemplateOutputError(`${where}.Data is not a base64 string`)
  return Buffer.from(value, 'base64')
}

export async function performKinesisAction(kinesis: KinesisClient, action: IntegrationAction, input: unknown): Promise<KinesisAnswer> {
  if (input === null || typeof input !== 'object') throw new TemplateOutputError('the request template did not produce a JSON object')
  const request = input as Record<string, unknown>
  let call: () => Promise<object>
  if (action === 'PutRecord') {
    const putRecord = {...(request as object), Data: base64Data(request.Data, 'PutRecord')} as PutRecordInput
    call = () => Kinesis.putRecord(kinesis, putRecord)
  } else {
    if (!Array.isArray(request.Records)) throw new TemplateOutputError('PutRecords.Records is not an array')
    const records = (request.Records as Record<string, unknown>[]).map((r, i) => ({...(r as object), Data: base64Data(r?.Data, `Records[${i}]`)}))
    const putRecords = {...(request as object), Records: records} as PutRecordsInput
    call = () => Kinesis.putRecords(kinesis, putRecords)
  }
  try {
    const {$metadata: _metadata, ...output} = (await call()) as Record<string, unknown>
    return {body: output, status: 200}
  } catch (error) {
    const e = error as {name?: string; message?: string; $metadata?: {httpStatusCode?: number}}
    const status = e.$metadata?.httpStatusCode
    // No HTTP status means Kinesis was never reached (connection refused, timeout): an integration failure.
    if (status === undefined) throw error
    return {body: {__type: e.name ?? 'UnknownError', message: e.message ?? ''}, status}
  }
}

export interface IntegrationClients {
  /** The Kinesis client of a region (the region of the integration URI), created on first use. */
  kinesis(region: string): Promise<KinesisClient>
  destroy(): void
}

/**
 * The local gateway's Kinesis clients, one per region, all against one endpoint. API Gateway does
 * not retry integration calls: one attempt, so throttling reaches the caller.
 */
export function integrationClients(endpoint: string): IntegrationClients {
  const clients = new Map<string, Clients>()
  return {
    async kinesis(region) {
      let c = clients.get(region)
      if (c === undefined) {
        c = createClients(resolveTarget({endpointUrl: endpoint, region, target: 'local'}, {}), {maxAttempts: 1})
        clients.set(region, c)
      }
      return c.kinesis()
    },
    destroy() {
      for (const c of clients.values()) c.destroy()
      clients.clear()
    },
  }
}
