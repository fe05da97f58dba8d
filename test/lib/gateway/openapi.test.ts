import {expect} from 'chai'

import {EVENT_SCHEMA} from '../../../src/lib/clickstream/schema.js'
import {
  actionOf,
  buildApiDocument,
  documentVersion,
  GATEWAY_RESPONSES,
  integrationUri,
  putRecordsTemplate,
  putRecordTemplate,
  regionOf,
  routesOf,
} from '../../../src/lib/gateway/openapi.js'

const ROLE = 'arn:aws:iam::123456789012:role/clickops/clickops-clickstream-apigw'

describe('the OpenAPI document of the ingestion API', () => {
  const doc = buildApiDocument({apiKeyRequired: false, region: 'eu-west-1', roleArn: ROLE, stream: 'clickstream'})

  it('is named after the stream and versioned by a hash of its content', () => {
    expect(doc.openapi).to.equal('3.0.1')
    expect(doc.info.title).to.equal('clickops-clickstream')
    expect(doc.info.version).to.match(/^[0-9a-f]{16}$/)
    expect(documentVersion(doc)).to.equal(doc.info.version)
    // Same inputs, same version; any input changes it.
    expect(buildApiDocument({apiKeyRequired: false, region: 'eu-west-1', roleArn: ROLE, stream: 'clickstream'}).info.version).to.equal(doc.info.version)
    const others = [
      buildApiDocument({apiKeyRequired: true, region: 'eu-west-1', roleArn: ROLE, stream: 'clickstream'}),
      buildApiDocument({apiKeyRequired: false, region: 'eu-west-2', roleArn: ROLE, stream: 'clickstream'}),
      buildApiDocument({apiKeyRequired: false, region: 'eu-west-1', roleArn: `${ROLE}2`, stream: 'clickstream'}),
      buildApiDocument({apiKeyRequired: false, region: 'eu-west-1', roleArn: ROLE, stream: 'orders'}),
    ]
    for (const other of others) expect(other.info.version).to.not.equal(doc.info.version)
  })

  it('has exactly two routes: POST /events → PutRecord and POST /events/batch → PutRecords', () => {
    const routes = routesOf(doc).map((r) => `${r.method} ${r.path} ${r.operation['x-amazon-apigateway-integration'].uri}`)
    expect(routes).to.deep.equal([
      'POST /events arn:aws:apigateway:eu-west-1:kinesis:action/PutRecord',
      'POST /events/batch arn:aws:apigateway:eu-west-1:kinesis:action/PutRecords',
    ])
  })

  it('integrates with Kinesis through the role, never passing a body through, with the stream fixed in the templates', () => {
    for (const {operation, path} of routesOf(doc)) {
      const integration = operation['x-amazon-apigateway-integration']
      expect(integration.type).to.equal('aws')
      expect(integration.httpMethod).to.equal('POST')
      expect(integration.credentials).to.equal(ROLE)
      expect(integration.passthroughBehavior).to.equal('never')
      expect(integration.timeoutInMillis).to.equal(29_000)
      expect(integration.requestParameters).to.deep.equal({'integration.request.header.Content-Type': "'application/x-amz-json-1.1'"})
      expect(Object.keys(integration.requestTemplates)).to.deep.equal(['application/json', 'application/x-www-form-urlencoded'])
      const template = path === '/events' ? putRecordTemplate('clickstream') : putRecordsTemplate('clickstream')
      for (const t of Object.values(integration.requestTemplates)) {
        expect(t).to.equal(template)
        expect(t).to.include('"StreamName": "clickstream"')
        // The caller cannot name the stream: no $input.params / stage variable in the StreamName.
        expect(t).to.not.match(/StreamName[^\n]*\$/)
      }
      expect(Object.keys(integration.responses)).to.deep.equal(['default', '4\\d{2}', '5\\d{2}'])
      expect(integration.responses.default.statusCode).to.equal('200')
      expect(integration.responses['4\\d{2}'].statusCode).to.equal('400')
      expect(integration.responses['5\\d{2}'].statusCode).to.equal('503')
      expect(integration.responses['4\\d{2}'].responseTemplates!['application/json']).to.include('#set($context.responseOverride.status = 429)')
    }
    expect(putRecordTemplate('clickstream')).to.include(`"Data": "$util.base64Encode($input.json('$'))"`)
    // User values are escaped as API Gateway users do (its documented idiom, valid VTL there).
    expect(putRecordTemplate('clickstream')).to.include(`"PartitionKey": "$util.escapeJavaScript($input.path('$.user_id')).replaceAll("\\\\'","'")"`)
    expect(putRecordsTemplate('clickstream')).to.include(`"PartitionKey": "$util.escapeJavaScript($event.user_id).replaceAll("\\\\'","'")"`)
    expect(putRecordsTemplate('clickstream')).to.include(`#foreach($event in $input.path('$.records'))`)
  })

  it('validates the body against draft-04 models derived from the one event schema', () => {
    expect(doc['x-amazon-apigateway-request-validators']).to.deep.equal({body: {validateRequestBody: true, validateRequestParameters: false}})
    const [single, batch] = routesOf(doc).map((r) => r.operation)
    expect(single['x-amazon-apigateway-request-validator']).to.equal('body')
    expect(batch['x-amazon-apigateway-request-validator']).to.equal('body')
    expect(single.requestBody).to.deep.equal({
      content: {
        'application/json': {schema: {$ref: '#/components/schemas/ClickEvent'}},
        'application/x-www-form-urlencoded': {schema: {$ref: '#/components/schemas/ClickEvent'}},
      },
      required: true,
    })
    expect(batch.requestBody.content['application/json'].schema.$ref).to.equal('#/components/schemas/ClickEventBatch')

    const {$schema, ...event} = EVENT_SCHEMA
    expect($schema).to.equal('http://json-schema.org/draft-04/schema#')
    // The model is the event schema itself (without a nested $schema, which API Gateway models do not take).
    expect(doc.components.schemas.ClickEvent).to.deep.equal(event)
    expect(doc.components.schemas.ClickEvent.required).to.have.members(['timestamp', 'user_id', 'pixel_id', 'click_id', 'insertion_timestamp', 'event_name', 'user_ip', 'additional_data'])
    expect(doc.components.schemas.ClickEventBatch).to.deep.equal({
      additionalProperties: false,
      properties: {records: {items: {$ref: '#/components/schemas/ClickEvent'}, maxItems: 500, minItems: 1, type: 'array'}},
      required: ['records'],
      title: 'ClickEventBatch',
      type: 'object',
    })
    expect(JSON.stringify(doc.components.schemas)).to.not.include('$schema')
  })

  it('declares the method responses and the gateway responses in one JSON shape', () => {
    for (const {operation} of routesOf(doc)) {
      expect(Object.keys(operation.responses)).to.deep.equal(['200', '400', '429', '500', '503'])
      expect(operation.responses['429'].content!['application/json'].schema.$ref).to.equal('#/components/schemas/Error')
      expect(operation.security).to.equal(undefined)
    }
    expect(doc['x-amazon-apigateway-gateway-responses']).to.deep.equal(GATEWAY_RESPONSES)
    expect(doc['x-amazon-apigateway-gateway-responses'].BAD_REQUEST_BODY).to.deep.equal({
      responseTemplates: {'application/json': '{"message": $context.error.messageString, "details": "$context.error.validationErrorString"}'},
      statusCode: '400',
    })
    expect(doc['x-amazon-apigateway-gateway-responses'].THROTTLED.statusCode).to.equal('429')
    expect(doc['x-amazon-apigateway-gateway-responses'].INVALID_API_KEY.statusCode).to.equal('403')
    expect(doc['x-amazon-apigateway-api-key-source']).to.equal(undefined)
    expect(doc.components.securitySchemes).to.equal(undefined)
  })

  it('requires the x-api-key header on every route when a key is required', () => {
    const keyed = buildApiDocument({apiKeyRequired: true, region: 'eu-west-1', roleArn: ROLE, stream: 'clickstream'})
    expect(keyed['x-amazon-apigateway-api-key-source']).to.equal('HEADER')
    expect(keyed.components.securitySchemes).to.deep.equal({api_key: {in: 'header', name: 'x-api-key', type: 'apiKey'}})
    for (const {operation} of routesOf(keyed)) expect(operation.security).to.deep.equal([{api_key: []}])
  })

  it('names the partition of the region in integration URIs, and reads action and region back', () => {
    expect(integrationUri('cn-north-1', 'PutRecord')).to.equal('arn:aws-cn:apigateway:cn-north-1:kinesis:action/PutRecord')
    expect(integrationUri('us-gov-west-1', 'PutRecords')).to.equal('arn:aws-us-gov:apigateway:us-gov-west-1:kinesis:action/PutRecords')
    expect(actionOf('arn:aws:apigateway:eu-west-1:kinesis:action/PutRecords')).to.equal('PutRecords')
    expect(actionOf('arn:aws:apigateway:eu-west-1:kinesis:action/DeleteStream')).to.equal(undefined)
    expect(actionOf('arn:aws:apigateway:eu-west-1:lambda:path/x')).to.equal(undefined)
    expect(regionOf('arn:aws:apigateway:eu-west-1:kinesis:action/PutRecord')).to.equal('eu-west-1')
  })
})
