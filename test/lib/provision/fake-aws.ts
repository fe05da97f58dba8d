/**
 * A small stateful stand-in for IAM, API Gateway and WAFv2 built on aws-sdk-client-mock: what one
 * call creates, the next read returns, so that plans, second runs and convergence after a failure
 * can be tested exactly. Every call is logged in order as `Service:Command`. Faults are injected per
 * command. (Kinesis is not faked: tests use kinesis-local.)
 */
import * as api from '@aws-sdk/client-api-gateway'
import * as iam from '@aws-sdk/client-iam'
import * as waf from '@aws-sdk/client-wafv2'
import {mockClient} from 'aws-sdk-client-mock'

export const ACCOUNT = '000000000000'

type Input = Record<string, any>

interface FakeApi {
  api: api.RestApi
  body: any
  stages: Map<string, api.Stage>
  deployments: Map<string, api.Deployment>
}

export function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {$fault: 'client', $metadata: {httpStatusCode: status}, name})
}

export class FakeAws {
  readonly log: {service: string; command: string; input: Input}[] = []
  readonly roles = new Map<string, {role: iam.Role; trust: string; policies: Map<string, string>}>()
  readonly apis = new Map<string, FakeApi>()
  readonly keys = new Map<string, api.ApiKey>()
  readonly plans = new Map<string, api.UsagePlan & {keyIds: string[]}>()
  /** Errors to throw, in order, the next times a command is called. */
  readonly faults = new Map<string, Error[]>()
  private n = 0
  private mocks: {restore(): void}[] = []

  constructor() {
    this.install()
  }

  restore(): void {
    for (const m of this.mocks) m.restore()
  }

  /** Service:Command of every call, in order. */
  calls(filter?: (c: string) => boolean): string[] {
    const all = this.log.map((c) => `${c.service}:${c.command}`)
    return filter ? all.filter((c) => filter(c)) : all
  }

  input(command: string): Input {
    const found = this.log.find((c) => c.command === command)
    if (!found) throw new Error(`${command} was not called`)
    return found.input
  }

  fail(command: string, ...errors: Error[]): void {
    this.faults.set(command, [...(this.faults.get(command) ?? []), ...errors])
  }

  private id(prefix: string): string {
    this.n += 1
    return `${prefix}${String(this.n).padStart(6, '0')}`
  }

  private on<C extends new (...args: any[]) => any>(mock: any, service: string, Command: C, handler: (input: Input) => unknown): void {
    const command = Command.name.replace(/Command$/, '')
    mock.on(Command).callsFake(async (input: Input) => {
      this.log.push({command, input, service})
      const queued = this.faults.get(command)
      if (queued && queued.length > 0) throw queued.shift()
      return handler(input)
    })
  }

  private api(id: string): FakeApi {
    const a = this.apis.get(id)
    if (!a) throw awsError('NotFoundException', `Invalid API identifier specified ${ACCOUNT}:${id}`, 404)
    return a
  }

