/**
 * `clickops autoscale deploy | status | logs | remove` as library calls, on AWS (Lambda + EventBridge
 * Scheduler, see aws.ts) and on the embedded stack (its scheduler service, see local.ts). Input is
 * checked by `prepareAutoscale` before any call; every deploy and remove is a plan (provision's
 * create / update / unchanged / delete with the reason), applied unless it is a dry run.
 *
 *   config.ts      what the function is told (one environment variable)
 *   handler.ts     the function: a thin adapter around runScaling
 *   bundle.ts      its bundle (src/lib/lambda/bundle.ts)
 *   schedule.ts    --every
 *   decisions.ts   the decision log and its summary
 */
import type {Clients} from '../aws/clients.js'
import {ClickopsError, ExitCode, UsageError} from '../errors.js'
import type {FunctionBundle} from '../lambda/bundle.js'
import {describeStreamSummary} from '../kinesis/status.js'
import {defaultSource} from '../load/sources.js'
import {formatDuration, parseDuration} from '../parse.js'
import {parseArn} from '../aws/arn.js'
import {applySteps, describePlan, isChange, type PlanItem, type Step} from '../provision/plan.js'
import {loadPolicyFile, POLICY_KEYS, resolvePolicy, sourceFor, type PolicyFile, type RawSettings} from '../scaling/policy.js'
import type {Target} from '../target.js'
import {timeoutFor, type AutoscaleAwsContext, type DeploymentSummary} from './aws.js'
import {CONFIG_VERSION, type AutoscaleConfig} from './config.js'
import {summarizeDecision, type DecisionEntry, type DecisionSummary, parseDecisionLine} from './decisions.js'
import {functionName} from './naming.js'
import {awsExpression, DEFAULT_EVERY, localPeriodMs, parseSchedule} from './schedule.js'

/** The wait for ACTIVE after a change: within Lambda's 15 minutes with the margin. */
export const DEFAULT_WAIT_TIMEOUT = '10m'
export const MAX_WAIT_TIMEOUT_MS = (900 - 60) * 1000

export interface AutoscaleDeps {
  clients: Clients
  target: Target
  region: string
  /** The embedded stack's folder (`<CLICKOPS_HOME>/local`). */
  localDir: string
  sleep?: (ms: number) => Promise<void>
  now?: () => Date
  onProgress?: (message: string) => void
  signal?: AbortSignal
  /** The function's code (default: the autoscale bundle, built here). */
  bundle?: () => Promise<FunctionBundle>
}

/** A deploy checked and resolved, before any call. */
export interface PreparedDeploy {
  streams: {stream: string; config: AutoscaleConfig}[]
  schedule: {text: string; expression?: string; everyMs?: number}
  alarm: boolean
  permissionsBoundary?: string
}

export interface DeployFlags extends RawSettings {
  policy?: string
  every?: string
  alarm?: boolean
  'permissions-boundary'?: string
  'wait-timeout'?: string
}

/**
 * The streams to deploy for: the one named, or, when a policy file with `streams:` is given and no
 * stream is named explicitly, each stream of the file.
 */
