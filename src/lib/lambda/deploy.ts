/**
 * A Lambda function with its own execution role and log group, deployed idempotently as a plan of
 * steps (the provision pattern: observe with read-only calls, plan create / update / unchanged with
 * the reason, apply in order, `--dry-run` = plan only). Generic over the code (a FunctionBundle),
 * the function's name, its role's inline policy, its environment and its settings.
 *
 *   observeFunction(ctx, spec)        GetRole, GetRolePolicy, DescribeLogGroups, GetFunction
 *   planFunction(spec, obs, ctx)      the steps: role, role policy, log group, function, concurrency
 *   planFunctionRemoval(obs, ctx)     delete what carries the managed-by=clickops tag, nothing else
 *
 * The role: only lambda.amazonaws.com may assume it, for this account only (aws:SourceAccount),
 * under the permissions boundary when one is given; its inline policy is the spec's statements plus
 * writing to the function's own log group. A new role takes a few seconds to be assumable by Lambda:
 * CreateFunction is retried with backoff on "The role defined for the function cannot be assumed".
 * Code is compared by CodeSha256 (the bundle's zip is deterministic), settings field by field.
 */
import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import type {IAMClient, Role} from '@aws-sdk/client-iam'
import type {FunctionConfiguration, LambdaClient} from '@aws-sdk/client-lambda'

import {withBackoff} from '../backoff.js'
import {ClickopsError, ExitCode} from '../errors.js'
import {sleep as defaultSleep} from '../local/process.js'
import {MANAGED_TAG, partitionOf, ROLE_PATH} from '../provision/naming.js'
import {canonical, type Step} from '../provision/plan.js'
import {BUNDLE_HANDLER, type FunctionBundle} from './bundle.js'

export const LAMBDA_PRINCIPAL = 'lambda.amazonaws.com'
export const DEFAULT_RUNTIME = 'nodejs20.x'
export const DEFAULT_ARCHITECTURE = 'arm64'
export const DEFAULT_MEMORY_MB = 256
export const DEFAULT_LOG_RETENTION_DAYS = 30
/** Lambda's maximum timeout. */
export const MAX_TIMEOUT_SECONDS = 900

export interface PolicyStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Action: string | string[]
  Resource: string | string[]
  Condition?: Record<string, unknown>
}

export interface FunctionSpec {
  functionName: string
  description: string
  /** The execution role (created under ROLE_PATH). */
  roleName: string
  /** The name of the role's one inline policy. */
  rolePolicyName: string
  /** What the function may do besides writing its own log group. */
  statements: PolicyStatement[]
  /** ARN of a permissions boundary for the role. */
  permissionsBoundary?: string
  /** The function's configuration (never credentials). */
  environment: Record<string, string>
  bundle: Pick<FunctionBundle, 'zip' | 'codeSha256'>
  runtime?: 'nodejs20.x' | 'nodejs22.x'
  architecture?: 'arm64' | 'x86_64'
  memoryMb?: number
  timeoutSeconds: number
  /** Reserved concurrency (1: two invocations never overlap). Undefined: unreserved. */
  reservedConcurrency?: number
  logRetentionDays?: number
  /** Tags of the function, its role and its log group; MANAGED_TAG is always added. */
  tags: Record<string, string>
}

export interface LambdaDeployContext {
  iam: IAMClient
  lambda: LambdaClient
  logs: CloudWatchLogsClient
  region: string
  account: string
  sleep?: (ms: number) => Promise<void>
  onProgress?: (message: string) => void
  /** Set by the steps as resources come to exist. */
  roleArn?: string
  functionArn?: string
}

export interface FunctionObservation {
  functionName: string
  roleName: string
  rolePolicyName: string
  role?: Role
  rolePolicy?: unknown
  logGroup?: {name: string; retentionInDays?: number; arn?: string}
  logGroupTags?: Record<string, string>
  function?: FunctionConfiguration
  functionTags?: Record<string, string>
  reservedConcurrency?: number
}

