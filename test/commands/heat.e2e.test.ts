/** End-to-end: `clickops heat` through the real binary against kinesis-local. */
import {PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {hashKeyOf, shardForKey} from '../../src/lib/kinesis/hashkey.js'
import {listShards} from '../../src/lib/kinesis/shards.js'
import type {HeatResult} from '../../src/commands/heat.js'
import {runCli} from '../helpers/cli.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../helpers/kinesis-local.js'

describe('clickops heat (end to end)', () => {
  let local: KinesisLocal
  let client: KinesisClient
  let stream: string

  before(async () => {
    local = await sharedKinesisLocal()
    client = local.client()
    stream = uniqueStreamName('heat-cli')
    await createStream(client, stream, 4)
    const records = Array.from({length: 200}, (_, i) => ({Data: new TextEncoder().encode(`{"n":${i}}`), PartitionKey: i < 150 ? '35' : `u${i}`}))
    const out = await client.send(new PutRecordsCommand({Records: records, StreamName: stream}))
    expect(out.FailedRecordCount ?? 0).to.equal(0)
  })

  const base = () => ['--endpoint-url', local.endpoint, '--stream', stream]

  it('--json prints the typed snapshot and nothing else', async () => {
    const r = await runCli(['heat', ...base(), '--json', '--window', '2m'])
    expect(r.code, r.stderr).to.equal(0)
    const result = JSON.parse(r.stdout) as HeatResult
    expect(result).to.include({source: 'stream', streamName: stream, target: 'local', windowSeconds: 120})
    expect(result.shards).to.have.length(4)
    const hot = shardForKey(await listShards(client, stream), '35')!.ShardId
    const shard = result.shards.find((s) => s.shardId === hot)!
    expect(shard.topKeys![0].partitionKey).to.equal('35')
    expect(result.shards.reduce((t, s) => t + s.recordsPerSecond * 120, 0)).to.be.closeTo(200, 1e-9)
    expect(result.cost!.recordsRead).to.equal(200)
    expect(r.stderr).to.equal('')
  })

  it('names a split candidate for a hot shard: the key to split at, traffic-weighted, and what each side would carry', async () => {
    const hotStream = uniqueStreamName('heat-split')
    await createStream(client, hotStream, 4)
    const shards = await listShards(client, hotStream)
    const shard0 = shardForKey(shards, '35')!
    // One call, one second: 400 records of user 35 and 100 of other keys on its shard, 2 KiB each
    // (about 98% of the shard's 1 MiB/s).
    const others: string[] = []
    for (let i = 0; others.length < 100; i++) if (shardForKey(shards, `u${i}`)?.ShardId === shard0.ShardId) others.push(`u${i}`)
    const data = new Uint8Array(2048).fill(120)
    const records = [...Array.from({length: 400}, () => ({Data: data, PartitionKey: '35'})), ...others.map((k) => ({Data: data, PartitionKey: k}))]
    expect((await client.send(new PutRecordsCommand({Records: records, StreamName: hotStream}))).FailedRecordCount ?? 0).to.equal(0)

    const r = await runCli(['heat', '--endpoint-url', local.endpoint, '--stream', hotStream, '--json', '--window', '2m'])
    expect(r.code, r.stderr).to.equal(0)
    const result = JSON.parse(r.stdout) as HeatResult
    const c = result.splitCandidate!
    expect(c).to.include({shardId: shard0.ShardId, weighted: true})
    // User 35 carries 80% of the shard: the cut sits right at its hash, on one side or the other.
    const h = hashKeyOf('35')
    expect([h.toString(), (h + 1n).toString()]).to.include(c.newStartingHashKey)
    // The side with user 35 carries its 78% and the spread of the other keys on that side.
    const key35 = (400 * (2048 + 2)) / 1024 / 1024
    expect(Math.max(c.lower, c.upper)).to.be.within(key35, key35 + 0.2)
    expect(c.lower + c.upper).to.be.closeTo(result.shards.find((s) => s.shardId === shard0.ShardId)!.peakUtilization, 1e-6)

    const table = await runCli(['heat', '--endpoint-url', local.endpoint, '--stream', hotStream, '--window', '2m'])
    expect(table.stdout).to.match(new RegExp(`^split candidate\\s+split ${shard0.ShardId} at ${c.newStartingHashKey} \\(\\d+\\.\\d% of the hash space, weighted by its hottest keys\\): [\\d.]+% \\| [\\d.]+% · clickops scale --strategy targeted$`, 'm'))
    // The cool stream of the other tests has none.
    const cool = JSON.parse((await runCli(['heat', ...base(), '--json', '--window', '2m'])).stdout) as HeatResult
    expect(cool.splitCandidate).to.equal(undefined)
  })

  it('off a terminal prints one snapshot as a table and exits', async () => {
    const r = await runCli(['heat', ...base(), '--sort', 'heat'])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.match(new RegExp(`^stream\\s+${stream}$`, 'm'))
    expect(r.stdout).to.match(/^open shards\s+4$/m)
    expect(r.stdout).to.match(/│ shard\s+│ util/)
    expect([...r.stdout.matchAll(/│ (shardId-\d{12}) /g)]).to.have.length(4)
    expect(r.stdout).to.match(/35 \d+%/)
    expect(r.stdout).to.include('note: Read 200 records')
    expect(r.stderr).to.include('target: local')
  })

  it('rejects bad flags before any AWS call: the cloudwatch source on the embedded stack (the rest: flags.test.ts, in process)', async () => {
    const embedded = await runCli(['heat', '--source', 'cloudwatch', '--stream', stream])
    expect(embedded.code).to.equal(2)
    expect(embedded.stderr).to.include('The cloudwatch source is not available on the embedded local stack')
  })

  it('--read is refused on the embedded local stack (exit 2), saying what is available locally', async () => {
    for (const args of [['--stream', stream], ['--endpoint-url', local.endpoint, '--stream', stream]]) {
      const r = await runCli(['heat', '--read', ...args], {env: local.env})
      expect(r.code, r.stderr).to.equal(2)
      expect(r.stderr).to.include('--read is not available on the embedded local stack')
      expect(r.stderr).to.include('`clickops lag` lists the registered consumers')
    }
  })

  it('exits 3 when the stream does not exist', async () => {
    const r = await runCli(['heat', '--endpoint-url', local.endpoint, '--stream', uniqueStreamName('nope'), '--once'])
    expect(r.code).to.equal(3)
    expect(r.stderr).to.match(/does not exist on target local/)
  })

  it('Ctrl-C ends a snapshot at once (exit 130), even while a call hangs on an endpoint that never answers', async () => {
    const sockets: Socket[] = []
    let connected: () => void
    const firstCall = new Promise<void>((resolve) => (connected = resolve))
    const silent = createServer((socket) => {
      sockets.push(socket)
      connected()
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const {port} = silent.address() as AddressInfo
      const r = await runCli(['heat', '--target', 'aws', '--region', 'us-east-1', '--endpoint-url', `http://127.0.0.1:${port}`, '--source', 'stream', '--once'], {
        onSpawn: (child) => void firstCall.then(() => child.kill('SIGINT')),
        timeoutMs: 25_000,
      })
      expect(r.signal, 'killed by the test timeout: Ctrl-C was not honoured').to.equal(null)
      expect(r.code, r.stderr).to.equal(130)
      expect(r.stderr).to.include('Error: Interrupted before the snapshot was complete.')
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  it('loads neither ink nor React for --help, --json or a one-shot table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clickops-trace-'))
    try {
      const tracer = fileURLToPath(new URL('../fixtures/trace-imports.mjs', import.meta.url))
      for (const [name, args] of [['help', ['heat', '--help']], ['json', ['heat', ...base(), '--json']], ['once', ['heat', ...base(), '--once']]] as const) {
        const file = join(dir, `${name}.log`)
        const r = await runCli([...args], {env: {NODE_OPTIONS: `--import ${tracer}`, TRACE_IMPORTS_FILE: file}})
        expect(r.code, r.stderr).to.equal(0)
        const loaded = await readFile(file, 'utf8')
        expect(loaded).to.include('bin/run.js')
        expect(loaded, name).not.to.match(/node_modules\/(ink|react)\//)
        if (name === 'help') expect(loaded).not.to.match(/node_modules\/@aws-sdk\//)
      }
    } finally {
      await rm(dir, {force: true, recursive: true})
    }
  })
})
