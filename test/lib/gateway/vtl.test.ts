import {expect} from 'chai'

import {
  CLIENT_ERROR_RESPONSE_TEMPLATE,
  buildApiDocument,
  PUT_RECORD_RESPONSE_TEMPLATE,
  PUT_RECORDS_RESPONSE_TEMPLATE,
  putRecordsTemplate,
  putRecordTemplate,
  SERVER_ERROR_RESPONSE_TEMPLATE,
} from '../../../src/lib/gateway/openapi.js'
import {compileModels, validationErrorString} from '../../../src/lib/gateway/validate.js'
import {escapeJavaScript, formatRequestTime, jsonPath, renderTemplate, urlDecode, urlEncode, type VtlContext} from '../../../src/lib/gateway/vtl.js'
import {PUT_RECORDS_MAX_RECORDS} from '../../../src/lib/kinesis/limits.js'
import {sampleEvent, sampleEvents} from '../../helpers/gateway.js'

const context: VtlContext = {
  accountId: '000000000000',
  apiId: 'abc123',
  domainName: '127.0.0.1',
  error: {},
  extendedRequestId: 'r-1',
  httpMethod: 'POST',
  identity: {sourceIp: '127.0.0.1', userAgent: 'test'},
  path: '/clickstream/v1/events',
  protocol: 'HTTP/1.1',
  requestId: 'r-1',
  requestTime: formatRequestTime(0),
  requestTimeEpoch: 0,
  resourcePath: '/events',
  responseOverride: {header: {}},
  stage: 'v1',
}

const render = (template: string, body: string) => renderTemplate(template, {body, context})

