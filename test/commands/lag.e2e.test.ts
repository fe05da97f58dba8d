/**
 * End-to-end: `clickops lag` through the real binary against kinesis-local with a registered
 * enhanced fan-out consumer. There is no CloudWatch locally: the consumers are listed, their lag is
 * unknown, the exit code is 0, and bad flags exit 2 before any call.
 */
import {DeregisterStreamConsumerCommand, DescribeStreamSummaryCommand, RegisterStreamConsumerCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'

import type {LagResult} from '../../src/commands/lag.js'
import {POLLING_ROW_NAME} from '../../src/lib/lag.js'
import {runCli} from '../helpers/cli.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../helpers/kinesis-local.js'

describe('clickops lag (end to end, kinesis-local)', () => {
  let local: KinesisLocal
  let client: KinesisClient
  let stream: string
  let consumerArn: string

  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
    stream = uniqueStreamName('lag-cli')
    await createStream(client, stream, 2)
    const arn = (await client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary!.StreamARN!
    consumerArn = (await client.send(new RegisterStreamConsumerCommand({ConsumerName: 'analytics', StreamARN: arn}))).Consumer!.ConsumerARN!
  })

  after(async () => {
    await client.send(new DeregisterStreamConsumerCommand({ConsumerARN: consumerArn})).catch(() => undefined)
  })

  it('--json lists the registered consumer and the polling row, lag unknown, exit 0', async () => {
    const r = await runCli(['lag', '--endpoint-url', local.endpoint, '--stream', stream, '--json'])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.equal('')
    const result = JSON.parse(r.stdout) as LagResult
    expect(result).to.include({cloudwatch: false, exitCode: 0, maxLagMs: 300_000, streamName: stream, target: 'local'})
    expect(result.exceeded).to.deep.equal([])
    expect(result.consumers.map((c) => [c.name, c.kind, c.lagMs, c.peakLagMs])).to.have.deep.members([
      [POLLING_ROW_NAME, 'polling', null, null],
      ['analytics', 'efo', null, null],
    ])
    const efo = result.consumers.find((c) => c.kind === 'efo')!
    expect(efo.consumerArn).to.equal(consumerArn)
    expect(efo.unknown).to.equal('unknown — no CloudWatch locally (kinesis-local publishes no metrics)')
  })

  it('the table names the consumer and says why the lag is unknown', async () => {
    const r = await runCli(['lag', '--endpoint-url', local.endpoint, '--stream', stream, '--max-lag', '30s'])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.match(/analytics\s+│ enhanced fan-out\s+│\s+unknown/)
    expect(r.stdout).to.include('no CloudWatch locally')
    expect(r.stdout).to.include('max lag  30s')
  })

  it('rejects a bad --max-lag or --window with exit 2, and a missing stream with exit 3', async () => {
    const bad = await runCli(['lag', '--endpoint-url', local.endpoint, '--stream', stream, '--max-lag', 'soon'])
    expect(bad.code).to.equal(2)
    const wide = await runCli(['lag', '--endpoint-url', local.endpoint, '--stream', stream, '--window', '2d'])
    expect(wide.code).to.equal(2)
    expect(wide.stderr).to.include('out of range')
    const missing = await runCli(['lag', '--endpoint-url', local.endpoint, '--stream', uniqueStreamName('lag-none')])
    expect(missing.code).to.equal(3)
  })
})
