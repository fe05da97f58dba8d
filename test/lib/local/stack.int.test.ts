import {ListShardsCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer as createHttpServer} from 'node:http'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {PortInUseError} from '../../../src/lib/errors.js'
import {resolveLocalConfig, type LocalConfig} from '../../../src/lib/local/config.js'
import {freePort, isAlive, processIdentity, sleep} from '../../../src/lib/local/process.js'
import {kinesisService, setAsideUnreadable} from '../../../src/lib/local/services.js'
import {ensureLocalStack, localDown, localStatus, localUp} from '../../../src/lib/local/stack.js'
import {createStream, startKinesisLocal, type KinesisLocal} from '../../helpers/kinesis-local.js'
import {listeners} from '../../helpers/net.js'

describe('embedded local stack', () => {
  let home: string
  let config: LocalConfig

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'clickops-stack-'))
    config = resolveLocalConfig({
      CLICKOPS_GATEWAY_PORT: String(await freePort()),
      CLICKOPS_SCHEDULER_PORT: String(await freePort()),
      CLICKOPS_HOME: home,
      CLICKOPS_KINESIS_PORT: String(await freePort()),
      CLICKOPS_KINESIS_TLS_PORT: String(await freePort()),
    })
  })

  afterEach(async () => {
    await localDown(config)
    await rm(home, {force: true, recursive: true})
  })

  it('starts kinesis-local detached, listening on 127.0.0.1 only, and reports pid, ports and uptime', async () => {
    const {started, status} = await localUp(config, {services: [kinesisService]})
    expect(started).to.deep.equal(['kinesis'])
    expect(status.state).to.equal('running')
    const [service] = status.services
    expect(isAlive(service.pid)).to.equal(true)
    expect(service.ports).to.deep.equal({kinesis: config.ports.kinesis, kinesisTls: config.ports.kinesisTls})
    expect(status.endpoints.kinesis).to.equal(`http://127.0.0.1:${config.ports.kinesis}`)
    expect(status.uptimeSeconds).to.be.a('number')
    for (const port of [config.ports.kinesis, config.ports.kinesisTls]) {
      // 0100007F is 127.0.0.1 in /proc/net/tcp; anything else (00000000 = 0.0.0.0, or tcp6 ::) would be exposed.
      expect(listeners(port)).to.deep.equal(['0100007F'])
    }
    // A second `up` is a no-op.
    const again = await localUp(config, {services: [kinesisService]})
    expect(again.started).to.deep.equal([])
    expect(again.notices).to.deep.equal([])
    expect(again.status.services[0].pid).to.equal(service.pid)
    // Asked for another port while it runs: it stays where it is, and says so.
    const elsewhere = {...config, ports: {...config.ports, kinesis: config.ports.kinesis + 1}}
    const moved = await localUp(elsewhere, {services: [kinesisService]})
    expect(moved.started).to.deep.equal([])
    expect(moved.notices).to.deep.equal([
      `kinesis already runs on port ${config.ports.kinesis}, not ${config.ports.kinesis + 1}: it keeps its port; \`clickops local down\` first to move it.`,
    ])
  })

  it('gives a clear error when a port is taken, and leaves nothing running', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(config.ports.kinesis, '127.0.0.1', resolve))
    try {
      let error: unknown
      try {
        await localUp(config, {services: [kinesisService]})
      } catch (e) {
        error = e
      }
      expect(error).to.be.instanceOf(PortInUseError)
      expect((error as Error).message).to.equal(`Port ${config.ports.kinesis} on 127.0.0.1 (kinesis-local, plain http) is already in use by another program.`)
      expect((await localStatus(config)).state).to.equal('stopped')
    } finally {
      blocker.close()
    }
  })

  it('stops on down and starts again on demand', async () => {
    expect((await localDown(config)).stopped).to.deep.equal([])
    const first = await ensureLocalStack(config, {services: [kinesisService]})
    expect(first.started).to.equal(true)
    const second = await ensureLocalStack(config, {services: [kinesisService]})
    expect(second.started).to.equal(false)
    const {pid} = (await localStatus(config)).services[0]
    expect((await localDown(config)).stopped).to.deep.equal(['kinesis'])
    expect(isAlive(pid)).to.equal(false)
    expect((await localStatus(config)).state).to.equal('stopped')
  })
})