export const logGroupName = (functionName: string) => `/aws/lambda/${functionName}`
export const functionArnFor = (region: string, account: string, name: string) => `arn:${partitionOf(region)}:lambda:${region}:${account}:function:${name}`
export const logGroupArnFor = (region: string, account: string, name: string) => `arn:${partitionOf(region)}:logs:${region}:${account}:log-group:${logGroupName(name)}`
export const roleArnOf = (region: string, account: string, roleName: string) => `arn:${partitionOf(region)}:iam::${account}:role${ROLE_PATH}${roleName}`

/** Only `service` may assume the role, on behalf of this account only. */
export function serviceTrustPolicy(service: string, account: string) {
  return {
    Version: '2012-10-17',
    Statement: [{Action: 'sts:AssumeRole', Condition: {StringEquals: {'aws:SourceAccount': account}}, Effect: 'Allow', Principal: {Service: service}}],
  }
}

/** The execution role's inline policy: the spec's statements and its own log group. */
export function executionPolicy(spec: FunctionSpec, region: string, account: string) {
  const group = logGroupArnFor(region, account, spec.functionName)
  return {
    Version: '2012-10-17',
    Statement: [...spec.statements, {Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: `${group}:*`, Sid: 'WriteItsOwnLogGroup'}],
  }
}

const withManaged = (tags: Record<string, string>) => ({...tags, [MANAGED_TAG.key]: MANAGED_TAG.value})
const isManaged = (tags: Record<string, string> | undefined) => tags?.[MANAGED_TAG.key] === MANAGED_TAG.value
const missingTags = (current: Record<string, string> | undefined, wanted: Record<string, string>) => Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current?.[k] !== v))
const errName = (e: unknown) => (e as {name?: string})?.name ?? ''
const isNotFound = (e: unknown) => ['NoSuchEntityException', 'ResourceNotFoundException'].includes(errName(e))

/** Lambda refuses a role IAM has not finished propagating. */
export function isRoleNotAssumable(error: unknown): boolean {
  return errName(error) === 'InvalidParameterValueException' && /cannot be assumed|role defined for the function/i.test((error as Error).message ?? '')
}