export async function prepareDeploy(flags: DeployFlags, stream: string, streamExplicit: boolean, targetKind: 'aws' | 'local'): Promise<PreparedDeploy> {
  const schedule = parseSchedule(flags.every ?? DEFAULT_EVERY)
  const prepared: PreparedDeploy['schedule'] = {text: schedule.text}
  if (targetKind === 'aws') {
    prepared.expression = awsExpression(schedule)
    if (schedule.everyMs !== undefined) prepared.everyMs = schedule.everyMs
  } else {
    prepared.everyMs = localPeriodMs(schedule)
  }
  if (flags.alarm && targetKind === 'local') throw new UsageError('--alarm needs CloudWatch alarms: it is for --target aws only.', 'Leave --alarm out locally (kinesis-local publishes no metrics).')
  const waitTimeoutMs = parseDuration(flags['wait-timeout'] ?? DEFAULT_WAIT_TIMEOUT, '--wait-timeout')
  if (waitTimeoutMs < 10_000 || waitTimeoutMs > MAX_WAIT_TIMEOUT_MS) {
    throw new UsageError(`--wait-timeout ${flags['wait-timeout']} must be from 10s to ${formatDuration(MAX_WAIT_TIMEOUT_MS)} (Lambda runs at most 15 minutes).`)
  }
  const boundary = flags['permissions-boundary']
  if (boundary !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:policy\/.+/.test(boundary)) {
    throw new UsageError(`--permissions-boundary ${boundary} is not the ARN of an IAM policy.`, 'Use e.g. arn:aws:iam::123456789012:policy/clickops/clickops-permissions-boundary.')
  }
  const file: PolicyFile | undefined = flags.policy === undefined ? undefined : await loadPolicyFile(flags.policy)
  const settings: RawSettings = {}
  for (const key of POLICY_KEYS) if (flags[key] !== undefined) settings[key] = flags[key]
  const names = !streamExplicit && file && Object.keys(file.streams).length > 0 ? Object.keys(file.streams) : [stream]
  const streams = names.map((name) => {
    const {origins, policy} = resolvePolicy({flags: settings, stream: name, ...(file ? {file} : {})})
    const source = sourceFor(policy, defaultSource(targetKind), origins.window === 'flag' ? '--window' : 'window')
    if (source === 'cloudwatch' && targetKind === 'local') {
      throw new UsageError('The cloudwatch source is not available on the embedded local stack (kinesis-local publishes no metrics).', 'Use --source stream locally, or --target aws.')
    }
    const config: AutoscaleConfig = {policy, policyOrigins: origins, source, stream: name, target: targetKind, version: CONFIG_VERSION, waitTimeoutMs}
    return {config, stream: name}
  })
  return {alarm: Boolean(flags.alarm), permissionsBoundary: boundary, schedule: prepared, streams}
}

export interface DeploymentPlan {
  stream: string
  functionName: string
  plan: PlanItem[]
  changes: number
  applied: number
}

export interface DeployResult {
  target: string
  region: string
  dryRun: boolean
  schedule: string
  bundle: {bytes: number; codeSha256: string}
  deployments: DeploymentPlan[]
  notes: string[]
}

async function bundleOf(deps: AutoscaleDeps): Promise<FunctionBundle> {
  if (deps.bundle) return deps.bundle()
  const {buildAutoscaleBundle} = await import('./bundle.js')
  return buildAutoscaleBundle()
}

async function awsContext(deps: AutoscaleDeps, stream: string): Promise<AutoscaleAwsContext> {
  const kinesis = await deps.clients.kinesis()
  const summary = await describeStreamSummary(kinesis, stream, deps.target.kind)
  const streamArn = summary.StreamARN!
  const [iam, lambda, logs, scheduler, cloudwatch] = await Promise.all([deps.clients.iam(), deps.clients.lambda(), deps.clients.logs(), deps.clients.scheduler(), deps.clients.cloudwatch()])
  return {account: parseArn(streamArn).account, cloudwatch, iam, lambda, logs, onProgress: deps.onProgress, region: deps.region, scheduler, sleep: deps.sleep, streamArn}
}

async function checkLocalStream(deps: AutoscaleDeps, stream: string): Promise<void> {
  await describeStreamSummary(await deps.clients.kinesis(), stream, deps.target.kind)
}

async function run(steps: Step[], dryRun: boolean, deps: AutoscaleDeps, command: string): Promise<{plan: PlanItem[]; changes: number; applied: number}> {
  const plan = describePlan(steps)
  const changes = plan.filter((i) => isChange(i)).length
  const applied = !dryRun && changes > 0 ? await applySteps(steps, {command, onProgress: deps.onProgress, signal: deps.signal}) : 0
  return {applied, changes, plan}
}

