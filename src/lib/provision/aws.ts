/**
 * The AWS side of the ingestion API: the IAM role API Gateway assumes, the REST API imported from
 * the one OpenAPI document, its deployment and stage (with throttling), the optional API key and
 * usage plan, and the optional WAF web ACL association. Observed first (read-only calls), then
 * planned as steps that make exactly the calls needed.
 */
import type {APIGatewayClient, ApiKey, RestApi, Stage, UsagePlan} from '@aws-sdk/client-api-gateway'
import type {IAMClient, Role} from '@aws-sdk/client-iam'
import type {WAFV2Client} from '@aws-sdk/client-wafv2'

import {ClickopsError, ExitCode} from '../errors.js'
import {buildApiDocument, serializeDocument} from '../gateway/openapi.js'
import {findApiKey, findRestApi, findStage, findUsagePlan} from '../gateway/lookup.js'
import {sleep as defaultSleep} from '../local/process.js'
import type {DesiredState} from './desired.js'
import {
  API_GATEWAY_PRINCIPAL,
  apiKeyName,
  legacyRoleName,
  MANAGED_TAG,
  partitionOf,
  ROLE_PATH,
  ROLE_POLICY_NAME,
  roleName,
  roleTagsFor,
  serviceHost,
  tagsFor,
  usagePlanName,
} from './naming.js'
import {canonical, withBackoff, type Step} from './plan.js'

export interface Arn {
  partition: string
  service: string
  region: string
  account: string
  resource: string
}

export function parseArn(arn: string): Arn {
  const [, partition = '', service = '', region = '', account = '', ...rest] = arn.split(':')
  return {account, partition, region, resource: rest.join(':'), service}
}

/**
 * Only apigateway.amazonaws.com may assume the role, and only on behalf of this account
 * (`aws:SourceAccount`) and of this one REST API (`aws:SourceArn`, any stage, method and path of it):
 * the confused-deputy conditions AWS recommends for service roles. Before the API exists (the role
 * is created first, the API document names it), any API of the account in the region; provision
 * narrows it to the API as soon as the API is imported.
 */
export function trustPolicy(account: string, region: string, apiId?: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: {Service: API_GATEWAY_PRINCIPAL},
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: {'aws:SourceAccount': account},
          ArnLike: {'aws:SourceArn': `arn:${partitionOf(region)}:execute-api:${region}:${account}:${apiId ?? '*'}/*`},
        },
      },
    ],
  }
}

/** PutRecord and PutRecords on this one stream, and (encrypted streams) data keys through Kinesis only. */
export function rolePolicy(streamArn: string, encrypted: boolean) {
  const {account, partition, region} = parseArn(streamArn)
  const statements: Record<string, unknown>[] = [
    {Sid: 'PutRecordsOnThisStream', Effect: 'Allow', Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Resource: streamArn},
  ]
  if (encrypted) {
    statements.push({
      Sid: 'EncryptRecordsThroughKinesis',
      Effect: 'Allow',
      Action: 'kms:GenerateDataKey',
      Resource: `arn:${partition}:kms:${region}:${account}:key/*`,
      Condition: {StringEquals: {'kms:ViaService': serviceHost('kinesis', region)}},
    })
  }
  return {Version: '2012-10-17', Statement: statements}
}

export const roleArnFor = (account: string, region: string, stream: string) => `arn:${partitionOf(region)}:iam::${account}:role${ROLE_PATH}${roleName(stream, region)}`
export const restApiArn = (region: string, apiId: string) => `arn:${partitionOf(region)}:apigateway:${region}::/restapis/${apiId}`
export const stageArn = (region: string, apiId: string, stage: string) => `${restApiArn(region, apiId)}/stages/${stage}`
export const deploymentDescription = (version: string) => `clickops document ${version}`

export interface AwsObservation {
  role?: Role
  /** A role of the name used before the region was part of it (looked up when `role` does not exist). */
  legacyRole?: Role
  policy?: unknown
  rest?: RestApi
  stage?: Stage
  deploymentDescription?: string
  key?: ApiKey
  usagePlan?: UsagePlan
  usagePlanKeyIds: string[]
}

