/**
 * `clickops autoscale` on AWS: the function (src/lib/lambda/deploy.ts) with a role allowed only what
 * a scale run calls on this stream, an EventBridge Scheduler schedule in a schedule group of its own
 * with a role allowed only lambda:InvokeFunction on the function, and optionally a CloudWatch alarm
 * on the stream's WriteProvisionedThroughputExceeded that invokes the function at once. Observed
 * with read-only calls, planned as steps, applied in order; removal deletes only what is tagged.
 */
import type {CloudWatchClient, MetricAlarm} from '@aws-sdk/client-cloudwatch'
import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import type {IAMClient} from '@aws-sdk/client-iam'
import type {LambdaClient} from '@aws-sdk/client-lambda'
import type {GetScheduleCommandOutput, SchedulerClient} from '@aws-sdk/client-scheduler'

import {withBackoff} from '../backoff.js'
import {ClickopsError} from '../errors.js'
import type {FunctionBundle} from '../lambda/bundle.js'
import {
  DEFAULT_ARCHITECTURE,
  DEFAULT_RUNTIME,
  functionArnFor,
  logGroupName,
  MAX_TIMEOUT_SECONDS,
  observeFunction,
  observeRole,
  planFunction,
  planFunctionRemoval,
  planRoleRemoval,
  planServiceRole,
  type FunctionObservation,
  type FunctionSpec,
  type LambdaDeployContext,
  type PolicyStatement,
} from '../lambda/deploy.js'
import {sleep as defaultSleep} from '../local/process.js'
import {MANAGED_TAG} from '../api-contract.js'
import {partitionOf} from '../aws/arn.js'
import type {Step} from '../provision/plan.js'
import {CONFIG_ENV, encodeConfig, type AutoscaleConfig} from './config.js'
import {
  ALARM_PERMISSION_ID,
  ALARM_PRINCIPAL,
  alarmName,
  autoscaleTags,
  EXECUTION_POLICY_NAME,
  executionRoleName,
  functionName,
  SCHEDULER_POLICY_NAME,
  SCHEDULER_PRINCIPAL,
  schedulerRoleName,
} from './naming.js'

/** Every AWS action `clickops autoscale` calls itself (deploy, status, logs, remove), for the operator policy. */
export const AUTOSCALE_AWS_ACTIONS = [
  'kinesis:DescribeStreamSummary',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:CreateRole',
  'iam:TagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePolicy',
  'iam:DeleteRole',
  'iam:PassRole',
  'lambda:GetFunction',
  'lambda:GetFunctionConfiguration',
  'lambda:CreateFunction',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:PutFunctionConcurrency',
  'lambda:TagResource',
  'lambda:GetPolicy',
  'lambda:AddPermission',
  'lambda:DeleteFunction',
  'logs:DescribeLogGroups',
  'logs:ListTagsForResource',
  'logs:CreateLogGroup',
  'logs:PutRetentionPolicy',
  'logs:TagResource',
  'logs:FilterLogEvents',
  'logs:DeleteLogGroup',
  'scheduler:GetScheduleGroup',
  'scheduler:CreateScheduleGroup',
  'scheduler:ListTagsForResource',
  'scheduler:TagResource',
  'scheduler:GetSchedule',
  'scheduler:CreateSchedule',
  'scheduler:UpdateSchedule',
  'scheduler:DeleteScheduleGroup',
  'cloudwatch:DescribeAlarms',
  'cloudwatch:ListTagsForResource',
  'cloudwatch:PutMetricAlarm',
  'cloudwatch:DeleteAlarms',
] as const

/** Memory of the function: the scale check is I/O bound; 256 MB on arm64 starts fast enough. */
export const AUTOSCALE_MEMORY_MB = 256
/** Margin of the function's timeout over the wait for ACTIVE (reading the load, planning, logging). */
export const TIMEOUT_MARGIN_SECONDS = 60

export interface AutoscaleDesired {
  stream: string
  config: AutoscaleConfig
  /** The EventBridge Scheduler expression. */
  expression: string
  alarm: boolean
  permissionsBoundary?: string
}

