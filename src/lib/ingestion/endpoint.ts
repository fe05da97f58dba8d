/**
 * Where a stream's ingestion API answers: its invoke URL, stage and (when one is required) its API
 * key. Used by `clickops send --via api` and `clickops status`. On AWS the API is found by its name
 * and tags; locally, from the gateway's state in `<CLICKOPS_HOME>/local/apis/`.
 */
import type {Clients} from '../aws/clients.js'
import {ClickopsError, ExitCode} from '../errors.js'
import {resolveLocalConfig} from '../local/config.js'
import {apiKeyName, awsInvokeUrl, BATCH_PATH, DEFAULT_STAGE, EVENTS_PATH, localInvokeUrl} from '../api-contract.js'
import type {Target} from '../target.js'
import {apisDir, readLocalApi} from '../gateway/state.js'

export interface IngestionApiArgs {
  target: Target
  clients: Clients
  stream: string
  /** The embedded stack's endpoints (from BaseCommand.connect); `gateway` is used locally. */
  localEndpoints: Record<string, string>
  /** The stage to use; default: the provisioned one (on AWS: `v1`, or the API's only stage). */
  stage?: string
}

export interface IngestionApiInfo {
  apiId: string
  stage: string
  /** The stage's base URL (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`, locally `http://127.0.0.1:4580/<stream>/<stage>`). */
  invokeUrl: string
  /** POST one event here. */
  url: string
  /** POST `{"records": [event, ...]}` (1–500 events) here. */
  batchUrl: string
  apiKeyRequired: boolean
}

export interface IngestionApi extends IngestionApiInfo {
  /** The key's value, to send as the `x-api-key` header; only when the API requires one. Never print it. */
  apiKey?: string
}

export class ApiNotFoundError extends ClickopsError {
  constructor(stream: string, target: string, detail?: string) {
    super(`No ingestion API is provisioned for stream "${stream}" on target ${target}${detail ? ` (${detail})` : ''}.`, {
      exitCode: ExitCode.NOT_FOUND,
      hint: `Create it with \`clickops provision --stream ${stream}\`.`,
    })
  }
}

function urls(invokeUrl: string) {
  return {batchUrl: `${invokeUrl}${BATCH_PATH}`, invokeUrl, url: `${invokeUrl}${EVENTS_PATH}`}
}

async function locate(args: IngestionApiArgs, withKey: boolean): Promise<IngestionApi | undefined> {
  const {stream, target} = args
  if (target.kind === 'local') {
    const config = resolveLocalConfig()
    const state = await readLocalApi(apisDir(config.dir), stream)
    if (!state) return undefined
    if (args.stage !== undefined && args.stage !== state.stage) {
      throw new ApiNotFoundError(stream, target.kind, `it has stage "${state.stage}", not "${args.stage}"`)
    }
    const gateway = args.localEndpoints.gateway ?? `http://127.0.0.1:${config.ports.gateway}`
    const api: IngestionApi = {apiId: state.apiId, apiKeyRequired: state.apiKey !== undefined, stage: state.stage, ...urls(localInvokeUrl(gateway, stream, state.stage))}
    if (withKey && state.apiKey) api.apiKey = state.apiKey.value
    return api
  }

  const lookup = await import('./lookup.js')
  const apigw = await args.clients.apiGateway()
  const rest = await lookup.findRestApi(apigw, stream)
  if (!rest?.id) return undefined
  let stage = args.stage
  if (stage === undefined) {
    const stages = await lookup.listStages(apigw, rest.id)
    const names = stages.map((s) => s.stageName!).filter(Boolean)
    stage = names.includes(DEFAULT_STAGE) ? DEFAULT_STAGE : names.length === 1 ? names[0] : undefined
    if (stage === undefined) {
      if (names.length === 0) throw new ApiNotFoundError(stream, target.kind, `API ${rest.id} has no deployed stage`)
      throw new ClickopsError(`API ${rest.id} has several stages (${names.join(', ')}).`, {exitCode: ExitCode.USAGE, hint: 'Name one with --stage.'})
    }
  } else if (!(await lookup.findStage(apigw, rest.id, stage))) {
    throw new ApiNotFoundError(stream, target.kind, `API ${rest.id} has no stage "${stage}"`)
  }
  const region = await args.clients.region()
  const required = await lookup.apiKeyRequired(apigw, rest.id)
  const api: IngestionApi = {apiId: rest.id, apiKeyRequired: required, stage, ...urls(awsInvokeUrl(rest.id, region, stage))}
  if (withKey && required) {
    const key = await lookup.findApiKey(apigw, stream, true)
    if (!key?.value) {
      throw new ClickopsError(`The API requires a key, but the key "${apiKeyName(stream)}" was not found.`, {
        exitCode: ExitCode.NOT_FOUND,
        hint: `Run \`clickops provision --stream ${stream} --api-key\` again to recreate it.`,
      })
    }
    api.apiKey = key.value
  }
  return api
}

/**
 * The provisioned API of `stream`: URLs and, when the API requires one, the key's value.
 * Throws ApiNotFoundError (exit 3) pointing at `clickops provision` when there is none.
 */
export async function resolveIngestionApi(args: IngestionApiArgs): Promise<IngestionApi> {
  const api = await locate(args, true)
  if (!api) throw new ApiNotFoundError(args.stream, args.target.kind)
  return api
}

/** Like resolveIngestionApi without the key's value; undefined when there is no API (for `status`). */
export async function describeIngestionApi(args: IngestionApiArgs): Promise<IngestionApiInfo | undefined> {
  const api = await locate(args, false)
  if (!api) return undefined
  const {apiKey: _omitted, ...info} = api
  return info
}

