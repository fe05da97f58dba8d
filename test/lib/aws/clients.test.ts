import {NodeHttpHandler} from '@smithy/node-http-handler'
import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {baseConfig, createClients} from '../../../src/lib/aws/clients.js'
import {LOCAL_CREDENTIALS, resolveTarget} from '../../../src/lib/target.js'

describe('client factory', () => {
  it('uses an HTTP/1.1 keep-alive handler for http:// endpoints and adaptive retries', async () => {
    const target = resolveTarget({endpointUrl: 'http://127.0.0.1:4568', target: 'local'}, {})
    const config = await baseConfig(target, 'kinesis')
    expect(config.requestHandler).to.be.instanceOf(NodeHttpHandler)
    expect(config).to.deep.include({endpoint: 'http://127.0.0.1:4568', maxAttempts: 5, region: 'us-east-1', retryMode: 'adaptive'})
    expect(config.credentials).to.deep.equal(LOCAL_CREDENTIALS)
  })

  it('fails a request that gets no answer within requestTimeout, retried by the SDK, and prints nothing', async () => {
    let requests = 0
    const server = createServer(() => {
      requests += 1 // never answers
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    const target = resolveTarget({endpointUrl: `http://127.0.0.1:${port}`, target: 'local'}, {})
    const clients = createClients(target, {maxAttempts: 2, requestTimeout: 300})
    const warnings: unknown[] = []
    const warn = console.warn
    console.warn = (...args: unknown[]) => warnings.push(args)
    try {
      const kinesis = await clients.kinesis()
      const {ListStreamsCommand} = await import('@aws-sdk/client-kinesis')
      const error = await kinesis.send(new ListStreamsCommand({})).then(
        () => undefined,
        (e: Error) => e,
      )
      expect(error?.name).to.equal('TimeoutError')
      expect(requests).to.equal(2)
      expect(warnings).to.deep.equal([])
    } finally {
      console.warn = warn
      clients.destroy()
      server.closeAllConnections()
      server.close()
    }
  })

  it('leaves the SDK default handler and credential chain for AWS, passing the profile', async () => {
    const target = resolveTarget({profile: 'prod', region: 'eu-west-1', target: 'aws'}, {})
    const config = await baseConfig(target, 'kinesis')
    expect(config.requestHandler).to.equal(undefined)
    expect(config.credentials).to.equal(undefined)
    expect(config).to.deep.include({profile: 'prod', region: 'eu-west-1'})
  })

  it('creates each client once, only when asked, with the resolved endpoint', async () => {
    const target = resolveTarget({target: 'aws'}, {AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:1', AWS_REGION: 'eu-central-1'})
    const clients = createClients(target)
    const a = await clients.cloudwatch()
    const b = await clients.cloudwatch()
    expect(a).to.equal(b)
    const endpoint = await a.config.endpoint!()
    expect(endpoint.hostname).to.equal('127.0.0.1')
    expect(await clients.region()).to.equal('eu-central-1')
    clients.destroy()
  })

  it('reads the region of a named profile from the AWS config file, like the AWS CLI', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clickops-aws-'))
    const saved = process.env.AWS_CONFIG_FILE
    try {
      await writeFile(join(dir, 'config'), '[default]\nregion = us-west-1\n\n[profile prod]\nregion = eu-north-1\n')
      process.env.AWS_CONFIG_FILE = join(dir, 'config')
      const prod = createClients(resolveTarget({profile: 'prod', target: 'aws'}, {}))
      expect(await prod.region()).to.equal('eu-north-1')
      prod.destroy()
      const dflt = createClients(resolveTarget({target: 'aws'}, {}))
      expect(await dflt.region()).to.equal('us-west-1')
      dflt.destroy()
    } finally {
      process.env.AWS_CONFIG_FILE = saved
      await rm(dir, {force: true, recursive: true})
    }
  })

  it('refuses AWS-only services on the embedded local target with a clear message', async () => {
    const clients = createClients(resolveTarget({}, {}))
    let error: Error | undefined
    try {
      await clients.iam()
    } catch (e) {
      error = e as Error
    }
    expect(error?.message).to.equal('IAM is not part of the embedded local stack.')
  })

  it('keeps the SDK Node-version warning away from the terminal', async () => {
    // The test hooks silence the warning for every test, and the SDK warns once per process: both
    // are undone here, so that without clickops's own silencing the warning is emitted (on Node < 22)
    // and the variable is missing (on any Node).
    const {state} = await import('@aws-sdk/core/client')
    const saved = {emitted: state.warningEmitted, env: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED}
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.message)
    delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
    state.warningEmitted = false
    process.on('warning', onWarning)
    try {
      const clients = createClients(resolveTarget({region: 'us-east-1', target: 'aws'}, {}))
      await clients.kinesis()
      await new Promise((r) => setImmediate(r))
      clients.destroy()
      expect(warnings.filter((w) => w.includes('NodeVersionSupportWarning'))).to.deep.equal([])
      expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).to.equal('true')
    } finally {
      process.off('warning', onWarning)
      state.warningEmitted = saved.emitted
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = saved.env
    }
  })
})