export interface AutoscaleAwsClients {
  iam: IAMClient
  lambda: LambdaClient
  logs: CloudWatchLogsClient
  scheduler: SchedulerClient
  cloudwatch: CloudWatchClient
}

export interface AutoscaleAwsContext extends AutoscaleAwsClients {
  region: string
  account: string
  streamArn: string
  sleep?: (ms: number) => Promise<void>
  onProgress?: (message: string) => void
}

/** The function's timeout for a wait: the wait plus a margin, within Lambda's 15 minutes. */
export function timeoutFor(waitTimeoutMs: number): number {
  return Math.min(MAX_TIMEOUT_SECONDS, Math.ceil(waitTimeoutMs / 1000) + TIMEOUT_MARGIN_SECONDS)
}

/** What a scale run calls, on this stream only (the account-wide reads on "*", which is all they take). */
export function executionStatements(streamArn: string, config: AutoscaleConfig): PolicyStatement[] {
  const onStream = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:ListTagsForStream', 'kinesis:AddTagsToStream', 'kinesis:UpdateShardCount']
  if (config.policy.strategy !== 'uniform') onStream.push('kinesis:SplitShard', 'kinesis:MergeShards')
  if (config.source === 'stream') onStream.push('kinesis:GetShardIterator', 'kinesis:GetRecords')
  const statements: PolicyStatement[] = [
    {Action: onStream, Effect: 'Allow', Resource: streamArn, Sid: 'ScaleThisStream'},
    {Action: 'kinesis:DescribeLimits', Effect: 'Allow', Resource: '*', Sid: 'ReadTheShardQuota'},
  ]
  if (config.source === 'cloudwatch') statements.push({Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*', Sid: 'ReadTheShardMetrics'})
  return statements
}

export function functionSpec(desired: AutoscaleDesired, region: string, streamArn: string, bundle: Pick<FunctionBundle, 'zip' | 'codeSha256'>): FunctionSpec {
  return {
    architecture: DEFAULT_ARCHITECTURE,
    bundle,
    description: `clickops scale check of Kinesis stream "${desired.stream}" (managed by clickops).`,
    environment: {[CONFIG_ENV]: encodeConfig(desired.config)},
    functionName: functionName(desired.stream),
    memoryMb: AUTOSCALE_MEMORY_MB,
    permissionsBoundary: desired.permissionsBoundary,
    // Two scale checks of one stream never overlap.
    reservedConcurrency: 1,
    roleName: executionRoleName(desired.stream, region),
    rolePolicyName: EXECUTION_POLICY_NAME,
    runtime: DEFAULT_RUNTIME,
    statements: executionStatements(streamArn, desired.config),
    tags: autoscaleTags(desired.stream),
    timeoutSeconds: timeoutFor(desired.config.waitTimeoutMs),
  }
}

export const alarmArnFor = (region: string, account: string, name: string) => `arn:${partitionOf(region)}:cloudwatch:${region}:${account}:alarm:${name}`
export const scheduleGroupArnFor = (region: string, account: string, name: string) => `arn:${partitionOf(region)}:scheduler:${region}:${account}:schedule-group/${name}`

export interface AutoscaleObservation {
  fn: FunctionObservation
  schedulerRole: {role?: import('@aws-sdk/client-iam').Role; policy?: unknown}
  group?: {name: string; tags: Record<string, string>}
  schedule?: GetScheduleCommandOutput
  alarm?: MetricAlarm
  alarmTags?: Record<string, string>
  /** The function's resource policy statements (for the alarm's permission). */
  permissionIds: string[]
}

const errName = (e: unknown) => (e as {name?: string})?.name ?? ''
const isNotFound = (e: unknown) => ['ResourceNotFoundException', 'NoSuchEntityException'].includes(errName(e))
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({Key, Value}))
const fromTagList = (tags: {Key?: string; Value?: string}[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? '']))
const isManaged = (tags: Record<string, string> | undefined) => tags?.[MANAGED_TAG.key] === MANAGED_TAG.value

