import {APIGatewayClient} from '@aws-sdk/client-api-gateway'
import {IAMClient} from '@aws-sdk/client-iam'
import type {KinesisClient} from '@aws-sdk/client-kinesis'
import {WAFV2Client} from '@aws-sdk/client-wafv2'
import {expect} from 'chai'

import type {Clients} from '../../../src/lib/aws/clients.js'
import {ClickopsError, ExitCode} from '../../../src/lib/errors.js'
import {describeIngestionApi, resolveIngestionApi} from '../../../src/lib/ingestion/endpoint.js'
import {buildApiDocument} from '../../../src/lib/gateway/openapi.js'
import {getStreamStatus} from '../../../src/lib/kinesis/status.js'
import {rolePolicy, trustPolicy} from '../../../src/lib/provision/aws.js'
import {desiredState, type ProvisionFlags} from '../../../src/lib/provision/desired.js'
import {destroy, provision, type ProvisionDeps} from '../../../src/lib/provision/provision.js'
import {resolveTarget} from '../../../src/lib/target.js'
import {deleteStreams} from '../../helpers/gateway.js'
import {sharedKinesisLocal, uniqueStreamName} from '../../helpers/kinesis-local.js'
import {ACCOUNT, awsError, FakeAws, isMutating} from './fake-aws.js'

const REGION = 'us-east-1'
const WEB_ACL = 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/edge/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'
const KINESIS_MUTATING = /^(Create|Delete|Update|Increase|Decrease|Start|Stop|Enable|Disable|Add|Remove|Put|Merge|Split)/

/**
 * Target aws: API Gateway, IAM and WAF are the stateful fake (aws-sdk-client-mock); Kinesis is the
 * real kinesis-local, with every call it receives recorded.
 */
