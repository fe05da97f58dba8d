/**
 * One credential resolution per run, shared by every client, and MFA codes asked for as the AWS CLI
 * does (profiles that assume a role with mfa_serial), on the terminal only.
 */
import {expect} from 'chai'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'

import {mfaCodePrompt} from '../../../src/cli/mfa.js'
import * as CloudWatch from '../../../src/lib/aws/cloudwatch.js'
import {createClients} from '../../../src/lib/aws/clients.js'
import * as Kinesis from '../../../src/lib/aws/kinesis.js'
import {ClickopsError} from '../../../src/lib/errors.js'
import {resolveTarget} from '../../../src/lib/target.js'

/** Answers every request with a 400 (enough: credentials are resolved to sign the request before it is sent). */
async function refusingServer(): Promise<{server: Server; url: string; requests: string[]}> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(String(req.headers.authorization ?? ''))
    res.writeHead(400, {'content-type': 'application/x-amz-json-1.1'}).end('{"__type":"ValidationException","message":"no"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {requests, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`}
}

describe('shared credentials', () => {
  let dir: string
  const saved: Record<string, string | undefined> = {}
  const ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clickops-creds-'))
    for (const name of ENV) saved[name] = process.env[name]
    delete process.env.AWS_ACCESS_KEY_ID
    delete process.env.AWS_SECRET_ACCESS_KEY
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials')
    process.env.AWS_CONFIG_FILE = join(dir, 'config')
    await writeFile(join(dir, 'credentials'), '')
  })

  afterEach(async () => {
    for (const name of ENV) {
      if (saved[name] === undefined) delete process.env[name]
      else process.env[name] = saved[name]
    }
    await rm(dir, {force: true, recursive: true})
  })

  it('resolves the profile once for all clients of a run, and signs with it', async () => {
    const counter = join(dir, 'resolutions')
    const script = join(dir, 'creds.cjs')
    await writeFile(script, `require('fs').appendFileSync(${JSON.stringify(counter)}, 'x'); console.log(JSON.stringify({Version: 1, AccessKeyId: 'AKIDFROMPROCESS', SecretAccessKey: 'secret'}))`)
    await writeFile(join(dir, 'config'), `[profile ops]\nregion = eu-west-1\ncredential_process = ${process.execPath} ${script}\n`)
    const {requests, server, url} = await refusingServer()
    const clients = createClients(resolveTarget({endpointUrl: url, profile: 'ops', target: 'aws'}, {}), {maxAttempts: 1})
    try {
      const [kinesis, cloudwatch] = await Promise.all([clients.kinesis(), clients.cloudwatch()])
      const settle = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => e.name)
      const outcomes = await Promise.all([
        settle(Kinesis.listShards(kinesis, {StreamName: 's'})),
        settle(CloudWatch.getMetricData(cloudwatch, {EndTime: new Date(), MetricDataQueries: [], StartTime: new Date(0)})),
        settle(Kinesis.describeLimits(kinesis)),
      ])
      expect(outcomes).to.not.include('ok')
      expect(requests).to.have.length(3)
      for (const auth of requests) expect(auth).to.include('Credential=AKIDFROMPROCESS/')
      expect(await readFile(counter, 'utf8')).to.equal('x')
    } finally {
      clients.destroy()
      server.close()
    }
  })

  const mfaProfile = '[profile base]\nregion = eu-west-1\n\n[profile admin]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/operator\n'

  it('asks once for the MFA code of a role profile with mfa_serial, whatever the number of clients', async () => {
    await writeFile(join(dir, 'config'), mfaProfile)
    await writeFile(join(dir, 'credentials'), '[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = secret\n')
    const {server, url} = await refusingServer()
    const asked: string[] = []
    const declined = new Error('declined at the prompt')
    const clients = createClients(resolveTarget({endpointUrl: url, profile: 'admin', target: 'aws'}, {}), {
      maxAttempts: 1,
      mfaCode: async (serial) => {
        asked.push(serial)
        throw declined
      },
    })
    try {
      const [kinesis, cloudwatch] = await Promise.all([clients.kinesis(), clients.cloudwatch()])
      const errors = await Promise.all([
        Kinesis.describeLimits(kinesis).catch((e: Error) => e),
        CloudWatch.getMetricData(cloudwatch, {EndTime: new Date(), MetricDataQueries: [], StartTime: new Date(0)}).catch((e: Error) => e),
      ])
      expect(errors).to.deep.equal([declined, declined])
      expect(asked).to.deep.equal(['arn:aws:iam::123456789012:mfa/operator'])
    } finally {
      clients.destroy()
      server.close()
    }
  })

  it('without a terminal to ask on, fails with a clear error instead of prompting', async () => {
    await writeFile(join(dir, 'config'), mfaProfile)
    await writeFile(join(dir, 'credentials'), '[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = secret\n')
    const {requests, server, url} = await refusingServer()
    const clients = createClients(resolveTarget({endpointUrl: url, profile: 'admin', target: 'aws'}, {}), {maxAttempts: 1, mfaCode: mfaCodePrompt({input: new PassThrough(), output: new PassThrough()})})
    try {
      const error = await Kinesis.describeLimits(await clients.kinesis()).catch((e: Error) => e)
      expect(error).to.be.instanceOf(ClickopsError)
      expect((error as Error).message).to.equal('The AWS profile "admin" needs a code from the MFA device arn:aws:iam::123456789012:mfa/operator, and this session is not interactive.')
      expect(requests).to.deep.equal([])
    } finally {
      clients.destroy()
      server.close()
    }
  })
})

describe('MFA prompt', () => {
  it('prompts on the terminal given (stderr), reads the code, and is absent when either side is not a terminal', async () => {
    const tty = () => Object.assign(new PassThrough(), {isTTY: true})
    expect(mfaCodePrompt({input: new PassThrough(), output: tty()})).to.equal(undefined)
    expect(mfaCodePrompt({input: tty(), output: new PassThrough()})).to.equal(undefined)
    const input = tty()
    const output = tty()
    let shown = ''
    output.on('data', (chunk: Buffer) => {
      shown += chunk.toString('utf8')
      if (shown.includes('arn:aws:iam::1:mfa/me: ')) input.write('123456\n')
    })
    const ask = mfaCodePrompt({input, output})!
    expect(await ask('arn:aws:iam::1:mfa/me')).to.equal('123456')
    expect(shown).to.include('Enter MFA code for arn:aws:iam::1:mfa/me: ')
  })
})