export async function observeAutoscale(ctx: AutoscaleAwsContext, stream: string): Promise<AutoscaleObservation> {
  const [schedulerSdk, cloudwatchSdk, lambdaSdk] = await Promise.all([import('@aws-sdk/client-scheduler'), import('@aws-sdk/client-cloudwatch'), import('@aws-sdk/client-lambda')])
  const name = functionName(stream)
  const fn = await observeFunction(ctx, {functionName: name, roleName: executionRoleName(stream, ctx.region), rolePolicyName: EXECUTION_POLICY_NAME})
  const schedulerRole = await observeRole(ctx.iam, schedulerRoleName(stream, ctx.region), SCHEDULER_POLICY_NAME)
  const obs: AutoscaleObservation = {fn, permissionIds: [], schedulerRole}
  try {
    const group = await ctx.scheduler.send(new schedulerSdk.GetScheduleGroupCommand({Name: name}))
    const tags = await ctx.scheduler.send(new schedulerSdk.ListTagsForResourceCommand({ResourceArn: group.Arn ?? scheduleGroupArnFor(ctx.region, ctx.account, name)}))
    obs.group = {name, tags: fromTagList(tags.Tags)}
    obs.schedule = await ctx.scheduler.send(new schedulerSdk.GetScheduleCommand({GroupName: name, Name: name}))
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
  const alarms = await ctx.cloudwatch.send(new cloudwatchSdk.DescribeAlarmsCommand({AlarmNames: [alarmName(stream)]}))
  obs.alarm = alarms.MetricAlarms?.[0]
  if (obs.alarm?.AlarmArn) obs.alarmTags = fromTagList((await ctx.cloudwatch.send(new cloudwatchSdk.ListTagsForResourceCommand({ResourceARN: obs.alarm.AlarmArn}))).Tags)
  if (fn.function) {
    try {
      const policy = (await ctx.lambda.send(new lambdaSdk.GetPolicyCommand({FunctionName: name}))).Policy
      obs.permissionIds = ((policy ? JSON.parse(policy) : {}).Statement ?? []).map((s: {Sid?: string}) => s.Sid ?? '')
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }
  return obs
}

/** The scheduler accepts a role only once IAM has propagated it. */
export function isSchedulerRolePropagation(error: unknown): boolean {
  return errName(error) === 'ValidationException' && /role|assume/i.test((error as Error).message ?? '')
}

export function planAutoscaleAws(desired: AutoscaleDesired, obs: AutoscaleObservation, ctx: AutoscaleAwsContext, bundle: Pick<FunctionBundle, 'zip' | 'codeSha256'>): Step[] {
  const {account, region} = ctx
  const sleep = ctx.sleep ?? defaultSleep
  const spec = functionSpec(desired, region, ctx.streamArn, bundle)
  const lambdaCtx: LambdaDeployContext = {account, iam: ctx.iam, lambda: ctx.lambda, logs: ctx.logs, onProgress: ctx.onProgress, region, sleep: ctx.sleep}
  const steps = planFunction(spec, obs.fn, lambdaCtx)
  const fnArn = () => lambdaCtx.functionArn ?? functionArnFor(region, account, spec.functionName)
  const tags = {...autoscaleTags(desired.stream), [MANAGED_TAG.key]: MANAGED_TAG.value}
  const name = spec.functionName

  // The scheduler's role: lambda:InvokeFunction on this function only.
  let schedulerRoleArn = obs.schedulerRole.role?.Arn ?? `arn:${partitionOf(region)}:iam::${account}:role/clickops/${schedulerRoleName(desired.stream, region)}`
  steps.push(
    ...planServiceRole(
      {
        description: `EventBridge Scheduler invokes the Lambda function ${name} with this role (managed by clickops).`,
        permissionsBoundary: desired.permissionsBoundary,
        policy: {Version: '2012-10-17', Statement: [{Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: fnArn(), Sid: 'InvokeTheScaleCheck'}]},
        policyName: SCHEDULER_POLICY_NAME,
        roleName: schedulerRoleName(desired.stream, region),
        service: SCHEDULER_PRINCIPAL,
        tags: autoscaleTags(desired.stream),
      },
      obs.schedulerRole,
      {account, iam: ctx.iam},
      (arn) => (schedulerRoleArn = arn),
    ).map((s) => (s.resource === 'iam role policy' && s.action !== 'unchanged' ? {...s, reason: `${s.reason}; allow lambda:InvokeFunction on ${name} only`} : s)),
  )

  // The schedule group (the tags live there: schedules themselves carry none) and the schedule.
  const schedulerSdk = () => import('@aws-sdk/client-scheduler')
  if (!obs.group) {
    steps.push({
      action: 'create',
      name,
      reason: `does not exist; tagged ${MANAGED_TAG.key}=${MANAGED_TAG.value}`,
      resource: 'schedule group',
      async run() {
        const {CreateScheduleGroupCommand} = await schedulerSdk()
        await ctx.scheduler.send(new CreateScheduleGroupCommand({Name: name, Tags: tagList(tags)}))
      },
    })
  } else if (!isManaged(obs.group.tags)) {
    throw new ClickopsError(`Schedule group "${name}" exists but was not created by clickops (no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag).`, {hint: 'Delete or rename that schedule group.'})
  } else {
    steps.push({action: 'unchanged', name, reason: `exists, tagged ${MANAGED_TAG.key}=${MANAGED_TAG.value}`, resource: 'schedule group'})
  }
  const input = JSON.stringify({source: 'clickops.autoscale', stream: desired.stream})
  const scheduleInput = () => ({
    Description: `Runs the clickops scale check of "${desired.stream}" (managed by clickops).`,
    FlexibleTimeWindow: {Mode: 'OFF' as const},
    GroupName: name,
    Name: name,
    ScheduleExpression: desired.expression,
    State: 'ENABLED' as const,
    // One attempt: the next period runs the check again anyway.
    Target: {Arn: fnArn(), Input: input, RetryPolicy: {MaximumRetryAttempts: 0}, RoleArn: schedulerRoleArn},
  })
  const retrySchedulerRole = <T>(fn: () => Promise<T>) =>
    withBackoff(fn, isSchedulerRolePropagation, {onRetry: () => ctx.onProgress?.('waiting for IAM to propagate the scheduler role...'), sleep})
  const s = obs.schedule
  if (!s) {
    steps.push({
      action: 'create',
      name,
      reason: `${desired.expression}, invokes ${name}`,
      resource: 'schedule',
      async run() {
        const {CreateScheduleCommand} = await schedulerSdk()
        await retrySchedulerRole(() => ctx.scheduler.send(new CreateScheduleCommand(scheduleInput())))
      },
    })
  } else {
    const differs = [
      s.ScheduleExpression !== desired.expression && `${s.ScheduleExpression} → ${desired.expression}`,
      s.State !== 'ENABLED' && `${s.State} → ENABLED`,
      (s.Target?.Arn !== fnArn() || s.Target?.RoleArn !== schedulerRoleArn || s.Target?.Input !== input) && 'target differs',
      s.FlexibleTimeWindow?.Mode !== 'OFF' && 'flexible time window → off',
    ].filter(Boolean)
    if (differs.length === 0) steps.push({action: 'unchanged', name, reason: `${desired.expression}, invokes ${name}`, resource: 'schedule'})
    else {
      steps.push({
        action: 'update',
        name,
        reason: differs.join(', '),
        resource: 'schedule',
        async run() {
          const {UpdateScheduleCommand} = await schedulerSdk()
          await retrySchedulerRole(() => ctx.scheduler.send(new UpdateScheduleCommand(scheduleInput())))
        },
      })
    }
  }

  // The fast path: an alarm on write throttling invokes the function at once.
  if (desired.alarm) {
    const alarm = alarmName(desired.stream)
    const alarmArn = alarmArnFor(region, account, alarm)
    if (!obs.permissionIds.includes(ALARM_PERMISSION_ID)) {
      steps.push({
        action: 'create',
        name: ALARM_PERMISSION_ID,
        reason: `let alarm ${alarm} invoke ${name}`,
        resource: 'lambda permission',
        async run() {
          const {AddPermissionCommand} = await import('@aws-sdk/client-lambda')
          await ctx.lambda.send(
            new AddPermissionCommand({Action: 'lambda:InvokeFunction', FunctionName: name, Principal: ALARM_PRINCIPAL, SourceAccount: account, SourceArn: alarmArn, StatementId: ALARM_PERMISSION_ID}),
          )
        },
      })
    } else steps.push({action: 'unchanged', name: ALARM_PERMISSION_ID, reason: `alarm ${alarm} may invoke ${name}`, resource: 'lambda permission'})
    const a = obs.alarm
    const current = a?.MetricName === 'WriteProvisionedThroughputExceeded' && a.AlarmActions?.length === 1 && a.AlarmActions[0] === fnArn() && a.Threshold === 0 && a.Period === 60
    if (a && !isManaged(obs.alarmTags)) throw new ClickopsError(`CloudWatch alarm "${alarm}" exists but was not created by clickops.`, {hint: 'Delete or rename that alarm.'})
    if (current) steps.push({action: 'unchanged', name: alarm, reason: `WriteProvisionedThroughputExceeded > 0 in a minute invokes ${name}`, resource: 'cloudwatch alarm'})
    else {
      steps.push({
        action: a ? 'update' : 'create',
        name: alarm,
        reason: `WriteProvisionedThroughputExceeded > 0 in a minute invokes ${name} at once`,
        resource: 'cloudwatch alarm',
        async run() {
          const {PutMetricAlarmCommand} = await import('@aws-sdk/client-cloudwatch')
          await ctx.cloudwatch.send(
            new PutMetricAlarmCommand({
              AlarmActions: [fnArn()],
              AlarmDescription: `Write throttling on "${desired.stream}": run the clickops scale check now (managed by clickops).`,
              AlarmName: alarm,
              ComparisonOperator: 'GreaterThanThreshold',
              Dimensions: [{Name: 'StreamName', Value: desired.stream}],
              EvaluationPeriods: 1,
              MetricName: 'WriteProvisionedThroughputExceeded',
              Namespace: 'AWS/Kinesis',
              Period: 60,
              Statistic: 'Sum',
              Tags: tagList(tags),
              Threshold: 0,
              TreatMissingData: 'notBreaching',
            }),
          )
        },
      })
    }
  } else if (obs.alarm && isManaged(obs.alarmTags)) {
    steps.push(deleteAlarmStep(ctx, obs.alarm.AlarmName!, 'no --alarm'))
  }
  return steps
}

function deleteAlarmStep(ctx: Pick<AutoscaleAwsContext, 'cloudwatch'>, name: string, reason: string): Step {
  return {
    action: 'delete',
    name,
    reason,
    resource: 'cloudwatch alarm',
    async run() {
      const {DeleteAlarmsCommand} = await import('@aws-sdk/client-cloudwatch')
      await ctx.cloudwatch.send(new DeleteAlarmsCommand({AlarmNames: [name]}))
    },
  }
}

/** Deletes what carries the managed-by=clickops tag: alarm, schedule group (with its schedule), function, log group, roles. */
export function planAutoscaleRemovalAws(obs: AutoscaleObservation, ctx: AutoscaleAwsClients, notes: string[] = []): Step[] {
  const steps: Step[] = []
  if (obs.alarm) {
    if (isManaged(obs.alarmTags)) steps.push(deleteAlarmStep(ctx, obs.alarm.AlarmName!, `tagged ${MANAGED_TAG.key}=${MANAGED_TAG.value}`))
    else notes.push(`CloudWatch alarm ${obs.alarm.AlarmName} has no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag: left alone.`)
  }
  if (obs.group) {
    if (isManaged(obs.group.tags)) {
      steps.push({
        action: 'delete',
        name: obs.group.name,
        reason: `tagged ${MANAGED_TAG.key}=${MANAGED_TAG.value}; its schedule goes with it`,
        resource: 'schedule group',
        async run() {
          const {DeleteScheduleGroupCommand} = await import('@aws-sdk/client-scheduler')
          try {
            await ctx.scheduler.send(new DeleteScheduleGroupCommand({Name: obs.group!.name}))
          } catch (error) {
            if (!isNotFound(error)) throw error
          }
        },
      })
    } else notes.push(`Schedule group ${obs.group.name} has no ${MANAGED_TAG.key}=${MANAGED_TAG.value} tag: left alone.`)
  }
  steps.push(...planFunctionRemoval(obs.fn, ctx, notes))
  if (obs.schedulerRole.role) steps.push(...planRoleRemoval(obs.schedulerRole.role, SCHEDULER_POLICY_NAME, obs.schedulerRole.policy !== undefined, ctx.iam, notes))
  return steps
}

/** What `autoscale status` shows of the deployment on AWS. */
export interface DeploymentSummary {
  functionName: string
  deployed: boolean
  schedule?: {expression?: string; state?: string}
  function?: {
    version?: string
    lastModified?: string
    runtime?: string
    architecture?: string
    memoryMb?: number
    timeoutSeconds?: number
    reservedConcurrency?: number
    codeSha256?: string
    state?: string
  }
  alarm?: {name: string; state?: string}
  logGroup?: string
}

export function summarizeAws(obs: AutoscaleObservation): DeploymentSummary {
  const f = obs.fn.function
  const summary: DeploymentSummary = {deployed: f !== undefined, functionName: obs.fn.functionName}
  if (obs.schedule) summary.schedule = {expression: obs.schedule.ScheduleExpression, state: obs.schedule.State}
  if (f) {
    summary.function = {
      architecture: f.Architectures?.[0],
      codeSha256: f.CodeSha256,
      lastModified: f.LastModified,
      memoryMb: f.MemorySize,
      reservedConcurrency: obs.fn.reservedConcurrency,
      runtime: f.Runtime,
      state: f.State,
      timeoutSeconds: f.Timeout,
      version: f.Version,
    }
    summary.logGroup = logGroupName(obs.fn.functionName)
  }
  if (obs.alarm) summary.alarm = {name: obs.alarm.AlarmName!, state: obs.alarm.StateValue}
  return summary
}

/** One log event of the function, as FilterLogEvents returns it. */
export interface LogEvent {
  time: number
  message: string
  eventId?: string
  requestId?: string
}

/**
 * The function's log events since `startTime` (ms), in time order, every page followed; `limit`
 * keeps the last ones.
 */
export async function readFunctionLog(logs: CloudWatchLogsClient, fn: string, startTime: number, options: {filter?: string; signal?: AbortSignal} = {}): Promise<LogEvent[]> {
  const {FilterLogEventsCommand} = await import('@aws-sdk/client-cloudwatch-logs')
  const events: LogEvent[] = []
  let nextToken: string | undefined
  try {
    do {
      const page = await logs.send(new FilterLogEventsCommand({filterPattern: options.filter, logGroupName: logGroupName(fn), nextToken, startTime}), {abortSignal: options.signal})
      for (const e of page.events ?? []) events.push({eventId: e.eventId, message: e.message ?? '', time: e.timestamp ?? 0})
      nextToken = page.nextToken
    } while (nextToken && !options.signal?.aborted)
  } catch (error) {
    if (isNotFound(error)) return []
    throw error
  }
  return events.sort((a, b) => a.time - b.time)
}

/** The filter pattern that keeps only the decision lines (JSON with an outcome or an error). */
export const DECISION_FILTER = '{ ($.outcome = *) || ($.error.message = *) }'

export function lambdaDeployContextFor(ctx: AutoscaleAwsContext): LambdaDeployContext {
  return {account: ctx.account, iam: ctx.iam, lambda: ctx.lambda, logs: ctx.logs, onProgress: ctx.onProgress, region: ctx.region, sleep: ctx.sleep}
}

export {DEFAULT_RUNTIME}