describe('mapping templates through the local renderer', () => {
  it('turns a valid event into the exact PutRecord input: Data decodes to the body, PartitionKey = user_id', () => {
    const event = sampleEvent({user_id: '4711'})
    const body = JSON.stringify(event)
    const input = JSON.parse(render(putRecordTemplate('clickstream'), body).output)
    expect(Object.keys(input)).to.deep.equal(['StreamName', 'Data', 'PartitionKey'])
    expect(input.StreamName).to.equal('clickstream')
    expect(input.PartitionKey).to.equal('4711')
    expect(Buffer.from(input.Data, 'base64').toString('utf8')).to.equal(body)
    expect(JSON.parse(Buffer.from(input.Data, 'base64').toString('utf8'))).to.deep.equal(event)
  })

  it('re-serialises the body compactly, as $input.json does (whitespace is not stored)', () => {
    const event = sampleEvent()
    const input = JSON.parse(render(putRecordTemplate('s'), JSON.stringify(event, null, 4)).output)
    expect(Buffer.from(input.Data, 'base64').toString('utf8')).to.equal(JSON.stringify(event))
  })

  it('turns a batch of 500 events into a valid PutRecords input, one record per event in order', () => {
    const events = sampleEvents(PUT_RECORDS_MAX_RECORDS)
    const input = JSON.parse(render(putRecordsTemplate('clickstream'), JSON.stringify({records: events})).output)
    expect(input.StreamName).to.equal('clickstream')
    expect(input.Records).to.have.length(500)
    input.Records.forEach((r: {Data: string; PartitionKey: string}, i: number) => {
      expect(Object.keys(r)).to.deep.equal(['Data', 'PartitionKey'])
      expect(r.PartitionKey).to.equal(String(i))
      expect(JSON.parse(Buffer.from(r.Data, 'base64').toString('utf8'))).to.deep.equal(events[i])
    })
  })

  it('refuses 501 records and accepts 500 with the batch model (before any template runs)', () => {
    const doc = buildApiDocument({apiKeyRequired: false, region: 'us-east-1', roleArn: 'arn:aws:iam::0:role/r', stream: 's'})
    const validate = compileModels(doc)('#/components/schemas/ClickEventBatch')
    expect(validate({records: sampleEvents(500)})).to.equal(true)
    expect(validate({records: sampleEvents(501)})).to.equal(false)
    expect(validationErrorString(validate.errors!)).to.equal('[/records: array is too long: must have at most 500 elements but instance has 501 elements]')
    expect(validate({records: []})).to.equal(false)
    expect(validate({records: [sampleEvent({user_id: 35 as never})]})).to.equal(false)
    expect(validationErrorString(validate.errors!)).to.equal('[/records/0/user_id: instance type (integer) does not match any allowed primitive type (allowed: ["string"])]')
  })

  it('maps PutRecord and PutRecords answers to the API response bodies', () => {
    const one = render(PUT_RECORD_RESPONSE_TEMPLATE, JSON.stringify({EncryptionType: 'KMS', SequenceNumber: '4968', ShardId: 'shardId-000000000002'}))
    expect(JSON.parse(one.output)).to.deep.equal({sequenceNumber: '4968', shardId: 'shardId-000000000002'})
    expect(one.status).to.equal(undefined)
    const many = render(
      PUT_RECORDS_RESPONSE_TEMPLATE,
      JSON.stringify({
        FailedRecordCount: 1,
        Records: [
          {SequenceNumber: '1', ShardId: 'shardId-000000000000'},
          {ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: "Rate exceeded for shard 'x'"},
          {SequenceNumber: '3', ShardId: 'shardId-000000000001'},
        ],
      }),
    )
    expect(JSON.parse(many.output)).to.deep.equal({
      failedRecordCount: 1,
      records: [{sequenceNumber: '1', shardId: 'shardId-000000000000'}, {errorCode: 'ProvisionedThroughputExceededException'}, {sequenceNumber: '3', shardId: 'shardId-000000000001'}],
    })
  })

  it('maps Kinesis errors: throughput → 429, bad record → 400, missing stream → 500, 5xx → its type, never Kinesis’ message', () => {
    const cases: [string | undefined, number | undefined][] = [
      ['ProvisionedThroughputExceededException', 429],
      ['KMSThrottlingException', 429],
      ['LimitExceededException', 429],
      ['ValidationException', undefined],
      ['InvalidArgumentException', undefined],
      ['ResourceNotFoundException', 500],
      ['AccessDeniedException', 500],
      [undefined, 500],
    ]
    for (const [type, status] of cases) {
      const body = JSON.stringify(type === undefined ? {message: 'x'} : {__type: type, message: "Stream 'secret' under account 123456789012 not found."})
      const r = render(CLIENT_ERROR_RESPONSE_TEMPLATE, body)
      expect(r.status, String(type)).to.equal(status)
      const parsed = JSON.parse(r.output)
      expect(parsed.type).to.equal(type ?? 'UnknownError')
      expect(parsed.message).to.be.a('string').and.not.include('123456789012')
    }
    const server = render(SERVER_ERROR_RESPONSE_TEMPLATE, JSON.stringify({__type: 'InternalFailure'}))
    expect(JSON.parse(server.output)).to.deep.equal({message: 'Kinesis is temporarily unavailable; retry.', type: 'InternalFailure'})
  })

  it('implements $util like API Gateway (Java semantics) and $input.params', () => {
    const t = [
      '$util.base64Encode("héllo")',
      '$util.base64Decode("aMOpbGxv")',
      `$util.escapeJavaScript("a\\"b'c/d")`,
      '$util.parseJson(\'{"a": [1, 2]}\').a.size()',
      '$util.urlEncode("a b&c=d~(x)")',
      '$util.urlDecode("a+b%26c")',
      "$input.params('q')|$input.params('X-Test')|$input.params().querystring.q",
      '$context.stage $context.resourcePath $context.requestTime',
    ].join('\n')
    const out = renderTemplate(t, {body: '{}', context, params: {header: {'x-test': 'h'}, path: {}, querystring: {q: '1'}}}).output.split('\n')
    expect(out).to.deep.equal(['aMOpbGxv', 'héllo', "a\\\"b\\'c\\/d", '2', 'a+b%26c%3Dd%7E%28x%29', 'a b&c', '1|h|1', 'v1 /events 01/Jan/1970:00:00:00 +0000'])
    expect(escapeJavaScript('é\n\u0001😀')).to.equal('\\u00E9\\n\\u0001\\uD83D\\uDE00')
    // String.replaceAll is Java's (a regex, $n groups), not JavaScript's literal one.
    const java = renderTemplate(`$util.escapeJavaScript("O'B").replaceAll("\\\\'","'")|$input.path('$.s').replaceAll("(a)(b)", "$2\\$$1")`, {body: '{"s": "xabyab"}', context}).output
    expect(java).to.equal("O'B|xb$ayb$a")
    expect(urlDecode(urlEncode('x y+z/ä'))).to.equal('x y+z/ä')
  })

  it('evaluates the JSONPath subset templates use', () => {
    const doc = {a: {'b-c': [1, {d: 'x'}]}, records: [{user_id: '1'}, {user_id: '2'}]}
    expect(jsonPath(doc, '$')).to.equal(doc)
    expect(jsonPath(doc, "$.a['b-c'][1].d")).to.equal('x')
    expect(jsonPath(doc, '$.records[1].user_id')).to.equal('2')
    expect(jsonPath(doc, '$.records[*].user_id')).to.deep.equal(['1', '2'])
    expect(jsonPath(doc, '$.missing.deeper')).to.equal(undefined)
    expect(() => jsonPath(doc, 'records')).to.throw('must start with $')
  })
})