describe('provision on target aws (IAM, API Gateway, WAF mocked; Kinesis real)', () => {
  let fake: FakeAws
  let kinesis: KinesisClient
  let kinesisCalls: string[]
  let deps: ProvisionDeps
  let progress: string[]
  const target = resolveTarget({region: REGION, target: 'aws'}, {})

  before(async () => {
    const local = await sharedKinesisLocal()
    kinesis = local.client()
    kinesisCalls = []
    kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        kinesisCalls.push(String(context.commandName).replace(/Command$/, ''))
        return next(args)
      },
      {name: 'recordCalls', step: 'initialize'},
    )
  })

  beforeEach(() => {
    fake = new FakeAws()
    kinesisCalls.length = 0
    progress = []
    const credentials = {accessKeyId: 'AKIDTEST', secretAccessKey: 'test'}
    const clients = {
      apiGateway: async () => new APIGatewayClient({credentials, region: REGION}),
      destroy() {},
      iam: async () => new IAMClient({credentials, region: REGION}),
      kinesis: async () => kinesis,
      region: async () => REGION,
      target,
      wafv2: async () => new WAFV2Client({credentials, region: REGION}),
    } as unknown as Clients
    deps = {
      clients,
      gatewayEndpoint: 'unused',
      localDir: 'unused',
      onProgress: (m) => progress.push(m),
      region: REGION,
      // Recorded, and shortened so that waiting for ACTIVE on kinesis-local polls gently.
      sleep: async (ms) => {
        await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100)))
      },
      target,
    }
  })

  const created: string[] = []
  const track = (prefix: string) => {
    const name = uniqueStreamName(prefix)
    created.push(name)
    return name
  }

  afterEach(async () => {
    fake.restore()
    await deleteStreams(kinesis, created.splice(0))
  })

  // One shard: the count does not matter here, and kinesis-local allows 50 in all.
  const want = (flags: Partial<ProvisionFlags> & {stream: string}) => desiredState({shards: 1, ...flags}, target)
  const mutating = () => [...fake.calls(isMutating), ...kinesisCalls.filter((c) => KINESIS_MUTATING.test(c)).map((c) => `Kinesis:${c}`)]
  const reset = () => {
    fake.log.length = 0
    kinesisCalls.length = 0
  }

  it('makes exactly these calls on a first run with an API key and a web ACL', async () => {
    const stream = track('aws')
    const result = await provision(want({apiKey: true, stream, throttleBurst: 200, throttleRate: 100, webAclArn: WEB_ACL}), deps)

    expect(fake.calls()).to.deep.equal([
      // observe (the role, and one of the name used before the region was part of it)
      'IAM:GetRole',
      'IAM:GetRole',
      'APIGateway:GetRestApis',
      'APIGateway:GetApiKeys',
      'APIGateway:GetUsagePlans',
      // apply
      'IAM:CreateRole',
      'IAM:PutRolePolicy',
      'APIGateway:ImportRestApi',
      'APIGateway:TagResource',
      'IAM:UpdateAssumeRolePolicy',
      'APIGateway:CreateDeployment',
      'APIGateway:UpdateStage',
      'APIGateway:CreateApiKey',
      'APIGateway:CreateUsagePlan',
      'APIGateway:CreateUsagePlanKey',
      'WAFV2:AssociateWebACL',
    ])
    expect(kinesisCalls.filter((c) => KINESIS_MUTATING.test(c))).to.deep.equal(['CreateStream', 'StartStreamEncryption', 'EnableEnhancedMonitoring'])
    expect(result.plan.map((i) => `${i.resource}:${i.action}`)).to.deep.equal([
      'stream:create',
      'retention:unchanged',
      'encryption:update',
      'enhanced monitoring:update',
      'stream tags:unchanged',
      'iam role:create',
      'iam role policy:create',
      'rest api:create',
      'iam role trust:update',
      'stage:create',
      'stage throttling:create',
      'api key:create',
      'usage plan:create',
      'usage plan key:create',
      'web acl:create',
    ])

    const streamArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`
    const roleName = `clickops-us-east-1-${stream}-apigw`
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/clickops/${roleName}`
    const tags = {'clickops:stream': stream, 'managed-by': 'clickops'}
    const createRole = fake.input('CreateRole')
    expect(createRole).to.deep.include({Path: '/clickops/', RoleName: roleName})
    expect(createRole.PermissionsBoundary).to.equal(undefined) // no --permissions-boundary
    const trust = (apiId: string) => ({
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Condition: {ArnLike: {'aws:SourceArn': `arn:aws:execute-api:us-east-1:${ACCOUNT}:${apiId}/*`}, StringEquals: {'aws:SourceAccount': ACCOUNT}},
          Effect: 'Allow',
          Principal: {Service: 'apigateway.amazonaws.com'},
        },
      ],
      Version: '2012-10-17',
    })
    // Created for this account's APIs in the region, narrowed to the one API once it exists.
    expect(JSON.parse(createRole.AssumeRolePolicyDocument)).to.deep.equal(trust('*'))
    expect(createRole.Tags).to.deep.equal([{Key: 'managed-by', Value: 'clickops'}, {Key: 'clickops:stream', Value: stream}, {Key: 'clickops:region', Value: 'us-east-1'}])
    const policy = JSON.parse(fake.input('PutRolePolicy').PolicyDocument)
    expect(policy).to.deep.equal({
      Statement: [
        {Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Effect: 'Allow', Resource: streamArn, Sid: 'PutRecordsOnThisStream'},
        {
          Action: 'kms:GenerateDataKey',
          Condition: {StringEquals: {'kms:ViaService': 'kinesis.us-east-1.amazonaws.com'}},
          Effect: 'Allow',
          Resource: 'arn:aws:kms:us-east-1:000000000000:key/*',
          Sid: 'EncryptRecordsThroughKinesis',
        },
      ],
      Version: '2012-10-17',
    })
    const imported = fake.input('ImportRestApi')
    const doc = buildApiDocument({apiKeyRequired: true, region: REGION, roleArn, stream})
    expect(JSON.parse(Buffer.from(imported.body).toString('utf8'))).to.deep.equal(doc)
    expect(imported.failOnWarnings).to.equal(true)
    expect(imported.parameters).to.deep.equal({endpointConfigurationTypes: 'REGIONAL'})
    const apiId = [...fake.apis.keys()][0]
    expect(JSON.parse(fake.input('UpdateAssumeRolePolicy').PolicyDocument)).to.deep.equal(trust(apiId))
    expect(JSON.parse(fake.roles.get(roleName)!.trust)).to.deep.equal(trust(apiId))
    expect(fake.input('TagResource')).to.deep.equal({resourceArn: `arn:aws:apigateway:us-east-1::/restapis/${apiId}`, tags})
    expect(fake.input('CreateDeployment')).to.deep.equal({description: `clickops document ${doc.info.version}`, restApiId: apiId, stageName: 'v1'})
    expect(fake.input('UpdateStage').patchOperations).to.deep.equal([
      {op: 'replace', path: '/*/*/throttling/rateLimit', value: '100'},
      {op: 'replace', path: '/*/*/throttling/burstLimit', value: '200'},
    ])
    expect(fake.input('CreateApiKey')).to.deep.include({enabled: true, name: `clickops-${stream}`, tags})
    expect(fake.input('CreateUsagePlan')).to.deep.include({apiStages: [{apiId, stage: 'v1'}], name: `clickops-${stream}`, tags, throttle: {burstLimit: 200, rateLimit: 100}})
    const keyId = [...fake.keys.keys()][0]
    expect(fake.input('CreateUsagePlanKey')).to.deep.include({keyId, keyType: 'API_KEY'})
    expect(fake.input('AssociateWebACL')).to.deep.equal({ResourceArn: `arn:aws:apigateway:us-east-1::/restapis/${apiId}/stages/v1`, WebACLArn: WEB_ACL})

    expect(result.api).to.deep.include({
      apiId,
      apiKeyRequired: true,
      invokeUrl: `https://${apiId}.execute-api.us-east-1.amazonaws.com/v1`,
      url: `https://${apiId}.execute-api.us-east-1.amazonaws.com/v1/events`,
    })
    expect(result.api!.apiKeyHint).to.include(`aws apigateway get-api-key --api-key ${keyId} --include-value`)
    expect(JSON.stringify(result)).to.not.include(fake.keys.get(keyId)!.value!)
    const status = await getStreamStatus(kinesis, stream)
    expect(status.tags).to.deep.equal(tags)
  })

  it('makes no mutating call on a second identical run', async () => {
    const stream = track('aws2')
    const flags = {apiKey: true, stream, webAclArn: WEB_ACL}
    await provision(want(flags), deps)
    reset()
    const second = await provision(want(flags), deps)
    expect(mutating()).to.deep.equal([])
    expect(second.changes).to.equal(0)
    expect(second.plan.every((i) => i.action === 'unchanged')).to.equal(true)
    expect(fake.calls()).to.deep.equal([
      'IAM:GetRole',
      'IAM:GetRolePolicy',
      'APIGateway:GetRestApis',
      'APIGateway:GetStage',
      'APIGateway:GetDeployment',
      'APIGateway:GetApiKeys',
      'APIGateway:GetUsagePlans',
      'APIGateway:GetUsagePlanKeys',
    ])
  })

  it('converges after a failure midway: the next run does only what is left, the one after nothing', async () => {
    const stream = track('conv')
    fake.fail('CreateDeployment', awsError('ServiceUnavailableException', 'Service Unavailable', 503))
    let error: unknown
    try {
      await provision(want({apiKey: true, stream}), deps)
    } catch (e) {
      error = e
    }
    expect((error as Error).name).to.equal('ServiceUnavailableException')
    expect(fake.calls(isMutating)).to.deep.equal(['IAM:CreateRole', 'IAM:PutRolePolicy', 'APIGateway:ImportRestApi', 'APIGateway:TagResource', 'IAM:UpdateAssumeRolePolicy', 'APIGateway:CreateDeployment'])

    reset()
    const resumed = await provision(want({apiKey: true, stream}), deps)
    expect(resumed.plan.filter((i) => i.action !== 'unchanged').map((i) => `${i.resource}:${i.action}`)).to.deep.equal([
      'stage:create',
      'stage throttling:create',
      'api key:create',
      'usage plan:create',
      'usage plan key:create',
    ])
    expect(mutating()).to.deep.equal(['APIGateway:CreateDeployment', 'APIGateway:UpdateStage', 'APIGateway:CreateApiKey', 'APIGateway:CreateUsagePlan', 'APIGateway:CreateUsagePlanKey'])

    reset()
    expect((await provision(want({apiKey: true, stream}), deps)).changes).to.equal(0)
    expect(mutating()).to.deep.equal([])
  })

  it('retries the import with backoff while IAM propagates the new role', async () => {
    const stream = track('prop')
    const notYet = () => awsError('BadRequestException', `The role arn:aws:iam::${ACCOUNT}:role/clickops/x cannot be assumed by API Gateway.`)
    fake.fail('ImportRestApi', notYet(), notYet())
    await provision(want({stream}), deps)
    expect(fake.calls((c) => c.endsWith('ImportRestApi'))).to.have.length(3)
    expect(progress.filter((m) => m === 'waiting for IAM to propagate the new role...')).to.have.length(2)
    expect(fake.apis.size).to.equal(1)
  })

  it('does not retry other import errors', async () => {
    const stream = track('bad')
    fake.fail('ImportRestApi', awsError('BadRequestException', 'Errors found during import: Unable to create model for ClickEvent'))
    let error: unknown
    await provision(want({stream}), deps).catch((e) => (error = e))
    expect((error as Error).message).to.include('Unable to create model')
    expect(fake.calls((c) => c.endsWith('ImportRestApi'))).to.have.length(1)
  })

  it('--dry-run makes read calls only', async () => {
    const stream = track('awsdry')
    const result = await provision(want({apiKey: true, stream, webAclArn: WEB_ACL}), deps, {dryRun: true})
    expect(mutating()).to.deep.equal([])
    expect(result.changes).to.equal(13)
    expect(result.api!.url).to.equal(undefined)
  })

  it('updates in place when the flags change: new document, redeploy, throttling; drops the key and plan', async () => {
    const stream = track('awsupd')
    await provision(want({apiKey: true, stream}), deps)
    reset()
    const changed = await provision(want({stream, throttleBurst: 50, throttleRate: 25}), deps)
    expect(changed.plan.filter((i) => i.action !== 'unchanged').map((i) => `${i.resource}:${i.action}`)).to.deep.equal([
      'rest api:update',
      'stage:update',
      'stage throttling:update',
      'usage plan:delete',
      'api key:delete',
    ])
    expect(mutating()).to.deep.equal([
      'APIGateway:PutRestApi',
      'APIGateway:CreateDeployment',
      'APIGateway:UpdateStage',
      'APIGateway:UpdateUsagePlan',
      'APIGateway:DeleteUsagePlan',
      'APIGateway:DeleteApiKey',
    ])
    const put = fake.input('PutRestApi')
    expect(put).to.deep.include({failOnWarnings: true, mode: 'overwrite'})
    expect(JSON.parse(Buffer.from(put.body).toString('utf8')).paths['/events'].post.security).to.equal(undefined)
    reset()
    expect((await provision(want({stream, throttleBurst: 50, throttleRate: 25}), deps)).changes).to.equal(0)
  })

  it('refuses to adopt an IAM role of the same name that clickops did not create', async () => {
    const stream = track('foreign')
    const name = `clickops-us-east-1-${stream}-apigw`
    fake.roles.set(name, {policies: new Map(), role: {Arn: `arn:aws:iam::${ACCOUNT}:role/x`, CreateDate: new Date(0), Path: '/', RoleId: 'x', RoleName: name}, trust: JSON.stringify(trustPolicy(ACCOUNT, REGION))})
    let error: unknown
    await provision(want({stream}), deps).catch((e) => (error = e))
    expect(error).to.be.instanceOf(ClickopsError)
    expect((error as Error).message).to.equal(`IAM role "${name}" exists but was not created by clickops (no managed-by=clickops tag).`)
    expect(mutating()).to.deep.equal([])
  })

  it('resolves the invoke URL and key for send --via api, and describes the API for status', async () => {
    const stream = track('endpoint')
    const args = {clients: deps.clients, localEndpoints: {}, stream, target}
    let missing: unknown
    await resolveIngestionApi(args).catch((e) => (missing = e))
    expect((missing as ClickopsError).exitCode).to.equal(ExitCode.NOT_FOUND)
    expect((missing as ClickopsError).hint).to.equal(`Create it with \`clickops provision --stream ${stream}\`.`)
    expect(await describeIngestionApi(args)).to.equal(undefined)

    await provision(want({apiKey: true, stream}), deps)
    const apiId = [...fake.apis.keys()][0]
    const key = [...fake.keys.values()][0]
    const api = await resolveIngestionApi(args)
    expect(api).to.deep.equal({
      apiId,
      apiKey: key.value,
      apiKeyRequired: true,
      batchUrl: `https://${apiId}.execute-api.us-east-1.amazonaws.com/v1/events/batch`,
      invokeUrl: `https://${apiId}.execute-api.us-east-1.amazonaws.com/v1`,
      stage: 'v1',
      url: `https://${apiId}.execute-api.us-east-1.amazonaws.com/v1/events`,
    })
    const info = await describeIngestionApi(args)
    expect(info).to.not.have.property('apiKey')
    expect(info!.apiKeyRequired).to.equal(true)
    let noStage: unknown
    await resolveIngestionApi({...args, stage: 'prod'}).catch((e) => (noStage = e))
    expect((noStage as Error).message).to.include('has no stage "prod"')
  })

  it('destroy deletes what provision created, in order, and nothing on a second run', async () => {
    const stream = track('awsdel')
    await provision(want({apiKey: true, stream, webAclArn: WEB_ACL}), deps)
    reset()
    const dry = await destroy(stream, deps, {dryRun: true})
    expect(mutating()).to.deep.equal([])
    expect(dry.plan.map((i) => `${i.resource}:${i.action}`)).to.deep.equal(['web acl:delete', 'usage plan:delete', 'api key:delete', 'rest api:delete', 'iam role:delete', 'stream:delete'])
    reset()
    const result = await destroy(stream, deps)
    expect(result.applied).to.equal(6)
    expect(mutating()).to.deep.equal([
      'WAFV2:DisassociateWebACL',
      'APIGateway:UpdateUsagePlan',
      'APIGateway:DeleteUsagePlan',
      'APIGateway:DeleteApiKey',
      'APIGateway:DeleteRestApi',
      'IAM:DeleteRolePolicy',
      'IAM:DeleteRole',
      'Kinesis:DeleteStream',
    ])
    expect([fake.apis.size, fake.keys.size, fake.plans.size, fake.roles.size]).to.deep.equal([0, 0, 0, 0])
    reset()
    const again = await destroy(stream, deps)
    expect(again.changes).to.equal(0)
    expect(mutating()).to.deep.equal([])
  })

  it('gives the same stream name in two regions a role each (IAM is global), trusted for its own region only', async () => {
    const stream = track('tworeg')
    await provision(want({stream}), deps)
    const west = {...deps, region: 'eu-west-1'}
    await provision(want({stream}), west)
    const names = [...fake.roles.keys()].sort()
    expect(names).to.deep.equal([`clickops-eu-west-1-${stream}-apigw`, `clickops-us-east-1-${stream}-apigw`])
    for (const region of ['eu-west-1', 'us-east-1']) {
      const role = fake.roles.get(`clickops-${region}-${stream}-apigw`)!
      const arn = JSON.parse(role.trust).Statement[0].Condition.ArnLike['aws:SourceArn'] as string
      expect(arn).to.match(new RegExp(`^arn:aws:execute-api:${region}:${ACCOUNT}:[a-z0-9]+/\\*$`))
      expect(role.role.Tags).to.deep.include({Key: 'clickops:region', Value: region})
    }
  })

  it('--permissions-boundary: the role is created with it; an existing role gets it first, then the rest; refusals say what to do', async () => {
    const stream = track('bound')
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/clickops/clickops-permissions-boundary`
    // Without a boundary the operator policy refuses CreateRole: the error names the flag.
    fake.fail('CreateRole', Object.assign(new Error('User is not authorized to perform: iam:CreateRole'), {name: 'AccessDenied'}))
    let refused: unknown
    await provision(want({stream}), deps).catch((e) => (refused = e))
    expect(refused).to.be.instanceOf(ClickopsError)
    expect((refused as ClickopsError).exitCode).to.equal(ExitCode.AWS)
    expect((refused as ClickopsError).hint).to.include('--permissions-boundary')

    reset()
    const first = await provision(want({permissionsBoundary: boundary, stream}), deps)
    expect(fake.input('CreateRole').PermissionsBoundary).to.equal(boundary)
    expect(first.notes.join('\n')).to.not.include('no permissions boundary')

    // A role made before (no boundary): the boundary is put before the trust is rewritten.
    const other = track('bound2')
    await provision(want({stream: other}), deps)
    const name = `clickops-us-east-1-${other}-apigw`
    fake.roles.get(name)!.trust = JSON.stringify({Statement: [{Action: 'sts:AssumeRole', Effect: 'Allow', Principal: {Service: 'apigateway.amazonaws.com'}}], Version: '2012-10-17'})
    reset()
    const upgraded = await provision(want({permissionsBoundary: boundary, stream: other}), deps)
    expect(upgraded.plan.find((i) => i.resource === 'iam role')).to.deep.include({action: 'update'})
    expect(fake.calls(isMutating)).to.deep.equal(['IAM:PutRolePermissionsBoundary', 'IAM:UpdateAssumeRolePolicy'])
    expect(fake.roles.get(name)!.role.PermissionsBoundary?.PermissionsBoundaryArn).to.equal(boundary)
    reset()
    expect((await provision(want({permissionsBoundary: boundary, stream: other}), deps)).changes).to.equal(0)
    // Without the flag an existing boundary is kept, and said so.
    const kept = await provision(want({stream: other}), deps)
    expect(kept.changes).to.equal(0)
    expect(kept.notes.join('\n')).to.include(`keeps its permissions boundary ${boundary}`)

    expect(() => desiredState({permissionsBoundary: 'clickops-permissions-boundary', stream}, target)).to.throw(/is not the ARN of an IAM policy/)
    expect(() => desiredState({permissionsBoundary: boundary, stream}, resolveTarget({target: 'local'}, {}))).to.throw(/applies to AWS only/)
  })

  it('a role of the old name (before the region was in it): provision leaves it, destroy removes it when it serves this region, keeps it otherwise', async () => {
    const stream = track('legacy')
    const legacy = `clickops-${stream}-apigw`
    const seed = (policyRegion: string) =>
      fake.roles.set(legacy, {
        policies: new Map([['kinesis-put-records', JSON.stringify(rolePolicy(`arn:aws:kinesis:${policyRegion}:${ACCOUNT}:stream/${stream}`, false))]]),
        role: {Arn: `arn:aws:iam::${ACCOUNT}:role/clickops/${legacy}`, CreateDate: new Date(0), Path: '/clickops/', RoleId: 'old', RoleName: legacy, Tags: [{Key: 'managed-by', Value: 'clickops'}, {Key: 'clickops:stream', Value: stream}]},
        trust: '{}',
      })
    seed('us-east-1')
    const result = await provision(want({stream}), deps)
    expect(fake.roles.has(legacy)).to.equal(true)
    expect(fake.roles.has(`clickops-us-east-1-${stream}-apigw`)).to.equal(true)
    expect(result.notes.join('\n')).to.include(`IAM role ${legacy} (the name before the region was part of it) is replaced`)

    // It served this region: destroy deletes both roles.
    const plan = await destroy(stream, deps, {dryRun: true})
    expect(plan.plan.filter((i) => i.resource === 'iam role').map((i) => `${i.name}:${i.action}`)).to.deep.equal([
      `clickops-us-east-1-${stream}-apigw:delete`,
      `${legacy}:delete`,
    ])
    await destroy(stream, deps)
    expect(fake.roles.size).to.equal(0)

    // One that serves another region's stream is kept.
    seed('eu-west-1')
    const other = await destroy(stream, deps, {dryRun: true})
    expect(other.plan.find((i) => i.name === legacy)).to.deep.include({action: 'skip', reason: 'serves the stream in eu-west-1: kept (destroy there removes it)'})
    expect((await destroy(stream, {...deps, region: 'eu-west-1'}, {dryRun: true})).plan.find((i) => i.name === legacy)?.action).to.equal('delete')
  })
})