export interface AwsContext {
  apigw: APIGatewayClient
  iam: IAMClient
  wafv2: () => Promise<WAFV2Client>
  region: string
  /** The stream's ARN, known once the stream exists (the stream steps set it). */
  streamArn: () => string | undefined
  sleep?: (ms: number) => Promise<void>
  onProgress?: (message: string) => void
  roleArn?: string
  apiId?: string
  keyId?: string
  usagePlanId?: string
}

const isNoSuchEntity = (error: unknown) => (error as {name?: string})?.name === 'NoSuchEntityException'
const hasTags = (tags: Record<string, string> | undefined, wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => tags?.[k] === v)
export const isOurs = (tags: Record<string, string> | undefined, stream: string) => hasTags(tags, tagsFor(stream))

/** API Gateway refuses a role IAM has not finished propagating with a BadRequestException about the role. */
export function isRolePropagationError(error: unknown): boolean {
  const e = error as {name?: string; message?: string}
  return e?.name === 'BadRequestException' && /role|assume|credential|permission|not authorized/i.test(e.message ?? '')
}

export async function observeAws(ctx: AwsContext, desired: DesiredState): Promise<AwsObservation> {
  const [iamSdk, apiSdk] = await Promise.all([import('@aws-sdk/client-iam'), import('@aws-sdk/client-api-gateway')])
  const name = roleName(desired.stream, ctx.region)
  const obs: AwsObservation = {usagePlanKeyIds: []}
  obs.role = await getRole(ctx.iam, name)
  if (!obs.role) obs.legacyRole = await getRole(ctx.iam, legacyRoleName(desired.stream))
  if (obs.role) {
    try {
      const doc = (await ctx.iam.send(new iamSdk.GetRolePolicyCommand({PolicyName: ROLE_POLICY_NAME, RoleName: name}))).PolicyDocument
      obs.policy = doc === undefined ? undefined : JSON.parse(decodeURIComponent(doc))
    } catch (error) {
      if (!isNoSuchEntity(error)) throw error
    }
  }
  obs.rest = await findRestApi(ctx.apigw, desired.stream)
  if (obs.rest?.id) {
    obs.stage = await findStage(ctx.apigw, obs.rest.id, desired.stage)
    if (obs.stage?.deploymentId) {
      const deployment = await ctx.apigw.send(new apiSdk.GetDeploymentCommand({deploymentId: obs.stage.deploymentId, restApiId: obs.rest.id}))
      obs.deploymentDescription = deployment.description
    }
  }
  obs.key = await findApiKey(ctx.apigw, desired.stream)
  obs.usagePlan = await findUsagePlan(ctx.apigw, desired.stream)
  if (obs.usagePlan?.id) {
    let position: string | undefined
    do {
      const page = await ctx.apigw.send(new apiSdk.GetUsagePlanKeysCommand({limit: 500, position, usagePlanId: obs.usagePlan.id}))
      obs.usagePlanKeyIds.push(...(page.items ?? []).map((k) => k.id!))
      position = page.position
    } while (position)
  }
  return obs
}

/** The role, or undefined when there is none of that name. */
export async function getRole(iam: IAMClient, name: string): Promise<Role | undefined> {
  const {GetRoleCommand} = await import('@aws-sdk/client-iam')
  try {
    return (await iam.send(new GetRoleCommand({RoleName: name}))).Role
  } catch (error) {
    if (!isNoSuchEntity(error)) throw error
    return undefined
  }
}

