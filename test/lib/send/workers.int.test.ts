import {type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'

import {createClients} from '../../../src/lib/aws/clients.js'
import {openDestination} from '../../../src/lib/send/destination.js'
import {parseSendOptions} from '../../../src/lib/send/options.js'
import {sendResult} from '../../../src/lib/send/result.js'
import {startSend} from '../../../src/lib/send/start.js'
import type {WorkerHandle} from '../../../src/lib/send/workers/local.js'
import {WORKER_DIED} from '../../../src/lib/send/workers/protocol.js'
import {readAllRecords} from '../../helpers/gateway.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../../helpers/kinesis-local.js'

const now = () => performance.timeOrigin + performance.now()

async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('send workers (worker threads against kinesis-local)', function () {
  this.timeout(300_000)
  let local: KinesisLocal
  let client: KinesisClient
  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
  })

  it('a worker that dies: reported with what it had delivered, the others finish, exit 6, the totals add up', async () => {
    const stream = uniqueStreamName('workers-kill')
    await createStream(client, stream, 2)
    const clients = createClients(local.target)
    const options = parseSendOptions({concurrency: '1', count: '100000', on: 'local', rate: '300', seed: '5', workers: '2'}, () => 1)
    const opened = await openDestination(options, {
      connect: async () => ({clients, localEndpoints: {}, region: 'us-east-1', stream, target: local.target}),
      note() {},
      stdout: process.stdout,
    })
    const handles: WorkerHandle[] = []
    const stop = new AbortController()
    const abort = new AbortController()
    try {
      const run = await startSend(options, opened, {drawSeed: () => 7, now, onWorkerStarted: (h) => handles.push(h)}, {abort: abort.signal, stop: stop.signal})
      await until(() => run.progress.snapshot().delivered >= 100, '100 delivered')
      await handles[0].terminate()
      // The survivor goes on; then Ctrl-C (stop) ends the run.
      const before = run.progress.snapshot().delivered
      await until(() => run.progress.snapshot().delivered >= before + 50, 'the other worker to deliver more')
      stop.abort()
      const result = sendResult(options, opened.where, await run.done)

      expect(result.exitCode).to.equal(6)
      const [dead, alive] = result.workers!
      expect(dead.died).to.match(/exited with code 1/)
      expect(dead.delivered).to.be.greaterThan(0)
      expect(dead.delivered + dead.failed).to.equal(dead.generated)
      expect(alive.died).to.equal(undefined)
      expect(alive).to.include({failed: 0})
      expect(alive.delivered).to.equal(alive.generated)
      expect(result.delivered).to.equal(dead.delivered + alive.delivered)
      expect(result.delivered + result.failed).to.equal(result.generated)
      expect(result.stoppedBy?.message).to.match(/Worker 0 of 2 died .* after delivering/)
      const lost = result.failures.find((f) => f.code === WORKER_DIED)?.count ?? 0
      expect(lost).to.equal(dead.failed)
      // The stream holds what was delivered, and at most the dead worker's events in doubt besides.
      const stored = (await readAllRecords(client, stream)).length
      expect(stored).to.be.within(result.delivered, result.delivered + lost)
    } finally {
      clients.destroy()
    }
  })
})
