import {type KinesisClient, PutRecordsCommand} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {type FSWatcher, watch} from 'node:fs'
import {lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {resolveLocalConfig, type LocalConfig} from '../../../src/lib/local/config.js'
import {freePort, isAlive, isPortFree, sleep} from '../../../src/lib/local/process.js'
import {kinesisService, kinesisStoreFile, PERSIST_INTERVAL} from '../../../src/lib/local/services.js'
import {localDown, localStatus, localUp} from '../../../src/lib/local/stack.js'
import {countRecords, createStream} from '../../helpers/kinesis-local.js'
import {listeners} from '../../helpers/net.js'

const INTERVAL_MS = Number.parseInt(PERSIST_INTERVAL, 10) * 1000

async function privateConfig(prefix: string): Promise<{home: string; config: LocalConfig}> {
  const home = await mkdtemp(join(tmpdir(), `clickops-${prefix}-`))
  const config = resolveLocalConfig({
    CLICKOPS_GATEWAY_PORT: String(await freePort()),
    CLICKOPS_SCHEDULER_PORT: String(await freePort()),
    CLICKOPS_HOME: home,
    CLICKOPS_KINESIS_PORT: String(await freePort()),
    CLICKOPS_KINESIS_TLS_PORT: String(await freePort()),
  })
  return {config, home}
}

/** A small deterministic PRNG (the kill moments are random, and the same on every run). */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0
    return s / 2 ** 32
  }
}