const tagsOf = (role: Role | undefined) => Object.fromEntries((role?.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']))

/** An AccessDenied on an IAM write of the ingestion role, with what to do about it. */
function asRoleAccessDenied(error: unknown, boundary: string | undefined): unknown {
  const name = (error as {name?: string})?.name
  if (name !== 'AccessDenied' && name !== 'AccessDeniedException') return error
  return new ClickopsError(`IAM refused to ${boundary ? 'write the ingestion role with the permissions boundary' : 'write the ingestion role'}: ${(error as Error).message}`, {
    cause: error,
    exitCode: ExitCode.AWS,
    hint: boundary
      ? 'Check that the boundary is the one the operator policy names (iam/clickops-operator-policy.json, iam:PermissionsBoundary).'
      : 'With iam/clickops-operator-policy.json, roles are created only with the clickops permissions boundary: pass --permissions-boundary arn:aws:iam::<account>:policy/clickops/clickops-permissions-boundary.',
  })
}

export function planAws(desired: DesiredState, obs: AwsObservation, ctx: AwsContext, notes: string[] = []): Step[] {
  const steps: Step[] = []
  const {stream, stage} = desired
  const region = ctx.region
  const name = roleName(stream, region)
  const tags = tagsFor(stream)
  const roleTags = roleTagsFor(stream, region)
  const boundary = desired.permissionsBoundary
  const sleep = ctx.sleep ?? defaultSleep
  const iamSdk = () => import('@aws-sdk/client-iam')
  const apiSdk = () => import('@aws-sdk/client-api-gateway')
  const retryRole = <T>(fn: () => Promise<T>) =>
    withBackoff(fn, isRolePropagationError, {onRetry: () => ctx.onProgress?.('waiting for IAM to propagate the new role...'), sleep})
  const account = () => {
    const arn = ctx.streamArn() ?? obs.role?.Arn
    return arn ? parseArn(arn).account : undefined
  }
  const needArn = (value: string | undefined, what: string) => {
    if (value === undefined) throw new ClickopsError(`Internal error: the ${what} is not known yet.`)
    return value
  }

  // 1. The integration role: trust (this account, this API), permissions boundary, tags.
  ctx.roleArn = obs.role?.Arn
  const trustFor = (apiId: string | undefined) => trustPolicy(needArn(account(), 'account'), region, apiId)
  const trustText = `only apigateway.amazonaws.com may assume it, for ${obs.rest?.id ? `API ${obs.rest.id}` : 'this account'}`
  const boundaryText = boundary ? `, permissions boundary ${boundary}` : ''
  if (!obs.role) {
    steps.push({
      action: 'create',
      name,
      reason: `does not exist; ${trustText}${boundaryText}`,
      resource: 'iam role',
      async run() {
        const {CreateRoleCommand} = await iamSdk()
        try {
          const created = await ctx.iam.send(
            new CreateRoleCommand({
              AssumeRolePolicyDocument: JSON.stringify(trustFor(obs.rest?.id)),
              Description: `API Gateway writes the clickstream of "${stream}" in ${region} to Kinesis with this role (managed by clickops).`,
              Path: ROLE_PATH,
              PermissionsBoundary: boundary,
              RoleName: name,
              Tags: Object.entries(roleTags).map(([Key, Value]) => ({Key, Value})),
            }),
          )
          ctx.roleArn = created.Role!.Arn
        } catch (error) {
          throw asRoleAccessDenied(error, boundary)
        }
      },
    })
    if (obs.legacyRole && isOurs(tagsOf(obs.legacyRole), stream)) {
      notes.push(
        `IAM role ${obs.legacyRole.RoleName} (the name before the region was part of it) is replaced by ${name}; it is kept for now, since another region's API of "${stream}" may still use it: \`clickops destroy\` removes it with the rest.`,
      )
    }
  } else {
    const current = tagsOf(obs.role)
    if (current[MANAGED_TAG.key] !== MANAGED_TAG.value) {
      throw new ClickopsError(`IAM role "${name}" exists but was not created by clickops (no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag).`, {
        hint: 'Delete or rename that role, or provision under another --stream name.',
      })
    }
    const currentTrust = obs.role.AssumeRolePolicyDocument ? JSON.parse(decodeURIComponent(obs.role.AssumeRolePolicyDocument)) : undefined
    const trustDiffers = canonical(currentTrust) !== canonical(trustFor(obs.rest?.id))
    const missingTags = Object.entries(roleTags).filter(([k, v]) => current[k] !== v)
    const currentBoundary = obs.role.PermissionsBoundary?.PermissionsBoundaryArn
    const boundaryDiffers = boundary !== undefined && currentBoundary !== boundary
    if (!trustDiffers && missingTags.length === 0 && !boundaryDiffers) {
      steps.push({action: 'unchanged', name, reason: `exists; ${trustText}${currentBoundary ? `, permissions boundary ${currentBoundary}` : ''}`, resource: 'iam role'})
    } else {
      steps.push({
        action: 'update',
        name,
        reason: [
          trustDiffers && `trust policy differs (${trustText})`,
          boundaryDiffers && `permissions boundary ${currentBoundary ?? 'none'} → ${boundary}`,
          missingTags.length > 0 && 'tags missing',
        ]
          .filter(Boolean)
          .join(', '),
        resource: 'iam role',
        async run() {
          const {PutRolePermissionsBoundaryCommand, TagRoleCommand, UpdateAssumeRolePolicyCommand} = await iamSdk()
          try {
            // The boundary first: the operator policy allows the other writes only on roles that have it.
            if (boundaryDiffers) await ctx.iam.send(new PutRolePermissionsBoundaryCommand({PermissionsBoundary: boundary, RoleName: name}))
            if (trustDiffers) await ctx.iam.send(new UpdateAssumeRolePolicyCommand({PolicyDocument: JSON.stringify(trustFor(obs.rest?.id)), RoleName: name}))
            if (missingTags.length > 0) await ctx.iam.send(new TagRoleCommand({RoleName: name, Tags: missingTags.map(([Key, Value]) => ({Key, Value}))}))
          } catch (error) {
            throw asRoleAccessDenied(error, boundary)
          }
        },
      })
    }
    if (boundary === undefined && currentBoundary !== undefined) notes.push(`IAM role ${name} keeps its permissions boundary ${currentBoundary} (provision changes it only when --permissions-boundary is given).`)
  }
  if (boundary === undefined && !obs.role?.PermissionsBoundary) {
    notes.push(
      `IAM role ${name} has no permissions boundary: pass --permissions-boundary <ARN of the policy made from iam/clickops-permissions-boundary.json> (the operator policy in iam/ lets provision create roles only with it).`,
    )
  }

  // 2. Its one inline policy.
  const encrypted = desired.encryption === 'kms'
  const knownArn = ctx.streamArn()
  const policyMatches = knownArn !== undefined && obs.policy !== undefined && canonical(obs.policy) === canonical(rolePolicy(knownArn, encrypted))
  const allows = `kinesis:PutRecord, kinesis:PutRecords on the stream${encrypted ? ', kms:GenerateDataKey via Kinesis' : ''}`
  if (policyMatches) {
    steps.push({action: 'unchanged', name: ROLE_POLICY_NAME, reason: `allows ${allows} only`, resource: 'iam role policy'})
  } else {
    steps.push({
      action: obs.policy === undefined ? 'create' : 'update',
      name: ROLE_POLICY_NAME,
      reason: obs.policy === undefined ? `allow ${allows}` : `differs; allow ${allows} only`,
      resource: 'iam role policy',
      async run() {
        const {PutRolePolicyCommand} = await iamSdk()
        const policy = rolePolicy(needArn(ctx.streamArn(), 'stream ARN'), encrypted)
        try {
          await ctx.iam.send(new PutRolePolicyCommand({PolicyDocument: JSON.stringify(policy), PolicyName: ROLE_POLICY_NAME, RoleName: name}))
        } catch (error) {
          throw asRoleAccessDenied(error, boundary)
        }
      },
    })
  }

  // 3. The REST API, from the one document.
  const expectedRoleArn = obs.role?.Arn ?? (account() ? roleArnFor(account()!, region, stream) : undefined)
  const documentFor = (roleArn: string) => buildApiDocument({apiKeyRequired: desired.apiKey, region, roleArn, stream})
  const expectedVersion = expectedRoleArn ? documentFor(expectedRoleArn).info.version : undefined
  ctx.apiId = obs.rest?.id
  const tagApi = async () => {
    const {TagResourceCommand} = await apiSdk()
    await ctx.apigw.send(new TagResourceCommand({resourceArn: restApiArn(region, ctx.apiId!), tags}))
  }
  if (!obs.rest) {
    steps.push({
      action: 'create',
      name: `clickops-${stream}`,
      reason: 'does not exist; REGIONAL REST API imported from the OpenAPI document',
      resource: 'rest api',
      async run() {
        const {ImportRestApiCommand} = await apiSdk()
        const doc = documentFor(needArn(ctx.roleArn, 'role ARN'))
        const imported = await retryRole(() =>
          ctx.apigw.send(new ImportRestApiCommand({body: serializeDocument(doc), failOnWarnings: true, parameters: {endpointConfigurationTypes: 'REGIONAL'}})),
        )
        ctx.apiId = imported.id
        await tagApi()
      },
    })
    steps.push({
      action: 'update',
      name,
      reason: 'once the API exists: only it may have the role assumed (aws:SourceArn)',
      resource: 'iam role trust',
      async run() {
        const {UpdateAssumeRolePolicyCommand} = await iamSdk()
        await ctx.iam.send(new UpdateAssumeRolePolicyCommand({PolicyDocument: JSON.stringify(trustFor(needArn(ctx.apiId, 'API id'))), RoleName: name}))
      },
    })
  } else {
    const docDiffers = expectedVersion === undefined || obs.rest.version !== expectedVersion
    const tagsMissing = !hasTags(obs.rest.tags, tags)
    const types = obs.rest.endpointConfiguration?.types ?? []
    if (types.length > 0 && !types.includes('REGIONAL')) {
      throw new ClickopsError(`REST API ${obs.rest.id} ("${obs.rest.name}") is ${types.join(', ')}, not REGIONAL.`, {hint: 'Delete it (`clickops destroy`) and provision again.'})
    }
    if (!docDiffers && !tagsMissing) {
      steps.push({action: 'unchanged', name: obs.rest.id!, reason: `document ${obs.rest.version} is current`, resource: 'rest api'})
    } else {
      steps.push({
        action: 'update',
        name: obs.rest.id!,
        reason: [docDiffers && `document ${obs.rest.version ?? '(unknown)'} → ${expectedVersion ?? 'new (role to be created)'}`, tagsMissing && 'tags missing']
          .filter(Boolean)
          .join(', '),
        resource: 'rest api',
        async run() {
          if (docDiffers) {
            const {PutRestApiCommand} = await apiSdk()
            const doc = documentFor(needArn(ctx.roleArn, 'role ARN'))
            await retryRole(() => ctx.apigw.send(new PutRestApiCommand({body: serializeDocument(doc), failOnWarnings: true, mode: 'overwrite', restApiId: ctx.apiId})))
          }
          if (tagsMissing) await tagApi()
        },
      })
    }
  }

  // 4. The deployment of the current document to the stage.
  const deployed = obs.stage !== undefined && expectedVersion !== undefined && obs.deploymentDescription === deploymentDescription(expectedVersion)
  const deploy = async () => {
    const {CreateDeploymentCommand} = await apiSdk()
    const version = documentFor(needArn(ctx.roleArn, 'role ARN')).info.version
    await retryRole(() => ctx.apigw.send(new CreateDeploymentCommand({description: deploymentDescription(version), restApiId: ctx.apiId, stageName: stage})))
  }
  if (!obs.stage) {
    steps.push({action: 'create', name: stage, reason: 'deploy the API to a new stage', resource: 'stage', run: deploy})
  } else if (!deployed) {
    steps.push({action: 'update', name: stage, reason: 'the deployed document is not the current one: deploy it', resource: 'stage', run: deploy})
  } else {
    steps.push({action: 'unchanged', name: stage, reason: `serves document ${expectedVersion}`, resource: 'stage'})
  }

  // 5. Stage throttling (every method: */*).
  const setting = obs.stage?.methodSettings?.['*/*']
  const {burstLimit, rateLimit} = desired.throttle
  const throttleText = `${rateLimit} requests/s, burst ${burstLimit}`
  if (setting?.throttlingRateLimit === rateLimit && setting?.throttlingBurstLimit === burstLimit) {
    steps.push({action: 'unchanged', name: stage, reason: throttleText, resource: 'stage throttling'})
  } else {
    const from = setting?.throttlingRateLimit === undefined ? '' : `${setting.throttlingRateLimit} requests/s, burst ${setting.throttlingBurstLimit} → `
    steps.push({
      action: obs.stage ? 'update' : 'create',
      name: stage,
      reason: `${from}${throttleText}`,
      resource: 'stage throttling',
      async run() {
        const {UpdateStageCommand} = await apiSdk()
        await ctx.apigw.send(
          new UpdateStageCommand({
            patchOperations: [
              {op: 'replace', path: '/*/*/throttling/rateLimit', value: String(rateLimit)},
              {op: 'replace', path: '/*/*/throttling/burstLimit', value: String(burstLimit)},
            ],
            restApiId: ctx.apiId,
            stageName: stage,
          }),
        )
      },
    })
  }

  // 6. The API key, its usage plan (throttled like the stage) and the key's membership in the plan.
  ctx.keyId = obs.key?.id
  ctx.usagePlanId = obs.usagePlan?.id
  const keyName = apiKeyName(stream)
  const planName = usagePlanName(stream)
  if (desired.apiKey) {
    if (!obs.key) {
      steps.push({
        action: 'create',
        name: keyName,
        reason: 'the API requires a key (x-api-key header)',
        resource: 'api key',
        async run() {
          const {CreateApiKeyCommand} = await apiSdk()
          const key = await ctx.apigw.send(new CreateApiKeyCommand({description: `Key for the clickstream API of "${stream}" (managed by clickops).`, enabled: true, name: keyName, tags}))
          ctx.keyId = key.id
        },
      })
    } else if (!obs.key.enabled) {
      steps.push({
        action: 'update',
        name: keyName,
        reason: 'disabled: enable it',
        resource: 'api key',
        async run() {
          const {UpdateApiKeyCommand} = await apiSdk()
          await ctx.apigw.send(new UpdateApiKeyCommand({apiKey: ctx.keyId, patchOperations: [{op: 'replace', path: '/enabled', value: 'true'}]}))
        },
      })
    } else {
      steps.push({action: 'unchanged', name: keyName, reason: `exists (id ${obs.key.id}), enabled`, resource: 'api key'})
    }

    const plan = obs.usagePlan
    const hasStage = plan?.apiStages?.some((s) => s.apiId === obs.rest?.id && s.stage === stage) ?? false
    const planThrottled = plan?.throttle?.rateLimit === rateLimit && plan?.throttle?.burstLimit === burstLimit
    if (!plan) {
      steps.push({
        action: 'create',
        name: planName,
        reason: `stage ${stage}, ${throttleText}`,
        resource: 'usage plan',
        async run() {
          const {CreateUsagePlanCommand} = await apiSdk()
          const created = await ctx.apigw.send(
            new CreateUsagePlanCommand({
              apiStages: [{apiId: ctx.apiId, stage}],
              description: `Throttling of the clickstream API of "${stream}" (managed by clickops).`,
              name: planName,
              tags,
              throttle: {burstLimit, rateLimit},
            }),
          )
          ctx.usagePlanId = created.id
        },
      })
    } else if (!hasStage || !planThrottled) {
      steps.push({
        action: 'update',
        name: planName,
        reason: [!hasStage && `add stage ${stage}`, !planThrottled && throttleText].filter(Boolean).join(', '),
        resource: 'usage plan',
        async run() {
          const {UpdateUsagePlanCommand} = await apiSdk()
          const ops = []
          if (!hasStage) ops.push({op: 'add' as const, path: '/apiStages', value: `${ctx.apiId}:${stage}`})
          if (!planThrottled) {
            ops.push({op: 'replace' as const, path: '/throttle/rateLimit', value: String(rateLimit)}, {op: 'replace' as const, path: '/throttle/burstLimit', value: String(burstLimit)})
          }
          await ctx.apigw.send(new UpdateUsagePlanCommand({patchOperations: ops, usagePlanId: ctx.usagePlanId}))
        },
      })
    } else {
      steps.push({action: 'unchanged', name: planName, reason: `stage ${stage}, ${throttleText}`, resource: 'usage plan'})
    }

    if (obs.key?.id && obs.usagePlanKeyIds.includes(obs.key.id)) {
      steps.push({action: 'unchanged', name: keyName, reason: `in usage plan ${planName}`, resource: 'usage plan key'})
    } else {
      steps.push({
        action: 'create',
        name: keyName,
        reason: `add the key to usage plan ${planName}`,
        resource: 'usage plan key',
        async run() {
          const {CreateUsagePlanKeyCommand} = await apiSdk()
          await ctx.apigw.send(new CreateUsagePlanKeyCommand({keyId: ctx.keyId, keyType: 'API_KEY', usagePlanId: ctx.usagePlanId}))
        },
      })
    }
  } else {
    // No key wanted: remove the plan and key an earlier `--api-key` run created.
    if (obs.usagePlan && isOurs(obs.usagePlan.tags, stream)) steps.push(deleteUsagePlanStep(ctx, obs.usagePlan, 'no --api-key: the API no longer requires a key'))
    if (obs.key && isOurs(obs.key.tags, stream)) steps.push(deleteApiKeyStep(ctx, obs.key, 'no --api-key: the API no longer requires a key'))
  }

  // 7. The WAF web ACL of the stage.
  if (desired.webAclArn) {
    const current = obs.stage?.webAclArn
    if (current === desired.webAclArn) {
      steps.push({action: 'unchanged', name: desired.webAclArn, reason: `associated with stage ${stage}`, resource: 'web acl'})
    } else {
      steps.push({
        action: current ? 'update' : 'create',
        name: desired.webAclArn,
        reason: current ? `replace ${current} on stage ${stage}` : `associate with stage ${stage}`,
        resource: 'web acl',
        async run() {
          const [{AssociateWebACLCommand}, waf] = await Promise.all([import('@aws-sdk/client-wafv2'), ctx.wafv2()])
          await waf.send(new AssociateWebACLCommand({ResourceArn: stageArn(region, ctx.apiId!, stage), WebACLArn: desired.webAclArn}))
        },
      })
    }
  }
  return steps
}

export function deleteUsagePlanStep(ctx: AwsContext, plan: UsagePlan, reason: string): Step {
  return {
    action: 'delete',
    name: plan.name ?? plan.id!,
    reason,
    resource: 'usage plan',
    async run() {
      const {DeleteUsagePlanCommand, UpdateUsagePlanCommand} = await import('@aws-sdk/client-api-gateway')
      // A usage plan with API stages cannot be deleted: detach them first.
      const ops = (plan.apiStages ?? []).map((s) => ({op: 'remove' as const, path: '/apiStages', value: `${s.apiId}:${s.stage}`}))
      if (ops.length > 0) await ctx.apigw.send(new UpdateUsagePlanCommand({patchOperations: ops, usagePlanId: plan.id}))
      await ctx.apigw.send(new DeleteUsagePlanCommand({usagePlanId: plan.id}))
    },
  }
}

export function deleteApiKeyStep(ctx: AwsContext, key: ApiKey, reason: string): Step {
  return {
    action: 'delete',
    name: key.name ?? key.id!,
    reason,
    resource: 'api key',
    async run() {
      const {DeleteApiKeyCommand} = await import('@aws-sdk/client-api-gateway')
      await ctx.apigw.send(new DeleteApiKeyCommand({apiKey: key.id}))
    },
  }
}

