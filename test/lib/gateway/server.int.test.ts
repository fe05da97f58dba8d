import type {KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {rm} from 'node:fs/promises'

import {EVENT_SCHEMA} from '../../../src/lib/clickstream/schema.js'
import {resolveLocalConfig} from '../../../src/lib/local/config.js'
import {gatewayService, kinesisService} from '../../../src/lib/local/services.js'
import {localStatus, localUp} from '../../../src/lib/local/stack.js'
import {shardForKey} from '../../../src/lib/kinesis/hashkey.js'
import {listShards} from '../../../src/lib/kinesis/shards.js'
import {MAX_RECORD_BYTES} from '../../../src/lib/kinesis/limits.js'
import {integrationClients} from '../../../src/lib/gateway/kinesis-action.js'
import {apisDir} from '../../../src/lib/gateway/state.js'
import {deleteStreams, endlessRequest, post, rawRequest, readAllRecords, sampleEvent, sampleEvents, startTestGateway, writeTestApi, type TestGateway} from '../../helpers/gateway.js'
import {draft04} from '../clickstream/draft04.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../../helpers/kinesis-local.js'
import {listeners} from '../../helpers/net.js'

describe('local gateway over HTTP, against kinesis-local', () => {
  let local: KinesisLocal
  let kinesis: KinesisClient
  let gw: TestGateway
  let stream: string
  const created: string[] = []
  const track = (prefix: string) => {
    const name = uniqueStreamName(prefix)
    created.push(name)
    return name
  }

  before(async () => {
    local = await sharedKinesisLocal()
    kinesis = local.client()
    gw = await startTestGateway(kinesis)
    stream = track('gw')
    await createStream(kinesis, stream, 2)
    await writeTestApi(gw.apisDir, stream)
  })

  after(async () => {
    await gw?.stop()
    await deleteStreams(kinesis, created)
  })

  it('POST /events puts the event on the shard its user_id hashes to, and it reads back unchanged', async () => {
    const event = sampleEvent({user_id: '35'})
    const r = await post(`${gw.invokeUrl(stream)}/events`, event)
    expect(r.status).to.equal(200)
    expect(r.headers.get('content-type')).to.equal('application/json')
    expect(r.headers.get('x-amzn-requestid')).to.match(/^[0-9a-f-]{36}$/)
    const shards = await listShards(kinesis, stream)
    expect(r.json.shardId).to.equal(shardForKey(shards, '35')!.ShardId)
    expect(r.json.sequenceNumber).to.match(/^\d+$/)
    const stored = (await readAllRecords(kinesis, stream)).find((x) => x.sequenceNumber === r.json.sequenceNumber)
    expect(stored).to.deep.include({partitionKey: '35', shardId: r.json.shardId})
    expect(JSON.parse(stored!.data)).to.deep.equal(event)
  })

  it('accepts curl -d (application/x-www-form-urlencoded) and no Content-Type, like API Gateway', async () => {
    const event = sampleEvent({user_id: '7'})
    const form = await post(`${gw.invokeUrl(stream)}/events`, JSON.stringify(event), {'content-type': 'application/x-www-form-urlencoded'})
    expect(form.status).to.equal(200)
    const bare = await fetch(`${gw.invokeUrl(stream)}/events`, {body: new Blob([JSON.stringify(event)]), method: 'POST'})
    expect(bare.status).to.equal(200)
  })

  it('POST /events/batch puts every event with PartitionKey = user_id and reports each record', async () => {
    const events = sampleEvents(50).map((e, i) => ({...e, user_id: String(1000 + i)}))
    const r = await post(`${gw.invokeUrl(stream)}/events/batch`, {records: events})
    expect(r.status).to.equal(200)
    expect(r.json.failedRecordCount).to.equal(0)
    const records = r.json.records as {shardId: string; sequenceNumber: string}[]
    expect(records).to.have.length(50)
    const shards = await listShards(kinesis, stream)
    const stored = new Map((await readAllRecords(kinesis, stream)).map((x) => [x.sequenceNumber, x]))
    records.forEach((rec, i) => {
      expect(rec.shardId).to.equal(shardForKey(shards, events[i].user_id)!.ShardId)
      const s = stored.get(rec.sequenceNumber)!
      expect(s.partitionKey).to.equal(events[i].user_id)
      expect(JSON.parse(s.data)).to.deep.equal(events[i])
    })
  })

  describe('refusals write nothing', () => {
    let before: number
    beforeEach(async () => {
      before = (await readAllRecords(kinesis, stream)).length
    })
    afterEach(async () => {
      expect((await readAllRecords(kinesis, stream)).length).to.equal(before)
    })

    const invalid: [string, string, RegExp][] = [
      ['a missing user_id', JSON.stringify((({user_id: _u, ...rest}) => rest)(sampleEvent())), /missing required properties \(\["user_id"\]\)/],
      ['a number as user_id', JSON.stringify(sampleEvent({user_id: 35 as never})), /\/user_id: instance type \(integer\)/],
      ['a string as price', JSON.stringify({...sampleEvent(), additional_data: {...sampleEvent().additional_data, price: '1.00'}}), /\/additional_data\/price: instance type \(string\)/],
      ['an unknown event_name', JSON.stringify(sampleEvent({event_name: 'Hover' as never})), /\/event_name: instance value \("Hover"\) not found in enum/],
      ['an extra field', JSON.stringify({...sampleEvent(), extra: 1}), /not allowed by the schema: \["extra"\]/],
      ['a body over 1 MiB', JSON.stringify(sampleEvent({pixel_id: 'x'.repeat(MAX_RECORD_BYTES + 10)})), /\/pixel_id: ECMA 262 regex/],
      ['not JSON', 'user_id=35', /body is not valid JSON/],
      ['an empty body', '', /body is not valid JSON/],
    ]
    for (const [what, body, details] of invalid) {
      it(`400 for ${what}, with API Gateway's message and the details`, async () => {
        const r = await post(`${gw.invokeUrl(stream)}/events`, body)
        expect(r.status).to.equal(400)
        expect(r.headers.get('x-amzn-errortype')).to.equal('BadRequestException')
        expect(r.json.message).to.equal('Invalid request body')
        expect(r.json.details).to.match(details)
      })
    }

    const withNumber = (field: string, token: string) => JSON.stringify(sampleEvent()).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${token}`)
    const inexact: [string, string, RegExp][] = [
      ['a price of 1e400 (stored as null)', withNumber('price', '1e400'), /^\[\/additional_data\/price: number 1e400 is out of range for JSON \(it would be stored as null\)\]$/],
      ['a product_id of 18446744073709551617 (stored as 18446744073709552000)', withNumber('product_id', '18446744073709551617'), /^\[\/additional_data\/product_id: integer 18446744073709551617 is beyond 2\^53.*stored as 18446744073709552000\)\]$/],
      ['a price of 1e-400 (stored as 0)', withNumber('price', '1e-400'), /\/additional_data\/price: number 1e-400 is too small/],
      ['a price with more digits than a double keeps', withNumber('price', '417.9700000000000000001'), /\/additional_data\/price: number 417\.9700000000000000001 has more digits/],
    ]
    for (const [what, body, details] of inexact) {
      it(`400 for ${what}, naming the field`, async () => {
        const r = await post(`${gw.invokeUrl(stream)}/events`, body)
        expect([r.status, r.json.message]).to.deep.equal([400, 'Invalid request body'])
        expect(r.json.details).to.match(details)
      })
    }

    it('400 for an inexact number inside a batch, naming the record and the field', async () => {
      const events = sampleEvents(5).map((e) => JSON.stringify(e))
      events[3] = events[3].replace(/"product_id":\d+/, '"product_id":18446744073709551617')
      const r = await post(`${gw.invokeUrl(stream)}/events/batch`, `{"records": [${events.join(',')}]}`)
      expect(r.status).to.equal(400)
      expect(r.json.details).to.match(/^\[\/records\/3\/additional_data\/product_id: integer 18446744073709551617 is beyond 2\^53/)
    })

    it('400 for a value nested 100,000 deep in an enum field, in an event and in a batch', async () => {
      const deep = '['.repeat(100_000) + '"Search"' + ']'.repeat(100_000)
      const event = JSON.stringify(sampleEvent()).replace('"event_name":"Search"', `"event_name":${deep}`)
      const one = await post(`${gw.invokeUrl(stream)}/events`, event)
      expect([one.status, one.json.message]).to.deep.equal([400, 'Invalid request body'])
      expect(one.json.details).to.match(/\/event_name: /)
      const batch = await post(`${gw.invokeUrl(stream)}/events/batch`, `{"records": [${JSON.stringify(sampleEvent())}, ${event}]}`)
      expect([batch.status, batch.json.message]).to.deep.equal([400, 'Invalid request body'])
      expect(batch.json.details).to.match(/\/records\/1\/event_name: /)
      // With a number an exponent makes suspicious, too.
      const withNumber = await post(`${gw.invokeUrl(stream)}/events`, event.replace('"price":417.97', `"price":4.1797e2`))
      expect(withNumber.status).to.equal(400)
    })

    it('400 for a bad percent-encoding or an unusable request target (404 for no stream), with nothing in the log', async () => {
      const lines: string[] = []
      const logged = await startTestGateway(kinesis, {log: (line) => lines.push(line)})
      try {
        await writeTestApi(logged.apisDir, stream)
        const targets: [string, number][] = [
          ['/%zz/v1/events', 400],
          [`/${stream}%E0%A4%A/v1/events`, 400],
          ['/%/v1/events', 400],
          ['*', 400],
          // No stream named: the gateway's 404 (once a 500: read as an authority).
          ['//v1/events', 404],
          ['//host:99999/x', 404],
        ]
        for (const [target, status] of targets) {
          const r = await rawRequest(logged.endpoint, 'POST', target, JSON.stringify(sampleEvent()))
          expect([target, r.status]).to.deep.equal([target, status])
          expect(JSON.parse(r.body).message).to.be.a('string')
        }
      } finally {
        await logged.stop()
      }
      expect(lines.filter((l) => !l.startsWith('loaded the API'))).to.deep.equal([])
    })

    it('400 for a batch of 501 events, and for an empty batch', async () => {
      const big = await post(`${gw.invokeUrl(stream)}/events/batch`, {records: sampleEvents(501)})
      expect(big.status).to.equal(400)
      expect(big.json.details).to.include('must have at most 500 elements but instance has 501 elements')
      const empty = await post(`${gw.invokeUrl(stream)}/events/batch`, {records: []})
      expect(empty.status).to.equal(400)
    })

    it('415 for a content type without a template, 403 for an unknown route or method, 404 for an unknown API or stage', async () => {
      const text = await post(`${gw.invokeUrl(stream)}/events`, JSON.stringify(sampleEvent()), {'content-type': 'text/plain'})
      expect([text.status, text.json]).to.deep.equal([415, {message: 'Unsupported Media Type'}])
      const route = await post(`${gw.invokeUrl(stream)}/clicks`, sampleEvent())
      expect([route.status, route.json]).to.deep.equal([403, {message: 'Missing Authentication Token'}])
      const method = await fetch(`${gw.invokeUrl(stream)}/events`)
      expect(method.status).to.equal(403)
      const stage = await post(`${gw.invokeUrl(stream, 'prod')}/events`, sampleEvent())
      expect(stage.status).to.equal(404)
      expect(stage.json.message).to.include('its stage is "v1"')
      const api = await post(`${gw.invokeUrl('no-such-stream')}/events`, sampleEvent())
      expect(api.status).to.equal(404)
      expect(api.json.message).to.include('clickops provision --stream no-such-stream')
    })
  })

  it('stores numbers written with exponents or extra zeros as their exact values, and every stored record validates against the event schema', async () => {
    const body = JSON.stringify(sampleEvent({user_id: '4242'})).replace('"price":417.97', '"price":4.1797e2').replace('"product_id":557246', '"product_id":557246.000')
    const r = await post(`${gw.invokeUrl(stream)}/events`, body)
    expect(r.status).to.equal(200)
    const records = await readAllRecords(kinesis, stream)
    const stored = records.find((x) => x.sequenceNumber === r.json.sequenceNumber)!
    expect(JSON.parse(stored.data)).to.deep.equal(sampleEvent({user_id: '4242'}))
    const {errors, validate} = draft04(EVENT_SCHEMA)
    for (const record of records) expect(validate(JSON.parse(record.data)), `${record.data}: ${errors()}`).to.equal(true)
  })

  it('reads an absolute-form request target (http://host/path) like its path', async () => {
    const r = await rawRequest(gw.endpoint, 'POST', `${gw.invokeUrl(stream)}/events?x=1`, JSON.stringify(sampleEvent({user_id: '77'})))
    expect(r.status).to.equal(200)
  })

  it('escapes user_id in the request templates: with its pattern relaxed, a quote cannot choose the stream', async () => {
    const relaxed = track('gwrelaxed')
    const other = track('other')
    await Promise.all([createStream(kinesis, relaxed, 1), createStream(kinesis, other, 1)])
    await writeTestApi(gw.apisDir, relaxed, {
      editDocument(doc) {
        ;(doc.components.schemas.ClickEvent as {properties: {user_id: {pattern: string}}}).properties.user_id.pattern = '^[\\s\\S]+$'
      },
    })
    const keys = [`1", "StreamName": "${other}`, `1", "StreamName": "${other}"`, "O'Brien \\ \n é 🙂 </script>"]
    for (const key of keys) {
      const one = await post(`${gw.invokeUrl(relaxed)}/events`, sampleEvent({user_id: key}))
      expect([key, one.status]).to.deep.equal([key, 200])
    }
    const batch = await post(`${gw.invokeUrl(relaxed)}/events/batch`, {records: keys.map((k) => sampleEvent({user_id: k}))})
    expect([batch.status, batch.json.failedRecordCount]).to.deep.equal([200, 0])
    const stored = await readAllRecords(kinesis, relaxed)
    expect(stored.map((r) => r.partitionKey).sort()).to.deep.equal([...keys, ...keys].sort())
    for (const r of stored) expect(JSON.parse(r.data).user_id).to.equal(r.partitionKey)
    expect(await readAllRecords(kinesis, other)).to.have.length(0)
  })

  it('requires the API key when the API does: missing or wrong → 403 and nothing written, right → 200', async () => {
    const keyed = track('gwkey')
    await createStream(kinesis, keyed, 1)
    await writeTestApi(gw.apisDir, keyed, {apiKey: 'k'.repeat(40)})
    const url = `${gw.invokeUrl(keyed)}/events`
    const missing = await post(url, sampleEvent())
    expect([missing.status, missing.json]).to.deep.equal([403, {message: 'Forbidden'}])
    const wrong = await post(url, sampleEvent(), {'content-type': 'application/json', 'x-api-key': 'k'.repeat(39) + 'x'})
    expect(wrong.status).to.equal(403)
    expect(await readAllRecords(kinesis, keyed)).to.have.length(0)
    const right = await post(url, sampleEvent(), {'content-type': 'application/json', 'x-api-key': 'k'.repeat(40)})
    expect(right.status).to.equal(200)
    expect(await readAllRecords(kinesis, keyed)).to.have.length(1)
  })

  it('picks up a changed API file at once (no restart): requiring a key, then not', async () => {
    const s = track('gwreload')
    await createStream(kinesis, s, 1)
    await writeTestApi(gw.apisDir, s)
    expect((await post(`${gw.invokeUrl(s)}/events`, sampleEvent())).status).to.equal(200)
    await writeTestApi(gw.apisDir, s, {apiKey: 'secret-key-value-0000000000000000000000'})
    expect((await post(`${gw.invokeUrl(s)}/events`, sampleEvent())).status).to.equal(403)
    await rm(`${gw.apisDir}/${s}.json`)
    expect((await post(`${gw.invokeUrl(s)}/events`, sampleEvent())).status).to.equal(404)
  })

  it('answers 500 with the Kinesis error type when the stream is gone', async () => {
    const s = uniqueStreamName('gwgone')
    await writeTestApi(gw.apisDir, s)
    const r = await post(`${gw.invokeUrl(s)}/events`, sampleEvent())
    expect(r.status).to.equal(500)
    expect(r.json).to.deep.equal({message: 'The ingestion stream is not available.', type: 'ResourceNotFoundException'})
  })
})

describe('local gateway under a concurrent burst, against kinesis-local', () => {
  it('answers 1,500 concurrent POST /events within the throttle with 200 each: they queue for the integration, none gets a 504', async () => {
    const local = await sharedKinesisLocal()
    const kinesis = local.client()
    // The Kinesis clients the gateway's process uses (sockets, timeouts, one attempt).
    const clients = integrationClients(local.endpoint)
    const gw = await startTestGateway(clients.kinesis)
    const s = uniqueStreamName('gwburst')
    try {
      await createStream(kinesis, s, 4)
      await writeTestApi(gw.apisDir, s, {throttle: {burstLimit: 2000, rateLimit: 1000}})
      const events = sampleEvents(1500)
      const answers = await Promise.all(events.map((e) => post(`${gw.invokeUrl(s)}/events`, e)))
      const statuses: Record<number, number> = {}
      for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1
      expect(statuses).to.deep.equal({200: 1500})
      const stored = await readAllRecords(kinesis, s)
      expect(stored).to.have.length(1500)
      expect(new Set(stored.map((r) => JSON.parse(r.data).click_id))).to.have.property('size', 1500)
    } finally {
      await gw.stop()
      clients.destroy()
      await deleteStreams(kinesis, [s])
    }
  })
})

describe('local gateway: throttling and Kinesis faults', () => {
  it('throttles with a token bucket: burst, then 429 until the rate refills it', async () => {
    let t = 1_000_000
    const kinesis = {send: async () => ({$metadata: {}, SequenceNumber: '1', ShardId: 'shardId-000000000000'})} as unknown as KinesisClient
    const gw = await startTestGateway(kinesis, {now: () => t})
    try {
      await writeTestApi(gw.apisDir, 'throttled', {throttle: {burstLimit: 3, rateLimit: 2}})
      const url = `${gw.invokeUrl('throttled')}/events`
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await post(url, sampleEvent())).status)
      expect(statuses).to.deep.equal([200, 200, 200, 429])
      const refused = await post(url, sampleEvent())
      expect([refused.status, refused.json, refused.headers.get('x-amzn-errortype')]).to.deep.equal([429, {message: 'Too Many Requests'}, 'TooManyRequestsException'])
      t += 500 // 2 requests/s → one token back after 0.5 s
      expect((await post(url, sampleEvent())).status).to.equal(200)
      expect((await post(url, sampleEvent())).status).to.equal(429)
    } finally {
      await gw.stop()
    }
  })

  it('maps Kinesis throttling to 429, Kinesis 5xx to 503 and an unreachable Kinesis to 504', async () => {
    let fault: unknown
    const kinesis = {
      send: async () => {
        throw fault
      },
    } as unknown as KinesisClient
    const gw = await startTestGateway(kinesis)
    try {
      await writeTestApi(gw.apisDir, 'faulty')
      const url = `${gw.invokeUrl('faulty')}/events`
      fault = Object.assign(new Error('Rate exceeded for shard'), {$metadata: {httpStatusCode: 400}, name: 'ProvisionedThroughputExceededException'})
      expect(await post(url, sampleEvent()).then((r) => [r.status, r.json])).to.deep.equal([429, {message: 'Throughput exceeded; retry with backoff.', type: 'ProvisionedThroughputExceededException'}])
      fault = Object.assign(new Error('oops'), {$metadata: {httpStatusCode: 500}, name: 'InternalFailure'})
      expect(await post(url, sampleEvent()).then((r) => [r.status, r.json])).to.deep.equal([503, {message: 'Kinesis is temporarily unavailable; retry.', type: 'InternalFailure'}])
      fault = Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'})
      expect(await post(url, sampleEvent()).then((r) => [r.status, r.json])).to.deep.equal([504, {message: 'Internal server error'}])
    } finally {
      await gw.stop()
    }
  })

  it('closes the connection after a 403, 404, 413 or 429 instead of reading a body that never ends', async () => {
    const kinesis = {send: async () => ({})} as unknown as KinesisClient
    const gw = await startTestGateway(kinesis, {maxPayloadBytes: 64 * 1024})
    try {
      const key = 'k'.repeat(40)
      await writeTestApi(gw.apisDir, 'keyed', {apiKey: key})
      await writeTestApi(gw.apisDir, 'closed', {throttle: {burstLimit: 0, rateLimit: 0}})
      const huge = {'content-length': String(10 * 2 ** 30)}
      const cases: [string, string, Record<string, string>, number][] = [
        ['no such API', '/nope/v1/events', huge, 404],
        ['no such route', '/keyed/v1/nope', huge, 403],
        ['no API key', '/keyed/v1/events', {}, 403],
        ['throttled', '/closed/v1/events', {}, 429],
        ['too large (Content-Length)', '/keyed/v1/events', {...huge, 'x-api-key': key}, 413],
        ['too large (chunked)', '/keyed/v1/events', {'x-api-key': key}, 413],
      ]
      for (const [what, target, headers, status] of cases) {
        // 64 MiB: a thousand times the payload limit; the kernel's buffers hold a few MiB.
        const r = await endlessRequest(gw.endpoint, target, headers, 64 * 2 ** 20)
        expect([what, r.status, r.closed]).to.deep.equal([what, status, true])
      }
    } finally {
      await gw.stop()
    }
  })

  it('keeps the connection open after a refusal whose small body has arrived', async () => {
    const kinesis = {send: async () => ({})} as unknown as KinesisClient
    const gw = await startTestGateway(kinesis)
    try {
      await writeTestApi(gw.apisDir, 'keyed', {apiKey: 'k'.repeat(40)})
      const r = await rawRequest(gw.endpoint, 'POST', '/keyed/v1/events', JSON.stringify(sampleEvent()), {connection: 'keep-alive'})
      expect([r.status, r.headers.connection]).to.deep.equal([403, 'keep-alive'])
    } finally {
      await gw.stop()
    }
  })

  it('/health answers GET (and HEAD) with the health only, and 405 to any other method', async () => {
    const kinesis = {send: async () => ({})} as unknown as KinesisClient
    const gw = await startTestGateway(kinesis)
    try {
      await writeTestApi(gw.apisDir, 'secret-stream', {stage: 'hidden'})
      for (const path of ['/health', '/healthcheck']) {
        const get = await fetch(`${gw.endpoint}${path}`)
        const text = await get.text()
        expect([get.status, JSON.parse(text)]).to.deep.equal([200, {status: 'ok'}])
        expect(text).to.not.match(/secret-stream|hidden/)
        expect((await fetch(`${gw.endpoint}${path}`, {method: 'HEAD'})).status).to.equal(200)
        for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
          const r = await fetch(`${gw.endpoint}${path}`, {body: method === 'POST' || method === 'PUT' ? '{}' : undefined, method})
          expect([path, method, r.status, r.headers.get('allow')]).to.deep.equal([path, method, 405, 'GET, HEAD'])
          expect(await r.text()).to.not.match(/secret-stream|hidden/)
        }
      }
    } finally {
      await gw.stop()
    }
  })

  it('413 for a body over the payload limit', async () => {
    const kinesis = {send: async () => ({})} as unknown as KinesisClient
    const gw = await startTestGateway(kinesis, {maxPayloadBytes: 64 * 1024})
    try {
      await writeTestApi(gw.apisDir, 'big')
      const r = await post(`${gw.invokeUrl('big')}/events`, 'x'.repeat(65 * 1024))
      expect([r.status, r.json]).to.deep.equal([413, {message: 'Request Too Long'}])
    } finally {
      await gw.stop()
    }
  })
})

