import {expect} from 'chai'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {createRandom} from '../../../src/lib/clickstream/random.js'
import {batchSchema} from '../../../src/lib/clickstream/schema.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {PUT_RECORDS_MAX_RECORDS} from '../../../src/lib/kinesis/limits.js'
import {apiSink, batchUrlOf, outcomesOf} from '../../../src/lib/send/api-sink.js'
import {exitCodeFor, runSend, type SendPlan} from '../../../src/lib/send/run.js'
import {SendStats} from '../../../src/lib/send/stats.js'
import {draft04} from '../clickstream/draft04.js'

const now = () => performance.timeOrigin + performance.now()
const plan = (count: number): SendPlan => ({count, generator: {hotUsers: [{share: 0.3, userId: 35}], seed: 9, skew: 0, users: 100}, rate: 0})
const writer = {aimd: {minRate: 50_000}, backoffBaseMs: 1, backoffCapMs: 10, concurrency: 4, lingerMs: 5, maxAttempts: 20}
const control = () => ({abort: new AbortController().signal, stop: new AbortController().signal})

interface Faults {
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
async function fakeGateway(options: {apiKey?: string; faults?: Faults} = {}) {
  const {validate} = draft04(batchSchema(PUT_RECORDS_MAX_RECORDS))
  const random = createRandom(31)
  const stored: {user_id: string; click_id: string}[] = []
  const seenKeys = new Set<string | undefined>()
  const f = options.faults ?? {}
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
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

describe('api sink (against a gateway-like HTTP server)', () => {
  it('delivers every event through 429s, 500s and throttled records, with the API key; the counts add up', async () => {
    const gw = await fakeGateway({apiKey: 'k-123', faults: {error: 0.1, recordThrottle: 0.2, throttle: 0.15}})
    try {
      const stats = new SendStats(now)
      const sink = apiSink({apiKey: 'k-123', batchUrl: batchUrlOf(gw.base)})
      const outcome = await runSend(plan(3000), {kind: 'batch', sink, writer}, {now, random: createRandom(2), stats}, control())
      expect(outcome.generated).to.equal(3000)
      expect(outcome.delivered).to.equal(3000)
      expect(outcome.failed).to.equal(0)
      expect(gw.stored).to.have.length(3000)
      expect(new Set(gw.stored.map((r) => r.click_id)).size).to.equal(3000)
      expect([...gw.seenKeys]).to.deep.equal(['k-123'])
      expect(outcome.throttled).to.be.greaterThan(0)
      expect(outcome.callErrors).to.be.greaterThan(0)
      expect(outcome.retried).to.be.greaterThan(0)
      expect(gw.stored.filter((r) => r.user_id === '35').length / 3000).to.be.within(0.26, 0.34)
      expect(exitCodeFor(outcome, true)).to.equal(ExitCode.OK)
    } finally {
      await gw.close()
    }
  })

  it('stops at a refused key (403): everything counted failed, nothing stored, exit 6', async () => {
    const gw = await fakeGateway({apiKey: 'right'})
    try {
      const stats = new SendStats(now)
      const sink = apiSink({apiKey: 'wrong', batchUrl: batchUrlOf(gw.base)})
      const outcome = await runSend(plan(2000), {kind: 'batch', sink, writer}, {now, random: createRandom(2), stats}, control())
      expect(gw.stored).to.have.length(0)
      expect(outcome.delivered).to.equal(0)
      expect(outcome.failed).to.equal(outcome.generated)
      expect(outcome.stoppedBy?.message).to.match(/refused the request \(403\): Forbidden/)
      expect(outcome.stoppedBy?.message).to.not.include('wrong')
      expect(exitCodeFor(outcome, true)).to.equal(ExitCode.PARTIAL_FAILURE)
    } finally {
      await gw.close()
    }
  })

  it('stops when the API says its stream is gone (500 ResourceNotFoundException) instead of retrying', async () => {
    const gw = await fakeGateway({faults: {streamGone: true}})
    try {
      const stats = new SendStats(now)
      const outcome = await runSend(plan(1000), {kind: 'batch', sink: apiSink({batchUrl: batchUrlOf(gw.base)}), writer}, {now, random: createRandom(2), stats}, control())
      expect(outcome.retried).to.equal(0)
      expect(outcome.failed).to.equal(outcome.generated)
      expect(outcome.stoppedBy?.message).to.match(/cannot write to its stream \(ResourceNotFoundException\)/)
    } finally {
      await gw.close()
    }
  })

  it('derives the batch route from an invoke URL and reads both result shapes', () => {
    expect(batchUrlOf('https://a.execute-api.eu-west-1.amazonaws.com/v1')).to.equal('https://a.execute-api.eu-west-1.amazonaws.com/v1/events/batch')
    expect(batchUrlOf('http://127.0.0.1:4580/s/v1/events/batch/')).to.equal('http://127.0.0.1:4580/s/v1/events/batch')
    expect(outcomesOf('{"failedRecordCount":1,"records":[{"shardId":"a","sequenceNumber":"1"},{"errorCode":"ProvisionedThroughputExceededException"}]}', 2)).to.deep.equal([
      {ok: true, shardId: 'a'},
      {code: 'ProvisionedThroughputExceededException', message: 'ProvisionedThroughputExceededException', ok: false, retriable: true, throttled: true},
    ])
    expect(outcomesOf('{"FailedRecordCount":0,"Records":[{"ShardId":"b","SequenceNumber":"2"}]}', 1)).to.deep.equal([{ok: true, shardId: 'b'}])
    expect(outcomesOf('', 2)).to.deep.equal([{ok: true}, {ok: true}])
  })
})
