/**
 * The local stack's scheduler (started detached by the embedded stack, see src/lib/local/services.ts):
 * the local stand-in for EventBridge Scheduler and Lambda. It reads the functions registered by
 * `clickops autoscale deploy` and invokes each bundle on its period, in a fresh process as Lambda's
 * runtime would, against kinesis-local; one invocation at a time per function (reserved
 * concurrency 1: a period that comes while the last run still goes is skipped). The lines the
 * function logs go to its decision log. Configuration from the environment the stack sets:
 *   CLICKOPS_SCHEDULER_PORT              the loopback port of its health endpoint
 *   CLICKOPS_SCHEDULER_DIR               the folder of the registered functions
 *   CLICKOPS_SCHEDULER_KINESIS_ENDPOINT  kinesis-local's plain-http endpoint
 * It listens on 127.0.0.1 only and stops cleanly on SIGTERM/SIGINT (a run under way is waited for).
 */
import {createServer} from 'node:http'

import {invokeBundle} from '../lambda/invoke.js'
import {LOCAL_CREDENTIALS, LOCAL_DEFAULT_REGION} from '../target.js'
import {parseDecisionLine, type DecisionEntry} from './decisions.js'
import {appendDecision, bundleFile, readRecords, type LocalFunctionRecord} from './local.js'

function required(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    process.stderr.write(`${name} is not set\n`)
    process.exit(2)
  }
  return value
}

const port = Number(required('CLICKOPS_SCHEDULER_PORT'))
const dir = required('CLICKOPS_SCHEDULER_DIR')
const kinesisEndpoint = required('CLICKOPS_SCHEDULER_KINESIS_ENDPOINT')
const TICK_MS = 500

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`)

interface Slot {
  nextAt: number
  everyMs: number
  deployedAt: string
  running?: Promise<void>
}
const slots = new Map<string, Slot>()
let stopping = false
/** Aborted on stop: runs under way are ended with their process (no process outlives the stack). */
const shutdown = new AbortController()

async function invoke(record: LocalFunctionRecord): Promise<void> {
  const started = new Date()
  const result = await invokeBundle({
    bundle: bundleFile(dir, record.functionName),
    env: {
      ...record.environment,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint,
      AWS_REGION: LOCAL_DEFAULT_REGION,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
    event: {source: 'clickops.autoscale', stream: record.stream, time: started.toISOString()},
    functionName: record.functionName,
    signal: shutdown.signal,
    timeoutSeconds: record.timeoutSeconds,
  })
  if (shutdown.signal.aborted) return
  const entry = (decision: DecisionEntry['decision']): DecisionEntry => ({decision, functionName: record.functionName, requestId: result.requestId, stream: record.stream, time: started.toISOString()})
  const decisions = result.lines.map((l) => parseDecisionLine(l)).filter((d) => d !== undefined)
  for (const d of decisions) await appendDecision(dir, entry(d))
  if (decisions.length === 0) {
    const why = result.timedOut ? `timed out after ${record.timeoutSeconds} s` : (result.stderr.trim().split('\n')[0] ?? `exited ${result.code}`)
    await appendDecision(dir, entry({error: {exitCode: 1, message: `The invocation failed: ${why}`, name: 'InvocationError'}}))
  }
  log(`${record.functionName}: invoked (${Math.round(result.durationMs)} ms, ${decisions.map((d) => ('outcome' in d ? d.outcome : 'error')).join(', ') || 'no decision'})`)
}

async function tick(): Promise<void> {
  const records = await readRecords(dir)
  const now = Date.now()
  for (const name of slots.keys()) if (!records.some((r) => r.functionName === name)) slots.delete(name)
  for (const record of records) {
    let slot = slots.get(record.functionName)
    // A new or redeployed function starts its period afresh (as a new schedule does).
    if (!slot || slot.everyMs !== record.everyMs || slot.deployedAt !== record.deployedAt) {
      slot = {deployedAt: record.deployedAt, everyMs: record.everyMs, nextAt: now + record.everyMs, running: slot?.running}
      slots.set(record.functionName, slot)
    }
    if (now < slot.nextAt || stopping) continue
    slot.nextAt = Math.max(slot.nextAt + slot.everyMs, now + 1)
    if (slot.running) {
      log(`${record.functionName}: the previous run is still going; this period is skipped (reserved concurrency 1)`)
      continue
    }
    const s = slot
    s.running = invoke(record)
      .catch((error: unknown) => {
        log(`${record.functionName}: could not invoke: ${(error as Error).message}`)
      })
      .finally(() => {
        s.running = undefined
      })
  }
}

const server = createServer((req, res) => {
  if (req.url === '/health' && req.method === 'GET') {
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({functions: slots.size, ok: true}))
    return
  }
  res.writeHead(404).end()
})
server.listen({host: '127.0.0.1', port}, () => log(`local scheduler listening on http://127.0.0.1:${port} (functions from ${dir}, Kinesis at ${kinesisEndpoint})`))

const timer = setInterval(() => {
  tick().catch((error: unknown) => log(`tick failed: ${(error as Error).message}`))
}, TICK_MS)

async function stop() {
  stopping = true
  clearInterval(timer)
  server.close()
  server.closeAllConnections()
  shutdown.abort()
  await Promise.all([...slots.values()].map((s) => s.running))
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('SIGINT', () => void stop())
