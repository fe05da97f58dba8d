/**
 * `clickops scale backtest` end to end through the built CLI: the table, --json, trace files
 * written and read back, errors naming the trace line and field (exit 2), and the --html page opened
 * in a real headless Chromium.
 */
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'

const SPEC = 'diurnal,hot-user=35:0.3,peak=3000rps,minutes=720'
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))

describe('clickops scale backtest (CLI)', function () {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clickops-backtest-'))
  })
  after(async () => {
    await rm(dir, {force: true, recursive: true})
  })

  it('prints one row per policy', async () => {
    const r = await runCli(['scale', 'backtest', '--synthetic', SPEC])
    expect(r.code, r.stderr).to.equal(0)
    for (const p of ['clickops', 'average', 'alarm', 'tiered', 'on-demand']) expect(r.stdout).to.match(new RegExp(`│ ${p}\\s+│`))
    expect(r.stdout).to.include('min over limit')
  })

  it('--json: one document with the policies asked for; --save-trace writes a trace that replays to the same result', async () => {
    const saved = join(dir, 'trace.ndjson')
    const a = await runCli(['scale', 'backtest', '--synthetic', SPEC, '--compare', 'clickops,alarm', '--save-trace', saved, '--json'])
    expect(a.code, a.stderr).to.equal(0)
    const first = JSON.parse(a.stdout)
    expect(first.policies.map((p: {policy: string}) => p.policy)).to.deep.equal(['clickops', 'alarm'])
    const lines = (await readFile(saved, 'utf8')).trim().split('\n')
    expect(lines).to.have.length(720)
    expect(JSON.parse(lines[0])).to.have.keys('t', 'shards')
    const b = await runCli(['scale', 'backtest', '--trace', saved, '--compare', 'clickops,alarm', '--json'])
    expect(b.code, b.stderr).to.equal(0)
    const second = JSON.parse(b.stdout)
    const strip = (d: {policies: unknown[]}) => d.policies
    expect(strip(second)).to.deep.equal(strip(first))
  })

  it('a bad trace line: the line and the field named, exit 2', async () => {
    const bad = join(dir, 'bad.ndjson')
    await writeFile(
      bad,
      [
        JSON.stringify({shards: [{bytes: 1, endingHashKey: '340282366920938463463374607431768211455', records: 1, startingHashKey: '0'}], t: '2026-03-02T00:00:00Z'}),
        JSON.stringify({shards: [{bytes: 1, endingHashKey: '340282366920938463463374607431768211455', records: 'many', startingHashKey: '0'}], t: '2026-03-02T00:01:00Z'}),
      ].join('\n'),
    )
    const r = await runCli(['scale', 'backtest', '--trace', bad])
    expect(r.code).to.equal(2)
    expect(r.stderr).to.include(`${bad}: line 2: shards[0].records must be a number`)
  })

  it('--html: a self-contained page that headless Chromium renders with one SVG series per policy', async function () {
    const html = join(dir, 'backtest.html')
    const r = await runCli(['scale', 'backtest', '--synthetic', SPEC, '--html', html, '--json'])
    expect(r.code, r.stderr).to.equal(0)
    const page = await readFile(html, 'utf8')
    // Self-contained: nothing to fetch.
    expect(page).to.not.match(/\b(src|href)=|https?:\/\//)
    if (CHROMIUM === undefined) {
      console.log('      (skipped: no Chromium at /usr/bin/chromium; CI installs it with apt-get install -y chromium)')
      this.skip()
    }
    const out = spawnSync(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${html}`], {encoding: 'utf8', timeout: 60_000})
    expect(out.status, out.stderr).to.equal(0)
    const dom = out.stdout
    const series = [...dom.matchAll(/<polyline class="series" data-policy="([a-z-]+)"/g)].map((m) => m[1])
    expect(series).to.deep.equal(['clickops', 'average', 'alarm', 'tiered'])
    expect([...dom.matchAll(/<svg [^>]*class="chart"/g)]).to.have.length(4)
  })
})
