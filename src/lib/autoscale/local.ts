/**
 * `clickops autoscale` on the embedded stack: the same bundle, registered with the stack's
 * scheduler service. A registration is a folder under `<CLICKOPS_HOME>/local/autoscale/`: the
 * function's record (`<name>.json`: its environment, timeout and period) and its code
 * (`<name>/index.mjs`). The scheduler reads the records and invokes each bundle on its period
 * against kinesis-local; the decisions go to `<name>.decisions.jsonl`, one entry per line.
 */
import {appendFile, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ensurePrivateDir, writePrivateFile} from '../local/files.js'
import type {Step} from '../provision/plan.js'
import {CONFIG_ENV, encodeConfig, type AutoscaleConfig} from './config.js'
import type {DecisionEntry} from './decisions.js'
import {functionName} from './naming.js'

export const RECORD_VERSION = 1

export interface LocalFunctionRecord {
  version: typeof RECORD_VERSION
  functionName: string
  stream: string
  /** The schedule as given, and its period. */
  schedule: string
  everyMs: number
  codeSha256: string
  environment: Record<string, string>
  timeoutSeconds: number
  deployedAt: string
}

export const registryDir = (localDir: string) => join(localDir, 'autoscale')
export const recordFile = (dir: string, fn: string) => join(dir, `${fn}.json`)
export const bundleFile = (dir: string, fn: string) => join(dir, fn, 'index.mjs')
export const decisionFile = (dir: string, fn: string) => join(dir, `${fn}.decisions.jsonl`)

export async function readRecord(dir: string, fn: string): Promise<LocalFunctionRecord | undefined> {
  try {
    const doc = JSON.parse(await readFile(recordFile(dir, fn), 'utf8')) as LocalFunctionRecord
    return doc.version === RECORD_VERSION ? doc : undefined
  } catch {
    return undefined
  }
}

/** Every registered function (records that cannot be read are skipped). */
export async function readRecords(dir: string): Promise<LocalFunctionRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const records: LocalFunctionRecord[] = []
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const r = await readRecord(dir, name.slice(0, -'.json'.length))
    if (r) records.push(r)
  }
  return records
}

export interface LocalDesired {
  stream: string
  config: AutoscaleConfig
  everyMs: number
  schedule: string
  timeoutSeconds: number
}

export function planLocalAutoscale(desired: LocalDesired, current: LocalFunctionRecord | undefined, bundle: {code: string; codeSha256: string}, dir: string, now: () => Date = () => new Date()): Step[] {
  const fn = functionName(desired.stream)
  const environment = {[CONFIG_ENV]: encodeConfig(desired.config)}
  const record = (): LocalFunctionRecord => ({
    codeSha256: bundle.codeSha256,
    deployedAt: now().toISOString(),
    environment,
    everyMs: desired.everyMs,
    functionName: fn,
    schedule: desired.schedule,
    stream: desired.stream,
    timeoutSeconds: desired.timeoutSeconds,
    version: RECORD_VERSION,
  })
  const write = async () => {
    await ensurePrivateDir(dir)
    await ensurePrivateDir(join(dir, fn))
    await writeFile(bundleFile(dir, fn), bundle.code, {mode: 0o600})
    await writePrivateFile(recordFile(dir, fn), JSON.stringify(record(), null, 2) + '\n')
  }
  const steps: Step[] = []
  if (!current) {
    steps.push({action: 'create', name: fn, reason: `does not exist; code ${bundle.codeSha256}`, resource: 'local function', run: write})
    // Written with the function's record (one file); the scheduler picks both up at its next tick.
    steps.push({action: 'create', name: fn, reason: `every ${desired.schedule}, by the local stack's scheduler`, resource: 'local schedule', run: async () => {}})
    return steps
  }
  const codeDiffers = current.codeSha256 !== bundle.codeSha256
  const envDiffers = JSON.stringify(current.environment) !== JSON.stringify(environment) || current.timeoutSeconds !== desired.timeoutSeconds
  const scheduleDiffers = current.everyMs !== desired.everyMs
  if (!codeDiffers && !envDiffers) steps.push({action: 'unchanged', name: fn, reason: `code ${current.codeSha256} and settings are current`, resource: 'local function'})
  else {
    steps.push({
      action: 'update',
      name: fn,
      reason: [codeDiffers && `code ${current.codeSha256} → ${bundle.codeSha256}`, envDiffers && 'policy or settings differ'].filter(Boolean).join('; '),
      resource: 'local function',
      run: write,
    })
  }
  if (!scheduleDiffers) steps.push({action: 'unchanged', name: fn, reason: `every ${current.schedule}`, resource: 'local schedule'})
  else steps.push({action: 'update', name: fn, reason: `every ${current.schedule} → every ${desired.schedule}`, resource: 'local schedule', run: codeDiffers || envDiffers ? async () => {} : write})
  return steps
}

export function planLocalRemoval(current: LocalFunctionRecord | undefined, dir: string, stream: string): Step[] {
  const fn = functionName(stream)
  if (!current) return []
  return [
    {
      action: 'delete',
      name: fn,
      reason: 'registered with the local stack; its code and decision log go with it',
      resource: 'local function',
      async run() {
        await rm(recordFile(dir, fn), {force: true})
        await rm(join(dir, fn), {force: true, recursive: true})
        await rm(decisionFile(dir, fn), {force: true})
      },
    },
  ]
}

export async function appendDecision(dir: string, entry: DecisionEntry): Promise<void> {
  await mkdir(dir, {mode: 0o700, recursive: true})
  await appendFile(decisionFile(dir, entry.functionName), `${JSON.stringify(entry)}\n`, {mode: 0o600})
}

/** The decision log's entries (a line cut short by a crash is skipped), and the byte length read. */
export async function readDecisions(dir: string, fn: string, fromByte = 0): Promise<{entries: DecisionEntry[]; bytes: number}> {
  let text: Buffer
  try {
    text = await readFile(decisionFile(dir, fn))
  } catch {
    return {bytes: fromByte, entries: []}
  }
  const chunk = text.subarray(fromByte)
  const end = chunk.lastIndexOf(0x0a) + 1
  const entries: DecisionEntry[] = []
  for (const line of chunk.subarray(0, end).toString('utf8').split('\n')) {
    if (line.trim() === '') continue
    try {
      entries.push(JSON.parse(line) as DecisionEntry)
    } catch {
      // A line that is not JSON is not a decision.
    }
  }
  return {bytes: fromByte + end, entries}
}
