import {expect} from 'chai'

import {createRandom} from '../../../src/lib/clickstream/random.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {apiSink, batchUrlOf, outcomesOf} from '../../../src/lib/send/api-sink.js'
import {exitCodeFor, runSend, type SendPlan} from '../../../src/lib/send/run.js'
import {SendStats} from '../../../src/lib/send/stats.js'
import {fakeGateway} from './gateway-fake.js'

const now = () => performance.timeOrigin + performance.now()
const plan = (count: number): SendPlan => ({count, generator: {hotUsers: [{share: 0.3, userId: 35}], seed: 9, skew: 0, users: 100}, rate: 0})
const writer = {aimd: {minRate: 50_000}, backoffBaseMs: 1, backoffCapMs: 10, concurrency: 4, lingerMs: 5, maxAttempts: 20}
const control = () => ({abort: new AbortController().signal, stop: new AbortController().signal})

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

  it('stops at once on a port fetch refuses to use (9), instead of retrying until the endpoint counts as unreachable', async () => {
    const stats = new SendStats(now)
    const outcome = await runSend(plan(100), {kind: 'batch', sink: apiSink({batchUrl: 'http://127.0.0.1:9/v1/events/batch'}), writer}, {now, random: createRandom(2), stats}, control())
    expect(outcome.retried).to.equal(0)
    expect(outcome.delivered).to.equal(0)
    expect(outcome.failed).to.equal(outcome.generated)
    expect(outcome.stoppedBy?.message).to.equal('Cannot send to http://127.0.0.1:9/v1/events/batch: fetch refuses its port, which is reserved for another protocol.')
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
