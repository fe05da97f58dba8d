/**
 * `clickops provision` and `clickops destroy` as library calls: observe, plan, and (unless it is a
 * dry run) apply. Works on AWS (stream, IAM role, REST API, stage, key, usage plan, WAF) and on the
 * embedded stack (stream in kinesis-local, API served by the local gateway).
 */
import type {IAMClient, Role} from '@aws-sdk/client-iam'

import type {Clients} from '../aws/clients.js'
import {findApiKey, findRestApi, findUsagePlan, listStages} from '../ingestion/lookup.js'
import {isNotFound} from '../kinesis/status.js'
import {apiFile, apisDir, readLocalApi, removeLocalApi} from '../gateway/state.js'
import {sleep as defaultSleep} from '../local/process.js'
import type {Target} from '../target.js'
import {deleteApiKeyStep, deleteUsagePlanStep, getRole, observeAws, planAws, type AwsContext} from './aws.js'
import type {DesiredState} from './desired.js'
import {planLocalApi} from './local.js'
import {apiKeyName, awsInvokeUrl, BATCH_PATH, EVENTS_PATH, isOurs, localInvokeUrl, MANAGED_TAG, REGION_TAG_KEY} from '../api-contract.js'
import {parseArn, stageArn} from '../aws/arn.js'
import {legacyRoleName, ROLE_POLICY_NAME, roleName} from './naming.js'
import {applySteps, describePlan, isChange, type PlanItem, type Step} from './plan.js'
import {isManaged, observeStream, planStream, type StreamContext} from './stream.js'
import * as ApiGateway from '../aws/apigateway.js'
import * as Iam from '../aws/iam.js'
import * as Kinesis from '../aws/kinesis.js'
import * as Waf from '../aws/wafv2.js'

export interface ProvisionDeps {
  clients: Clients
  target: Target
  region: string
  /** The embedded stack's folder (`<CLICKOPS_HOME>/local`), for the local gateway's API files. */
  localDir: string
  /** The local gateway's endpoint (default http://127.0.0.1:<gateway port>). */
  gatewayEndpoint: string
  sleep?: (ms: number) => Promise<void>
  now?: () => Date
  random?: (bytes: number) => Buffer
  onProgress?: (message: string) => void
  signal?: AbortSignal
}

export interface ApiSummary {
  apiId?: string
  stage: string
  /** The stage's base URL. */
  invokeUrl?: string
  /** POST one event here. */
  url?: string
  /** POST {"records": [...]} here. */
  batchUrl?: string
  apiKeyRequired: boolean
  /** How to read the key's value (it is never printed). */
  apiKeyHint?: string
}

/** What a plan-then-apply run (provision, destroy) reports. */
export interface PlanRunResult {
  target: string
  region: string
  stream: string
  dryRun: boolean
  plan: PlanItem[]
  /** Resources to create, update or delete. */
  changes: number
  /** Changes made by this run (0 under --dry-run). */
  applied: number
}

export interface ProvisionResult extends PlanRunResult {
  notes: string[]
  api?: ApiSummary
}

interface Planned {
  steps: Step[]
  notes: string[]
  streamCtx: StreamContext
  awsCtx?: AwsContext
}

async function planAll(desired: DesiredState, deps: ProvisionDeps): Promise<Planned> {
  const kinesis = await deps.clients.kinesis()
  const notes: string[] = []
  const streamCtx: StreamContext = {kinesis, sleep: deps.sleep, target: deps.target.kind}
  const observed = await observeStream(kinesis, desired.stream, deps.target.kind)
  const steps = planStream(desired, observed, streamCtx, notes)
  if (!desired.api) return {notes, steps, streamCtx}

  if (deps.target.kind === 'local') {
    const dir = apisDir(deps.localDir)
    const current = await readLocalApi(dir, desired.stream)
    steps.push(...planLocalApi(desired, current, {dir, now: deps.now, random: deps.random, region: deps.region, streamArn: () => streamCtx.streamArn}))
    return {notes, steps, streamCtx}
  }

  const awsCtx: AwsContext = {
    apigw: await deps.clients.apiGateway(),
    iam: await deps.clients.iam(),
    onProgress: deps.onProgress,
    region: deps.region,
    sleep: deps.sleep,
    streamArn: () => streamCtx.streamArn,
    wafv2: () => deps.clients.wafv2(),
  }
  const obs = await observeAws(awsCtx, desired)
  steps.push(...planAws(desired, obs, awsCtx, notes))
  if (!desired.webAclArn && obs.stage?.webAclArn) notes.push(`Stage ${desired.stage} has web ACL ${obs.stage.webAclArn}; it stays (provision changes it only when --web-acl-arn is given).`)
  return {awsCtx, notes, steps, streamCtx}
}

