/**
 * Where a `send` run writes, wired from its options: NDJSON lines on a stream (--via stdout), the
 * ingestion API's batch route (--via api, looked up from the provisioned API unless --api-url names
 * it), or PutRecords on the stream (checked to exist and accept writes before anything is
 * generated). The connection is the caller's (the command's target and clients).
 */
import type {Clients} from '../aws/clients.js'
import type {Target} from '../target.js'
import type {SendOptions} from './options.js'
import {streamLineOutput, type SendDestination} from './run.js'
import type {WorkerCredentials} from './workers/protocol.js'

/** The part of a command's connection a destination needs. */
export interface SendConnection {
  target: Target
  clients: Clients
  region: string
  stream: string
  localEndpoints: Record<string, string>
}

/** Where the run went, for the summary. */
export interface SendWhere {
  /** Kinesis: the target, region and stream written to. */
  target?: string
  region?: string
  stream?: string
  /** API: the batch route posted to (never the key). */
  apiUrl?: string
}

/** What a worker needs to open the same destination on its own (plain data). */
export type DestinationSpec =
  | {kind: 'kinesis'; target: Target; stream: string; maxRecordSizeInKiB?: number}
  | {kind: 'api'; batchUrl: string; apiKey?: string}

export interface OpenedDestination {
  destination: SendDestination
  where: SendWhere
  /** Undefined for --via stdout (lines go to this process's stdout only). */
  spec?: DestinationSpec
  /** With --workers on AWS: the credentials resolved once here, handed to every worker. */
  credentials?: WorkerCredentials
}

export interface DestinationDeps {
  connect(): Promise<SendConnection>
  /** One line of diagnostics (the API's URL). */
  note(message: string): void
  /** Where --via stdout writes. */
  stdout: NodeJS.WritableStream
}

export async function openDestination(options: SendOptions, deps: DestinationDeps): Promise<OpenedDestination> {
  if (options.via === 'stdout') return {destination: {kind: 'lines', out: streamLineOutput(deps.stdout)}, where: {}}
  const writer = options.writer
  const where: SendWhere = {}
  const toApi = async (batchUrl: string, apiKey?: string): Promise<OpenedDestination> => {
    const {apiSink} = await import('./api-sink.js')
    where.apiUrl = batchUrl
    deps.note(`api: ${batchUrl}${apiKey ? ' (with API key)' : ''}`)
    return {destination: {kind: 'batch', sink: apiSink({apiKey, batchUrl}), writer}, spec: {apiKey, batchUrl, kind: 'api'}, where}
  }
  // --api-url given: no lookup, so no AWS connection either.
  if (options.via === 'api' && options.api?.batchUrl !== undefined) return toApi(options.api.batchUrl, options.api.apiKey)
  const {clients, localEndpoints, region, stream, target} = await deps.connect()
  where.target = target.kind
  where.region = region
  where.stream = stream
  if (options.via === 'api') {
    const {resolveIngestionApi} = await import('../ingestion/endpoint.js')
    const api = await resolveIngestionApi({clients, localEndpoints, stream, target})
    return toApi(api.batchUrl, options.api?.apiKey ?? api.apiKey)
  }
  const {checkStreamWritable, kinesisSink} = await import('./kinesis-sink.js')
  const kinesis = await clients.kinesis()
  const {maxRecordSizeInKiB} = await checkStreamWritable(kinesis, stream, target.kind)
  let credentials: WorkerCredentials | undefined
  if (options.workers && target.kind === 'aws') {
    // One resolution for the whole run (a profile's MFA prompt once, not once per worker).
    const c = await kinesis.config.credentials()
    credentials = {accessKeyId: c.accessKeyId, expiration: c.expiration?.toISOString(), secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken}
  }
  return {
    credentials,
    destination: {kind: 'batch', sink: kinesisSink(kinesis, {maxRecordSizeInKiB, streamName: stream, target: target.kind}), writer},
    spec: {kind: 'kinesis', maxRecordSizeInKiB, stream, target: {...target, region}},
    where,
  }
}
