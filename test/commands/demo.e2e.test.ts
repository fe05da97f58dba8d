/** `clickops demo` end to end under CI=true: the real binary, its own embedded stack, its claims checked. */
import {GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand} from '@aws-sdk/client-kinesis'
import {NodeHttpHandler} from '@smithy/node-http-handler'
import {expect} from 'chai'

import {DEMO_DEFAULTS} from '../../src/lib/demo/steps.js'
import {privateStackEnv, runCli} from '../helpers/cli.js'
import {expectContract} from '../helpers/contract.js'

async function readEveryRecord(client: KinesisClient, stream: string): Promise<{partitionKey: string; data: string}[]> {
  const {Shards = []} = await client.send(new ListShardsCommand({StreamName: stream}))
  const records: {partitionKey: string; data: string}[] = []
  for (const shard of Shards) {
    let iterator = (await client.send(new GetShardIteratorCommand({ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON', StreamName: stream}))).ShardIterator
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ShardIterator: iterator}))
      for (const r of page.Records ?? []) records.push({data: Buffer.from(r.Data!).toString(), partitionKey: r.PartitionKey!})
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break
      iterator = page.NextShardIterator
    }
  }
  return records
}

describe('clickops demo', () => {
  describe('end to end (CI=true)', () => {
    let env: Record<string, string>
    let cleanup: () => Promise<void>

    // Each test has its own stack: the first starts from nothing, the second from an earlier demo's stream.
    beforeEach(async () => {
      ;({cleanup, env} = await privateStackEnv('demo', {CI: 'true'}))
    })

    afterEach(async () => {
      await cleanup()
    })

    it('runs unattended and everything it claims holds', async () => {
      const r = await runCli(['demo'], {env, timeoutMs: 300_000})
      expect(r.code, r.stderr).to.equal(0)

      // Each step shows its title and the command that repeats it.
      for (const line of ['clickops local up', 'clickops provision --stream clickops-demo --shards 4', 'clickops heat --stream clickops-demo --window 10m --sort heat --once']) {
        expect(r.stderr).to.include(`$ ${line}`)
      }
      expect(r.stderr).to.include('Demo done')
      // A fresh stack has no earlier demo stream: the count printed with the first step holds.
      const headings = [...r.stderr.matchAll(/^▶ (\d+)\/(\d+) /gm)].map((m) => `${m[1]}/${m[2]}`)
      expect(headings).to.deep.equal(['1/9', '2/9', '3/9', '4/9', '5/9', '6/9', '7/9', '8/9', '9/9'])

      // Sent: the two send summaries.
      const delivered = [...r.stdout.matchAll(/^delivered\s+([\d,]+)/gm)].map((m) => Number(m[1].replaceAll(',', '')))
      expect(delivered).to.deep.equal([DEMO_DEFAULTS.apiEvents, DEMO_DEFAULTS.directEvents])

      // The tail printed user 35's records, and only those.
      const tailed = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{"partitionKey"'))
        .map((l) => JSON.parse(l))
      expect(tailed).to.have.length(5)
      for (const t of tailed) {
        expect(t.partitionKey).to.equal('35')
        expect(t.data.user_id).to.equal('35')
      }

      // The applied plan, and the stream's shard count afterwards.
      const scaled = /Scaled (\d+) → (\d+); the stream has (\d+) open shards/.exec(r.stdout)
      expect(scaled, r.stdout).to.not.equal(null)
      const planned = Number(scaled![2])
      expect(planned).to.be.greaterThan(4)
      expect(r.stdout).to.match(new RegExp(`shards\\s+${planned} open`))

      // Independently: the stream holds exactly the records sent, and has the planned open shard count.
      const client = new KinesisClient({
        credentials: {accessKeyId: 'x', secretAccessKey: 'y'},
        endpoint: `http://127.0.0.1:${env.CLICKOPS_KINESIS_PORT}`,
        region: 'us-east-1',
        requestHandler: new NodeHttpHandler(),
      })
      try {
        const records = await readEveryRecord(client, 'clickops-demo')
        expect(records).to.have.length(DEMO_DEFAULTS.apiEvents + DEMO_DEFAULTS.directEvents)
        const ids = new Set(records.map((x) => JSON.parse(x.data).click_id))
        expect(ids.size).to.equal(records.length)
        const status = JSON.parse((await runCli(['status', '--stream', 'clickops-demo', '--json'], {env})).stdout)
        expect(status.openShardCount).to.equal(planned)
      } finally {
        client.destroy()
      }
    })

    it('--json after an earlier demo: it removes that stream first; one document with every step\'s typed result, the tailed records included', async () => {
      // An earlier demo's stream, for the reset step to remove.
      expect((await runCli(['provision', '--stream', 'clickops-demo', '--shards', '1', '--no-api'], {env})).code).to.equal(0)
      const r = await runCli(['demo', '--json'], {env, timeoutMs: 300_000})
      expect(r.code, r.stderr).to.equal(0)
      const doc = JSON.parse(r.stdout) // nothing else on stdout
      expectContract('demo', doc)
      expect(doc.steps.map((s: {id: string}) => s.id)).to.deep.equal(['stack', 'reset', 'provision', 'send-api', 'send-direct', 'heat', 'tail', 'plan', 'scale', 'status'])
      const byId = Object.fromEntries(doc.steps.map((s: {id: string; result: unknown}) => [s.id, s.result]))
      expect(byId['send-api'].delivered).to.equal(DEMO_DEFAULTS.apiEvents)
      expect(byId.tail).to.have.length(5)
      for (const t of byId.tail) expect([t.partitionKey, t.data.user_id]).to.deep.equal(['35', '35'])
      expect(byId.status.openShardCount).to.equal(byId.scale.plan.targetShards)
    })
  })
})