export async function deployAutoscale(prepared: PreparedDeploy, deps: AutoscaleDeps, options: {dryRun?: boolean} = {}): Promise<DeployResult> {
  const dryRun = Boolean(options.dryRun)
  // Every stream must exist before anything is built or changed.
  const contexts = new Map<string, AutoscaleAwsContext>()
  for (const {stream} of prepared.streams) {
    if (deps.target.kind === 'aws') contexts.set(stream, await awsContext(deps, stream))
    else await checkLocalStream(deps, stream)
  }
  deps.onProgress?.('bundling the scale check (esbuild)...')
  const bundle = await bundleOf(deps)
  const deployments: DeploymentPlan[] = []
  const notes: string[] = []
  for (const {config, stream} of prepared.streams) {
    let steps: Step[]
    if (deps.target.kind === 'aws') {
      const {observeAutoscale, planAutoscaleAws} = await import('./aws.js')
      const ctx = contexts.get(stream)!
      const obs = await observeAutoscale(ctx, stream)
      steps = planAutoscaleAws({alarm: prepared.alarm, config, expression: prepared.schedule.expression!, permissionsBoundary: prepared.permissionsBoundary, stream}, obs, ctx, bundle)
      if (!prepared.permissionsBoundary && !obs.fn.role?.PermissionsBoundary) {
        notes.push(`The roles of ${functionName(stream)} have no permissions boundary: pass --permissions-boundary <ARN of the policy made from iam/clickops-permissions-boundary.json> (the operator policy lets clickops create roles only with it).`)
      }
    } else {
      const {planLocalAutoscale, readRecord, registryDir} = await import('./local.js')
      const dir = registryDir(deps.localDir)
      const current = await readRecord(dir, functionName(stream))
      steps = planLocalAutoscale({config, everyMs: prepared.schedule.everyMs!, schedule: prepared.schedule.text, stream, timeoutSeconds: timeoutFor(config.waitTimeoutMs)}, current, bundle, dir, deps.now)
    }
    const r = await run(steps, dryRun, deps, 'clickops autoscale deploy')
    deployments.push({functionName: functionName(stream), stream, ...r})
  }
  return {
    bundle: {bytes: bundle.bytes, codeSha256: bundle.codeSha256},
    deployments,
    dryRun,
    notes,
    region: deps.region,
    schedule: deps.target.kind === 'aws' ? prepared.schedule.expression! : `every ${prepared.schedule.text}`,
    target: deps.target.kind,
  }
}

export interface RemoveResult {
  target: string
  region: string
  dryRun: boolean
  deployments: DeploymentPlan[]
  notes: string[]
}

export async function removeAutoscale(streams: string[], deps: AutoscaleDeps, options: {dryRun?: boolean} = {}): Promise<RemoveResult> {
  const dryRun = Boolean(options.dryRun)
  const deployments: DeploymentPlan[] = []
  const notes: string[] = []
  for (const stream of streams) {
    let steps: Step[]
    if (deps.target.kind === 'aws') {
      const {observeAutoscale, planAutoscaleRemovalAws} = await import('./aws.js')
      const ctx = await awsContextWithoutStream(deps)
      steps = planAutoscaleRemovalAws(await observeAutoscale(ctx, stream), ctx, notes)
    } else {
      const {planLocalRemoval, readRecord, registryDir} = await import('./local.js')
      const dir = registryDir(deps.localDir)
      steps = planLocalRemoval(await readRecord(dir, functionName(stream)), dir, stream)
    }
    if (steps.length === 0) notes.push(`Nothing of clickops autoscale exists for "${stream}" on target ${deps.target.kind}.`)
    deployments.push({functionName: functionName(stream), stream, ...(await run(steps, dryRun, deps, 'clickops autoscale remove'))})
  }
  return {deployments, dryRun, notes, region: deps.region, target: deps.target.kind}
}

/** Removal and status need no stream (it may be gone already): the account comes from the caller's identity of the function, if any. */
async function awsContextWithoutStream(deps: AutoscaleDeps): Promise<AutoscaleAwsContext> {
  const [iam, lambda, logs, scheduler, cloudwatch] = await Promise.all([deps.clients.iam(), deps.clients.lambda(), deps.clients.logs(), deps.clients.scheduler(), deps.clients.cloudwatch()])
  return {account: '', cloudwatch, iam, lambda, logs, onProgress: deps.onProgress, region: deps.region, scheduler, sleep: deps.sleep, streamArn: ''}
}

export interface StreamStatusEntry extends DeploymentSummary {
  stream: string
  decisions: DecisionSummary[]
}

export interface AutoscaleStatusResult {
  target: string
  region: string
  deployments: StreamStatusEntry[]
}

/** The last `last` decisions within `sinceMs` of each stream's function, with the deployment's settings. */
export async function autoscaleStatus(streams: string[], deps: AutoscaleDeps, options: {last: number; sinceMs: number}): Promise<AutoscaleStatusResult> {
  const deployments: StreamStatusEntry[] = []
  for (const stream of streams) {
    const entries = await readEntries(stream, deps, {sinceMs: options.sinceMs})
    const decisions = entries.slice(-options.last).map((e) => summarizeDecision(e))
    if (deps.target.kind === 'aws') {
      const {observeAutoscale, summarizeAws} = await import('./aws.js')
      deployments.push({...summarizeAws(await observeAutoscale(await awsContextWithoutStream(deps), stream)), decisions, stream})
    } else {
      const {readRecord, registryDir} = await import('./local.js')
      const r = await readRecord(registryDir(deps.localDir), functionName(stream))
      const summary: DeploymentSummary = {deployed: r !== undefined, functionName: functionName(stream)}
      if (r) {
        summary.schedule = {expression: `every ${r.schedule}`, state: 'ENABLED'}
        summary.function = {codeSha256: r.codeSha256, lastModified: r.deployedAt, runtime: `node ${process.versions.node} (local scheduler)`, timeoutSeconds: r.timeoutSeconds, reservedConcurrency: 1}
      }
      deployments.push({...summary, decisions, stream})
    }
  }
  return {deployments, region: deps.region, target: deps.target.kind}
}

