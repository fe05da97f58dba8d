/**
 * The JSON contract: every command run with --json by the real binary, on a private embedded
 * stack, its output validated against the committed schema (schemas/<command>.json, generated from
 * the result types by `npm run schemas`). `demo --json` is checked in demo.e2e.test.ts.
 */
import {expect} from 'chai'

import type {ContractCommand} from '../../scripts/schemas.js'
import {privateStackEnv, runCli} from '../helpers/cli.js'
import {expectContract} from '../helpers/contract.js'

describe('JSON contract of every command (schemas/*.json)', function () {
  const STREAM = 'contract'
  let env: Record<string, string>
  let cleanup: () => Promise<void>

  /** Runs `args` with --json; expects one JSON document on stdout, exit 0 unless `codes` allows more. */
  async function json(args: string[], codes: number[] = [0]): Promise<unknown> {
    const r = await runCli([...args, '--json'], {env})
    expect(codes, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`).to.include(r.code)
    return JSON.parse(r.stdout)
  }

  const check = (command: ContractCommand, args: string[], codes?: number[]) =>
    it(`${command} --json`, async () => {
      expectContract(command, await json(args, codes))
    })

  before(async () => {
    ;({cleanup, env} = await privateStackEnv('contract'))
    // A stream with an API and some traffic for the commands that read it.
    await json(['provision', '--stream', STREAM, '--shards', '2'])
    await json(['send', '--stream', STREAM, '--count', '300', '--rate', '0', '--seed', '1'])
  })

  after(async () => {
    await cleanup()
  })

  check('local up', ['local', 'up'])
  check('local status', ['local', 'status'])
  check('status', ['status', '--stream', STREAM])
  check('provision', ['provision', '--stream', STREAM, '--shards', '2'])
  check('send', ['send', '--stream', STREAM, '--count', '50', '--rate', '0'])
  check('heat', ['heat', '--stream', STREAM, '--window', '2m'])
  check('lag', ['lag', '--stream', STREAM])
  check('scale', ['scale', '--stream', STREAM, '--dry-run', '--window', '2m'], [0, 11, 12])
  check('scale backtest', ['scale', 'backtest', '--synthetic', 'diurnal,minutes=120'])

  it('tail --json (each line)', async () => {
    const r = await runCli(['tail', '--stream', STREAM, '--from', 'trim-horizon', '--no-follow', '--limit', '5', '--json'], {env})
    expect(r.code, r.stderr).to.equal(0)
    const lines = r.stdout.split('\n').filter((l) => l !== '')
    expect(lines).to.have.length(5)
    for (const line of lines) expectContract('tail', JSON.parse(line))
  })

  it('destroy --json', async () => {
    await json(['provision', '--stream', 'contract-gone', '--shards', '1', '--no-api'])
    expectContract('destroy', await json(['destroy', '--stream', 'contract-gone', '--yes']))
  })

  it('local down --json', async () => {
    expectContract('local down', await json(['local', 'down']))
  })
})