export async function observeFunction(ctx: Pick<LambdaDeployContext, 'iam' | 'lambda' | 'logs'>, names: {functionName: string; roleName: string; rolePolicyName: string}): Promise<FunctionObservation> {
  const [iamSdk, lambdaSdk, logsSdk] = await Promise.all([import('@aws-sdk/client-iam'), import('@aws-sdk/client-lambda'), import('@aws-sdk/client-cloudwatch-logs')])
  const obs: FunctionObservation = {...names}
  try {
    obs.role = (await ctx.iam.send(new iamSdk.GetRoleCommand({RoleName: names.roleName}))).Role
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
  if (obs.role) {
    try {
      const doc = (await ctx.iam.send(new iamSdk.GetRolePolicyCommand({PolicyName: names.rolePolicyName, RoleName: names.roleName}))).PolicyDocument
      obs.rolePolicy = doc === undefined ? undefined : JSON.parse(decodeURIComponent(doc))
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }
  const group = logGroupName(names.functionName)
  const groups = await ctx.logs.send(new logsSdk.DescribeLogGroupsCommand({logGroupNamePrefix: group}))
  const found = groups.logGroups?.find((g) => g.logGroupName === group)
  if (found) {
    obs.logGroup = {arn: found.arn, name: group, retentionInDays: found.retentionInDays}
    if (found.arn) {
      const arn = found.arn.replace(/:\*$/, '')
      obs.logGroupTags = (await ctx.logs.send(new logsSdk.ListTagsForResourceCommand({resourceArn: arn}))).tags ?? {}
    }
  }
  try {
    const fn = await ctx.lambda.send(new lambdaSdk.GetFunctionCommand({FunctionName: names.functionName}))
    obs.function = fn.Configuration
    obs.functionTags = fn.Tags ?? {}
    obs.reservedConcurrency = fn.Concurrency?.ReservedConcurrentExecutions
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
  return obs
}

const tagsOfRole = (role: Role | undefined) => Object.fromEntries((role?.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']))

/** The settings of the function as Lambda reports them, for comparison. */
function desiredConfig(spec: FunctionSpec, roleArn: string) {
  return {
    architectures: [spec.architecture ?? DEFAULT_ARCHITECTURE],
    description: spec.description,
    environment: spec.environment,
    handler: BUNDLE_HANDLER,
    memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
    role: roleArn,
    runtime: spec.runtime ?? DEFAULT_RUNTIME,
    timeout: spec.timeoutSeconds,
  }
}

function observedConfig(fn: FunctionConfiguration) {
  return {
    architectures: fn.Architectures ?? ['x86_64'],
    description: fn.Description ?? '',
    environment: fn.Environment?.Variables ?? {},
    handler: fn.Handler,
    memorySize: fn.MemorySize,
    role: fn.Role,
    runtime: fn.Runtime,
    timeout: fn.Timeout,
  }
}

/** Waits until the function is Active and no update is in progress (Lambda refuses a second update meanwhile). */
export async function waitFunctionReady(ctx: LambdaDeployContext, functionName: string, timeoutMs = 120_000): Promise<void> {
  const {GetFunctionConfigurationCommand} = await import('@aws-sdk/client-lambda')
  const sleep = ctx.sleep ?? defaultSleep
  let waited = 0
  let delay = 500
  for (;;) {
    const c = await ctx.lambda.send(new GetFunctionConfigurationCommand({FunctionName: functionName}))
    if (c.State === 'Failed' || c.LastUpdateStatus === 'Failed') {
      throw new ClickopsError(`Lambda function ${functionName} failed to deploy: ${c.StateReason ?? c.LastUpdateStatusReason ?? 'no reason given'}`, {exitCode: ExitCode.AWS})
    }
    if ((c.State === undefined || c.State === 'Active') && c.LastUpdateStatus !== 'InProgress') return
    if (waited >= timeoutMs) throw new ClickopsError(`Lambda function ${functionName} is still ${c.State}/${c.LastUpdateStatus} after ${Math.round(timeoutMs / 1000)} s.`, {exitCode: ExitCode.AWS})
    await sleep(delay)
    waited += delay
    delay = Math.min(delay * 2, 5000)
  }
}

/**
 * The steps that make the function as the spec says. `ctx.roleArn` and `ctx.functionArn` are set
 * from the observation and by the steps, for later steps (a schedule, a permission) to use.
 */
export function planFunction(spec: FunctionSpec, obs: FunctionObservation, ctx: LambdaDeployContext): Step[] {
  const steps: Step[] = []
  const tags = withManaged(spec.tags)
  const sleep = ctx.sleep ?? defaultSleep
  const {account, region} = ctx
  const iamSdk = () => import('@aws-sdk/client-iam')
  const lambdaSdk = () => import('@aws-sdk/client-lambda')
  const logsSdk = () => import('@aws-sdk/client-cloudwatch-logs')
  const trust = serviceTrustPolicy(LAMBDA_PRINCIPAL, account)
  const boundary = spec.permissionsBoundary

  // 1. The execution role.
  ctx.roleArn = obs.role?.Arn ?? roleArnOf(region, account, spec.roleName)
  const trustText = `only ${LAMBDA_PRINCIPAL} may assume it, for account ${account}${boundary ? `, permissions boundary ${boundary}` : ''}`
  if (!obs.role) {
    steps.push({
      action: 'create',
      name: spec.roleName,
      reason: `does not exist; ${trustText}`,
      resource: 'iam role',
      async run() {
        const {CreateRoleCommand} = await iamSdk()
        const created = await ctx.iam.send(
          new CreateRoleCommand({
            AssumeRolePolicyDocument: JSON.stringify(trust),
            Description: `Execution role of the Lambda function ${spec.functionName} (managed by clickops).`,
            Path: ROLE_PATH,
            PermissionsBoundary: boundary,
            RoleName: spec.roleName,
            Tags: Object.entries(tags).map(([Key, Value]) => ({Key, Value})),
          }),
        )
        ctx.roleArn = created.Role?.Arn ?? ctx.roleArn
      },
    })
  } else {
    const current = tagsOfRole(obs.role)
    if (!isManaged(current)) {
      throw new ClickopsError(`IAM role "${spec.roleName}" exists but was not created by clickops (no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag).`, {
        hint: 'Delete or rename that role, or deploy for another stream name.',
      })
    }
    const currentTrust = obs.role.AssumeRolePolicyDocument ? JSON.parse(decodeURIComponent(obs.role.AssumeRolePolicyDocument)) : undefined
    const trustDiffers = canonical(currentTrust) !== canonical(trust)
    const missing = missingTags(current, tags)
    const currentBoundary = obs.role.PermissionsBoundary?.PermissionsBoundaryArn
    const boundaryDiffers = boundary !== undefined && currentBoundary !== boundary
    if (!trustDiffers && Object.keys(missing).length === 0 && !boundaryDiffers) {
      steps.push({action: 'unchanged', name: spec.roleName, reason: `exists; ${trustText}`, resource: 'iam role'})
    } else {
      steps.push({
        action: 'update',
        name: spec.roleName,
        reason: [trustDiffers && 'trust policy differs', boundaryDiffers && `permissions boundary ${currentBoundary ?? 'none'} → ${boundary}`, Object.keys(missing).length > 0 && 'tags missing']
          .filter(Boolean)
          .join(', '),
        resource: 'iam role',
        async run() {
          const {PutRolePermissionsBoundaryCommand, TagRoleCommand, UpdateAssumeRolePolicyCommand} = await iamSdk()
          if (boundaryDiffers) await ctx.iam.send(new PutRolePermissionsBoundaryCommand({PermissionsBoundary: boundary, RoleName: spec.roleName}))
          if (trustDiffers) await ctx.iam.send(new UpdateAssumeRolePolicyCommand({PolicyDocument: JSON.stringify(trust), RoleName: spec.roleName}))
          if (Object.keys(missing).length > 0) await ctx.iam.send(new TagRoleCommand({RoleName: spec.roleName, Tags: Object.entries(missing).map(([Key, Value]) => ({Key, Value}))}))
        },
      })
    }
  }

  // 2. Its inline policy.
  const policy = executionPolicy(spec, region, account)
  const actions = [...new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].join(', ')
  if (obs.rolePolicy !== undefined && canonical(obs.rolePolicy) === canonical(policy)) {
    steps.push({action: 'unchanged', name: spec.rolePolicyName, reason: `allows ${actions} only`, resource: 'iam role policy'})
  } else {
    steps.push({
      action: obs.rolePolicy === undefined ? 'create' : 'update',
      name: spec.rolePolicyName,
      reason: obs.rolePolicy === undefined ? `allow ${actions}` : `differs; allow ${actions} only`,
      resource: 'iam role policy',
      async run() {
        const {PutRolePolicyCommand} = await iamSdk()
        await ctx.iam.send(new PutRolePolicyCommand({PolicyDocument: JSON.stringify(policy), PolicyName: spec.rolePolicyName, RoleName: spec.roleName}))
      },
    })
  }

  // 3. The log group (created here so that it carries the tags and a retention).
  const group = logGroupName(spec.functionName)
  const retention = spec.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS
  if (!obs.logGroup) {
    steps.push({
      action: 'create',
      name: group,
      reason: `does not exist; keep ${retention} days`,
      resource: 'log group',
      async run() {
        const {CreateLogGroupCommand, PutRetentionPolicyCommand} = await logsSdk()
        try {
          await ctx.logs.send(new CreateLogGroupCommand({logGroupName: group, tags}))
        } catch (error) {
          if (errName(error) !== 'ResourceAlreadyExistsException') throw error
        }
        await ctx.logs.send(new PutRetentionPolicyCommand({logGroupName: group, retentionInDays: retention}))
      },
    })
  } else {
    const missing = missingTags(obs.logGroupTags, tags)
    const retentionDiffers = obs.logGroup.retentionInDays !== retention
    if (!retentionDiffers && Object.keys(missing).length === 0) {
      steps.push({action: 'unchanged', name: group, reason: `keeps ${retention} days`, resource: 'log group'})
    } else {
      steps.push({
        action: 'update',
        name: group,
        reason: [retentionDiffers && `retention ${obs.logGroup.retentionInDays ?? 'never expires'} → ${retention} days`, Object.keys(missing).length > 0 && 'tags missing'].filter(Boolean).join(', '),
        resource: 'log group',
        async run() {
          const {PutRetentionPolicyCommand, TagResourceCommand} = await logsSdk()
          if (retentionDiffers) await ctx.logs.send(new PutRetentionPolicyCommand({logGroupName: group, retentionInDays: retention}))
          if (Object.keys(missing).length > 0) await ctx.logs.send(new TagResourceCommand({resourceArn: logGroupArnFor(region, account, spec.functionName), tags: missing}))
        },
      })
    }
  }

  // 4. The function: code by hash, settings field by field.
  ctx.functionArn = obs.function?.FunctionArn ?? functionArnFor(region, account, spec.functionName)
  const runtimeText = `${spec.runtime ?? DEFAULT_RUNTIME} ${spec.architecture ?? DEFAULT_ARCHITECTURE}, ${spec.memoryMb ?? DEFAULT_MEMORY_MB} MB, timeout ${spec.timeoutSeconds} s`
  const retryRole = <T>(fn: () => Promise<T>) =>
    withBackoff(fn, isRoleNotAssumable, {attempts: 10, firstDelayMs: 2000, onRetry: () => ctx.onProgress?.('waiting for IAM to propagate the new role...'), sleep})
  if (!obs.function) {
    steps.push({
      action: 'create',
      name: spec.functionName,
      reason: `does not exist; ${runtimeText}, code ${spec.bundle.codeSha256}`,
      resource: 'lambda function',
      async run() {
        const {CreateFunctionCommand} = await lambdaSdk()
        const c = desiredConfig(spec, ctx.roleArn!)
        const created = await retryRole(() =>
          ctx.lambda.send(
            new CreateFunctionCommand({
              Architectures: c.architectures as ('arm64' | 'x86_64')[],
              Code: {ZipFile: spec.bundle.zip},
              Description: c.description,
              Environment: {Variables: c.environment},
              FunctionName: spec.functionName,
              Handler: c.handler,
              MemorySize: c.memorySize,
              Role: c.role,
              Runtime: c.runtime,
              Tags: tags,
              Timeout: c.timeout,
            }),
          ),
        )
        ctx.functionArn = created.FunctionArn ?? ctx.functionArn
        await waitFunctionReady(ctx, spec.functionName)
      },
    })
  } else {
    if (!isManaged(obs.functionTags)) {
      throw new ClickopsError(`Lambda function "${spec.functionName}" exists but was not created by clickops (no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag).`, {
        hint: 'Delete or rename that function, or deploy for another stream name.',
      })
    }
    const codeDiffers = obs.function.CodeSha256 !== spec.bundle.codeSha256
    const want = desiredConfig(spec, ctx.roleArn!)
    const have = observedConfig(obs.function)
    const differs = (Object.keys(want) as (keyof typeof want)[]).filter((k) => k !== 'architectures' && canonical(want[k]) !== canonical(have[k]))
    // Architectures are part of the code upload (UpdateFunctionCode), not of the configuration.
    const archDiffers = canonical(want.architectures) !== canonical(have.architectures)
    const missing = missingTags(obs.functionTags, tags)
    if (!codeDiffers && !archDiffers && differs.length === 0 && Object.keys(missing).length === 0) {
      steps.push({action: 'unchanged', name: spec.functionName, reason: `${runtimeText}, code ${obs.function.CodeSha256} is current`, resource: 'lambda function'})
    } else {
      steps.push({
        action: 'update',
        name: spec.functionName,
        reason: [
          (codeDiffers || archDiffers) && `code ${obs.function.CodeSha256} → ${spec.bundle.codeSha256}${archDiffers ? ` (${have.architectures.join(',')} → ${want.architectures.join(',')})` : ''}`,
          differs.length > 0 && `${differs.join(', ')} differ${differs.length === 1 ? 's' : ''}`,
          Object.keys(missing).length > 0 && 'tags missing',
        ]
          .filter(Boolean)
          .join('; '),
        resource: 'lambda function',
        async run() {
          const {TagResourceCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand} = await lambdaSdk()
          await waitFunctionReady(ctx, spec.functionName)
          if (differs.length > 0) {
            await retryRole(() =>
              ctx.lambda.send(
                new UpdateFunctionConfigurationCommand({
                  Description: want.description,
                  Environment: {Variables: want.environment},
                  FunctionName: spec.functionName,
                  Handler: want.handler,
                  MemorySize: want.memorySize,
                  Role: want.role,
                  Runtime: want.runtime,
                  Timeout: want.timeout,
                }),
              ),
            )
            await waitFunctionReady(ctx, spec.functionName)
          }
          if (codeDiffers || archDiffers) {
            await ctx.lambda.send(new UpdateFunctionCodeCommand({Architectures: want.architectures as ('arm64' | 'x86_64')[], FunctionName: spec.functionName, ZipFile: spec.bundle.zip}))
            await waitFunctionReady(ctx, spec.functionName)
          }
          if (Object.keys(missing).length > 0) await ctx.lambda.send(new TagResourceCommand({Resource: ctx.functionArn, Tags: missing}))
        },
      })
    }
  }

  // 5. Reserved concurrency.
  if (spec.reservedConcurrency !== undefined) {
    const n = spec.reservedConcurrency
    if (obs.reservedConcurrency === n) {
      steps.push({action: 'unchanged', name: spec.functionName, reason: `${n} reserved`, resource: 'lambda concurrency'})
    } else {
      steps.push({
        action: obs.function ? 'update' : 'create',
        name: spec.functionName,
        reason: `${obs.reservedConcurrency === undefined ? '' : `${obs.reservedConcurrency} → `}${n} reserved${n === 1 ? ': two invocations never overlap' : ''}`,
        resource: 'lambda concurrency',
        async run() {
          const {PutFunctionConcurrencyCommand} = await lambdaSdk()
          await ctx.lambda.send(new PutFunctionConcurrencyCommand({FunctionName: spec.functionName, ReservedConcurrentExecutions: n}))
        },
      })
    }
  }
  return steps
}

/**
 * The steps that delete the function, its log group and its role: each only when it carries the
 * managed-by=clickops tag; one without it is left alone and named in `notes`.
 */
export function planFunctionRemoval(obs: FunctionObservation, ctx: Pick<LambdaDeployContext, 'iam' | 'lambda' | 'logs'>, notes: string[] = []): Step[] {
  const steps: Step[] = []
  const leave = (what: string) => notes.push(`${what} exists but has no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag: left alone.`)
  if (obs.function) {
    if (isManaged(obs.functionTags)) {
      steps.push({
        action: 'delete',
        name: obs.functionName,
        reason: `tagged ${MANAGED_TAG.key}=${MANAGED_TAG.value}`,
        resource: 'lambda function',
        async run() {
          const {DeleteFunctionCommand} = await import('@aws-sdk/client-lambda')
          try {
            await ctx.lambda.send(new DeleteFunctionCommand({FunctionName: obs.functionName}))
          } catch (error) {
            if (!isNotFound(error)) throw error
          }
        },
      })
    } else leave(`Lambda function ${obs.functionName}`)
  }
  if (obs.logGroup) {
    if (isManaged(obs.logGroupTags)) {
      steps.push({
        action: 'delete',
        name: obs.logGroup.name,
        reason: `tagged ${MANAGED_TAG.key}=${MANAGED_TAG.value} (the function's decision log goes with it)`,
        resource: 'log group',
        async run() {
          const {DeleteLogGroupCommand} = await import('@aws-sdk/client-cloudwatch-logs')
          try {
            await ctx.logs.send(new DeleteLogGroupCommand({logGroupName: obs.logGroup!.name}))
          } catch (error) {
            if (!isNotFound(error)) throw error
          }
        },
      })
    } else leave(`Log group ${obs.logGroup.name}`)
  }
  if (obs.role) steps.push(...planRoleRemoval(obs.role, obs.rolePolicyName, obs.rolePolicy !== undefined, ctx.iam, notes))
  return steps
}

/** Deletes a tagged role and its one inline policy (shared by every role a Lambda deployment creates). */
export function planRoleRemoval(role: Role, policyName: string, hasPolicy: boolean, iam: IAMClient, notes: string[] = []): Step[] {
  if (!isManaged(tagsOfRole(role))) {
    notes.push(`IAM role ${role.RoleName} exists but has no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag: left alone.`)
    return []
  }
  return [
    {
      action: 'delete',
      name: role.RoleName!,
      reason: `tagged ${MANAGED_TAG.key}=${MANAGED_TAG.value}`,
      resource: 'iam role',
      async run() {
        const {DeleteRoleCommand, DeleteRolePolicyCommand} = await import('@aws-sdk/client-iam')
        if (hasPolicy) {
          try {
            await iam.send(new DeleteRolePolicyCommand({PolicyName: policyName, RoleName: role.RoleName}))
          } catch (error) {
            if (!isNotFound(error)) throw error
          }
        }
        try {
          await iam.send(new DeleteRoleCommand({RoleName: role.RoleName}))
        } catch (error) {
          if (!isNotFound(error)) throw error
        }
      },
    },
  ]
}

/** A role of a given name and its inline policy, or undefined (for roles besides the execution role). */
export async function observeRole(iam: IAMClient, roleName: string, policyName: string): Promise<{role?: Role; policy?: unknown}> {
  const {GetRoleCommand, GetRolePolicyCommand} = await import('@aws-sdk/client-iam')
  let role: Role | undefined
  try {
    role = (await iam.send(new GetRoleCommand({RoleName: roleName}))).Role
  } catch (error) {
    if (!isNotFound(error)) throw error
    return {}
  }
  try {
    const doc = (await iam.send(new GetRolePolicyCommand({PolicyName: policyName, RoleName: roleName}))).PolicyDocument
    return {policy: doc === undefined ? undefined : JSON.parse(decodeURIComponent(doc)), role}
  } catch (error) {
    if (!isNotFound(error)) throw error
    return {role}
  }
}

/**
 * The steps for a service role (trusted by `service` for this account, one inline policy), e.g.
 * the role EventBridge Scheduler invokes a function with. Same rules as the execution role.
 */
export function planServiceRole(
  args: {roleName: string; service: string; policyName: string; policy: unknown; permissionsBoundary?: string; tags: Record<string, string>; description: string},
  observed: {role?: Role; policy?: unknown},
  ctx: Pick<LambdaDeployContext, 'iam' | 'account'>,
  onArn: (arn: string) => void,
): Step[] {
  const steps: Step[] = []
  const tags = withManaged(args.tags)
  const trust = serviceTrustPolicy(args.service, ctx.account)
  const iamSdk = () => import('@aws-sdk/client-iam')
  const boundary = args.permissionsBoundary
  const trustText = `only ${args.service} may assume it, for account ${ctx.account}${boundary ? `, permissions boundary ${boundary}` : ''}`
  if (!observed.role) {
    steps.push({
      action: 'create',
      name: args.roleName,
      reason: `does not exist; ${trustText}`,
      resource: 'iam role',
      async run() {
        const {CreateRoleCommand} = await iamSdk()
        const created = await ctx.iam.send(
          new CreateRoleCommand({
            AssumeRolePolicyDocument: JSON.stringify(trust),
            Description: args.description,
            Path: ROLE_PATH,
            PermissionsBoundary: boundary,
            RoleName: args.roleName,
            Tags: Object.entries(tags).map(([Key, Value]) => ({Key, Value})),
          }),
        )
        if (created.Role?.Arn) onArn(created.Role.Arn)
      },
    })
  } else {
    if (observed.role.Arn) onArn(observed.role.Arn)
    if (!isManaged(tagsOfRole(observed.role))) {
      throw new ClickopsError(`IAM role "${args.roleName}" exists but was not created by clickops (no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag).`, {hint: 'Delete or rename that role.'})
    }
    const currentTrust = observed.role.AssumeRolePolicyDocument ? JSON.parse(decodeURIComponent(observed.role.AssumeRolePolicyDocument)) : undefined
    const trustDiffers = canonical(currentTrust) !== canonical(trust)
    const missing = missingTags(tagsOfRole(observed.role), tags)
    const currentBoundary = observed.role.PermissionsBoundary?.PermissionsBoundaryArn
    const boundaryDiffers = boundary !== undefined && currentBoundary !== boundary
    if (!trustDiffers && Object.keys(missing).length === 0 && !boundaryDiffers) {
      steps.push({action: 'unchanged', name: args.roleName, reason: `exists; ${trustText}`, resource: 'iam role'})
    } else {
      steps.push({
        action: 'update',
        name: args.roleName,
        reason: [trustDiffers && 'trust policy differs', boundaryDiffers && 'permissions boundary differs', Object.keys(missing).length > 0 && 'tags missing'].filter(Boolean).join(', '),
        resource: 'iam role',
        async run() {
          const {PutRolePermissionsBoundaryCommand, TagRoleCommand, UpdateAssumeRolePolicyCommand} = await iamSdk()
          if (boundaryDiffers) await ctx.iam.send(new PutRolePermissionsBoundaryCommand({PermissionsBoundary: boundary, RoleName: args.roleName}))
          if (trustDiffers) await ctx.iam.send(new UpdateAssumeRolePolicyCommand({PolicyDocument: JSON.stringify(trust), RoleName: args.roleName}))
          if (Object.keys(missing).length > 0) await ctx.iam.send(new TagRoleCommand({RoleName: args.roleName, Tags: Object.entries(missing).map(([Key, Value]) => ({Key, Value}))}))
        },
      })
    }
  }
  if (observed.policy !== undefined && canonical(observed.policy) === canonical(args.policy)) {
    steps.push({action: 'unchanged', name: args.policyName, reason: 'current', resource: 'iam role policy'})
  } else {
    steps.push({
      action: observed.policy === undefined ? 'create' : 'update',
      name: args.policyName,
      reason: observed.policy === undefined ? 'does not exist' : 'differs',
      resource: 'iam role policy',
      async run() {
        const {PutRolePolicyCommand} = await iamSdk()
        await ctx.iam.send(new PutRolePolicyCommand({PolicyDocument: JSON.stringify(args.policy), PolicyName: args.policyName, RoleName: args.roleName}))
      },
    })
  }
  return steps
}