async function readEntries(stream: string, deps: AutoscaleDeps, options: {sinceMs: number}): Promise<DecisionEntry[]> {
  const fn = functionName(stream)
  const since = (deps.now?.() ?? new Date()).getTime() - options.sinceMs
  if (deps.target.kind === 'aws') {
    const {DECISION_FILTER, readFunctionLog} = await import('./aws.js')
    const events = await readFunctionLog(await deps.clients.logs(), fn, since, {filter: DECISION_FILTER, signal: deps.signal})
    return awsEntries(events, fn, stream)
  }
  const {readDecisions, registryDir} = await import('./local.js')
  const {entries} = await readDecisions(registryDir(deps.localDir), fn)
  return entries.filter((e) => Date.parse(e.time) >= since)
}

function awsEntries(events: {time: number; message: string}[], fn: string, stream: string): DecisionEntry[] {
  const entries: DecisionEntry[] = []
  for (const e of events) {
    const decision = parseDecisionLine(e.message)
    if (decision) entries.push({decision, functionName: fn, stream, time: new Date(e.time).toISOString()})
  }
  return entries
}

/**
 * The decision log of each stream's function as entries, oldest first, from `sinceMs` ago; with
 * `follow`, keeps reading (every `pollMs`) until the signal aborts.
 */
export async function followDecisions(
  streams: string[],
  deps: AutoscaleDeps,
  options: {sinceMs: number; follow: boolean; pollMs?: number; onEntry: (entry: DecisionEntry) => void},
): Promise<number> {
  const sleep = deps.sleep ?? (async (ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  let count = 0
  const emit = (e: DecisionEntry) => {
    count += 1
    options.onEntry(e)
  }
  if (deps.target.kind === 'local') {
    const {readDecisions, registryDir} = await import('./local.js')
    const dir = registryDir(deps.localDir)
    const offsets = new Map<string, number>()
    const since = (deps.now?.() ?? new Date()).getTime() - options.sinceMs
    for (;;) {
      for (const stream of streams) {
        const fn = functionName(stream)
        const {bytes, entries} = await readDecisions(dir, fn, offsets.get(fn) ?? 0)
        offsets.set(fn, bytes)
        for (const e of entries) if (Date.parse(e.time) >= since) emit(e)
      }
      if (!options.follow || deps.signal?.aborted) return count
      await sleep(options.pollMs ?? 1000)
      if (deps.signal?.aborted) return count
    }
  }
  const {DECISION_FILTER, readFunctionLog} = await import('./aws.js')
  const logs = await deps.clients.logs()
  const seen = new Set<string>()
  const from = new Map<string, number>()
  for (const s of streams) from.set(s, (deps.now?.() ?? new Date()).getTime() - options.sinceMs)
  for (;;) {
    for (const stream of streams) {
      const fn = functionName(stream)
      const events = await readFunctionLog(logs, fn, from.get(stream)!, {filter: DECISION_FILTER, signal: deps.signal})
      const fresh = events.filter((e) => !seen.has(e.eventId ?? `${e.time}:${e.message}`))
      for (const e of fresh) seen.add(e.eventId ?? `${e.time}:${e.message}`)
      if (events.length > 0) from.set(stream, events.at(-1)!.time)
      for (const entry of awsEntries(fresh, fn, stream)) emit(entry)
    }
    if (!options.follow || deps.signal?.aborted) return count
    await sleep(options.pollMs ?? 5000)
    if (deps.signal?.aborted) return count
  }
}

/** Thrown when status or logs find nothing deployed for a stream. */
export function notDeployed(stream: string, target: string): ClickopsError {
  return new ClickopsError(`No autoscale function is deployed for "${stream}" on target ${target}.`, {
    exitCode: ExitCode.NOT_FOUND,
    hint: `Deploy it with \`clickops autoscale deploy --stream ${stream}\`.`,
  })
}
