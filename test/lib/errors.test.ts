import {expect} from 'chai'

import {AwsError, ClickopsError, ExitCode, toClickopsError, UsageError} from '../../src/lib/errors.js'

describe('error mapping', () => {
  it('keeps typed errors as they are', () => {
    const e = new UsageError('bad', 'fix it')
    expect(toClickopsError(e)).to.equal(e)
    expect(e.exitCode).to.equal(ExitCode.USAGE)
  })

  it('maps unreachable endpoints to exit 5, also when the SDK wraps the socket error', () => {
    const wrapped = Object.assign(new Error('The pending stream has been canceled (caused by: getaddrinfo ENOTFOUND kinesis.eu-west-1.amazonaws.com)'), {name: 'Error'})
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'})
    const nested = Object.assign(new Error('request failed'), {cause: Object.assign(new Error('x'), {code: 'CERT_HAS_EXPIRED'})})
    const notAws = Object.assign(new Error('UnknownError'), {name: 'UnknownError'})
    for (const e of [wrapped, refused, nested, notAws]) {
      const mapped = toClickopsError(e, {target: 'aws'})
      expect(mapped, e.message).to.be.instanceOf(AwsError)
      expect(mapped.exitCode).to.equal(ExitCode.AWS)
      expect(mapped.hint).to.include('--region')
    }
    expect(toClickopsError(refused, {target: 'local'}).hint).to.include('clickops local up')
  })

  it('maps rejected credentials and access denied to exit 5 with what to do', () => {
    const creds = toClickopsError(Object.assign(new Error('The security token included in the request is invalid.'), {name: 'UnrecognizedClientException'}))
    expect(creds.exitCode).to.equal(ExitCode.AWS)
    expect(creds.hint).to.include('aws sts get-caller-identity')
    const denied = toClickopsError(Object.assign(new Error('User is not authorized to perform: kinesis:ListShards'), {name: 'AccessDeniedException'}))
    expect(denied.message).to.equal('AWS denied the request: User is not authorized to perform: kinesis:ListShards')
  })

  it('says so, exit 5, when the endpoint answers but is not the AWS service (an HTML page, another API, a bare 404)', () => {
    const html = Object.assign(new SyntaxError('Unexpected token \'<\', "<!DOCTYPE "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), {
      $metadata: {httpStatusCode: 501},
    })
    const untyped = Object.assign(new Error('No API is provisioned for stream "" with stage "" on this gateway.'), {$fault: 'client', $metadata: {httpStatusCode: 404}, name: 'Unknown'})
    const bare404 = Object.assign(new Error('Unknown'), {$fault: 'client', $metadata: {httpStatusCode: 404}, name: 'NotFound'})
    for (const [e, status] of [[html, 501], [untyped, 404], [bare404, 404]] as const) {
      const mapped = toClickopsError(e, {target: 'aws'})
      expect(mapped, e.message).to.be.instanceOf(AwsError)
      expect(mapped.exitCode).to.equal(ExitCode.AWS)
      expect(mapped.message).to.equal(`The endpoint answered HTTP ${status}, but not as the AWS service does: it is probably not that service's endpoint.`)
      expect(mapped.hint).to.include('--endpoint-url')
    }
    expect(toClickopsError(untyped, {target: 'local'}).hint).to.include('clickops local status')
    // A typed AWS error keeps its own message.
    const typed = Object.assign(new Error('Stream x under account 1 not found.'), {$metadata: {httpStatusCode: 400}, name: 'ResourceNotFoundException'})
    expect(toClickopsError(typed).message).to.equal('Stream x under account 1 not found.')
  })

  it('keeps the first line of anything else, exit 1', () => {
    const other = toClickopsError(new Error('something odd\n    at stack line'))
    expect(other).to.be.instanceOf(ClickopsError)
    expect(other.message).to.equal('something odd')
    expect(other.exitCode).to.equal(ExitCode.ERROR)
  })
})
