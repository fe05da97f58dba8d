/**
 * A small stateful stand-in for IAM, Lambda, CloudWatch Logs, EventBridge Scheduler and CloudWatch
 * alarms (aws-sdk-client-mock): what one call creates, the next read returns, so that first and
 * second deploys, updates and removal can be tested exactly. Every call is logged in order as
 * `Service:Command`; faults are injected per command. Kinesis is not faked: tests use kinesis-local.
 */
import * as cw from '@aws-sdk/client-cloudwatch'
import * as iam from '@aws-sdk/client-iam'
import * as lambda from '@aws-sdk/client-lambda'
import * as logs from '@aws-sdk/client-cloudwatch-logs'
import * as sched from '@aws-sdk/client-scheduler'
import {mockClient} from 'aws-sdk-client-mock'
import {createHash} from 'node:crypto'

export const ACCOUNT = '000000000000'
type Input = Record<string, any>

export function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {$fault: 'client', $metadata: {httpStatusCode: status}, name})
}

export const isMutating = (call: string) => !/:(Get|List|Describe|Filter)/.test(call)
const toMap = (tags: {Key?: string; Value?: string}[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value ?? '']))
const toList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({Key, Value}))

export class FakeAutoscaleAws {
  readonly log: {service: string; command: string; input: Input}[] = []
  readonly roles = new Map<string, {role: iam.Role; trust: string; policies: Map<string, string>}>()
  readonly functions = new Map<string, {config: lambda.FunctionConfiguration; tags: Record<string, string>; concurrency?: number; permissions: string[]}>()
  readonly groups = new Map<string, {tags: Record<string, string>}>()
  readonly schedules = new Map<string, Input>()
  readonly logGroups = new Map<string, {retention?: number; tags: Record<string, string>}>()
  readonly logEvents = new Map<string, {timestamp: number; message: string; eventId: string}[]>()
  readonly alarms = new Map<string, {alarm: cw.MetricAlarm; tags: Record<string, string>}>()
  readonly faults = new Map<string, Error[]>()
  private mocks: {restore(): void}[] = []

  constructor(readonly region = 'us-east-1') {
    this.install()
  }

  restore(): void {
    for (const m of this.mocks) m.restore()
  }

  calls(filter?: (c: string) => boolean): string[] {
    const all = this.log.map((c) => `${c.service}:${c.command}`)
    return filter ? all.filter((c) => filter(c)) : all
  }

  inputs(command: string): Input[] {
    return this.log.filter((c) => c.command === command).map((c) => c.input)
  }

  fail(command: string, ...errors: Error[]): void {
    this.faults.set(command, [...(this.faults.get(command) ?? []), ...errors])
  }

  private on(mock: any, service: string, Command: any, handler: (input: Input) => unknown): void {
    const command = String(Command.name).replace(/Command$/, '')
    mock.on(Command).callsFake(async (input: Input) => {
      this.log.push({command, input, service})
      const queued = this.faults.get(command)
      if (queued && queued.length > 0) throw queued.shift()
      return handler(input)
    })
  }

