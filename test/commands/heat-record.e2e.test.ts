/** End to end: `clickops heat --record` against kinesis-local, replayed by `clickops scale backtest --trace`. */
import {PutRecordsCommand} from '@aws-sdk/client-kinesis'
import {expect} from 'chai'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'
import {createStream, sharedKinesisLocal, uniqueStreamName} from '../helpers/kinesis-local.js'

describe('clickops heat --record (end to end)', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clickops-record-'))
  })
  after(async () => {
    await rm(dir, {force: true, recursive: true})
  })

  it('records the whole minutes it saw, and scale backtest replays them', async () => {
    const local = await sharedKinesisLocal()
    const client = local.client()
    const stream = uniqueStreamName('heat-record')
    await createStream(client, stream, 2)
    const records = Array.from({length: 300}, (_, i) => ({Data: new TextEncoder().encode(`{"n":${i}}`), PartitionKey: i < 200 ? '35' : `u${i}`}))
    const put = await client.send(new PutRecordsCommand({Records: records, StreamName: stream}))
    expect(put.FailedRecordCount ?? 0).to.equal(0)
    // The minute the records arrived in is complete once it has ended (and 5 s have settled it).
    const written = Math.floor(Date.now() / 60_000) * 60_000
    const settled = written + 60_000 + 6000
    await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())))

    const file = join(dir, 'session.ndjson')
    const r = await runCli(['heat', '--endpoint-url', local.endpoint, '--stream', stream, '--once', '--window', '3m', '--record', file])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.match(/Recorded \d+ minutes? in /)
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    const total = lines.reduce((n, l) => n + l.shards.reduce((m: number, s: {records: number}) => m + s.records, 0), 0)
    expect(total).to.equal(300)
    expect(lines.every((l) => l.shards.length === 2)).to.equal(true)
    expect(lines.some((l) => l.shards.some((s: {keys?: {key: string}[]}) => s.keys?.[0]?.key === '35'))).to.equal(true)

    // A second run appends nothing it already wrote.
    const again = await runCli(['heat', '--endpoint-url', local.endpoint, '--stream', stream, '--once', '--window', '3m', '--record', file])
    expect(again.code, again.stderr).to.equal(0)
    const after = (await readFile(file, 'utf8')).trim().split('\n')
    expect(new Set(after.map((l) => JSON.parse(l).t)).size).to.equal(after.length)

    const bt = await runCli(['scale', 'backtest', '--trace', file, '--json'])
    expect(bt.code, bt.stderr).to.equal(0)
    expect(JSON.parse(bt.stdout).initialShards).to.equal(2)
  })
})
