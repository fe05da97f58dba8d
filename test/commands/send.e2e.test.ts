import {DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {EVENT_SCHEMA} from '../../src/lib/clickstream/schema.js'
import {shardForKey} from '../../src/lib/kinesis/hashkey.js'
import {listShards} from '../../src/lib/kinesis/shards.js'
import type {SendResult} from '../../src/commands/send.js'
import {apisDir} from '../../src/lib/gateway/state.js'
import {BIN, isolatedEnv, runCli} from '../helpers/cli.js'
import {readAllRecords, startTestGateway, writeTestApi} from '../helpers/gateway.js'
import {draft04} from '../lib/clickstream/draft04.js'
import {fakeGateway} from '../lib/send/gateway-fake.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../helpers/kinesis-local.js'

/** Resolves once the stream holds at least `atLeast` records (one page per shard: writes go on meanwhile). */
async function waitForRecords(client: KinesisClient, stream: string, atLeast: number, timeoutMs = 60_000): Promise<void> {
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

const parse = (stdout: string) => JSON.parse(stdout) as SendResult

/** Exactly `count` distinct, valid events, each keyed by its user_id on the shard the hash names, as the summary counted. */
async function expectKeyedRecords(client: KinesisClient, stream: string, count: number, summary: SendResult): Promise<void> {
  const records = await readAllRecords(client, stream)
  expect(records).to.have.length(count)
  const shards = await listShards(client, stream)
  const {validate} = draft04(EVENT_SCHEMA)
  const perShard: Record<string, number> = {}
  for (const {data, partitionKey, shardId} of records) {
    const event = JSON.parse(data)
    expect(validate(event)).to.equal(true)
    expect(partitionKey).to.equal(event.user_id)
    expect(shardForKey(shards, partitionKey)?.ShardId).to.equal(shardId)
    perShard[shardId] = (perShard[shardId] ?? 0) + 1
  }
  expect(new Set(records.map(({data}) => JSON.parse(data).click_id)).size).to.equal(count)
  expect(summary.byShard).to.deep.equal(perShard)
}

describe('clickops send (CLI against kinesis-local)', () => {
  let local: KinesisLocal
  let client: KinesisClient
  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
  })

  it('--count 2000: exactly 2,000 records in the stream, each keyed by its user_id on the shard the hash names', async () => {
    const stream = uniqueStreamName('send')
    await createStream(client, stream, 4)
    const r = await runCli(['send', '--endpoint-url', local.endpoint, '--stream', stream, '--count', '2000', '--rate', '0', '--seed', '7', '--skew', '0.9', '--json'])
    expect(r.code, r.stderr).to.equal(0)
    const summary = parse(r.stdout)
    expect(summary).to.include({delivered: 2000, failed: 0, generated: 2000, seed: 7, stream, via: 'kinesis'})
    await expectKeyedRecords(client, stream, 2000, summary)
  })

  it('SIGINT mid-run: stops, drains, the summary adds up and the stream holds exactly what was delivered', async () => {
    const stream = uniqueStreamName('send-int')
    await createStream(client, stream, 2)
    const r = await runCli(['send', '--endpoint-url', local.endpoint, '--stream', stream, '--count', '1000000', '--rate', '200', '--json'], {
      onSpawn: (child) => {
        waitForRecords(client, stream, 20).then(() => child.kill('SIGINT'), () => child.kill('SIGKILL'))
      },
    })
    const summary = parse(r.stdout)
    expect(summary.interrupted).to.equal(true)
    expect(summary.aborted).to.equal(false)
    expect(summary.failed).to.equal(0)
    expect(summary.delivered).to.be.greaterThan(0)
    expect(summary.delivered + summary.failed).to.equal(summary.generated)
    expect(r.code).to.equal(130) // interrupted before --count was reached, nothing failed
    expect(await readAllRecords(client, stream)).to.have.length(summary.delivered)
  })

  it('on a terminal: a live status line while sending, with the counts and ETA, then the summary; the stream holds them all', async function () {
    // `script` (util-linux) gives the CLI a pseudo-terminal; without it there is no terminal to test.
    if (spawnSync('script', ['--version']).status !== 0) this.skip()
    const stream = uniqueStreamName('send-tty')
    await createStream(client, stream, 2)
    const command = ['exec', process.execPath, BIN, 'send', '--endpoint-url', local.endpoint, '--stream', stream, '--rate', '100', '--count', '300', '--seed', '3'].join(' ')
    const child = spawn('script', ['-qfec', command, '/dev/null'], {env: isolatedEnv() as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe']})
    let screen = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d))
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    expect(code, screen).to.equal(0)
    // Each redraw starts with a carriage return; the last frame before the summary counts up to 300.
    const frames = screen
      .replaceAll(/\u001B\[[0-9;]*[A-Za-z]/g, '')
      .split(/[\r\n]+/)
      .filter((l) => /^sent [\d,]+\/300 · /.test(l))
    expect(frames.length, screen).to.be.greaterThan(1) // redrawn while it ran (3 s at 100/s)
    expect(frames[0]).to.match(/^sent [\d,]+\/300 · [\d,]+\/s · in flight \d+ · retried \d+ · throttled \d+ · failed 0 · /)
    expect(frames.some((f) => / · ETA \d/.test(f)), frames.join('\n')).to.equal(true)
    const sent = frames.map((f) => Number(/^sent ([\d,]+)/.exec(f)![1].replaceAll(',', '')))
    expect(sent).to.deep.equal([...sent].sort((a, b) => a - b)) // never goes back
    expect(screen).to.match(/delivered\s+300/)
    expect(await readAllRecords(client, stream)).to.have.length(300)
  })

  it('the stream deleted mid-run: counted as failed, a true summary, exit 6', async () => {
    const stream = uniqueStreamName('send-del')
    await createStream(client, stream, 1)
    const r = await runCli(['send', '--endpoint-url', local.endpoint, '--stream', stream, '--rate', '300', '--json'], {
      onSpawn: (child) => {
        waitForRecords(client, stream, 50).then(
          () => client.send(new DeleteStreamCommand({StreamName: stream})),
          () => child.kill('SIGKILL'),
        )
      },
    })
    expect(r.code).to.equal(6)
    const summary = parse(r.stdout)
    expect(summary.failed).to.be.greaterThan(0)
    expect(summary.delivered).to.be.at.least(50)
    expect(summary.delivered + summary.failed).to.equal(summary.generated)
    expect(summary.stoppedBy?.message).to.match(new RegExp(stream))
    expect(summary.interrupted).to.equal(false)
  })

  it('--via api without --api-url: finds the local API and its key, and the events land in the stream', async () => {
    const stream = uniqueStreamName('send-api')
    await createStream(client, stream, 2)
    const home = await mkdtemp(join(tmpdir(), 'clickops-send-api-'))
    const apis = apisDir(join(home, 'local'))
    const gateway = await startTestGateway(client, {apisDir: apis})
    try {
      const key = 'k'.repeat(40)
      await writeTestApi(apis, stream, {apiKey: key})
      const env = {CLICKOPS_GATEWAY_PORT: new URL(gateway.endpoint).port, CLICKOPS_HOME: home}
      const r = await runCli(['send', '--via', 'api', '--endpoint-url', local.endpoint, '--stream', stream, '--count', '600', '--rate', '0', '--json'], {env})
      expect(r.code, r.stderr).to.equal(0)
      const summary = parse(r.stdout)
      expect(summary).to.include({apiUrl: `${gateway.invokeUrl(stream)}/events/batch`, delivered: 600, failed: 0, via: 'api'})
      expect(r.stdout + r.stderr).to.not.include(key)
      await expectKeyedRecords(client, stream, 600, summary)
    } finally {
      await gateway.stop()
      await rm(home, {force: true, recursive: true})
    }
  })

  it('refuses a stream that does not exist before generating anything (exit 3)', async () => {
    const r = await runCli(['send', '--endpoint-url', local.endpoint, '--stream', uniqueStreamName('missing'), '--count', '10'])
    expect(r.code).to.equal(3)
    expect(r.stderr).to.match(/does not exist/)
    expect(r.stdout).to.equal('')
  })
})

describe('clickops send (CLI, no stream needed)', () => {
  it('loads no AWS SDK, ink or react for --help and for --via stdout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clickops-trace-'))
    try {
      const tracer = fileURLToPath(new URL('../fixtures/trace-imports.mjs', import.meta.url))
      for (const args of [['send', '--help'], ['send', '--via', 'stdout', '--count', '3']]) {
        const file = join(dir, `${args.join('_')}.log`)
        const r = await runCli(args, {env: {NODE_OPTIONS: `--import ${tracer}`, TRACE_IMPORTS_FILE: file}})
        expect(r.code, r.stderr).to.equal(0)
        const loaded = await readFile(file, 'utf8')
        expect(loaded).to.include('bin/run.js')
        expect(loaded).not.to.match(/node_modules\/(ink|react|@aws-sdk|@smithy)\//)
        expect(loaded).not.to.match(/^cjs:(ink|react|@aws-sdk\/|@smithy\/)/m)
      }
    } finally {
      await rm(dir, {force: true, recursive: true})
    }
  })

  it('--via stdout: NDJSON events, reproducible from --seed (timestamps aside), summary on stderr', async () => {
    const a = await runCli(['send', '--via', 'stdout', '--count', '50', '--rate', '0', '--seed', '3', '--hot-user', '35:0.5'])
    const b = await runCli(['send', '--via', 'stdout', '--count', '50', '--rate', '0', '--seed', '3', '--hot-user', '35:0.5'])
    expect(a.code, a.stderr).to.equal(0)
    const lines = a.stdout.trim().split('\n')
    expect(lines).to.have.length(50)
    const {validate} = draft04(EVENT_SCHEMA)
    const strip = (line: string) => ({...JSON.parse(line), insertion_timestamp: 0, timestamp: 0})
    for (const line of lines) expect(validate(JSON.parse(line))).to.equal(true)
    expect(lines.map(strip)).to.deep.equal(b.stdout.trim().split('\n').map(strip))
    expect(a.stderr).to.match(/wrote 50 of 50 events to stdout/)
    expect(a.stderr).to.not.match(/target:/)
  })

  it('--via stdout on a terminal: the events only, no status line drawn into them', async function () {
    // `script` (util-linux) gives the CLI a pseudo-terminal; without it there is no terminal to test.
    if (spawnSync('script', ['--version']).status !== 0) this.skip()
    const command = ['exec', process.execPath, BIN, 'send', '--via', 'stdout', '--rate', '20', '--count', '10', '--seed', '1'].join(' ')
    const child = spawn('script', ['-qfec', command, '/dev/null'], {env: isolatedEnv() as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe']})
    let screen = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d))
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    expect(code, screen).to.equal(0)
    const text = screen.replaceAll(/\u001B\[[0-9;]*[A-Za-z]/g, '').replaceAll('\r', '')
    expect(text).to.not.match(/sent \d+(\/\d+)? · /) // the live line's text
    const events = text.split('\n').filter((l) => l.startsWith('{'))
    expect(events).to.have.length(10)
    for (const line of events) expect(JSON.parse(line)).to.have.property('click_id')
    expect(text).to.match(/wrote 10 of 10 events to stdout/)
  })

  it('ignores CLICKOPS_API_URL and CLICKOPS_API_KEY in the environment unless --via api', async () => {
    const r = await runCli(['send', '--via', 'stdout', '--count', '3', '--rate', '0'], {env: {CLICKOPS_API_KEY: 'secret-key-123', CLICKOPS_API_URL: 'http://127.0.0.1:9/v1'}})
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout.trim().split('\n')).to.have.length(3)
    // Given on the command line with another --via, they are still refused.
    const flag = await runCli(['send', '--via', 'stdout', '--count', '3', '--api-key=secret-key-123'])
    expect(flag.code).to.equal(2)
    expect(flag.stderr).to.match(/apply to --via api only/)
  })

  it('--via api --api-url with the key from CLICKOPS_API_KEY: every event reaches the API once, the key is never printed', async () => {
    const gw = await fakeGateway({apiKey: 'secret-key-123', faults: {error: 0.1, throttle: 0.1}})
    try {
      const r = await runCli(['send', '--via', 'api', '--api-url', gw.base, '--count', '1200', '--rate', '0', '--seed', '4'], {env: {CLICKOPS_API_KEY: 'secret-key-123'}})
      expect(r.code, r.stderr).to.equal(0)
      expect(gw.stored).to.have.length(1200)
      expect(new Set(gw.stored.map((e) => e.click_id)).size).to.equal(1200)
      expect(r.stdout).to.match(/sent 1,200 of 1,200 events to API http:\/\/127\.0\.0\.1:\d+\/v1\/events\/batch/)
      expect(r.stdout + r.stderr).to.not.include('secret-key-123')
      const wrong = await runCli(['send', '--via', 'api', '--api-url', gw.base, '--count', '10', '--json'], {env: {CLICKOPS_API_KEY: 'nope'}})
      expect(wrong.code).to.equal(6)
      const summary = parse(wrong.stdout)
      expect(summary).to.include({delivered: 0, failed: 10, generated: 10})
      expect(summary.stoppedBy?.message).to.match(/403/)
    } finally {
      await gw.close()
    }
  })

  it('rejects bad flags before any call (exit 2); under --json the error is the JSON document on stdout', async () => {
    // The other bad flags: flags.test.ts, in process.
    const r = await runCli(['send', '--via', 'stdout', '--json'])
    expect(r.code).to.equal(2)
    expect(JSON.parse(r.stdout).error.message).to.match(/--json cannot be combined with --via stdout/)
  })
})