async function apiSummary(desired: DesiredState, deps: ProvisionDeps, planned: Planned): Promise<ApiSummary | undefined> {
  if (!desired.api) return undefined
  const {stage, stream} = desired
  let invokeUrl: string | undefined
  let apiId: string | undefined
  let apiKeyHint: string | undefined
  if (deps.target.kind === 'local') {
    const state = await readLocalApi(apisDir(deps.localDir), stream)
    apiId = state?.apiId
    invokeUrl = localInvokeUrl(deps.gatewayEndpoint, stream, stage)
    if (desired.apiKey) apiKeyHint = `Its value is in ${apiFile(apisDir(deps.localDir), stream)} (apiKey.value); send it as the x-api-key header.`
  } else {
    apiId = planned.awsCtx?.apiId
    if (apiId) invokeUrl = awsInvokeUrl(apiId, deps.region, stage)
    const keyId = planned.awsCtx?.keyId
    if (desired.apiKey && keyId) apiKeyHint = `Read it with \`aws apigateway get-api-key --api-key ${keyId} --include-value --query value --output text\`; send it as the x-api-key header.`
    if (desired.apiKey && !keyId) apiKeyHint = `The key "${apiKeyName(stream)}" will be created.`
  }
  return {
    apiId,
    apiKeyHint,
    apiKeyRequired: desired.apiKey,
    batchUrl: invokeUrl && `${invokeUrl}${BATCH_PATH}`,
    invokeUrl,
    stage,
    url: invokeUrl && `${invokeUrl}${EVENTS_PATH}`,
  }
}

export async function provision(desired: DesiredState, deps: ProvisionDeps, options: {dryRun?: boolean} = {}): Promise<ProvisionResult> {
  const planned = await planAll(desired, deps)
  const plan = describePlan(planned.steps)
  const changes = plan.filter((i) => isChange(i)).length
  let applied = 0
  if (!options.dryRun && changes > 0) {
    applied = await applySteps(planned.steps, {command: 'clickops provision', onProgress: deps.onProgress, signal: deps.signal})
  }
  return {
    api: await apiSummary(desired, deps, planned),
    applied,
    changes,
    dryRun: Boolean(options.dryRun),
    notes: planned.notes,
    plan,
    region: deps.region,
    stream: desired.stream,
    target: deps.target.kind,
  }
}

// ---------------------------------------------------------------------------------------------
// destroy

export type DestroyResult = PlanRunResult

const gone = (resource: string, name: string, reason = 'does not exist'): Step => ({action: 'skip', name, reason, resource})

/** What destroy would delete, in order (everything clickops created for the stream, nothing else). */
export async function planDestroy(stream: string, deps: ProvisionDeps): Promise<Step[]> {
  const steps: Step[] = []
  const sleep = deps.sleep ?? defaultSleep
  const kinesis = await deps.clients.kinesis()

  if (deps.target.kind === 'local') {
    const dir = apisDir(deps.localDir)
    const api = await readLocalApi(dir, stream)
    steps.push(
      api
        ? {action: 'delete', name: api.apiId, reason: 'served by the local gateway', resource: 'local api', run: async () => void (await removeLocalApi(dir, stream))}
        : gone('local api', `clickops-${stream}`),
    )
  } else {
    const apigw = await deps.clients.apiGateway()
    const iam = await deps.clients.iam()
    const ctx: AwsContext = {apigw, iam, region: deps.region, sleep, streamArn: () => undefined, wafv2: () => deps.clients.wafv2()}
    const rest = await findRestApi(apigw, stream)
    const restIsOurs = rest !== undefined && (isOurs(rest.tags, stream) || (rest.description ?? '').includes('(managed by clickops)'))
    if (rest?.id && restIsOurs) {
      for (const stage of await listStages(apigw, rest.id)) {
        if (!stage.webAclArn) continue
        const resourceArn = stageArn(deps.region, rest.id, stage.stageName!)
        steps.push({
          action: 'delete',
          name: stage.webAclArn,
          reason: `disassociate from stage ${stage.stageName}`,
          resource: 'web acl',
          async run() {
            const waf = await deps.clients.wafv2()
            await Waf.disassociateWebACL(waf, {ResourceArn: resourceArn})
          },
        })
      }
    }
    const plan = await findUsagePlan(apigw, stream)
    if (plan && isOurs(plan.tags, stream)) steps.push(deleteUsagePlanStep(ctx, plan, 'created by clickops'))
    else steps.push(gone('usage plan', `clickops-${stream}`, plan ? 'not tagged as created by clickops: kept' : 'does not exist'))
    const key = await findApiKey(apigw, stream)
    if (key && isOurs(key.tags, stream)) steps.push(deleteApiKeyStep(ctx, key, 'created by clickops'))
    else steps.push(gone('api key', apiKeyName(stream), key ? 'not tagged as created by clickops: kept' : 'does not exist'))
    if (rest?.id && restIsOurs) {
      steps.push({
        action: 'delete',
        name: rest.id,
        reason: 'created by clickops (with its stages and deployments)',
        resource: 'rest api',
        async run() {
          await ApiGateway.deleteRestApi(apigw, {restApiId: rest.id})
        },
      })
    } else {
      steps.push(gone('rest api', `clickops-${stream}`, rest ? 'not tagged as created by clickops: kept' : 'does not exist'))
    }
    steps.push(...(await roleDeletions(iam, stream, deps.region)))
  }

  const observed = await observeStream(kinesis, stream, deps.target.kind)
  if (!observed) {
    steps.push(gone('stream', stream))
  } else if (!isManaged(observed.tags)) {
    steps.push(gone('stream', stream, `not created by clickops (no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag): kept`))
  } else if (observed.status === 'DELETING') {
    steps.push(gone('stream', stream, 'already being deleted'))
  } else {
    const records = observed.mode === 'ON_DEMAND' ? 'on-demand' : `${observed.openShardCount} open shard${observed.openShardCount === 1 ? '' : 's'}`
    steps.push({
      action: 'delete',
      name: stream,
      reason: `created by clickops (${records}); its records are lost`,
      resource: 'stream',
      async run() {
        await Kinesis.deleteStream(kinesis, {EnforceConsumerDeletion: true, StreamName: stream})
        // Wait until it is gone, so that an immediate `provision` does not find it DELETING.
        for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
          try {
            await Kinesis.describeStreamSummary(kinesis, {StreamName: stream})
          } catch (error) {
            if (isNotFound(error)) return
            throw error
          }
          await sleep(delay)
        }
      },
    })
  }
  return steps
}

