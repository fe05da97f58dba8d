/** End-to-end: `clickops local up|down|status` under load and on a state directory that cannot be written. */
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort, isAlive, processesWithEnv, sleep} from '../../src/lib/local/process.js'
import {SERVICE_MARKER_ENV} from '../../src/lib/local/stack.js'
import {BIN, isolatedEnv, privateStackEnv, runCli, type CliResult} from '../helpers/cli.js'
import {clientFor, countRecords, createStream} from '../helpers/kinesis-local.js'

describe('clickops local (end to end)', function () {
  this.timeout(180_000)

  it('local down while send writes at 500/s: every record send counted as delivered is in the stream after local up', async () => {
    const stack = await privateStackEnv('down-under-load')
    const client = clientFor(stack.env)
    try {
      expect((await runCli(['local', 'up'], {env: stack.env})).code).to.equal(0)
      await createStream(client, 'busy', 2)
      let sender: import('node:child_process').ChildProcess | undefined
      const sending = runCli(['send', '--stream', 'busy', '--rate', '500', '--json'], {env: stack.env, onSpawn: (c) => (sender = c)})
      // Under way: the stream has records.
      while ((await countRecords(client, 'busy')) < 300) await sleep(100)
      const down = await runCli(['local', 'down'], {env: stack.env})
      expect(down.code, down.stderr).to.equal(0)
      sender!.kill('SIGINT')
      const sent = await sending
      const summary = JSON.parse(sent.stdout) as {delivered: number; failed: number; generated: number}
      expect(summary.delivered).to.be.greaterThan(300)
      expect((await runCli(['local', 'up'], {env: stack.env})).code).to.equal(0)
      expect(await countRecords(client, 'busy')).to.be.at.least(summary.delivered)
    } finally {
      client.destroy()
      await stack.cleanup()
    }
  })

  describe('a CLICKOPS_HOME that cannot be written', () => {
    // A read-only or full file system of its own: a tmpfs mounted in a private mount namespace
    // (`unshare -rm`, as an unprivileged user too where user namespaces are allowed).
    const canMount = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0"', tmpdir()]).status === 0
    let home: string

    beforeEach(async function () {
      if (!canMount) this.skip()
      home = await mkdtemp(join(tmpdir(), 'clickops-nospace-'))
    })

    afterEach(async () => {
      if (!home) return
      // Whatever a failed run left running in its mount namespace.
      for (const {pid, value} of await processesWithEnv(SERVICE_MARKER_ENV)) if (value.includes(home)) process.kill(pid, 'SIGKILL')
      await rm(home, {force: true, recursive: true})
    })

    /** Runs `clickops` commands in one shell in which `home` is a fresh tmpfs; each result in order. */
    async function inOwnFileSystem(options: string, steps: string[][]): Promise<CliResult[]> {
      const marker = '----clickops-step----'
      const script = [
        `mount -t tmpfs -o ${options} tmpfs "$CLICKOPS_HOME" || exit 99`,
        ...steps.map((args) =>
          args[0] === 'wait'
            ? // Long enough for kinesis-local to try (and fail) to save on the full disk: it must survive that.
              `sleep 2.5; echo "${marker} 0"; echo "${marker}" >&2`
            : args[0] === 'fill'
            ? `dd if=/dev/zero of="$CLICKOPS_HOME/fill" bs=64k 2>/dev/null; dd if=/dev/zero of="$CLICKOPS_HOME/fill-2" bs=512 2>/dev/null; echo "${marker} 0"; echo "${marker}" >&2`
            : `"${process.execPath}" "${BIN}" ${args.map((a) => `'${a}'`).join(' ')}; echo "${marker} $?"; echo "${marker}" >&2`,
        ),
      ].join('\n')
      const ports = {
        CLICKOPS_GATEWAY_PORT: String(await freePort()),
        CLICKOPS_SCHEDULER_PORT: String(await freePort()),
        CLICKOPS_KINESIS_PORT: String(await freePort()),
        CLICKOPS_KINESIS_TLS_PORT: String(await freePort()),
      }
      const run = spawnSync('unshare', ['-rm', 'sh', '-c', script], {encoding: 'utf8', env: isolatedEnv({...ports, CLICKOPS_HOME: home}) as NodeJS.ProcessEnv, timeout: 150_000})
      const outs = run.stdout.split(new RegExp(`${marker} (\\d+)\\n`))
      const errs = run.stderr.split(`${marker}\n`)
      const results: CliResult[] = []
      for (let i = 0; i < steps.length; i++) results.push({code: Number(outs[2 * i + 1]), signal: null, stderr: errs[i] ?? '', stdout: outs[2 * i] ?? ''})
      return results
    }

    it('read-only: local up and any command on target local say so in one sentence and exit 4', async () => {
      const [up, status] = await inOwnFileSystem('ro', [['local', 'up'], ['status']])
      for (const r of [up, status]) {
        expect(r.code, r.stderr).to.equal(4)
        expect(r.stderr).to.equal(
          `Error: Cannot write the local stack's state under ${home}: it is on a read-only file system (EROFS).\nPoint CLICKOPS_HOME at a folder you can write to.\n`,
        )
      }
    })

    it('full: local down still stops a running stack, and local up says the disk is full (exit 4)', async () => {
      const [up, before, , , down, after, again] = await inOwnFileSystem('size=8m', [
        ['local', 'up'],
        ['local', 'status', '--json'],
        ['fill'],
        ['wait'],
        ['local', 'down', '--json'],
        ['local', 'status', '--json'],
        ['local', 'up'],
      ])
      expect(up.code, up.stderr).to.equal(0)
      const pids = (JSON.parse(before.stdout) as {services: {pid: number}[]}).services.map((s) => s.pid)
      expect(pids).to.have.length(3)
      expect(down.code, down.stderr).to.equal(0)
      expect((JSON.parse(down.stdout) as {stopped: string[]}).stopped).to.deep.equal(['scheduler', 'gateway', 'kinesis'])
      expect(pids.filter((pid) => isAlive(pid))).to.deep.equal([])
      expect((JSON.parse(after.stdout) as {state: string}).state).to.equal('stopped')
      expect(again.code, again.stderr).to.equal(4)
      expect(again.stderr).to.equal(
        `Error: Cannot write the local stack's state under ${home}: the disk is full (ENOSPC).\nFree some space there, or point CLICKOPS_HOME at a folder on another disk.\n`,
      )
    })
  })
})
