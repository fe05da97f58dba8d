/** End-to-end: the real binary (bin/run.js) for the foundation commands. */
import {CreateStreamCommand} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {createServer as createHttpServer} from 'node:http'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {freePort} from '../../src/lib/local/process.js'
import {privateStackEnv, runCli} from '../helpers/cli.js'
import {waitActive} from '../helpers/kinesis-local.js'
import {listeners} from '../helpers/net.js'

const noStackTrace = (text: string) => expect(text).not.to.match(/^\s+at .+:\d+:\d+\)?$/m)

describe('clickops CLI (end to end)', () => {
  describe('without any stack', () => {
    it('prints its version', async () => {
      const r = await runCli(['--version'])
      expect(r.code).to.equal(0)
      const {version} = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'))
      expect(r.stdout).to.match(new RegExp(`^clickops/${version.replaceAll('.', '\\.')} `))
    })

    it('shows help with the global flags and examples', async () => {
      const r = await runCli(['status', '--help'])
      expect(r.code).to.equal(0)
      for (const text of ['--target=<option>', '--profile', '--region', '--endpoint-url', '--stream', '--json', 'EXAMPLES', 'CLICKOPS_TARGET']) {
        expect(r.stdout).to.include(text)
      }
    })

    it('gives every command a summary, a description and examples, and every flag a description', async () => {
      const manifest = JSON.parse(await readFile(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {
        commands: Record<string, {summary?: string; description?: string; examples?: unknown[]; flags: Record<string, {description?: string; summary?: string}>}>
      }
      const ids = Object.keys(manifest.commands)
      expect(ids).to.include.members(['status', 'provision', 'destroy', 'local:up', 'local:down', 'local:status'])
      for (const [id, command] of Object.entries(manifest.commands)) {
        expect(command.summary, `${id}: summary`).to.be.a('string').and.not.equal('')
        expect(command.description, `${id}: description`).to.be.a('string').and.not.equal('')
        expect(command.examples, `${id}: examples`).to.be.an('array').that.is.not.empty
        for (const [name, flag] of Object.entries(command.flags)) expect(flag.description ?? flag.summary, `${id} --${name}`).to.be.a('string').and.not.equal('')
      }
    })

    it('loads neither ink nor any AWS client for --version and --help', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'clickops-trace-'))
      try {
        const tracer = fileURLToPath(new URL('../fixtures/trace-imports.mjs', import.meta.url))
        for (const args of [['--version'], ['status', '--help'], ['--help']]) {
          const file = join(dir, `${args.join('_')}.log`)
          const r = await runCli(args, {env: {NODE_OPTIONS: `--import ${tracer}`, TRACE_IMPORTS_FILE: file}})
          expect(r.code, r.stderr).to.equal(0)
          const loaded = await readFile(file, 'utf8')
          expect(loaded).to.include('bin/run.js') // the tracer works
          expect(loaded).not.to.match(/node_modules\/(ink|react|@aws-sdk|@smithy)\//)
          expect(loaded).not.to.match(/^cjs:(ink|react|@aws-sdk\/|@smithy\/)/m)
        }
      } finally {
        await rm(dir, {force: true, recursive: true})
      }
    })

    it('rejects an unknown --target in one sentence with a non-zero exit', async () => {
      const r = await runCli(['status', '--target', 'azure'])
      expect(r.code).to.equal(2)
      expect(r.stderr).to.include('Expected --target=azure to be one of: local, aws')
      noStackTrace(r.stderr)
    })

    it('reports an unreachable endpoint clearly (exit 5)', async () => {
      const port = await freePort()
      const r = await runCli(['status', '--endpoint-url', `http://127.0.0.1:${port}`], {env: {}})
      expect(r.code).to.equal(5)
      expect(r.stderr).to.include('Cannot reach the local Kinesis endpoint')
      noStackTrace(r.stderr)
    })

    it('says an endpoint that answers but is not Kinesis is the wrong endpoint (exit 5)', async () => {
      const page = createHttpServer((_req, res) => res.writeHead(404, {'content-type': 'text/html'}).end('<!DOCTYPE html><title>nope</title>'))
      await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
      try {
        const {port} = page.address() as {port: number}
        const r = await runCli(['status', '--endpoint-url', `http://127.0.0.1:${port}`])
        expect(r.code).to.equal(5)
        expect(r.stderr).to.include('The endpoint answered HTTP 404, but not as the AWS service does')
        expect(r.stderr).to.include('clickops local status')
        noStackTrace(r.stderr)
      } finally {
        page.close()
      }
    })
  })

  describe('with the embedded stack', () => {
    let home: string
    let env: Record<string, string>
    let cleanup: () => Promise<void>

    before(async () => {
      ;({cleanup, env, home} = await privateStackEnv('e2e'))
    })

    after(async () => {
      await cleanup()
    })

    // Each test sets the stack's state it needs itself (`local up` and `local down` are idempotent).
    const stackUp = async () => expect((await runCli(['local', 'up'], {env})).code).to.equal(0)
    const stackDown = async () => expect((await runCli(['local', 'down'], {env})).code).to.equal(0)
    async function createStreamOnStack(name: string, shards: number): Promise<void> {
      const {KinesisClient} = await import('@aws-sdk/client-kinesis')
      const {NodeHttpHandler} = await import('@smithy/node-http-handler')
      const client = new KinesisClient({
        credentials: {accessKeyId: 'x', secretAccessKey: 'y'},
        endpoint: `http://127.0.0.1:${env.CLICKOPS_KINESIS_PORT}`,
        region: 'us-east-1',
        requestHandler: new NodeHttpHandler(),
      })
      try {
        await client.send(new CreateStreamCommand({ShardCount: shards, StreamName: name}))
        await waitActive(client, name)
      } finally {
        client.destroy()
      }
    }

    it('fails clearly when a port is taken (exit 4)', async () => {
      await stackDown()
      const blocker: Server = createServer()
      await new Promise<void>((resolve) => blocker.listen(Number(env.CLICKOPS_KINESIS_PORT), '127.0.0.1', resolve))
      try {
        const r = await runCli(['local', 'up'], {env})
        expect(r.code).to.equal(4)
        expect(r.stderr).to.include(`Port ${env.CLICKOPS_KINESIS_PORT} on 127.0.0.1 (kinesis-local, plain http) is already in use by another program.`)
        expect(r.stderr).to.include('CLICKOPS_KINESIS_PORT')
        noStackTrace(r.stderr)
      } finally {
        blocker.close()
      }
    })

    it('status starts the stack when it is not running, says so, and reports a missing stream (exit 3)', async () => {
      await stackDown()
      const r = await runCli(['status', '--stream', 'nope'], {env})
      expect(r.stderr).to.include('Started the embedded local stack')
      expect(r.stderr).to.include(`target: local (embedded stack, http://127.0.0.1:${env.CLICKOPS_KINESIS_PORT}, region us-east-1)`)
      expect(r.stderr).to.include('Stream "nope" does not exist on target local.')
      expect(r.stderr).to.include('clickops provision --stream nope')
      expect(r.code).to.equal(3)
      for (const port of [env.CLICKOPS_KINESIS_PORT, env.CLICKOPS_KINESIS_TLS_PORT]) {
        expect(listeners(Number(port))).to.deep.equal(['0100007F'])
      }
    })

    it('local status --json describes the running stack', async () => {
      await stackUp()
      const r = await runCli(['local', 'status', '--json'], {env})
      expect(r.code).to.equal(0)
      const status = JSON.parse(r.stdout)
      expect(status.state).to.equal('running')
      expect(status.dataDir).to.equal(join(home, 'local', 'data'))
      const kinesis = status.services.find((s: {name: string}) => s.name === 'kinesis')
      expect(kinesis.ports).to.deep.equal({kinesis: Number(env.CLICKOPS_KINESIS_PORT), kinesisTls: Number(env.CLICKOPS_KINESIS_TLS_PORT)})
      expect(kinesis.pid).to.be.a('number')
      expect(status.uptimeSeconds).to.be.a('number')
    })

    it('status --json returns the typed summary of an existing stream, with nothing else on stdout or stderr', async () => {
      await stackUp()
      await createStreamOnStack('clicks', 3)

      const r = await runCli(['status', '--stream', 'clicks', '--json'], {env})
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stderr).to.equal('')
      const s = JSON.parse(r.stdout)
      expect(s).to.deep.include({closedShardCount: 0, encryption: 'NONE', mode: 'PROVISIONED', openShardCount: 3, retentionHours: 24, status: 'ACTIVE', streamName: 'clicks', target: 'local'})
      expect(s.openShards.map((x: {hashSpacePercent: number}) => x.hashSpacePercent).reduce((a: number, b: number) => a + b)).to.be.closeTo(100, 0.01)

      const human = await runCli(['status', '--stream', 'clicks'], {env})
      expect(human.code).to.equal(0)
      expect(human.stdout).to.match(/shards\s+3 open, 0 closed/)
      expect(human.stdout).to.include('shardId-000000000002')
    })

    it('local down stops it and keeps the data; local up brings it back', async () => {
      await stackUp()
      await createStreamOnStack('kept', 2)
      const down = await runCli(['local', 'down'], {env})
      expect(down.code).to.equal(0)
      expect(down.stdout).to.include('Data kept in')
      const status = JSON.parse((await runCli(['local', 'status', '--json'], {env})).stdout)
      expect(status.state).to.equal('stopped')
      const up = await runCli(['local', 'up'], {env})
      expect(up.code).to.equal(0)
      expect(up.stdout).to.include(`http://127.0.0.1:${env.CLICKOPS_KINESIS_PORT}`)
      const again = await runCli(['status', '--stream', 'kept', '--json'], {env})
      expect(JSON.parse(again.stdout).openShardCount).to.equal(2)
    })
  })
})