export async function destroy(stream: string, deps: ProvisionDeps, options: {dryRun?: boolean} = {}): Promise<DestroyResult> {
  const steps = await planDestroy(stream, deps)
  const plan = describePlan(steps)
  const changes = plan.filter((i) => isChange(i)).length
  let applied = 0
  if (!options.dryRun && changes > 0) {
    applied = await applySteps(steps, {command: 'clickops destroy', onProgress: deps.onProgress, signal: deps.signal})
  }
  return {applied, changes, dryRun: Boolean(options.dryRun), plan, region: deps.region, stream, target: deps.target.kind}
}

/**
 * Deleting the ingestion role of this region, and a role of the name used before the region was
 * part of it (`clickops-<stream>-apigw`) when it serves this region: its region tag, or else the
 * stream ARN in its policy, says which (a role another region's stream still uses is kept).
 */
async function roleDeletions(iam: IAMClient, stream: string, region: string): Promise<Step[]> {
  const deleteRole = (name: string, reason: string): Step => ({
    action: 'delete',
    name,
    reason,
    resource: 'iam role',
    async run() {
      try {
        await Iam.deleteRolePolicy(iam, {PolicyName: ROLE_POLICY_NAME, RoleName: name})
      } catch (error) {
        if ((error as {name?: string}).name !== 'NoSuchEntityException') throw error
      }
      await Iam.deleteRole(iam, {RoleName: name})
    },
  })
  const managed = (role: Role | undefined) => role !== undefined && tagOf(role, MANAGED_TAG.key) === MANAGED_TAG.value
  const steps: Step[] = []
  const name = roleName(stream, region)
  const role = await getRole(iam, name)
  if (managed(role)) steps.push(deleteRole(name, 'created by clickops (with its inline policy)'))
  else steps.push(gone('iam role', name, role ? 'not tagged as created by clickops: kept' : 'does not exist'))

  const legacy = legacyRoleName(stream)
  const old = await getRole(iam, legacy)
  if (old === undefined) return steps
  if (!managed(old) || !isOurs(Object.fromEntries((old.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])), stream)) {
    steps.push(gone('iam role', legacy, 'not tagged as created by clickops for this stream: kept'))
    return steps
  }
  const served = tagOf(old, REGION_TAG_KEY) ?? (await policyRegion(iam, legacy))
  if (served !== undefined && served !== region) steps.push(gone('iam role', legacy, `serves the stream in ${served}: kept (destroy there removes it)`))
  else steps.push(deleteRole(legacy, 'created by clickops under the name before the region was part of it (with its inline policy)'))
  return steps
}

const tagOf = (role: Role, key: string) => role.Tags?.find((t) => t.Key === key)?.Value

/** The region of the stream the role's inline policy names, when it names one. */
async function policyRegion(iam: IAMClient, roleName: string): Promise<string | undefined> {
  try {
    const doc = (await Iam.getRolePolicy(iam, {PolicyName: ROLE_POLICY_NAME, RoleName: roleName})).PolicyDocument
    const policy = doc === undefined ? undefined : (JSON.parse(decodeURIComponent(doc)) as {Statement?: {Resource?: unknown}[]})
    const arn = policy?.Statement?.map((st) => st.Resource).find((r): r is string => typeof r === 'string' && r.includes(':kinesis:'))
    return arn === undefined ? undefined : parseArn(arn).region || undefined
  } catch (error) {
    if ((error as {name?: string}).name === 'NoSuchEntityException') return undefined
    throw error
  }
}
