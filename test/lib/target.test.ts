import {expect} from 'chai'

import {UsageError} from '../../src/lib/errors.js'
import {describeTarget, parseEndpointUrl, resolveTarget} from '../../src/lib/target.js'

describe('target resolution', () => {
  it('defaults to the embedded local stack in us-east-1', () => {
    const t = resolveTarget({}, {})
    expect(t).to.deep.include({embedded: true, kind: 'local', region: 'us-east-1'})
    expect(t.endpoints).to.deep.equal({})
  })

  it('takes the target from CLICKOPS_TARGET, the flag winning over it', () => {
    expect(resolveTarget({}, {CLICKOPS_TARGET: 'aws'}).kind).to.equal('aws')
    expect(resolveTarget({target: 'local'}, {CLICKOPS_TARGET: 'aws'}).kind).to.equal('local')
  })

  it('rejects an unknown target with a usage error', () => {
    expect(() => resolveTarget({target: 'azure'}, {})).to.throw(UsageError, /Unknown target "azure"/)
    expect(() => resolveTarget({}, {CLICKOPS_TARGET: 'gcp'})).to.throw(UsageError)
  })

  it('resolves profile and region like the AWS CLI: flag, AWS_REGION, AWS_DEFAULT_REGION, else the profile', () => {
    expect(resolveTarget({target: 'aws'}, {AWS_PROFILE: 'prod', AWS_REGION: 'eu-west-1'})).to.deep.include({profile: 'prod', region: 'eu-west-1'})
    expect(resolveTarget({target: 'aws'}, {AWS_DEFAULT_REGION: 'ap-south-1'}).region).to.equal('ap-south-1')
    expect(resolveTarget({profile: 'dev', region: 'us-west-2', target: 'aws'}, {AWS_PROFILE: 'prod', AWS_REGION: 'eu-west-1'})).to.deep.include({profile: 'dev', region: 'us-west-2'})
    expect(resolveTarget({target: 'aws'}, {}).region).to.equal(undefined)
  })

  it('rejects a malformed region before any call', () => {
    expect(() => resolveTarget({region: 'mars', target: 'aws'}, {})).to.throw(UsageError, /not an AWS region/)
  })

  it('gives service-specific endpoint variables precedence over AWS_ENDPOINT_URL, and --endpoint-url over both', () => {
    const env = {AWS_ENDPOINT_URL: 'http://global:1', AWS_ENDPOINT_URL_KINESIS: 'http://kin:2', AWS_ENDPOINT_URL_API_GATEWAY: 'https://apigw:3/'}
    const t = resolveTarget({target: 'aws'}, env)
    expect(t.endpoints).to.deep.equal({
      apigateway: 'https://apigw:3',
      cloudwatch: 'http://global:1',
      iam: 'http://global:1',
      kinesis: 'http://kin:2',
      lambda: 'http://global:1',
      logs: 'http://global:1',
      scheduler: 'http://global:1',
      wafv2: 'http://global:1',
    })
    const flagged = resolveTarget({endpointUrl: 'http://flag:9', target: 'aws'}, env)
    expect(new Set(Object.values(flagged.endpoints))).to.deep.equal(new Set(['http://flag:9']))
  })

  it('treats a local target with an explicit endpoint as not embedded (no auto-start)', () => {
    const t = resolveTarget({endpointUrl: 'http://127.0.0.1:9999', target: 'local'}, {})
    expect(t.embedded).to.equal(false)
    expect(t.endpoints.kinesis).to.equal('http://127.0.0.1:9999')
  })

  it('rejects malformed endpoint URLs with one sentence', () => {
    expect(() => parseEndpointUrl('not a url', '--endpoint-url')).to.throw(UsageError, /is not a valid URL/)
    expect(() => parseEndpointUrl('ftp://x', '--endpoint-url')).to.throw(UsageError, /must use http or https/)
    expect(() => parseEndpointUrl('http://user:pw@host', '--endpoint-url')).to.throw(UsageError, /credentials/)
    expect(() => resolveTarget({}, {AWS_ENDPOINT_URL_KINESIS: 'localhost:4568'})).to.throw(UsageError, /AWS_ENDPOINT_URL_KINESIS/)
  })

  it('describes the target in one line', () => {
    expect(describeTarget(resolveTarget({}, {}), 'us-east-1')).to.equal('target: local (embedded stack, region us-east-1)')
    expect(describeTarget(resolveTarget({profile: 'prod', target: 'aws'}, {}), 'eu-west-1')).to.equal('target: aws (profile prod, region eu-west-1)')
  })
})
