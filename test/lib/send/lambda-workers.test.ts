import {GetAccountSettingsCommand, InvokeCommand, LambdaClient} from '@aws-sdk/client-lambda'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import type {LambdaWorkerEvent} from '../../../src/lib/send/lambda/handler.js'
import {checkConcurrency, estimateCost, expectedSeconds, lambdaInvoker, startLambdaWorkers} from '../../../src/lib/send/lambda/run.js'
import type {SendOutcome} from '../../../src/lib/send/run.js'

const lambda = mockClient(LambdaClient)

/** One part's outcome: `n` events delivered, the slot moved on by `slots`. */
function part(event: LambdaWorkerEvent, n: number, slots: number, count: number): SendOutcome {
  const slot = Math.min(count, (event.init.plan.fromSlot ?? 0) + slots)
  return {achievedRate: 0, byShard: {'shardId-000000000000': n}, callErrors: 0, calls: 1, complete: slot >= count, delivered: n, elapsedMs: 1000, failed: 0, failures: [], generated: n, interrupted: false, retried: 0, slot, throttled: 0, aborted: false}
}

describe('send --on lambda (mocked Lambda)', () => {
  beforeEach(() => lambda.reset())

  it('refuses more workers than the unreserved concurrency, before any invocation', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({AccountLimit: {ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 90}})
    const client = new LambdaClient({region: 'us-east-1'})
    await checkConcurrency(client, 90)
    try {
      await checkConcurrency(client, 91)
      expect.fail('accepted 91')
    } catch (error) {
      expect((error as Error).message).to.match(/needs 91 concurrent Lambda executions; the account has 90 unreserved \(of 1000\)/)
      expect((error as {exitCode: number}).exitCode).to.equal(2)
    }
    expect(lambda.commandCalls(InvokeCommand)).to.have.length(0)
  })

  it('chains each worker\'s invocations from the slot the last part reached, and merges the counts', async () => {
    const count = 1000
    lambda.on(InvokeCommand).callsFake((input: {Payload: Uint8Array}) => {
      const event = JSON.parse(Buffer.from(input.Payload).toString('utf8')) as LambdaWorkerEvent
      const outcome = part(event, 150, 400, count)
      return {Payload: Buffer.from(JSON.stringify({latency: {buckets: [[10, 1]], count: 1, max: 12}, ok: true, outcome})), StatusCode: 200}
    })
    const client = new LambdaClient({region: 'us-east-1'})
    const stop = new AbortController()
    const run = startLambdaWorkers(
      {destination: {kind: 'kinesis', stream: 's', target: {embedded: false, endpoints: {}, kind: 'aws', region: 'us-east-1'}}, invoke: lambdaInvoker(client, 'clickops-send-s'), plan: {count, generator: {hotUsers: [], seed: 3, skew: 0, users: 100}, rate: 0}, workers: 2, writer: {concurrency: 4, lingerMs: 100, maxAttempts: 20}},
      {drawSeed: () => 1, now: () => Date.now()},
      {abort: new AbortController().signal, stop: stop.signal},
    )
    const outcome = await run.done
    const events = lambda.commandCalls(InvokeCommand).map((c) => JSON.parse(Buffer.from(c.args[0].input.Payload as Uint8Array).toString('utf8')) as LambdaWorkerEvent)
    // Three parts per worker: slots 0 → 400 → 800 → 1000.
    for (const index of [0, 1]) {
      const mine = events.filter((e) => e.init.plan.share.index === index)
      expect(mine.map((e) => e.init.plan.fromSlot)).to.deep.equal([0, 400, 800])
      expect(mine.every((e) => e.init.plan.share.of === 2 && e.init.plan.count === count)).to.equal(true)
    }
    expect(outcome).to.include({complete: true, delivered: 900, failed: 0, generated: 900})
    expect(outcome.workers!.map((w) => w.delivered)).to.deep.equal([450, 450])
    expect(outcome.byShard).to.deep.equal({'shardId-000000000000': 900})
  })

  it('a worker whose invocation fails: counted as died with what its earlier parts delivered', async () => {
    let calls = 0
    lambda.on(InvokeCommand).callsFake((input: {Payload: Uint8Array}) => {
      const event = JSON.parse(Buffer.from(input.Payload).toString('utf8')) as LambdaWorkerEvent
      calls += 1
      if (event.init.plan.share.index === 1 && (event.init.plan.fromSlot ?? 0) > 0) {
        return {FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify({errorMessage: 'Task timed out after 420.00 seconds', errorType: 'Sandbox.Timedout'}))}
      }
      return {Payload: Buffer.from(JSON.stringify({latency: {buckets: [], count: 0, max: 0}, ok: true, outcome: part(event, 100, 300, 600)}))}
    })
    const client = new LambdaClient({region: 'us-east-1'})
    const run = startLambdaWorkers(
      {destination: {apiKey: undefined, batchUrl: 'https://x/v1/events/batch', kind: 'api'}, invoke: lambdaInvoker(client, 'f'), plan: {count: 600, generator: {hotUsers: [], seed: 3, skew: 0, users: 100}, rate: 0}, workers: 2, writer: {concurrency: 4, lingerMs: 100, maxAttempts: 20}},
      {drawSeed: () => 1, now: () => Date.now()},
      {abort: new AbortController().signal, stop: new AbortController().signal},
    )
    const outcome = await run.done
    expect(calls).to.equal(4)
    expect(outcome.workers![1]).to.include({delivered: 100, failed: 0, generated: 100})
    expect(outcome.workers![1].died).to.match(/Sandbox.Timedout: Task timed out/)
    expect(outcome.stoppedBy?.message).to.match(/Worker 1 of 2 died/)
    expect(outcome.complete).to.equal(false)
  })

  it('estimates the cost from the workers, the run time and the memory', () => {
    expect(expectedSeconds({count: 600_000, rate: 1000})).to.equal(600)
    expect(expectedSeconds({durationMs: 60_000, rate: 0})).to.equal(60)
    expect(expectedSeconds({rate: 0})).to.equal(undefined)
    const c = estimateCost({memoryMb: 1024, seconds: 600, workers: 10})
    expect(c).to.include({gbSeconds: 6000, invocations: 20, seconds: 600, workers: 10})
    expect(c.usd).to.be.closeTo(6000 * 0.000_013_333_4 + (20 / 1e6) * 0.2, 1e-4)
  })
})