  private install(): void {
    const I = mockClient(iam.IAMClient)
    const L = mockClient(lambda.LambdaClient)
    const G = mockClient(logs.CloudWatchLogsClient)
    const S = mockClient(sched.SchedulerClient)
    const C = mockClient(cw.CloudWatchClient)
    this.mocks.push(I, L, G, S, C)
    const noRole = (n: string) => awsError('NoSuchEntityException', `The role with name ${n} cannot be found.`, 404)
    const role = (n: string) => {
      const r = this.roles.get(n)
      if (!r) throw noRole(n)
      return r
    }
    // IAM
    this.on(I, 'iam', iam.GetRoleCommand, (i) => ({Role: {...role(i.RoleName).role, AssumeRolePolicyDocument: encodeURIComponent(role(i.RoleName).trust)}}))
    this.on(I, 'iam', iam.CreateRoleCommand, (i) => {
      const r: iam.Role = {
        Arn: `arn:aws:iam::${ACCOUNT}:role${i.Path}${i.RoleName}`,
        CreateDate: new Date(),
        Path: i.Path,
        PermissionsBoundary: i.PermissionsBoundary ? {PermissionsBoundaryArn: i.PermissionsBoundary, PermissionsBoundaryType: 'PermissionsBoundaryPolicy'} : undefined,
        RoleId: 'AROA',
        RoleName: i.RoleName,
        Tags: i.Tags,
      }
      this.roles.set(i.RoleName, {policies: new Map(), role: r, trust: i.AssumeRolePolicyDocument})
      return {Role: r}
    })
    this.on(I, 'iam', iam.GetRolePolicyCommand, (i) => {
      const p = role(i.RoleName).policies.get(i.PolicyName)
      if (p === undefined) throw awsError('NoSuchEntityException', `The role policy with name ${i.PolicyName} cannot be found.`, 404)
      return {PolicyDocument: encodeURIComponent(p), PolicyName: i.PolicyName, RoleName: i.RoleName}
    })
    this.on(I, 'iam', iam.PutRolePolicyCommand, (i) => void role(i.RoleName).policies.set(i.PolicyName, i.PolicyDocument))
    this.on(I, 'iam', iam.DeleteRolePolicyCommand, (i) => void role(i.RoleName).policies.delete(i.PolicyName))
    this.on(I, 'iam', iam.DeleteRoleCommand, (i) => void (role(i.RoleName), this.roles.delete(i.RoleName)))
    this.on(I, 'iam', iam.UpdateAssumeRolePolicyCommand, (i) => void (role(i.RoleName).trust = i.PolicyDocument))
    this.on(I, 'iam', iam.TagRoleCommand, (i) => void (role(i.RoleName).role.Tags = toList({...toMap(role(i.RoleName).role.Tags), ...toMap(i.Tags)})))
    this.on(I, 'iam', iam.PutRolePermissionsBoundaryCommand, (i) => void (role(i.RoleName).role.PermissionsBoundary = {PermissionsBoundaryArn: i.PermissionsBoundary}))

    // Lambda
    const fn = (n: string) => {
      const f = this.functions.get(n)
      if (!f) throw awsError('ResourceNotFoundException', `Function not found: arn:aws:lambda:${this.region}:${ACCOUNT}:function:${n}`, 404)
      return f
    }
    const sha = (zip: Uint8Array) => createHash('sha256').update(zip).digest('base64')
    this.on(L, 'lambda', lambda.GetFunctionCommand, (i) => {
      const f = fn(i.FunctionName)
      return {Concurrency: f.concurrency === undefined ? undefined : {ReservedConcurrentExecutions: f.concurrency}, Configuration: f.config, Tags: f.tags}
    })
    this.on(L, 'lambda', lambda.GetFunctionConfigurationCommand, (i) => fn(i.FunctionName).config)
    this.on(L, 'lambda', lambda.CreateFunctionCommand, (i) => {
      if (!this.roles.has(String(i.Role).split('/').at(-1)!)) throw awsError('InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.')
      const config: lambda.FunctionConfiguration = {
        Architectures: i.Architectures,
        CodeSha256: sha(i.Code.ZipFile),
        Description: i.Description,
        Environment: {Variables: i.Environment?.Variables},
        FunctionArn: `arn:aws:lambda:${this.region}:${ACCOUNT}:function:${i.FunctionName}`,
        FunctionName: i.FunctionName,
        Handler: i.Handler,
        LastModified: '2026-12-01T00:00:00.000+0000',
        LastUpdateStatus: 'Successful',
        MemorySize: i.MemorySize,
        Role: i.Role,
        Runtime: i.Runtime,
        State: 'Active',
        Timeout: i.Timeout,
        Version: '$LATEST',
      }
      this.functions.set(i.FunctionName, {config, permissions: [], tags: i.Tags ?? {}})
      return config
    })
    this.on(L, 'lambda', lambda.UpdateFunctionCodeCommand, (i) => {
      const f = fn(i.FunctionName)
      f.config = {...f.config, Architectures: i.Architectures, CodeSha256: sha(i.ZipFile)}
      return f.config
    })
    this.on(L, 'lambda', lambda.UpdateFunctionConfigurationCommand, (i) => {
      const f = fn(i.FunctionName)
      f.config = {...f.config, Description: i.Description, Environment: {Variables: i.Environment?.Variables}, Handler: i.Handler, MemorySize: i.MemorySize, Role: i.Role, Runtime: i.Runtime, Timeout: i.Timeout}
      return f.config
    })
    this.on(L, 'lambda', lambda.PutFunctionConcurrencyCommand, (i) => {
      fn(i.FunctionName).concurrency = i.ReservedConcurrentExecutions
      return {ReservedConcurrentExecutions: i.ReservedConcurrentExecutions}
    })
    this.on(L, 'lambda', lambda.TagResourceCommand, (i) => {
      const f = fn(String(i.Resource).split(':').at(-1)!)
      f.tags = {...f.tags, ...i.Tags}
    })
    this.on(L, 'lambda', lambda.GetPolicyCommand, (i) => {
      const f = fn(i.FunctionName)
      if (f.permissions.length === 0) throw awsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404)
      return {Policy: JSON.stringify({Statement: f.permissions.map((Sid) => ({Sid})), Version: '2012-10-17'})}
    })
    this.on(L, 'lambda', lambda.AddPermissionCommand, (i) => void fn(i.FunctionName).permissions.push(i.StatementId))
    this.on(L, 'lambda', lambda.DeleteFunctionCommand, (i) => void (fn(i.FunctionName), this.functions.delete(i.FunctionName)))

