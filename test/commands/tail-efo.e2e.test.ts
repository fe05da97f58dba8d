/** `clickops tail --efo` end to end: the real binary against kinesis-local, stopped by Ctrl-C, --limit and errors. */
import {DescribeStreamSummaryCommand, RegisterStreamConsumerCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {type ChildProcess} from 'node:child_process'
import {hostname} from 'node:os'

import {sleep} from '../../src/lib/local/process.js'
import {listRegisteredConsumers as listConsumers} from '../../src/lib/kinesis/consumer-list.js'
import {tailConsumerName} from '../../src/lib/tail/consumer.js'
import {runCli} from '../helpers/cli.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../helpers/kinesis-local.js'
import {eventOf, putAll} from '../lib/tail/fixtures.js'

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

const lines = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as {data: {n: number}; partitionKey: string})

describe('clickops tail --efo (end to end)', () => {
  let local: KinesisLocal
  let client: KinesisClient

  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
  })

  const arnOf = async (stream: string) => (await client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary!.StreamARN!
  /** Registered consumers that are not on their way out. */
  const live = async (arn: string) => (await listConsumers(client, arn)).filter((c) => c.status !== 'DELETING').map((c) => c.consumerName)

  it('Ctrl-C through the real CLI: the records so far, exit 0, and the consumer deregistered', async () => {
    const stream = uniqueStreamName('efo-cli')
    await createStream(client, stream, 2)
    const arn = await arnOf(stream)
    let child: ChildProcess | undefined
    let stdout = ''
    let stderr = ''
    const running = runCli(['tail', '--endpoint-url', local.endpoint, '--stream', stream, '--user', '5', '--efo', '--output', 'json'], {
      onSpawn(c) {
        child = c
        c.stdout!.on('data', (d: string) => (stdout += d))
        c.stderr!.on('data', (d: string) => (stderr += d))
      },
      timeoutMs: 120_000,
    })
    await until('the tail to follow', () => stderr.includes('following'))
    const name = tailConsumerName(hostname(), child!.pid!)
    expect(stderr).to.include(`tail: enhanced fan-out through consumer ${name} (registered for this tail, deregistered when it ends).`)
    expect(await live(arn)).to.deep.equal([name])

    await putAll(client, stream, Array.from({length: 40}, (_, i) => eventOf(String(i % 8), i)))
    await until('5 records', () => lines(stdout).length >= 5)
    child!.kill('SIGINT')
    const r = await running

    expect(r.code, r.stderr).to.equal(0)
    expect(lines(r.stdout).map((l) => l.data.n)).to.deep.equal([5, 13, 21, 29, 37])
    expect(r.stderr).to.include(`tail: consumer ${name} deregistered.`)
    expect(await live(arn)).to.deep.equal([])
  })

  it('--limit ends the tail and deregisters; a consumer of a dead tail gets a notice without a terminal, and goes with --remove-stale-consumers', async () => {
    const stream = uniqueStreamName('efo-cli-stale')
    await createStream(client, stream, 1)
    await putAll(client, stream, Array.from({length: 10}, (_, i) => eventOf('1', i)))
    const arn = await arnOf(stream)
    const dead = tailConsumerName(hostname(), 999_997)
    await client.send(new RegisterStreamConsumerCommand({ConsumerName: dead, StreamARN: arn}))

    const args = ['tail', '--endpoint-url', local.endpoint, '--stream', stream, '--user', '1', '--from', 'trim-horizon', '--efo', '--limit', '3']
    const first = await runCli(args)
    expect(first.code, first.stderr).to.equal(0)
    expect(lines(first.stdout).map((l) => l.data.n)).to.deep.equal([0, 1, 2])
    expect(first.stderr).to.include(`1 enhanced fan-out consumer left by --efo tails of this host that are gone (${dead}); each is billed while registered. Remove them with --remove-stale-consumers.`)
    expect(await live(arn)).to.deep.equal([dead])

    const second = await runCli([...args, '--remove-stale-consumers'])
    expect(second.code, second.stderr).to.equal(0)
    expect(second.stderr).to.include(`tail: deregistered ${dead}.`)
    expect(await live(arn)).to.deep.equal([])
  })

  it('--consumer reuses a registered consumer and leaves it; an unknown one is exit 3; a bad name exit 2 before any call', async () => {
    const stream = uniqueStreamName('efo-cli-reuse')
    await createStream(client, stream, 1)
    await putAll(client, stream, Array.from({length: 4}, (_, i) => eventOf('1', i)))
    const arn = await arnOf(stream)
    await client.send(new RegisterStreamConsumerCommand({ConsumerName: 'analytics', StreamARN: arn}))
    await until('analytics ACTIVE', async () => (await listConsumers(client, arn)).some((c) => c.status === 'ACTIVE'))

    const base = ['tail', '--endpoint-url', local.endpoint, '--stream', stream, '--from', 'trim-horizon', '--no-follow']
    const r = await runCli([...base, '--consumer', 'analytics'])
    expect(r.code, r.stderr).to.equal(0)
    expect(lines(r.stdout)).to.have.length(4)
    expect(r.stderr).to.include('tail: enhanced fan-out through consumer analytics (reused; it stays registered).')
    expect(await live(arn)).to.deep.equal(['analytics'])

    const unknown = await runCli([...base, '--consumer', 'nobody'])
    expect(unknown.code, unknown.stderr).to.equal(3)
    expect(unknown.stderr).to.include('The stream has no registered consumer named "nobody".')

    const bad = await runCli(['tail', '--endpoint-url', 'http://127.0.0.1:1', '--consumer', 'no spaces'])
    expect(bad.code, bad.stderr).to.equal(2)
    expect(bad.stderr).to.include('"no spaces" is not a valid consumer name.')
  })
})
