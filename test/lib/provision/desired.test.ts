import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors.js'
import {TokenBucket} from '../../../src/lib/gateway/throttle.js'
import {desiredState, PROVISION_DEFAULTS, type ProvisionFlags} from '../../../src/lib/provision/desired.js'
import {apiName} from '../../../src/lib/api-contract.js'
import {legacyRoleName, roleName} from '../../../src/lib/provision/naming.js'
import {applySteps, canonical, InterruptedError, withBackoff, type Step} from '../../../src/lib/provision/plan.js'

const aws = {kind: 'aws' as const, region: 'eu-west-1'}
const ACL = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'

function rejects(flags: Partial<ProvisionFlags>, message: RegExp, target: {kind: 'local' | 'aws'; region?: string} = aws): void {
  let error: unknown
  try {
    desiredState({stream: 'clickstream', ...flags}, target)
  } catch (e) {
    error = e
  }
  expect(error, JSON.stringify(flags)).to.be.instanceOf(UsageError)
  expect((error as Error).message).to.match(message)
}

describe('provision: desired state from the flags', () => {
  it('has sane defaults: 4 shards, 24 h, KMS, enhanced monitoring, API on stage v1 without a key', () => {
    expect(desiredState({stream: 'clickstream'}, aws)).to.deep.equal({
      api: true,
      apiKey: false,
      encryption: 'kms',
      enhancedMonitoring: true,
      mode: 'PROVISIONED',
      retentionHours: 24,
      shards: 4,
      shardsExplicit: false,
      stage: 'v1',
      stream: 'clickstream',
      throttle: {burstLimit: PROVISION_DEFAULTS.throttleBurst, rateLimit: PROVISION_DEFAULTS.throttleRate},
      permissionsBoundary: undefined,
      webAclArn: undefined,
    })
    expect(desiredState({onDemand: true, stream: 's'}, aws).mode).to.equal('ON_DEMAND')
    expect(desiredState({shards: 8, stream: 's'}, aws)).to.deep.include({shards: 8, shardsExplicit: true})
    expect(desiredState({stream: 's', webAclArn: ACL}, aws).webAclArn).to.equal(ACL)
  })

  it('rejects bad values and combinations before any call, saying what to do', () => {
    rejects({retentionHours: 23}, /--retention-hours must be a whole number from 24 to 8760/)
    rejects({retentionHours: 8761}, /--retention-hours/)
    rejects({shards: 0}, /--shards must be a whole number from 1 to 10000/)
    rejects({onDemand: true, shards: 2}, /--shards and --on-demand exclude each other/)
    rejects({encryption: 'aes'}, /--encryption must be kms or none/)
    rejects({stage: 'v 1'}, /"v 1" is not a valid stage name/)
    rejects({throttleRate: 0}, /--throttle-rate/)
    rejects({throttleBurst: 5001}, /--throttle-burst must be a whole number from 1 to 5000/)
    rejects({api: false, apiKey: true}, /--api-key configures the API, which --no-api leaves out/)
    rejects({api: false, throttleRate: 5}, /--throttle-rate configures the API/)
    rejects({stream: 'bad name'}, /is not a valid stream name/)
    rejects({webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:global/webacl/x/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'}, /not the ARN of a regional AWS WAF web ACL/)
    rejects({webAclArn: ACL.replace('eu-west-1', 'us-east-1')}, /The web ACL is in us-east-1, but the API is provisioned in eu-west-1/)
    rejects({webAclArn: ACL}, /--web-acl-arn applies to AWS only/, {kind: 'local', region: 'eu-west-1'})
  })

  it('names resources after the stream, keeping IAM role names within 64 characters', () => {
    expect(apiName('clickstream')).to.equal('clickops-clickstream')
    // IAM is global: the region is part of the role's name.
    expect(roleName('clickstream', 'eu-west-1')).to.equal('clickops-eu-west-1-clickstream-apigw')
    expect(roleName('clickstream', 'us-east-1')).to.not.equal(roleName('clickstream', 'eu-west-1'))
    expect(legacyRoleName('clickstream')).to.equal('clickops-clickstream-apigw')
    const long = 'a'.repeat(128)
    expect(roleName(long, 'ap-southeast-2')).to.have.length(64)
    expect(roleName(long, 'ap-southeast-2')).to.match(/^clickops-ap-southeast-2-a+-[0-9a-f]{8}-apigw$/)
    expect(roleName(long, 'ap-southeast-2')).to.not.equal(roleName(`${'a'.repeat(127)}b`, 'ap-southeast-2'))
    expect(roleName(long, 'ap-southeast-2')).to.not.equal(roleName(long, 'ap-southeast-1'))
    expect(legacyRoleName(long)).to.match(/^clickops-a+-[0-9a-f]{8}-apigw$/)
  })
})

describe('provision: plan mechanics', () => {
  it('retries with exponential backoff only while the error is retryable', async () => {
    const sleeps: number[] = []
    let calls = 0
    const value = await withBackoff(
      async () => {
        calls += 1
        if (calls < 5) throw new Error('not yet')
        return 'done'
      },
      () => true,
      {maxDelayMs: 10_000, sleep: async (ms) => void sleeps.push(ms)},
    )
    expect([value, calls, sleeps]).to.deep.equal(['done', 5, [2000, 4000, 8000, 10_000]])
    let thrown: unknown
    await withBackoff(async () => Promise.reject(new Error('fatal')), () => false, {sleep: async () => {}}).catch((e) => (thrown = e))
    expect((thrown as Error).message).to.equal('fatal')
    let attempts = 0
    await withBackoff(async () => Promise.reject(new Error(`try ${++attempts}`)), () => true, {attempts: 3, sleep: async () => {}}).catch((e) => (thrown = e))
    expect([(thrown as Error).message, attempts]).to.deep.equal(['try 3', 3])
  })

  it('applies changing steps in order and stops between steps when aborted', async () => {
    const ran: string[] = []
    const controller = new AbortController()
    const step = (name: string, action: Step['action']): Step => ({action, name, reason: '', resource: 'r', run: async () => void ran.push(name)})
    const steps = [step('a', 'create'), step('b', 'unchanged'), step('c', 'update'), step('d', 'delete')]
    expect(await applySteps(steps, {command: 'x'})).to.equal(3)
    expect(ran).to.deep.equal(['a', 'c', 'd'])
    ran.length = 0
    let error: unknown
    await applySteps(steps, {command: 'clickops provision', onProgress: () => ran.length === 1 && controller.abort(), signal: controller.signal}).catch((e) => (error = e))
    expect(ran).to.deep.equal(['a', 'c'])
    expect(error).to.be.instanceOf(InterruptedError)
    expect((error as InterruptedError).hint).to.include('Run `clickops provision` again with the same flags')
  })

  it('compares documents canonically (key order does not matter, array order does)', () => {
    expect(canonical({a: 1, b: [1, {d: 2, c: 3}]})).to.equal(canonical({b: [1, {c: 3, d: 2}], a: 1}))
    expect(canonical({a: [1, 2]})).to.not.equal(canonical({a: [2, 1]}))
  })

  it('token bucket: a burst of burstLimit, then rateLimit per second', () => {
    let t = 0
    const bucket = new TokenBucket(10, 5, () => t)
    expect(Array.from({length: 6}, () => bucket.take())).to.deep.equal([true, true, true, true, true, false])
    t += 100
    expect([bucket.take(), bucket.take()]).to.deep.equal([true, false])
    t += 10_000
    expect(Array.from({length: 6}, () => bucket.take()).filter(Boolean)).to.have.length(5)
  })
})