    // CloudWatch Logs
    const arnOf = (name: string) => `arn:aws:logs:${this.region}:${ACCOUNT}:log-group:${name}`
    this.on(G, 'logs', logs.DescribeLogGroupsCommand, (i) => ({
      logGroups: [...this.logGroups].filter(([n]) => n.startsWith(i.logGroupNamePrefix)).map(([n, g]) => ({arn: `${arnOf(n)}:*`, logGroupName: n, retentionInDays: g.retention})),
    }))
    this.on(G, 'logs', logs.ListTagsForResourceCommand, (i) => ({tags: [...this.logGroups].find(([n]) => arnOf(n) === i.resourceArn)?.[1].tags ?? {}}))
    this.on(G, 'logs', logs.CreateLogGroupCommand, (i) => void this.logGroups.set(i.logGroupName, {tags: i.tags ?? {}}))
    this.on(G, 'logs', logs.PutRetentionPolicyCommand, (i) => void (this.logGroups.get(i.logGroupName)!.retention = i.retentionInDays))
    this.on(G, 'logs', logs.DeleteLogGroupCommand, (i) => void this.logGroups.delete(i.logGroupName))
    this.on(G, 'logs', logs.FilterLogEventsCommand, (i) => {
      if (!this.logGroups.has(i.logGroupName)) throw awsError('ResourceNotFoundException', 'The specified log group does not exist.')
      return {events: (this.logEvents.get(i.logGroupName) ?? []).filter((e) => e.timestamp >= (i.startTime ?? 0))}
    })

    // Scheduler
    const group = (n: string) => {
      const g = this.groups.get(n)
      if (!g) throw awsError('ResourceNotFoundException', `Schedule group ${n} does not exist.`, 404)
      return g
    }
    const groupArn = (n: string) => `arn:aws:scheduler:${this.region}:${ACCOUNT}:schedule-group/${n}`
    this.on(S, 'scheduler', sched.GetScheduleGroupCommand, (i) => (group(i.Name), {Arn: groupArn(i.Name), Name: i.Name, State: 'ACTIVE'}))
    this.on(S, 'scheduler', sched.CreateScheduleGroupCommand, (i) => {
      this.groups.set(i.Name, {tags: toMap(i.Tags)})
      return {ScheduleGroupArn: groupArn(i.Name)}
    })
    this.on(S, 'scheduler', sched.ListTagsForResourceCommand, (i) => ({Tags: toList(group(String(i.ResourceArn).split('/').at(-1)!).tags)}))
    this.on(S, 'scheduler', sched.GetScheduleCommand, (i) => {
      group(i.GroupName)
      const s = this.schedules.get(`${i.GroupName}/${i.Name}`)
      if (!s) throw awsError('ResourceNotFoundException', `Schedule ${i.Name} does not exist.`, 404)
      return s
    })
    const putSchedule = (i: Input) => {
      group(i.GroupName)
      if (!this.roles.has(String(i.Target.RoleArn).split('/').at(-1)!)) throw awsError('ValidationException', 'The execution role you provide must allow AWS EventBridge Scheduler to assume the role.')
      this.schedules.set(`${i.GroupName}/${i.Name}`, {...i})
      return {ScheduleArn: `arn:aws:scheduler:${this.region}:${ACCOUNT}:schedule/${i.GroupName}/${i.Name}`}
    }
    this.on(S, 'scheduler', sched.CreateScheduleCommand, putSchedule)
    this.on(S, 'scheduler', sched.UpdateScheduleCommand, putSchedule)
    this.on(S, 'scheduler', sched.DeleteScheduleGroupCommand, (i) => {
      group(i.Name)
      this.groups.delete(i.Name)
      for (const k of [...this.schedules.keys()]) if (k.startsWith(`${i.Name}/`)) this.schedules.delete(k)
    })

    // CloudWatch alarms
    const alarmArn = (n: string) => `arn:aws:cloudwatch:${this.region}:${ACCOUNT}:alarm:${n}`
    this.on(C, 'cloudwatch', cw.DescribeAlarmsCommand, (i) => ({MetricAlarms: (i.AlarmNames ?? []).filter((n: string) => this.alarms.has(n)).map((n: string) => this.alarms.get(n)!.alarm)}))
    this.on(C, 'cloudwatch', cw.ListTagsForResourceCommand, (i) => ({Tags: toList([...this.alarms.values()].find((a) => a.alarm.AlarmArn === i.ResourceARN)?.tags ?? {})}))
    this.on(C, 'cloudwatch', cw.PutMetricAlarmCommand, (i) => {
      const {Tags, ...rest} = i
      this.alarms.set(i.AlarmName, {alarm: {...rest, AlarmArn: alarmArn(i.AlarmName), StateValue: 'INSUFFICIENT_DATA'}, tags: toMap(Tags)})
    })
    this.on(C, 'cloudwatch', cw.DeleteAlarmsCommand, (i) => {
      for (const n of i.AlarmNames) this.alarms.delete(n)
    })
  }
}
