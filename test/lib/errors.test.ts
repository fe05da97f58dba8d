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

  it('keeps the first line of anything else, exit 1', () => {
    const other = toClickopsError(new Error('something odd\n    at stack line'))
    expect(other).to.be.instanceOf(ClickopsError)
    expect(other.message).to.equal('something odd')
    expect(other.exitCode).to.equal(ExitCode.ERROR)
  })
})
