import {KinesisClient, PutRecordsCommand, type PutRecordsCommandInput} from '@aws-sdk/client-kinesis'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {createRandom} from '../../../src/lib/clickstream/random.js'
import {ExitCode} from '../../../src/lib/errors.js'
import {kinesisSink} from '../../../src/lib/send/kinesis-sink.js'
import {exitCodeFor, runSend, type SendPlan} from '../../../src/lib/send/run.js'
import {SendStats} from '../../../src/lib/send/stats.js'

const now = () => performance.timeOrigin + performance.now()
const plan = (count: number): SendPlan => ({count, generator: {hotUsers: [], seed: 5, skew: 0.5, users: 500}, rate: 0})
const writer = {aimd: {minRate: 50_000}, backoffBaseMs: 1, backoffCapMs: 10, concurrency: 4, lingerMs: 5, maxAttempts: 20}
const control = () => ({abort: new AbortController().signal, stop: new AbortController().signal})

function sdkError(name: string, status: number, message = name) {
  return Object.assign(new Error(message), {$fault: status >= 500 ? 'server' : 'client', $metadata: {httpStatusCode: status}, name})
}

describe('kinesis sink: faults (mocked client)', () => {
  const client = new KinesisClient({credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, region: 'us-east-1'})
  const kinesis = mockClient(client)
  afterEach(() => kinesis.reset())
  after(() => kinesis.restore())

  it('delivers every event despite 30% throttled entries and occasional HTTP 500s; the counts add up', async () => {
    const random = createRandom(2024)
    const accepted: string[] = []
    let calls = 0
    let attempts = 0
    let failedCalls = 0
    let throttledEntries = 0
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      calls += 1
      attempts += input.Records!.length
      // Every 7th call fails whole (a count, not a draw: how many calls there are depends on timing).
      if (calls % 7 === 3) {
        failedCalls += 1
        throw sdkError('InternalFailure', 500, 'We encountered an internal error. Please try again.')
      }
      let failed = 0
      const Records = input.Records!.map((r) => {
        expect(r.PartitionKey).to.equal(JSON.parse(Buffer.from(r.Data!).toString()).user_id)
        if (random.float() < 0.3) {
          failed += 1
          throttledEntries += 1
          return {ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream s.'}
        }
        accepted.push(JSON.parse(Buffer.from(r.Data!).toString()).click_id)
        return {SequenceNumber: String(accepted.length), ShardId: 'shardId-000000000000'}
      })
      return {FailedRecordCount: failed, Records}
    })
    const stats = new SendStats(now)
    const outcome = await runSend(plan(2000), {kind: 'batch', sink: kinesisSink(client, {streamName: 's', target: 'local'}), writer}, {now, random: createRandom(1), stats}, control())
    expect(outcome.generated).to.equal(2000)
    expect(outcome.delivered).to.equal(2000)
    expect(outcome.failed).to.equal(0)
    expect(accepted).to.have.length(2000)
    expect(new Set(accepted).size).to.equal(2000)
    expect(throttledEntries).to.be.greaterThan(500)
    expect(failedCalls).to.be.greaterThan(0)
    expect(outcome.calls).to.equal(calls)
    expect(outcome.callErrors).to.equal(failedCalls)
    expect(outcome.retried).to.equal(attempts - 2000)
    expect(outcome.throttled).to.equal(throttledEntries)
    expect(outcome.byShard).to.deep.equal({'shardId-000000000000': 2000})
    expect(exitCodeFor(outcome, true)).to.equal(ExitCode.OK)
  })

  it('counts a permanent failure (the stream deleted): non-zero exit, a true summary', async () => {
    let delivered = 0
    let calls = 0
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      calls += 1
      if (calls > 3) throw sdkError('ResourceNotFoundException', 400, 'Stream s under account 000000000000 not found.')
      delivered += input.Records!.length
      return {FailedRecordCount: 0, Records: input.Records!.map(() => ({SequenceNumber: '1', ShardId: 'shardId-000000000001'}))}
    })
    const stats = new SendStats(now)
    const outcome = await runSend(plan(5000), {kind: 'batch', sink: kinesisSink(client, {streamName: 's', target: 'local'}), writer: {...writer, concurrency: 1}}, {now, random: createRandom(1), stats}, control())
    expect(outcome.delivered).to.equal(delivered)
    expect(outcome.failed).to.be.greaterThan(0)
    expect(outcome.generated).to.be.below(5000) // generation stopped
    expect(outcome.delivered + outcome.failed).to.equal(outcome.generated)
    expect(outcome.stoppedBy?.name).to.equal('StreamNotFoundError')
    expect(outcome.failures.map((f) => f.code)).to.include('ResourceNotFoundException')
    expect(outcome.complete).to.equal(false)
    expect(exitCodeFor(outcome, true)).to.equal(ExitCode.PARTIAL_FAILURE)
  })

  it('classifies call errors: throttling, retriable, fatal', () => {
    const sink = kinesisSink(client, {streamName: 's', target: 'aws'})
    expect(sink.classify(sdkError('ProvisionedThroughputExceededException', 400)).kind).to.equal('throttled')
    expect(sink.classify(sdkError('LimitExceededException', 400)).kind).to.equal('throttled')
    expect(sink.classify(sdkError('InternalFailure', 500)).kind).to.equal('retriable')
    expect(sink.classify(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'})).kind).to.equal('retriable')
    expect(sink.classify(sdkError('AccessDeniedException', 400)).kind).to.equal('fatal')
    expect(sink.classify(sdkError('KMSDisabledException', 400)).kind).to.equal('fatal')
    const notFound = sink.classify(sdkError('ResourceNotFoundException', 400))
    expect(notFound.kind === 'fatal' && notFound.error.exitCode).to.equal(ExitCode.NOT_FOUND)
  })
})

describe('exit codes of a send run', () => {
  it('6 when anything failed, 130 when Ctrl-C cut a bounded run short, 0 otherwise', () => {
    expect(exitCodeFor({complete: true, failed: 1, interrupted: false}, true)).to.equal(6)
    expect(exitCodeFor({complete: false, failed: 1, interrupted: true}, true)).to.equal(6)
    expect(exitCodeFor({complete: false, failed: 0, interrupted: true}, true)).to.equal(130)
    expect(exitCodeFor({complete: false, failed: 0, interrupted: true}, false)).to.equal(0)
    expect(exitCodeFor({complete: true, failed: 0, interrupted: false}, true)).to.equal(0)
  })
})