  private install(): void {
    const i = mockClient(iam.IAMClient)
    const g = mockClient(api.APIGatewayClient)
    const w = mockClient(waf.WAFV2Client)
    this.mocks.push(i, g, w)

    // IAM ------------------------------------------------------------------------------------------
    const role = (name: string) => {
      const r = this.roles.get(name)
      if (!r) throw awsError('NoSuchEntityException', `The role with name ${name} cannot be found.`, 404)
      return r
    }
    this.on(i, 'IAM', iam.GetRoleCommand, ({RoleName}) => ({Role: {...role(RoleName).role, AssumeRolePolicyDocument: encodeURIComponent(role(RoleName).trust)}}))
    this.on(i, 'IAM', iam.CreateRoleCommand, (input) => {
      if (this.roles.has(input.RoleName)) throw awsError('EntityAlreadyExistsException', 'exists', 409)
      const created: iam.Role = {
        Arn: `arn:aws:iam::${ACCOUNT}:role${input.Path}${input.RoleName}`,
        CreateDate: new Date(0),
        Path: input.Path,
        PermissionsBoundary: input.PermissionsBoundary ? {PermissionsBoundaryArn: input.PermissionsBoundary, PermissionsBoundaryType: 'PermissionsBoundaryPolicy'} : undefined,
        RoleId: this.id('AROA'),
        RoleName: input.RoleName,
        Tags: input.Tags,
      }
      this.roles.set(input.RoleName, {policies: new Map(), role: created, trust: input.AssumeRolePolicyDocument})
      return {Role: created}
    })
    this.on(i, 'IAM', iam.TagRoleCommand, ({RoleName, Tags}) => {
      const r = role(RoleName).role
      r.Tags = [...(r.Tags ?? []).filter((t) => !Tags.some((n: iam.Tag) => n.Key === t.Key)), ...Tags]
      return {}
    })
    this.on(i, 'IAM', iam.PutRolePermissionsBoundaryCommand, ({PermissionsBoundary, RoleName}) => {
      role(RoleName).role.PermissionsBoundary = {PermissionsBoundaryArn: PermissionsBoundary, PermissionsBoundaryType: 'PermissionsBoundaryPolicy'}
      return {}
    })
    this.on(i, 'IAM', iam.UpdateAssumeRolePolicyCommand, ({PolicyDocument, RoleName}) => {
      role(RoleName).trust = PolicyDocument
      return {}
    })
    this.on(i, 'IAM', iam.GetRolePolicyCommand, ({PolicyName, RoleName}) => {
      const doc = role(RoleName).policies.get(PolicyName)
      if (doc === undefined) throw awsError('NoSuchEntityException', `The role policy with name ${PolicyName} cannot be found.`, 404)
      return {PolicyDocument: encodeURIComponent(doc), PolicyName, RoleName}
    })
    this.on(i, 'IAM', iam.PutRolePolicyCommand, ({PolicyDocument, PolicyName, RoleName}) => {
      role(RoleName).policies.set(PolicyName, PolicyDocument)
      return {}
    })
    this.on(i, 'IAM', iam.DeleteRolePolicyCommand, ({PolicyName, RoleName}) => {
      if (!role(RoleName).policies.delete(PolicyName)) throw awsError('NoSuchEntityException', 'no policy', 404)
      return {}
    })
    this.on(i, 'IAM', iam.DeleteRoleCommand, ({RoleName}) => {
      if (role(RoleName).policies.size > 0) throw awsError('DeleteConflictException', 'Cannot delete entity, must delete policies first.', 409)
      this.roles.delete(RoleName)
      return {}
    })

    // API Gateway ----------------------------------------------------------------------------------
    this.on(g, 'APIGateway', api.GetRestApisCommand, () => ({items: [...this.apis.values()].map((a) => structuredClone(a.api))}))
    this.on(g, 'APIGateway', api.ImportRestApiCommand, ({body, failOnWarnings, parameters}) => {
      const doc = JSON.parse(Buffer.from(body).toString('utf8'))
      const id = this.id('api').slice(0, 10)
      const created: api.RestApi = {
        description: doc.info.description,
        endpointConfiguration: {types: [parameters.endpointConfigurationTypes]},
        id,
        name: doc.info.title,
        tags: {},
        version: doc.info.version,
        warnings: failOnWarnings ? undefined : [],
      }
      this.apis.set(id, {api: created, body: doc, deployments: new Map(), stages: new Map()})
      return structuredClone(created)
    })
    this.on(g, 'APIGateway', api.PutRestApiCommand, ({body, mode, restApiId}) => {
      if (mode !== 'overwrite') throw new Error('expected mode overwrite')
      const a = this.api(restApiId)
      const doc = JSON.parse(Buffer.from(body).toString('utf8'))
      a.body = doc
      Object.assign(a.api, {description: doc.info.description, name: doc.info.title, version: doc.info.version})
      return structuredClone(a.api)
    })
    this.on(g, 'APIGateway', api.TagResourceCommand, ({resourceArn, tags}) => {
      const id = /\/restapis\/([^/]+)$/.exec(resourceArn)?.[1]
      const a = this.api(id!)
      a.api.tags = {...a.api.tags, ...tags}
      return {}
    })
    this.on(g, 'APIGateway', api.GetStageCommand, ({restApiId, stageName}) => {
      const stage = this.api(restApiId).stages.get(stageName)
      if (!stage) throw awsError('NotFoundException', `Invalid stage identifier specified`, 404)
      return structuredClone(stage)
    })
    this.on(g, 'APIGateway', api.GetStagesCommand, ({restApiId}) => ({item: [...this.api(restApiId).stages.values()].map((s) => structuredClone(s))}))
    this.on(g, 'APIGateway', api.GetDeploymentCommand, ({deploymentId, restApiId}) => {
      const d = this.api(restApiId).deployments.get(deploymentId)
      if (!d) throw awsError('NotFoundException', 'Invalid Deployment identifier specified', 404)
      return structuredClone(d)
    })
    this.on(g, 'APIGateway', api.CreateDeploymentCommand, ({description, restApiId, stageName}) => {
      const a = this.api(restApiId)
      const id = this.id('dep')
      a.deployments.set(id, {createdDate: new Date(0), description, id})
      const stage = a.stages.get(stageName) ?? {methodSettings: {}, stageName}
      a.stages.set(stageName, {...stage, deploymentId: id})
      return {description, id}
    })
    this.on(g, 'APIGateway', api.UpdateStageCommand, ({patchOperations, restApiId, stageName}) => {
      const stage = this.api(restApiId).stages.get(stageName)
      if (!stage) throw awsError('NotFoundException', 'Invalid stage identifier specified', 404)
      for (const op of patchOperations as api.PatchOperation[]) {
        const m = /^\/([^/]+\/[^/]+)\/throttling\/(rateLimit|burstLimit)$/.exec(op.path!.replace(/^\/\*\/\*/, '/*/*'))
        if (!m) throw awsError('BadRequestException', `Invalid patch path ${op.path}`)
        const key = m[1]
        const setting = (stage.methodSettings![key] ??= {})
        if (m[2] === 'rateLimit') setting.throttlingRateLimit = Number(op.value)
        else setting.throttlingBurstLimit = Number(op.value)
      }
      return structuredClone(stage)
    })
    this.on(g, 'APIGateway', api.GetResourcesCommand, ({restApiId}) => {
      const a = this.api(restApiId)
      return {
        items: Object.entries(a.body.paths).map(([path, methods]: [string, any]) => ({
          id: path,
          path,
          resourceMethods: Object.fromEntries(Object.entries(methods).map(([m, op]: [string, any]) => [m.toUpperCase(), {apiKeyRequired: Boolean(op.security?.length), httpMethod: m.toUpperCase()}])),
        })),
      }
    })
    this.on(g, 'APIGateway', api.GetApiKeysCommand, ({includeValues, nameQuery}) => ({
      items: [...this.keys.values()].filter((k) => !nameQuery || k.name!.startsWith(nameQuery)).map((k) => ({...structuredClone(k), value: includeValues ? k.value : undefined})),
    }))
    this.on(g, 'APIGateway', api.CreateApiKeyCommand, ({description, enabled, name, tags}) => {
      const key: api.ApiKey = {description, enabled, id: this.id('key'), name, tags, value: `v${this.id('secret')}`.padEnd(40, 'x')}
      this.keys.set(key.id!, key)
      return structuredClone(key)
    })
    this.on(g, 'APIGateway', api.UpdateApiKeyCommand, ({apiKey, patchOperations}) => {
      const key = this.keys.get(apiKey)!
      for (const op of patchOperations) if (op.path === '/enabled') key.enabled = op.value === 'true'
      return structuredClone(key)
    })
    this.on(g, 'APIGateway', api.DeleteApiKeyCommand, ({apiKey}) => {
      if (!this.keys.delete(apiKey)) throw awsError('NotFoundException', 'Invalid API Key identifier specified', 404)
      for (const p of this.plans.values()) p.keyIds = p.keyIds.filter((k) => k !== apiKey)
      return {}
    })
    this.on(g, 'APIGateway', api.GetUsagePlansCommand, () => ({items: [...this.plans.values()].map(({keyIds: _k, ...p}) => structuredClone(p))}))
    this.on(g, 'APIGateway', api.CreateUsagePlanCommand, ({apiStages, description, name, tags, throttle}) => {
      for (const s of apiStages ?? []) if (!this.api(s.apiId).stages.has(s.stage)) throw awsError('BadRequestException', `Invalid stage identifier specified`)
      const plan = {apiStages, description, id: this.id('plan'), keyIds: [] as string[], name, tags, throttle}
      this.plans.set(plan.id, plan)
      const {keyIds: _k, ...out} = plan
      return structuredClone(out)
    })
    this.on(g, 'APIGateway', api.UpdateUsagePlanCommand, ({patchOperations, usagePlanId}) => {
      const plan = this.plans.get(usagePlanId)!
      for (const op of patchOperations as api.PatchOperation[]) {
        if (op.path === '/apiStages') {
          const [apiId, stage] = op.value!.split(':')
          if (op.op === 'add') plan.apiStages = [...(plan.apiStages ?? []), {apiId, stage}]
          else plan.apiStages = (plan.apiStages ?? []).filter((s) => !(s.apiId === apiId && s.stage === stage))
        } else if (op.path === '/throttle/rateLimit') plan.throttle = {...plan.throttle, rateLimit: Number(op.value)}
        else if (op.path === '/throttle/burstLimit') plan.throttle = {...plan.throttle, burstLimit: Number(op.value)}
        else throw awsError('BadRequestException', `Invalid patch path ${op.path}`)
      }
      return {}
    })
    this.on(g, 'APIGateway', api.GetUsagePlanKeysCommand, ({usagePlanId}) => ({items: this.plans.get(usagePlanId)!.keyIds.map((id) => ({id, type: 'API_KEY'}))}))
    this.on(g, 'APIGateway', api.CreateUsagePlanKeyCommand, ({keyId, usagePlanId}) => {
      if (!this.keys.has(keyId)) throw awsError('NotFoundException', 'Invalid API Key identifier specified', 404)
      this.plans.get(usagePlanId)!.keyIds.push(keyId)
      return {id: keyId, type: 'API_KEY'}
    })
    this.on(g, 'APIGateway', api.DeleteUsagePlanCommand, ({usagePlanId}) => {
      // As on AWS: a plan still attached to API stages cannot be deleted.
      if ((this.plans.get(usagePlanId)?.apiStages ?? []).length > 0) throw awsError('BadRequestException', 'Cannot delete Usage Plan with associated API Stages')
      this.plans.delete(usagePlanId)
      return {}
    })
    this.on(g, 'APIGateway', api.DeleteRestApiCommand, ({restApiId}) => {
      this.api(restApiId)
      this.apis.delete(restApiId)
      return {}
    })

    // WAFv2 ----------------------------------------------------------------------------------------
    const stageOf = (arn: string) => {
      const m = /\/restapis\/([^/]+)\/stages\/([^/]+)$/.exec(arn)
      const stage = m ? this.apis.get(m[1])?.stages.get(m[2]) : undefined
      if (!stage) throw awsError('WAFNonexistentItemException', 'AWS WAF couldn’t perform the operation because your resource doesn’t exist.')
      return stage
    }
    this.on(w, 'WAFV2', waf.AssociateWebACLCommand, ({ResourceArn, WebACLArn}) => {
      stageOf(ResourceArn).webAclArn = WebACLArn
      return {}
    })
    this.on(w, 'WAFV2', waf.DisassociateWebACLCommand, ({ResourceArn}) => {
      delete stageOf(ResourceArn).webAclArn
      return {}
    })
  }
}

export const isMutating = (call: string) => !/:(Get|List|Describe)/.test(call)
