import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors.js'
import {parseSendOptions} from '../../../src/lib/send/options.js'

const seed = () => 1234

describe('send options', () => {
  it('has the documented defaults, a drawn seed, and is unbounded without --count/--duration', () => {
    const o = parseSendOptions({}, seed)
    expect(o.via).to.equal('kinesis')
    expect(o.bounded).to.equal(false)
    expect(o.plan).to.deep.equal({count: undefined, durationMs: undefined, generator: {hotUsers: [], seed: 1234, skew: 0, users: 1000}, rate: 100})
    expect(o.writer).to.deep.equal({concurrency: 4, lingerMs: 100, maxAttempts: 20})
    expect(o.api).to.equal(undefined)
  })

  it('parses every flag', () => {
    const o = parseSendOptions(
      {concurrency: '8', count: '500', duration: '1m30s', hotUser: ['35:0.3', '7:10%'], linger: '0', maxAttempts: '5', rate: '0.5', seed: '42', skew: '1.1', users: '5000'},
      seed,
    )
    expect(o.bounded).to.equal(true)
    expect(o.plan).to.deep.equal({
      count: 500,
      durationMs: 90_000,
      generator: {hotUsers: [{share: 0.3, userId: 35}, {share: 0.1, userId: 7}], seed: 42, skew: 1.1, users: 5000},
      rate: 0.5,
    })
    expect(o.writer).to.deep.equal({concurrency: 8, lingerMs: 0, maxAttempts: 5})
  })

  it('turns --api-url into the batch route and keeps the key out of everything else', () => {
    const o = parseSendOptions({apiKey: 'k', apiUrl: 'https://a.execute-api.eu-west-1.amazonaws.com/v1/', via: 'api'}, seed)
    expect(o.api).to.deep.equal({apiKey: 'k', batchUrl: 'https://a.execute-api.eu-west-1.amazonaws.com/v1/events/batch'})
    expect(parseSendOptions({via: 'api'}, seed).api).to.deep.equal({apiKey: undefined, batchUrl: undefined})
  })

  it('rejects bad values with a UsageError', () => {
    const bad: [Parameters<typeof parseSendOptions>[0], RegExp][] = [
      [{rate: 'fast'}, /--rate/],
      [{rate: '2000000'}, /--rate/],
      [{count: '1.5'}, /--count/],
      [{duration: '0s'}, /--duration must be longer than 0/],
      [{seed: '4294967296'}, /--seed/],
      [{users: '1000001'}, /--users/],
      [{skew: '11'}, /--skew/],
      [{hotUser: ['35:0.6', '36:0.6']}, /more than 100%/],
      [{linger: '11s'}, /--linger/],
      [{maxAttempts: '0'}, /--max-attempts/],
      [{via: 'kafka'}, /--via/],
      [{json: true, via: 'stdout'}, /--json cannot be combined/],
      [{apiKey: 'k'}, /apply to --via api only/],
      [{apiKey: ' ', via: 'api'}, /--api-key is empty/],
      [{apiUrl: 'http://user:pw@x', via: 'api'}, /must not contain credentials/],
    ]
    for (const [input, message] of bad) expect(() => parseSendOptions(input, seed), JSON.stringify(input)).to.throw(UsageError, message)
  })
})
