/** `clickops tail` end to end: the real binary against kinesis-local. */
import {UpdateShardCountCommand, type KinesisClient} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'

import {hashKeyOf} from '../../src/lib/kinesis/hashkey.js'
import {hashChain} from '../../src/lib/kinesis/lineage.js'
import {listShards} from '../../src/lib/kinesis/shards.js'
import {freePort, sleep} from '../../src/lib/local/process.js'
import {BIN, isolatedEnv, runCli} from '../helpers/cli.js'
import {createStream, sharedKinesisLocal, uniqueStreamName, waitActive, type KinesisLocal} from '../helpers/kinesis-local.js'
import {eventOf, putAll} from '../lib/tail/fixtures.js'

const noStackTrace = (text: string) => expect(text).not.to.match(/^\s+at .+:\d+:\d+\)?$/m)

interface Line {
  partitionKey: string
  shardId: string
  sequenceNumber: string
  approximateArrivalTimestamp: string
  data: {n: number; user_id: string}
  dataEncoding: string
}
const lines = (stdout: string): Line[] => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line)

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

describe('clickops tail (end to end)', () => {
  describe('bad input, rejected before any call (the rest: flags.test.ts, in process)', () => {
    let endpoint: string
    before(async () => {
      // Nothing listens here: a call would fail with exit 5, not 2.
      endpoint = `http://127.0.0.1:${await freePort()}`
    })

    const cases: [string, string[], RegExp][] = [
      ['--from garbage', ['--from', 'garbage'], /--from "garbage" is not a starting point\.\nUse latest, trim-horizon/],
    ]
    for (const [name, args, message] of cases) {
      it(`rejects ${name} with a clear error and exit 2`, async () => {
        const r = await runCli(['tail', '--endpoint-url', endpoint, ...args])
        expect(r.code, r.stderr).to.equal(2)
        expect(r.stderr).to.match(message)
        expect(r.stdout).to.equal('')
        noStackTrace(r.stderr)
      })
    }

    it('shows help with examples', async () => {
      const r = await runCli(['tail', '--help'])
      expect(r.code).to.equal(0)
      for (const text of ['--user', '--partition-key', '--from', '--from-sequence', '--[no-]follow', '--limit', '--until', '--output', 'EXAMPLES', 'tail --user 35']) {
        expect(r.stdout).to.include(text)
      }
    })
  })

  describe('against kinesis-local', () => {
    let local: KinesisLocal
    let client: KinesisClient

    before(async () => {
      local = await sharedKinesisLocal()
      client = local.client()
    })

    it('reports an unknown stream in one sentence with exit 3', async () => {
      const r = await runCli(['tail', '--endpoint-url', local.endpoint, '--stream', 'no-such-stream', '--user', '35', '--from', 'trim-horizon', '--no-follow'])
      expect(r.code, r.stderr).to.equal(3)
      expect(r.stderr).to.include('Stream "no-such-stream" does not exist on target local.')
      noStackTrace(r.stderr)
    })

    it("prints one user's history as JSON lines and the counts on stderr", async () => {
      const stream = uniqueStreamName('tail-cli')
      await createStream(client, stream, 4)
      await putAll(client, stream, Array.from({length: 200}, (_, i) => eventOf(String(i % 20), i)))
      const r = await runCli(['tail', '--endpoint-url', local.endpoint, '--stream', stream, '--user', '15', '--from', 'trim-horizon', '--no-follow'])
      expect(r.code, r.stderr).to.equal(0)
      const got = lines(r.stdout) // json is the default when stdout is not a terminal
      expect(got.map((l) => l.data.n)).to.deep.equal([15, 35, 55, 75, 95, 115, 135, 155, 175, 195])
      expect(got.every((l) => l.partitionKey === '15' && l.dataEncoding === 'json' && l.data.user_id === '15')).to.equal(true)
      expect(r.stderr).to.match(/tail: reached the tip: 10 matching of \d+ records scanned on shardId-\d+; last position \d+\./)

      // Stop after 4, then carry on from the last position printed: the other 6, none twice.
      const head = await runCli(['tail', '--endpoint-url', local.endpoint, '--stream', stream, '--user', '15', '--from', 'trim-horizon', '--limit', '4'])
      const last = /last position (\d+)\./.exec(head.stderr)?.[1]
      expect(last, head.stderr).to.equal(lines(head.stdout)[3].sequenceNumber)
      const rest = await runCli(['tail', '--endpoint-url', local.endpoint, '--stream', stream, '--user', '15', '--after-sequence', last!, '--no-follow'])
      expect(rest.code, rest.stderr).to.equal(0)
      expect(lines(rest.stdout).map((l) => l.data.n)).to.deep.equal([95, 115, 135, 155, 175, 195])
      expect(rest.stderr).to.include(`from just after sequence number ${last}`)

      const raw = await runCli(['tail', '--endpoint-url', local.endpoint, '--stream', stream, '-u', '15', '--from', 'trim-horizon', '--no-follow', '-o', 'raw', '-n', '2'])
      expect(raw.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).n)).to.deep.equal([15, 35])

      const json = await runCli(['tail', '--endpoint-url', local.endpoint, '--stream', stream, '-u', '15', '--from', 'trim-horizon', '--no-follow', '--json'])
      expect(json.code).to.equal(0)
      expect(lines(json.stdout)).to.have.length(10) // JSON lines only: no summary document mixed in
      expect(json.stderr).to.equal('')
    })

    it('on a terminal prints pretty lines, a status line on stderr while following, and exits 0 with the counts on Ctrl-C', async function () {
      // `script` (util-linux) gives the CLI a pseudo-terminal; without it there is no terminal to test.
      if (spawnSync('script', ['--version']).status !== 0) this.skip()
      const stream = uniqueStreamName('tail-tty')
      await createStream(client, stream, 4)
      await putAll(client, stream, Array.from({length: 100}, (_, i) => eventOf(String(i % 10), i)))
      // `exec`: the shell `script` runs the command with (dash when SHELL is unset) must not be in the
      // terminal's foreground group, or the Ctrl-C kills it and `script` reports 130 for it.
      const command = ['exec', process.execPath, BIN, 'tail', '--endpoint-url', local.endpoint, '--stream', stream, '--user', '5', '--from', 'trim-horizon'].join(' ')
      const child = spawn('script', ['-qfec', command, '/dev/null'], {env: isolatedEnv({CI: undefined, NO_COLOR: undefined}) as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe']})
      let screen = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d))
      const closed = new Promise<number | null>((resolve) => child.once('close', resolve))
      try {
        await until('the status line', () => screen.includes('reading shardId-') && screen.includes('matched 10'))
        child.stdin.write('\u0003') // Ctrl-C, through the terminal's line discipline
        expect(await closed).to.equal(0)
      } finally {
        child.kill('SIGKILL')
      }
      const text = screen.replaceAll(/\u001B\[[0-9;]*[A-Za-z]/g, '')
      expect(text).to.match(/shardId-\d+ {2}\d+ {2}Search {7}user 5 {2}\{"event_name":"Search","n":5,"user_id":"5"\}/)
      expect(text).not.to.include('"partitionKey"') // pretty, not JSON, on a terminal
      expect(text).to.match(/reading shardId-\d+ · scanned \d+ · matched 10 · at the tip · Ctrl-C to stop/)
      expect(screen).to.include('\u001B[36mshardId-') // in colour
      expect(text).to.match(/tail: stopped: 10 matching of \d+ records scanned on shardId-\d+; last position \d+\./)
    })

    it('follows user 35 through a reshard 4 → 8: exactly its records, in order, none twice; Ctrl-C exits 0 with the counts', async () => {
      const stream = uniqueStreamName('tail-reshard')
      await createStream(client, stream, 4)
      let child: ChildProcess | undefined
      let stdout = ''
      let stderr = ''
      const running = runCli(['tail', '--endpoint-url', local.endpoint, '--stream', stream, '--user', '35', '--output', 'json'], {
        onSpawn(c) {
          child = c
          c.stdout!.on('data', (d: string) => (stdout += d))
          c.stderr!.on('data', (d: string) => (stderr += d))
        },
        timeoutMs: 120_000,
      })
      await until('the tail to follow', () => stderr.includes('following'))

      const noise = (i: number) => eventOf(String(100 + (i % 7)), -1)
      await putAll(client, stream, Array.from({length: 50}, (_, i) => [eventOf('35', i), noise(i)]).flat())
      await client.send(new UpdateShardCountCommand({ScalingType: 'UNIFORM_SCALING', StreamName: stream, TargetShardCount: 8}))
      await waitActive(client, stream)
      await putAll(client, stream, Array.from({length: 50}, (_, i) => [eventOf('35', 50 + i), noise(i)]).flat())

      await until('100 records', () => lines(stdout).length >= 100)
      // One more record after the 100: once it is printed, a duplicate of an earlier one would have been too.
      await putAll(client, stream, [eventOf('35', 100)])
      await until('the last record', () => lines(stdout).some((l) => l.data.n === 100))
      child!.kill('SIGINT')
      const r = await running

      expect(r.code, r.stderr).to.equal(0)
      const got = lines(r.stdout)
      expect(got.map((l) => l.data.n)).to.deep.equal(Array.from({length: 101}, (_, i) => i))
      expect(new Set(got.map((l) => l.sequenceNumber)).size).to.equal(101)
      const [parent, heir] = hashChain(await listShards(client, stream), hashKeyOf('35')).map((s) => s.ShardId)
      expect(got.slice(0, 50).every((l) => l.shardId === parent)).to.equal(true)
      expect(got.slice(50).every((l) => l.shardId === heir)).to.equal(true)
      expect(r.stderr).to.include(`tail: ${parent} closed (reshard); continuing in ${heir}.`)
      expect(r.stderr).to.match(new RegExp(`tail: stopped: 101 matching of \\d+ records scanned on 2 shards; last position ${got[100].sequenceNumber}\\.`))
      noStackTrace(r.stderr)
    })

    it('says how many shards it follows after a reshard: the shards actually read, not those it started with', async () => {
      const stream = uniqueStreamName('tail-count')
      await createStream(client, stream, 4)
      const users = Array.from({length: 40}, (_, i) => String(i))
      await putAll(client, stream, users.map((u, i) => eventOf(u, i)))
      // kinesis-local scales 4 → 5 by splitting one shard: 5 open shards and 1 closed parent.
      await client.send(new UpdateShardCountCommand({ScalingType: 'UNIFORM_SCALING', StreamName: stream, TargetShardCount: 5}))
      await waitActive(client, stream)
      await putAll(client, stream, users.map((u, i) => eventOf(u, 40 + i)))
      const shards = await listShards(client, stream)
      expect(shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)).to.have.length(5)

      const r = await runCli(['tail', '--endpoint-url', local.endpoint, '--stream', stream, '--from', 'trim-horizon', '--limit', '80', '--output', 'json'], {timeoutMs: 120_000})
      expect(r.code, r.stderr).to.equal(0)
      expect(lines(r.stdout)).to.have.length(80)
      // It starts with the 4 roots (3 open shards and the parent); once the parent closed, 5 are read.
      expect(r.stderr).to.match(/tail: following 4 shards; Ctrl-C to stop\./)
      expect(r.stderr).to.match(/closed \(reshard\); continuing in shardId-\d+; following 5 shards\./)
      expect(r.stderr).to.include('records scanned on 6 shards')
    })
  })
})