describe('local gateway as a service of the embedded stack', () => {
  it('starts with the stack (from the TypeScript sources under tsx), on loopback only, and serves the API files', async () => {
    const local = await sharedKinesisLocal()
    const config = resolveLocalConfig(local.env)
    // Keeps the harness's healthy kinesis-local and starts the gateway next to it.
    const up = await localUp(config, {services: [kinesisService, gatewayService]})
    expect(up.status.state).to.equal('running')
    expect(up.status.endpoints.gateway).to.equal(`http://127.0.0.1:${config.ports.gateway}`)
    expect(listeners(config.ports.gateway)).to.deep.equal(['0100007F'])
    const s = uniqueStreamName('gwsvc')
    const kinesis = local.client()
    await createStream(kinesis, s, 1)
    await writeTestApi(apisDir(config.dir), s)
    // The health only: no list of the streams and stages it serves.
    const health = await fetch(`${up.status.endpoints.gateway}/health`)
    expect([health.status, await health.json()]).to.deep.equal([200, {status: 'ok'}])
    const r = await post(`${up.status.endpoints.gateway}/${s}/v1/events`, sampleEvent())
    expect(r.status).to.equal(200)
    expect((await readAllRecords(kinesis, s)).map((x) => JSON.parse(x.data))).to.deep.equal([sampleEvent()])
    expect((await localStatus(config)).services.map((x) => x.name)).to.deep.equal(['kinesis', 'gateway', 'scheduler'])
    await deleteStreams(kinesis, [s])
  })
})
