import {expect} from 'chai'
import {spawn, spawnSync} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {shardForKey} from '../../src/lib/kinesis/hashkey.js'
import {listShards} from '../../src/lib/kinesis/shards.js'
import {BIN, isolatedEnv, runCli} from '../helpers/cli.js'
import {post, readAllRecords, sampleEvent} from '../helpers/gateway.js'
import {sharedKinesisLocal, uniqueStreamName, type KinesisLocal} from '../helpers/kinesis-local.js'

/**
 * Runs `clickops destroy` on a pseudo-terminal (`script`), types `keys` once it asks, and returns its
 * exit code and what the terminal showed. `exec`: the shell `script` starts must not catch the Ctrl-C.
 */
async function destroyOnTerminal(env: Record<string, string>, stream: string, keys: string): Promise<{code: number | null; screen: string}> {
  const command = ['exec', process.execPath, BIN, 'destroy', '--stream', stream].join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], {env: isolatedEnv({...env, CI: undefined} as never) as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe']})
  let screen = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d))
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve))
  try {
    const deadline = Date.now() + 60_000
    while (!screen.includes('Type the stream name to confirm')) {
      if (Date.now() > deadline) throw new Error(`destroy did not ask; the terminal showed: ${screen}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    child.stdin.write(keys)
    return {code: await closed, screen: screen.replaceAll(/\u001B\[[0-9;]*[A-Za-z]/g, '')}
  } finally {
    child.kill('SIGKILL')
  }
}

describe('clickops provision / destroy (end to end, target local)', () => {
  let local: KinesisLocal

  before(async () => {
    local = await sharedKinesisLocal()
  })

  it('rejects invalid flags before touching the stack (exit 2; the other cases: flags.test.ts, in process)', async () => {
    for (const [args, message] of [
      [['--retention-hours', '5'], '--retention-hours must be a whole number from 24 to 8760'],
    ] as const) {
      const r = await runCli(['provision', ...args], {env: local.env})
      expect(r.code, args.join(' ')).to.equal(2)
      expect(r.stderr).to.include(message)
      expect(r.stderr).to.not.include('target:')
    }
  })

  it('shows help with examples', async () => {
    const r = await runCli(['provision', '--help'])
    expect(r.code).to.equal(0)
    for (const text of ['--dry-run', '--api-key', '--web-acl-arn', '--[no-]enhanced-monitoring', 'EXAMPLES', 'clickops scale']) expect(r.stdout).to.include(text)
    const d = await runCli(['destroy', '--help'])
    expect(d.stdout).to.include('--yes')
  })

  it('dry run, provision twice, curl an event, status, destroy — as a new user would', async () => {
    const stream = uniqueStreamName('e2e')
    const env = local.env

    const dry = await runCli(['provision', '--stream', stream, '--dry-run', '--json'], {env})
    expect(dry.code, dry.stderr).to.equal(0)
    const planned = JSON.parse(dry.stdout)
    expect(planned).to.deep.include({applied: 0, dryRun: true, stream, target: 'local'})
    expect(planned.changes).to.equal(4)
    expect((await runCli(['status', '--stream', stream], {env})).code).to.equal(3)

    const first = await runCli(['provision', '--stream', stream], {env})
    expect(first.code, first.stderr).to.equal(0)
    expect(first.stderr).to.include(`target: local (embedded stack, ${local.endpoint}, region us-east-1)`)
    expect(first.stderr).to.include(`create stream ${stream}`)
    const url = `http://127.0.0.1:${env.CLICKOPS_GATEWAY_PORT}/${stream}/v1`
    expect(first.stdout).to.include(`invoke URL  ${url}`)
    expect(first.stdout).to.include(`curl -X POST ${url}/events`)
    expect(first.stdout).to.include('Applied 4 changes.')

    const second = await runCli(['provision', '--stream', stream, '--json'], {env})
    expect(second.code, second.stderr).to.equal(0)
    expect(second.stderr).to.equal('')
    const again = JSON.parse(second.stdout)
    expect(again.changes).to.equal(0)
    expect(again.plan.map((i: {action: string}) => i.action)).to.deep.equal(Array(6).fill('unchanged'))
    expect(again.api.url).to.equal(`${url}/events`)

    // curl -X POST <url>/events -d @event.json (curl -d sends application/x-www-form-urlencoded)
    const event = sampleEvent({user_id: '35'})
    const r = await post(`${url}/events`, JSON.stringify(event), {'content-type': 'application/x-www-form-urlencoded'})
    expect(r.status).to.equal(200)
    const kinesis = local.client()
    expect(r.json.shardId).to.equal(shardForKey(await listShards(kinesis, stream), '35')!.ShardId)
    const stored = await readAllRecords(kinesis, stream)
    expect(stored.map((s) => [s.sequenceNumber, s.partitionKey, JSON.parse(s.data)])).to.deep.equal([[r.json.sequenceNumber, '35', event]])

    const status = await runCli(['status', '--stream', stream, '--json'], {env})
    expect(JSON.parse(status.stdout).api).to.deep.include({apiKeyRequired: false, invokeUrl: url, stage: 'v1', url: `${url}/events`})
    const human = await runCli(['status', '--stream', stream], {env})
    expect(human.stdout).to.match(new RegExp(`api\\s+${url.replaceAll('.', '\\.')} \\(stage v1, no API key\\)`))

    const refused = await runCli(['destroy', '--stream', stream], {env})
    expect(refused.code).to.equal(2)
    expect(refused.stderr).to.include('Pass --yes to confirm')

    const gone = await runCli(['destroy', '--stream', stream, '--yes', '--json'], {env})
    expect(gone.code, gone.stderr).to.equal(0)
    expect(JSON.parse(gone.stdout)).to.deep.include({applied: 2, changes: 2})
    expect((await runCli(['status', '--stream', stream], {env})).code).to.equal(3)
    expect((await post(`${url}/events`, event)).status).to.equal(404)
    const nothing = await runCli(['destroy', '--stream', stream, '--yes'], {env})
    expect(nothing.code).to.equal(0)
    expect(nothing.stdout).to.include('Nothing to delete.')
  })

  it('destroy on a terminal asks for the stream name: Ctrl-C (exit 130) or a wrong name (exit 2) delete nothing, the name deletes', async function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip()
    const stream = uniqueStreamName('e2etty')
    const env = local.env
    expect((await runCli(['provision', '--stream', stream, '--shards', '1', '--no-api'], {env})).code).to.equal(0)

    const interrupted = await destroyOnTerminal(env, stream, '\u0003')
    expect(interrupted.code, interrupted.screen).to.equal(130)
    expect(interrupted.screen).to.include('Interrupted at the confirmation: nothing was deleted.')
    expect((await runCli(['status', '--stream', stream], {env})).code).to.equal(0)

    const wrong = await destroyOnTerminal(env, stream, 'not-the-name\r')
    expect(wrong.code, wrong.screen).to.equal(2)
    expect(wrong.screen).to.include('Not confirmed: nothing was deleted.')
    expect((await runCli(['status', '--stream', stream], {env})).code).to.equal(0)

    const confirmed = await destroyOnTerminal(env, stream, `${stream}\r`)
    expect(confirmed.code, confirmed.screen).to.equal(0)
    expect(confirmed.screen).to.include(`delete stream ${stream}`)
    expect((await runCli(['status', '--stream', stream], {env})).code).to.equal(3)
  })

  it('--api-key: the gateway refuses requests without the key (403) and accepts the provisioned one', async () => {
    const stream = uniqueStreamName('e2ekey')
    const r = await runCli(['provision', '--stream', stream, '--api-key', '--shards', '1', '--json'], {env: local.env})
    expect(r.code, r.stderr).to.equal(0)
    const result = JSON.parse(r.stdout)
    expect(result.api.apiKeyRequired).to.equal(true)
    const file = join(local.home, 'local', 'apis', `${stream}.json`)
    expect(result.api.apiKeyHint).to.include(file)
    const key = JSON.parse(await readFile(file, 'utf8')).apiKey.value as string
    expect(r.stdout).to.not.include(key)
    expect((await post(result.api.url, sampleEvent())).status).to.equal(403)
    const ok = await post(result.api.url, sampleEvent(), {'content-type': 'application/json', 'x-api-key': key})
    expect(ok.status).to.equal(200)
    const human = await runCli(['provision', '--stream', stream, '--api-key', '--shards', '1'], {env: local.env})
    expect(human.stdout).to.include("-H 'x-api-key: <key>'")
    expect(human.stdout).to.not.include(key)
    await runCli(['destroy', '--stream', stream, '--yes'], {env: local.env})
  })
})
