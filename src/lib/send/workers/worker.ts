/**
 * One send worker: opens its own destination from the spec (its own Kinesis client and writer),
 * runs its share of the plan, reports its counters every `reportMs` and once more at the end. The
 * same code runs in a worker thread and in a Lambda invocation.
 */
import {createRandom} from '../../clickstream/random.js'
import {toClickopsError} from '../../errors.js'
import type {DestinationSpec} from '../destination.js'
import {runSend, type SendControl} from '../run.js'
import type {BatchSink} from '../sink.js'
import {SendStats} from '../stats.js'
import type {WorkerCredentials, WorkerInit, WorkerMessage, WorkerProgress} from './protocol.js'

export interface OpenedSink {
  sink: BatchSink
  close(): void
}

/** The sink a spec names, with a client of its own. */
export async function openSink(spec: DestinationSpec, credentials?: WorkerCredentials): Promise<OpenedSink> {
  if (spec.kind === 'api') {
    const {apiSink} = await import('../api-sink.js')
    return {close() {}, sink: apiSink({apiKey: spec.apiKey, batchUrl: spec.batchUrl})}
  }
  const [Kinesis, {baseConfig}, {kinesisSink}] = await Promise.all([
    import('../../aws/kinesis.js'),
    import('../../aws/clients.js'),
    import('../kinesis-sink.js'),
  ])
  const config = await baseConfig(spec.target, 'kinesis')
  if (credentials) config.credentials = {...credentials, expiration: credentials.expiration ? new Date(credentials.expiration) : undefined}
  const client = await Kinesis.createClient(config)
  return {close: () => client.destroy(), sink: kinesisSink(client, {maxRecordSizeInKiB: spec.maxRecordSizeInKiB, streamName: spec.stream, target: spec.target.kind})}
}

export function progressOf(stats: SendStats): WorkerProgress {
  return {
    byShard: Object.fromEntries(stats.byShard),
    recent: stats.recent.quantiles(0.5, 0.99) as [number | undefined, number | undefined],
    snapshot: stats.snapshot(),
  }
}

/** Runs a worker to its end; `post` carries its reports. Never throws: a failure is a message. */
export async function runWorker(init: WorkerInit, post: (message: WorkerMessage) => void, control: SendControl, now: () => number): Promise<void> {
  let opened: OpenedSink
  try {
    opened = await openSink(init.destination, init.credentials)
  } catch (error) {
    const e = toClickopsError(error, {target: init.destination.kind === 'kinesis' ? init.destination.target.kind : 'aws'})
    post({error: {hint: e.hint, message: e.message, name: e.name}, type: 'failed'})
    return
  }
  const stats = new SendStats(now)
  const timer = setInterval(() => post({type: 'progress', ...progressOf(stats)}), init.reportMs)
  try {
    const outcome = await runSend(init.plan, {kind: 'batch', sink: opened.sink, writer: init.writer}, {now, random: createRandom(init.jitterSeed), stats}, control)
    post({latency: stats.latency.toData(), outcome, type: 'done'})
  } catch (error) {
    const e = toClickopsError(error, {target: 'aws'})
    post({type: 'progress', ...progressOf(stats)})
    post({error: {hint: e.hint, message: e.message, name: e.name}, type: 'failed'})
  } finally {
    clearInterval(timer)
    opened.close()
  }
}
