import {GetRecordsCommand, GetShardIteratorCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'

import type {SendResult} from '../../src/commands/send.js'
import {shareOfUser} from '../../src/lib/clickstream/generator.js'
import {listShards} from '../../src/lib/kinesis/shards.js'
import {shardForKey} from '../../src/lib/kinesis/hashkey.js'
import {runCli} from '../helpers/cli.js'
import {readAllRecords} from '../helpers/gateway.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../helpers/kinesis-local.js'

const parse = (stdout: string) => JSON.parse(stdout) as SendResult
/** An event without its timestamps, as a comparable line. */
const strip = (json: string) => JSON.stringify({...JSON.parse(json), insertion_timestamp: 0, timestamp: 0})

/** Resolves once the stream holds at least `atLeast` records (one page per shard: writes go on meanwhile). */
async function waitForRecords(client: KinesisClient, stream: string, atLeast: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    let seen = 0
    for (const shard of await listShards(client, stream)) {
      const iterator = (await client.send(new GetShardIteratorCommand({ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON', StreamName: stream}))).ShardIterator
      seen += (await client.send(new GetRecordsCommand({Limit: 10_000, ShardIterator: iterator}))).Records?.length ?? 0
    }
    if (seen >= atLeast) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`fewer than ${atLeast} records in ${stream} after ${timeoutMs} ms`)
}

/** The events --via stdout gives for the seed and count, in this one process: the reference. */
async function reference(args: string[]): Promise<string[]> {
  const r = await runCli(['send', '--via', 'stdout', '--rate', '0', ...args])
  expect(r.code, r.stderr).to.equal(0)
  return r.stdout.trim().split('\n').map(strip).sort()
}

describe('clickops send --workers (CLI, worker threads, against kinesis-local)', function () {
  let local: KinesisLocal
  let client: KinesisClient
  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
  })

  // kinesis-local takes a few hundred records a second on a busy machine.
  this.timeout(400_000)

  it('--workers 2 --count 4000: exactly 4,000 records, each user from its own worker, the same events as one process for the seed', async () => {
    const stream = uniqueStreamName('workers')
    await createStream(client, stream, 4)
    const mix = ['--seed', '11', '--skew', '0.8', '--hot-user', '35:0.1', '--users', '300']
    // One call in flight per worker: kinesis-local slows down under concurrent PutRecords, and a call
    // that outlasts the client's timeout is retried by the SDK and written twice.
    const r = await runCli(['send', '--endpoint-url', local.endpoint, '--stream', stream, '--count', '4000', '--rate', '0', '--workers', '2', '--concurrency', '1', ...mix, '--json'], {timeoutMs: 300_000})
    expect(r.code, r.stderr).to.equal(0)
    const summary = parse(r.stdout)
    expect(summary).to.include({delivered: 4000, failed: 0, generated: 4000, on: 'local'})
    expect(summary.workers).to.have.length(2)
    const records = await readAllRecords(client, stream)
    expect(records).to.have.length(4000)
    // Each worker's delivered count is the count of its own users' records; the shards as summed.
    const perWorker = [0, 0]
    const perShard: Record<string, number> = {}
    const shards = await listShards(client, stream)
    for (const rec of records) {
      perWorker[shareOfUser(Number(rec.partitionKey), 2)] += 1
      perShard[rec.shardId] = (perShard[rec.shardId] ?? 0) + 1
      expect(shardForKey(shards, rec.partitionKey)?.ShardId).to.equal(rec.shardId)
    }
    expect(summary.workers!.map((w) => [w.index, w.generated, w.delivered, w.failed])).to.deep.equal([
      [0, perWorker[0], perWorker[0], 0],
      [1, perWorker[1], perWorker[1], 0],
    ])
    expect(perWorker[0]).to.be.greaterThan(1000)
    expect(perWorker[1]).to.be.greaterThan(1000)
    expect(summary.byShard).to.deep.equal(perShard)
    // The same multiset of events (timestamps aside) as this seed in one process.
    expect(records.map((rec) => strip(rec.data)).sort()).to.deep.equal(await reference(['--count', '4000', ...mix]))
  })

  it('--workers 3: the same events again for the seed (another N, same multiset)', async () => {
    const stream = uniqueStreamName('workers3')
    await createStream(client, stream, 2)
    const r = await runCli(['send', '--endpoint-url', local.endpoint, '--stream', stream, '--count', '1200', '--rate', '0', '--workers', '3', '--concurrency', '1', '--seed', '11', '--json'], {timeoutMs: 300_000})
    expect(r.code, r.stderr).to.equal(0)
    expect(parse(r.stdout).workers!.map((w) => w.delivered).reduce((a, b) => a + b)).to.equal(1200)
    const records = await readAllRecords(client, stream)
    expect(records.map((rec) => strip(rec.data)).sort()).to.deep.equal(await reference(['--count', '1200', '--seed', '11']))
  })

  it('Ctrl-C mid-run: every worker drains, the totals add up and the stream holds exactly what was delivered', async () => {
    const stream = uniqueStreamName('workers-int')
    await createStream(client, stream, 2)
    const r = await runCli(['send', '--endpoint-url', local.endpoint, '--stream', stream, '--count', '1000000', '--rate', '300', '--workers', '2', '--json'], {
      onSpawn: (child) => {
        waitForRecords(client, stream, 40).then(() => child.kill('SIGINT'), () => child.kill('SIGKILL'))
      },
      timeoutMs: 300_000,
    })
    const summary = parse(r.stdout)
    expect(r.code, JSON.stringify(summary.failures) + r.stderr).to.equal(130)
    expect(summary).to.include({aborted: false, failed: 0, interrupted: true})
    expect(summary.delivered).to.be.at.least(40)
    expect(summary.delivered + summary.failed).to.equal(summary.generated)
    for (const w of summary.workers!) {
      expect(w.died).to.equal(undefined)
      expect(w.delivered + w.failed).to.equal(w.generated)
    }
    expect(summary.workers!.map((w) => w.generated).reduce((a, b) => a + b)).to.equal(summary.generated)
    expect(await readAllRecords(client, stream)).to.have.length(summary.delivered)
  })

  it('rejects --workers with --via stdout, a bad count, and --on lambda without --workers (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--via', 'stdout', '--workers', '2'], /cannot be combined with --via stdout/],
      [['--workers', '0'], /--workers must be a whole number from 1 to 64/],
      [['--on', 'lambda'], /--on lambda needs --workers N/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(['send', '--endpoint-url', 'http://127.0.0.1:9', ...args])
      expect(r.code, args.join(' ')).to.equal(2)
      expect(r.stderr, args.join(' ')).to.match(message)
    }
  })
})
