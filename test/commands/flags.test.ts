/**
 * Bad flags, rejected before any AWS call with exit 2: each command's flag parsing and validation,
 * run in process. The endpoint is a closed port, so a call that got out would end with exit 5, not 2.
 * One case per command also runs through the spawned binary (its *.e2e.test.ts) for the exit code.
 */
import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runInProcess} from '../helpers/in-process.js'

const CLOSED = ['--endpoint-url', 'http://127.0.0.1:9']
const noStackTrace = (text: string) => expect(text).not.to.match(/^\s+at .+:\d+:\d+\)?$/m)

type Case = [args: string[], message: RegExp | string]

function rejects(command: string, cases: Case[], base: string[] = CLOSED): void {
  for (const [args, message] of cases) {
    it(`rejects ${args.join(' ') || 'no flags'} (exit 2)`, async () => {
      const r = await runInProcess(command, [...base, ...args])
      expect(r.code, r.stderr).to.equal(2)
      if (typeof message === 'string') expect(r.stderr).to.include(message)
      else expect(r.stderr).to.match(message)
      expect(r.stdout).to.equal('')
      expect(r.stderr).not.to.match(/Cannot reach|ECONNREFUSED/)
      expect(r.stderr).not.to.include('target:')
      noStackTrace(r.stderr)
    })
  }
}

describe('flag rejection, in process (exit 2, before any call)', () => {
  describe('status and the global flags', () => {
    rejects('status', [
      [['--target', 'azure'], 'Expected --target=azure to be one of: local, aws'],
      [['--endpoint-url', 'not a url'], '--endpoint-url "not a url" is not a valid URL.'],
      [['--stream', 'bad name!'], '"bad name!" is not a valid stream name.'],
    ], [])

    it('rejects an unknown CLICKOPS_TARGET', async () => {
      const r = await runInProcess('status', [], {CLICKOPS_TARGET: 'gcp'})
      expect(r.code).to.equal(2)
      expect(r.stderr).to.match(/gcp/)
      noStackTrace(r.stderr)
    })
  })

  describe('tail', () => {
    rejects('tail', [
      [['--from', 'garbage'], /--from "garbage" is not a starting point\.\nUse latest, trim-horizon/],
      [['--limit', '0'], /--limit must be a whole number from 1/],
      [['--from-sequence', '123'], /--from-sequence needs --user or --partition-key/],
      [['--no-follow'], /--no-follow with --from latest would read nothing/],
      [['--from', '1h', '--until', '2h'], /is not after --from/],
      [['--user', '1', '--partition-key', '2'], /--user=1 cannot also be provided when using --partition-key/],
      [['--output', 'xml'], /Expected --output=xml to be one of: pretty, json, raw/],
    ])
  })

  describe('send', () => {
    rejects('send', [
      [['--hot-user', '35:2'], /share must be greater than 0 and at most 1/],
      [['--hot-user', '5000'], /not a user: users are numbered 1 to 1000/],
      [['--rate', '-1'], /--rate must be a number/],
      [['--count', '0'], /--count must be a whole number/],
      [['--duration', 'soon'], /--duration "soon" is not a duration/],
      [['--api-url', 'http://x'], /apply to --via api only/],
      [['--via', 'api', '--api-url', 'ftp://x'], /must use http or https/],
      [['--concurrency', '0'], /--concurrency must be a whole number from 1 to 64/],
    ])

    it('under --json the error is the one JSON document on stdout', async () => {
      const r = await runInProcess('send', ['--via', 'stdout', '--json'])
      expect(r.code).to.equal(2)
      expect(JSON.parse(r.stdout).error.message).to.match(/--json cannot be combined with --via stdout/)
    })
  })

  describe('scale', () => {
    const base = [...CLOSED, '--stream', 'clicks']
    rejects('scale', [
      [['--target-utilization', '0'], /--target-utilization must be above 0 and at most 1 \(a fraction of the shard write limit\), not 0\./],
      [['--target-utilization', '1.5'], /--target-utilization must be above 0 and at most 1 .*not 1\.5\./],
      [['--min-shards', '10', '--max-shards', '4'], /--min-shards \(10\) is above --max-shards \(4\)\./],
      [['--window', '2h', '--source', 'stream'], /--window 2h is out of range for the stream source \(10s to 1h\)/],
      [['--strategy', 'random'], /Expected --strategy=random to be one of: uniform, targeted, auto/],
    ], base)

    it('rejects an unknown policy key, naming the file and the key', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'clickops-scale-'))
      try {
        const path = join(dir, 'scale.yaml')
        await writeFile(path, 'target-utilization: 0.7\nstreams:\n  clicks:\n    max_shard: 8\n')
        const r = await runInProcess('scale', [...base, '--policy', path, '--json'])
        expect(r.code).to.equal(2)
        const out = JSON.parse(r.stdout) as {error: {exitCode: number; message: string}}
        expect(out.error.exitCode).to.equal(2)
        expect(out.error.message).to.equal(`Policy file ${path}: streams.clicks: unknown key "max_shard" (did you mean "max-shards"?).`)
      } finally {
        await rm(dir, {force: true, recursive: true})
      }
    })
  })

  describe('scale backtest', () => {
    rejects('scale backtest', [
      [[], '--synthetic'],
      [['--synthetic', 'diurnal', '--compare', 'clickops,magic'], '"magic" is not a policy'],
    ], [])
  })

  describe('heat', () => {
    rejects('heat', [
      [['--window', '5s'], /--window 5s is out of range for the stream source \(10s to 1h\)/],
      [['--window', 'soon'], /--window "soon" is not a duration/],
      [['--refresh', '100ms'], /--refresh 100ms is below 1s/],
      [['--source', 'cloudwatch', '--window', '30s', '--target', 'aws', '--region', 'us-east-1'], /out of range for the cloudwatch source \(1m to 1d\)/],
    ], [...CLOSED, '--stream', 'clicks'])
  })

  describe('provision', () => {
    rejects('provision', [
      [['--retention-hours', '5'], '--retention-hours must be a whole number from 24 to 8760'],
      [['--shards', '2', '--on-demand'], '--shards=2 cannot also be provided when using --on-demand'],
      [['--web-acl-arn', 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/a/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'], '--web-acl-arn applies to AWS only'],
      [['--no-api', '--api-key'], '--api-key configures the API, which --no-api leaves out.'],
      [['--encryption', 'aes'], 'Expected --encryption=aes to be one of: kms, none'],
    ])
  })
})