describe('local stack durability', function () {
  this.timeout(240_000)

  describe('kinesis-local killed at any moment', () => {
    let local: {config: LocalConfig; home: string}

    before(async () => {
      // Ports below the ephemeral range: while the emulator is down between a kill and its restart,
      // the kernel could hand an ephemeral port to some other connection on this machine as its
      // source port, and the restart would find it taken.
      const home = await mkdtemp(join(tmpdir(), 'clickops-kill-'))
      const config = resolveLocalConfig({
        CLICKOPS_HOME: home,
        CLICKOPS_KINESIS_PORT: String(await portBelowEphemeralRange()),
        CLICKOPS_KINESIS_TLS_PORT: String(await portBelowEphemeralRange()),
      })
      await localUp(config, {services: [kinesisService]})
      local = {config, home}
    })

    after(async () => {
      await localDown(local.config)
      await rm(local.home, {force: true, recursive: true})
    })

    it('keeps every stream and every record acknowledged one save interval before a kill -9, 10 kills in a row, half of them inside a save', async () => {
      const streams = ['kept-a', 'kept-b']
      // Every client is closed before its emulator is killed: a connection it kept open would hold
      // the port (FIN-WAIT-2 on the emulator's side) and the restart would find it in use.
      const setup = await startClient(local.config)
      for (const stream of streams) await createStream(setup, stream, 2)
      setup.destroy()
      // A stream saved while still CREATING stays so after a restart (kinesis-local's own limit): the
      // kills begin once both are saved ACTIVE.
      while (!(await savedActive(local.config, streams))) await sleep(100)
      const acked: Record<string, number> = {'kept-a': 0, 'kept-b': 0}
      const random = prng(11)
      const payload = Buffer.alloc(400, 'x')
      const kills: string[] = []

      for (let round = 0; round < 10; round++) {
        const client = await startClient(local.config)
        const {pid} = (await localStatus(local.config)).services[0]
        // Acknowledged counts over time: [when, counts].
        const history: [number, Record<string, number>][] = [[Date.now(), {...acked}]]
        let writing = true
        const writer = (async () => {
          for (let batch = 0; writing; batch++) {
            const stream = streams[batch % streams.length]
            const records = Array.from({length: 200}, (_, i) => ({Data: payload, PartitionKey: String(i)}))
            try {
              const put = await client.send(new PutRecordsCommand({Records: records, StreamName: stream}))
              acked[stream] += records.length - (put.FailedRecordCount ?? 0)
              history.push([Date.now(), {...acked}])
            } catch {
              return // the emulator is gone
            }
          }
        })()

        // Even rounds: the moment a save begins (the store's folder changes); odd rounds: any moment.
        const insideSave = round % 2 === 0
        let watcher: FSWatcher | undefined
        await (insideSave
          ? new Promise<void>((resolve) => {
              watcher = watch(dirname(kinesisStoreFile(local.config)), () => resolve())
            })
          : sleep(Math.round(random() * 2500)))
        process.kill(pid, 'SIGKILL')
        const killedAt = Date.now()
        watcher?.close()
        writing = false
        await writer
        client.destroy()
        while (isAlive(pid)) await sleep(10)
        kills.push(insideSave ? 'inside a save' : 'at random')

        // The kernel may hold the killed process's listening socket a moment longer: wait for the port.
        let notices: string[] = []
        for (let attempt = 0; ; attempt++) {
          try {
            notices = (await localUp(local.config, {services: [kinesisService]})).notices
            break
          } catch (error) {
            if ((error as Error).name !== 'PortInUseError' || attempt >= 40) throw error
            await sleep(250)
          }
        }
        expect(notices).to.deep.equal([])
        // What was acknowledged one interval (and the save that follows it) before the kill.
        const owed = [...history].reverse().find(([at]) => at <= killedAt - 2 * INTERVAL_MS)?.[1] ?? history[0][1]
        const after = await startClient(local.config)
        try {
          for (const stream of streams) {
            const count = await countRecords(after, stream)
            expect(count, `round ${round + 1} (${kills.at(-1)}): records of ${stream}`).to.be.at.least(owed[stream])
            // Records acknowledged but not yet saved may be lost; the counts go on from what is stored.
            acked[stream] = count
          }
        } finally {
          after.destroy()
        }
      }
      expect(kills).to.have.length(10)
    })
  })

  describe('which processes down may signal', () => {
    let home: string
    let config: LocalConfig

    beforeEach(async () => {
      ;({config, home} = await privateConfig('pids'))
    })

    afterEach(async () => {
      await localDown(config)
      await rm(home, {force: true, recursive: true})
    })

    const record = (pid: number, extra: object = {}) => ({
      endpoint: 'http://127.0.0.1:1',
      healthUrl: 'http://127.0.0.1:1/healthcheck',
      log: join(home, 'kinesis.log'),
      name: 'kinesis',
      pid,
      ports: {},
      startedAt: new Date().toISOString(),
      ...extra,
    })

    async function writeStack(services: object[]): Promise<void> {
      await mkdir(config.dir, {recursive: true})
      await writeFile(config.stateFile, JSON.stringify({services, startedAt: new Date().toISOString(), version: 1}))
    }

    it('never signals pid 0, 1 or -1 from stack.json (its own group, init, every process)', async () => {
      await writeStack([record(0), record(1), record(-1)])
      const signalled: unknown[] = []
      const kill = process.kill
      // Every signal is recorded and none is sent: each "fails" as if there were no such process, so
      // even code that does signal these pids records it and finishes at once.
      process.kill = ((pid: number, signal?: string | number) => {
        signalled.push([pid, signal])
        throw Object.assign(new Error('kill ESRCH'), {code: 'ESRCH'})
      }) as typeof process.kill
      let result
      try {
        result = await localDown(config)
      } finally {
        await rm(config.stateFile, {force: true})
        process.kill = kill
      }
      expect(signalled).to.deep.equal([])
      expect(result.stopped).to.deep.equal([])
    })

    it('leaves alone a process that got a recorded pid but is not the service (a stale stack.json after a reboot)', async () => {
      const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {detached: true, stdio: 'ignore'})
      try {
        await new Promise((resolve) => stranger.once('spawn', resolve))
        const identity = {commandLine: `${process.execPath} -e setInterval(() => {}, 1000)`, startTime: '1'}
        // Written by an earlier clickops (no identity) or a recorded service that has since died: either way, not this process.
        await writeStack([record(stranger.pid!), record(stranger.pid!, {identity})])
        expect((await localStatus(config)).state).to.equal('stopped')
        expect((await localDown(config)).stopped).to.deep.equal([])
        expect(isAlive(stranger.pid!)).to.equal(true)
      } finally {
        stranger.kill('SIGKILL')
      }
    })

    it('finds the running services from their processes when stack.json is corrupt, and stops them', async () => {
      const {status} = await localUp(config, {services: [kinesisService]})
      const {pid} = status.services[0]
      await writeFile(config.stateFile, '{"version": 1, "services": [')
      const found = await localStatus(config)
      expect(found.state).to.equal('running')
      expect(found.services.map((s) => [s.name, s.pid])).to.deep.equal([['kinesis', pid]])
      expect(found.recovered).to.equal(`${config.stateFile} could not be read; found the running services from their processes.`)
      const {notices, stopped} = await localDown(config)
      expect(stopped).to.deep.equal(['kinesis'])
      expect(notices).to.deep.equal([found.recovered])
      expect(isAlive(pid)).to.equal(false)
    })
  })

  describe('exposure', () => {
    let home: string
    let config: LocalConfig

    beforeEach(async () => {
      ;({config, home} = await privateConfig('private'))
    })

    afterEach(async () => {
      await localDown(config)
      await rm(home, {force: true, recursive: true})
    })

    it('listens on 127.0.0.1 only, also when CLICKOPS_BIND_HOST asks for every interface (the variable is not supported)', async () => {
      process.env.CLICKOPS_BIND_HOST = '0.0.0.0'
      try {
        await localUp(config, {services: [kinesisService]})
      } finally {
        delete process.env.CLICKOPS_BIND_HOST
      }
      for (const port of [config.ports.kinesis, config.ports.kinesisTls]) expect(listeners(port)).to.deep.equal(['0100007F'])
    })

    it('keeps the state directory and everything in it private (0700 folders, 0600 files), whatever the umask', async () => {
      const umask = process.umask(0)
      try {
        await localUp(config, {services: [kinesisService]})
      } finally {
        process.umask(umask)
      }
      const client = (await startClient(config))!
      await createStream(client, 'private', 1)
      await client.send(new PutRecordsCommand({Records: [{Data: Buffer.from('{"user_ip": "10.0.0.1"}'), PartitionKey: '1'}], StreamName: 'private'}))
      await localDown(config)
      client.destroy()
      const loose: string[] = []
      const walk = async (path: string): Promise<void> => {
        const info = await lstat(path)
        if (info.isDirectory()) {
          if ((info.mode & 0o777) !== 0o700) loose.push(`${path} ${(info.mode & 0o777).toString(8)}`)
          for (const name of await readdir(path)) await walk(join(path, name))
        } else if ((info.mode & 0o077) !== 0) loose.push(`${path} ${(info.mode & 0o777).toString(8)}`)
      }
      await walk(home)
      expect(loose).to.deep.equal([])
      expect((await readdir(dirname(kinesisStoreFile(config)))).filter((n) => n.startsWith('kinesis-data.json'))).to.include('kinesis-data.json')
    })
  })
})

/** A free loopback port below Linux's default ephemeral range (32768-60999). */
async function portBelowEphemeralRange(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (await isPortFree(port)) return port
  }
}

async function savedActive(config: LocalConfig, streams: string[]): Promise<boolean> {
  try {
    const saved = JSON.parse(await readFile(kinesisStoreFile(config), 'utf8')) as {streams: Record<string, {streamName: string; streamStatus: string}>}
    return streams.every((name) => Object.values(saved.streams).some((s) => s.streamName === name && s.streamStatus === 'ACTIVE'))
  } catch {
    return false
  }
}

async function startClient(config: LocalConfig): Promise<KinesisClient> {
  const [{KinesisClient}, {NodeHttpHandler}] = await Promise.all([import('@aws-sdk/client-kinesis'), import('@smithy/node-http-handler')])
  return new KinesisClient({
    credentials: {accessKeyId: 'test', secretAccessKey: 'test'},
    endpoint: `http://127.0.0.1:${config.ports.kinesis}`,
    maxAttempts: 1,
    region: 'us-east-1',
    requestHandler: new NodeHttpHandler(),
  })
}
