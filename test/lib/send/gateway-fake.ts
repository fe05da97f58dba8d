/** A small HTTP server that answers like the provisioned API's batch route, with injectable faults. */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {createRandom} from '../../../src/lib/clickstream/random.js'
import {batchSchema} from '../../../src/lib/clickstream/schema.js'
import {PUT_RECORDS_MAX_RECORDS} from '../../../src/lib/kinesis/limits.js'
import {draft04} from '../clickstream/draft04.js'

export interface Faults {
  /** Share of requests answered 429 (stage throttling). */
  throttle?: number
  /** Share answered 500/503 (integration failures), before anything is written. */
  error?: number
  /** Share of records failing inside a 200 (Kinesis throughput per shard). */
  recordThrottle?: number
  /** Every request fails as the stream-gone mapping does. */
  streamGone?: boolean
}

/** A small HTTP server that answers like the provisioned API's batch route. */
export async function fakeGateway(options: {apiKey?: string; faults?: Faults} = {}) {
  const {validate} = draft04(batchSchema(PUT_RECORDS_MAX_RECORDS))
  const random = createRandom(31)
  const stored: {user_id: string; click_id: string}[] = []
  const seenKeys = new Set<string | undefined>()
  const f = options.faults ?? {}
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {'content-type': 'application/json'})
    res.end(JSON.stringify(body))
  }
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    seenKeys.add(req.headers['x-api-key'] as string | undefined)
    if (req.method !== 'POST' || req.url !== '/v1/events/batch') return json(res, 403, {message: 'Missing Authentication Token'})
    if (options.apiKey !== undefined && req.headers['x-api-key'] !== options.apiKey) return json(res, 403, {message: 'Forbidden'})
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return json(res, 400, {message: 'Invalid request body'})
    }
    if (!validate(body)) return json(res, 400, {details: JSON.stringify(validate.errors), message: 'Invalid request body'})
    if (f.streamGone) return json(res, 500, {message: 'The ingestion stream is not available.', type: 'ResourceNotFoundException'})
    const u = random.float()
    if (u < (f.throttle ?? 0)) return json(res, 429, {message: 'Too Many Requests'})
    if (u < (f.throttle ?? 0) + (f.error ?? 0)) return json(res, u < (f.throttle ?? 0) + (f.error ?? 0) / 2 ? 500 : 503, {message: 'Kinesis is temporarily unavailable; retry.', type: 'InternalFailure'})
    const records = (body as {records: {user_id: string; click_id: string}[]}).records.map((r) => {
      if (random.float() < (f.recordThrottle ?? 0)) return {errorCode: 'ProvisionedThroughputExceededException'}
      stored.push({click_id: r.click_id, user_id: r.user_id})
      return {sequenceNumber: String(stored.length), shardId: 'shardId-000000000002'}
    })
    json(res, 200, {failedRecordCount: records.filter((r) => 'errorCode' in r).length, records})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
  return {
    base,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    seenKeys,
    stored,
  }
}