describe('local stack resilience', () => {
  let home: string
  let config: LocalConfig

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'clickops-resilience-'))
    config = resolveLocalConfig({CLICKOPS_HOME: home, CLICKOPS_KINESIS_PORT: String(await freePort()), CLICKOPS_KINESIS_TLS_PORT: String(await freePort())})
  })

  afterEach(async () => {
    await rm(home, {force: true, recursive: true})
  })

  it('never kills a running service whose health probe is slow (kinesis-local stalls while persisting)', async () => {
    const slow = createHttpServer((_req, res) => setTimeout(() => res.end('ok'), 1500))
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
    const {port} = slow.address() as {port: number}
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'})
    try {
      const identity = await waitForIdentity(child.pid!)
      const service = {endpoint: `http://127.0.0.1:${port}`, healthUrl: `http://127.0.0.1:${port}/`, identity, log: join(home, 'x.log'), name: 'kinesis', pid: child.pid!, ports: {}, startedAt: new Date().toISOString()}
      await mkdir(config.dir, {recursive: true})
      await writeFile(config.stateFile, JSON.stringify({services: [service], startedAt: service.startedAt, version: 1}))
      const ensured = await ensureLocalStack(config, {services: [kinesisService]})
      expect(ensured.started).to.equal(false)
      expect(ensured.endpoints.kinesis).to.equal(service.endpoint)
      expect(isAlive(child.pid!)).to.equal(true)
    } finally {
      child.kill()
      slow.close()
    }
  })

  it('moves an unreadable kinesis-local store aside instead of failing to start', async () => {
    const file = join(home, 'kinesis-data.json')
    await writeFile(file, '')
    const notice = await setAsideUnreadable(file)
    expect(notice).to.match(/could not be read \(empty file\); moved it to .*kinesis-data\.json\.unreadable-/)
    expect(existsSync(file)).to.equal(false)
    await writeFile(file, '{"streams": {}}')
    expect(await setAsideUnreadable(file)).to.equal(undefined)
    expect(existsSync(file)).to.equal(true)
  })
})

describe('local stack persistence', () => {
  let local: KinesisLocal

  before(async () => {
    local = await startKinesisLocal()
  })

  after(async () => {
    await local.stop()
  })

  it('keeps every stream and record across down and up', async () => {
    const client = local.client()
    await createStream(client, 'persisted', 2)
    const entries = Array.from({length: 50}, (_, i) => ({Data: Buffer.from(`record-${i}`), PartitionKey: String(i)}))
    const put = await client.send(new PutRecordsCommand({Records: entries, StreamName: 'persisted'}))
    expect(put.FailedRecordCount).to.equal(0)

    await local.restart()

    const after = local.client()
    const {Shards = []} = await after.send(new ListShardsCommand({StreamName: 'persisted'}))
    expect(Shards).to.have.length(2)
    const seen: string[] = []
    for (const shard of Shards) {
      const it = await after.send(new GetShardIteratorCommand({ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON', StreamName: 'persisted'}))
      const {Records = []} = await after.send(new GetRecordsCommand({ShardIterator: it.ShardIterator}))
      for (const r of Records) seen.push(Buffer.from(r.Data!).toString())
    }
    expect(seen.sort()).to.deep.equal(entries.map((e) => e.Data.toString()).sort())
  })
})

/** The identity of a freshly spawned child, once it runs its own program (not the parent's image). */
async function waitForIdentity(pid: number, program = '-e') {
  for (;;) {
    const identity = await processIdentity(pid)
    if (identity?.commandLine.includes(program)) return {commandLine: identity.commandLine, startTime: identity.startTime}
    await sleep(10)
  }
}
