/**
 * The client factory. Each AWS SDK client is imported and created only when a command asks for it,
 * with adaptive retries, one credential provider shared by every client of the run (the AWS CLI's
 * chain, MFA codes asked through `options.mfaCode`; the embedded stack's fixed credentials
 * locally), and an HTTP/1.1 keep-alive handler for plain-http endpoints (the Kinesis client's
 * default HTTP/2 handler fails there with ERR_HTTP2_ERROR).
 *
 * The pattern of src/lib/aws, for adding a service or a call:
 * - One facade per service, `src/lib/aws/<service>.ts`: `createClient(config)` and one exported
 *   function per call, `(client, input, options?) => client.send(new (await sdk()).XCommand(input), options)`,
 *   the SDK loaded lazily inside (`const sdk = lazy(() => import('@aws-sdk/client-…'))`, facade.ts).
 *   Only type imports of the SDK elsewhere in src/.
 * - Each facade exports `ACTIONS`: every call's IAM actions, the call's own first
 *   (`listShards: 'kinesis:ListShards'`). Register the table in actions.ts; the IAM policy test
 *   and test/lib/aws/facades.test.ts read it (a call missing from the table fails them).
 * - A new service: its facade, a line in FACADES (and NOT_LOCAL if the embedded stack lacks it)
 *   below, a method on Clients, its endpoint env var in src/lib/target.ts.
 * - Call sites: `import * as Kinesis from '../aws/kinesis.js'` then `Kinesis.listShards(kinesis, {...})`.
 */
import type {APIGatewayClient} from './apigateway.js'
import type {CloudWatchClient} from './cloudwatch.js'
import type {IAMClient} from './iam.js'
import type {KinesisClient} from './kinesis.js'
import type {WAFV2Client} from './wafv2.js'
import type {LambdaClient} from '@aws-sdk/client-lambda'
import type {SchedulerClient} from '@aws-sdk/client-scheduler'
import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'

import {ClickopsError, ExitCode} from '../errors.js'
import {LOCAL_CREDENTIALS, type Service, type Target} from '../target.js'

/** Sockets per host of the HTTP/1.1 handler when none is given. */
export const DEFAULT_MAX_SOCKETS = 50

export interface ClientOptions {
  /** Attempts per call, including the first (default 5). */
  maxAttempts?: number
  /** Sockets per host for the HTTP/1.1 handler (default DEFAULT_MAX_SOCKETS). */
  maxSockets?: number
  /** Per-request timeout in ms (default 30 s). */
  requestTimeout?: number
  /**
   * Asks the user for the current code of the MFA device `serial`, for profiles that assume a role
   * with `mfa_serial` (as the AWS CLI does). Give it only when the session is interactive; without it
   * such a profile fails with a ClickopsError that says so.
   */
  mfaCode?: (serial: string) => Promise<string>
}

/** Resolves credentials; shared by every client of one `createClients`. */
export type CredentialProvider = () => Promise<{accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date}>

export interface Clients {
  readonly target: Target
  kinesis(): Promise<KinesisClient>
  /** A Kinesis client for SubscribeToShard (event streams need HTTP/2; see eventStreamHandler). */
  kinesisEventStream(): Promise<KinesisClient>
  cloudwatch(): Promise<CloudWatchClient>
  apiGateway(): Promise<APIGatewayClient>
  iam(): Promise<IAMClient>
  wafv2(): Promise<WAFV2Client>
  lambda(): Promise<LambdaClient>
  scheduler(): Promise<SchedulerClient>
  logs(): Promise<CloudWatchLogsClient>
  /** The region actually in use (the SDK's resolution when no flag or env var named one). */
  region(): Promise<string>
  /** Closes the sockets of every client created so far. */
  destroy(): void
}

/** Keeps the SDK's Node-version notice off the user's terminal; must run before a client is built. */
export function silenceSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
}

/** The configuration shared by every client; exported for tests. `credentials`: the run's shared provider (target aws). */
export async function baseConfig(target: Target, service: Service, options: ClientOptions = {}, credentials?: CredentialProvider) {
  silenceSdkNodeWarning()
  const endpoint = target.endpoints[service]
  const config: Record<string, unknown> = {
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'adaptive',
  }
  if (target.region !== undefined) config.region = target.region
  if (endpoint !== undefined) config.endpoint = endpoint
  if (target.kind === 'local') {
    config.credentials = {...LOCAL_CREDENTIALS}
  } else {
    if (target.profile !== undefined) config.profile = target.profile
    if (credentials !== undefined) config.credentials = credentials
  }
  if (endpoint?.startsWith('http://')) {
    const [{NodeHttpHandler}, http, https] = await Promise.all([
      import('@smithy/node-http-handler'),
      import('node:http'),
      import('node:https'),
    ])
    const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS
    config.requestHandler = new NodeHttpHandler({
      httpAgent: new http.Agent({keepAlive: true, maxSockets}),
      httpsAgent: new https.Agent({keepAlive: true, maxSockets}),
      requestTimeout: options.requestTimeout ?? 30_000,
      // Without it the handler only logs a warning on the user's terminal and keeps waiting: a
      // stuck request fails instead, and the SDK retries it.
      throwOnRequestTimeout: true,
      // Counted from the moment the SDK issues the request, including any wait for a free socket:
      // callers that may have more than maxSockets calls in flight queue them first (see the
      // local gateway's integration queue).
      connectionTimeout: 5000,
    })
  }
  return config
}

/**
 * The HTTP/2 handler for SubscribeToShard. The SDK's Kinesis client uses NodeHttp2Handler by
 * default, which is right on AWS; on the HTTP/1.1 handler that baseConfig puts in front of a
 * plain-http endpoint, SubscribeToShard never completes. kinesis-local speaks HTTP/2 on both its
 * ports: cleartext HTTP/2 with prior knowledge (h2c) on the plain port, which is what
 * NodeHttp2Handler does for an http:// URL, and h2 over TLS with the self-signed certificate of its
 * package (CN "Unknown": an https endpoint needs that certificate as `ca` and no host-name check).
 *
 * One quirk of the emulator is worked around here: for an event stream NodeHttp2Handler closes its
 * session gracefully (GOAWAY) as soon as the response headers arrive, and kinesis-local 0.6.2
 * answers that with a frame Node rejects (ERR_HTTP2_ERROR "Protocol error") instead of going on
 * with the stream. For emulator endpoints the graceful close is skipped: the handler still destroys
 * the session when the stream ends, closes or is aborted, so no session outlives its subscription.
 */
export async function eventStreamHandler(options: {emulator: boolean; requestTimeout?: number}) {
  const {NodeHttp2Handler} = await import('@smithy/node-http-handler')
  // No request timeout: a subscription is quiet for seconds between events and lasts 5 minutes.
  const handler = new NodeHttp2Handler({requestTimeout: options.requestTimeout ?? 0, sessionTimeout: 0})
  if (options.emulator) {
    const manager = (handler as unknown as {connectionManager?: {createIsolatedSession?: (...a: unknown[]) => {deref(): {close: () => void}}}}).connectionManager
    const create = manager?.createIsolatedSession?.bind(manager)
    if (manager && create) {
      manager.createIsolatedSession = (...a: unknown[]) => {
        const ref = create(...a)
        ref.deref().close = () => {}
        return ref
      }
    }
  }
  return handler
}

/** Each service's facade module (loaded with the first client of that service). */
const FACADES = {
  apigateway: () => import('./apigateway.js'),
  cloudwatch: () => import('./cloudwatch.js'),
  iam: () => import('./iam.js'),
  kinesis: () => import('./kinesis.js'),
  wafv2: () => import('./wafv2.js'),
} satisfies Partial<Record<Service, () => Promise<{createClient(config: never): Promise<unknown>}>>>
type FacadeService = keyof typeof FACADES
interface ClientTypes {
  apigateway: APIGatewayClient
  cloudwatch: CloudWatchClient
  iam: IAMClient
  kinesis: KinesisClient
  wafv2: WAFV2Client
}
type ClientOf<S extends FacadeService> = ClientTypes[S]

/** Services the embedded stack does not run: their clients need an endpoint given for target local. */
const NOT_LOCAL: Partial<Record<FacadeService, string>> = {apigateway: 'API Gateway', cloudwatch: 'CloudWatch', iam: 'IAM', wafv2: 'AWS WAF'}

function requireEndpointOnLocal(target: Target, service: Service, what: string): void {
  if (target.kind === 'local' && target.endpoints[service] === undefined) {
    throw new ClickopsError(`${what} is not part of the embedded local stack.`, {
      exitCode: ExitCode.USAGE,
      hint: `Use --target aws, or point AWS_ENDPOINT_URL_${service.toUpperCase()} at an emulator.`,
    })
  }
}

/** The error for a profile that needs an MFA code when nobody can be asked for one. */
export function mfaNotInteractiveError(serial: string, profile: string | undefined): ClickopsError {
  return new ClickopsError(`The AWS profile${profile ? ` "${profile}"` : ''} needs a code from the MFA device ${serial}, and this session is not interactive.`, {
    exitCode: ExitCode.AWS,
    hint: 'Run the command in a terminal to be asked for the code, or use credentials that need none (e.g. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from `aws sts get-session-token`).',
  })
}

/**
 * The AWS CLI's credential chain (environment, SSO, shared files with role assumption, process,
 * web identity, container and instance metadata), resolved once for all clients of a run and
 * refreshed before it expires; `mfa_serial` profiles ask `options.mfaCode` for the code.
 */
export async function sharedCredentials(target: Target, options: ClientOptions = {}): Promise<CredentialProvider> {
  const {fromNodeProviderChain} = await import('@aws-sdk/credential-providers')
  const ask = options.mfaCode ?? (async (serial: string) => Promise.reject(mfaNotInteractiveError(serial, target.profile)))
  return fromNodeProviderChain({mfaCodeProvider: ask, ...(target.profile === undefined ? {} : {profile: target.profile})})
}

export function createClients(target: Target, options: ClientOptions = {}): Clients {
  let credentials: Promise<CredentialProvider | undefined> | undefined
  const configFor = (service: Service) => {
    credentials ??= target.kind === 'local' ? Promise.resolve(undefined) : sharedCredentials(target, options)
    return credentials.then((shared) => baseConfig(target, service, options, shared))
  }
  const cache = new Map<Service, Promise<{destroy(): void; config: {region: () => Promise<string>}}>>()

  function memo<T>(service: Service, make: () => Promise<T>): Promise<T> {
    let p = cache.get(service)
    if (p === undefined) {
      p = make() as never
      cache.set(service, p!)
    }
    return p as Promise<T>
  }

  function client<S extends FacadeService>(service: S): Promise<ClientOf<S>> {
    return memo<ClientOf<S>>(service, async () => {
      const what = NOT_LOCAL[service]
      if (what !== undefined) requireEndpointOnLocal(target, service, what)
      const [facade, config] = await Promise.all([FACADES[service](), configFor(service)])
      return (await (facade.createClient as (config: unknown) => Promise<unknown>)(config)) as ClientOf<S>
    })
  }

  const clients: Clients = {
    target,
    kinesis: () => client('kinesis'),
    cloudwatch: () => client('cloudwatch'),
    apiGateway: () => client('apigateway'),
    iam: () => client('iam'),
    wafv2: () => client('wafv2'),
    kinesisEventStream: () =>
      memo('kinesis-h2' as Service, async () => {
        const [facade, config] = await Promise.all([import('./kinesis.js'), configFor('kinesis')])
        if (target.endpoints.kinesis !== undefined) config.requestHandler = await eventStreamHandler({emulator: true})
        return facade.createClient(config)
      }),
    lambda: () =>
      memo('lambda', async () => {
        requireEndpointOnLocal(target, 'lambda', 'AWS Lambda')
        const [{LambdaClient}, config] = await Promise.all([import('@aws-sdk/client-lambda'), configFor('lambda')])
        return new LambdaClient(config)
      }),
    scheduler: () =>
      memo('scheduler', async () => {
        requireEndpointOnLocal(target, 'scheduler', 'EventBridge Scheduler')
        const [{SchedulerClient}, config] = await Promise.all([import('@aws-sdk/client-scheduler'), configFor('scheduler')])
        return new SchedulerClient(config)
      }),
    logs: () =>
      memo('logs', async () => {
        requireEndpointOnLocal(target, 'logs', 'CloudWatch Logs')
        const [{CloudWatchLogsClient}, config] = await Promise.all([import('@aws-sdk/client-cloudwatch-logs'), configFor('logs')])
        return new CloudWatchLogsClient(config)
      }),
    async region() {
      if (target.region !== undefined) return target.region
      const kinesis = await clients.kinesis()
      try {
        return await kinesis.config.region()
      } catch (error) {
        throw new ClickopsError('No AWS region is set.', {
          cause: error,
          exitCode: ExitCode.AWS,
          hint: 'Pass --region, set AWS_REGION, or set region in your ~/.aws/config profile.',
        })
      }
    },
    destroy() {
      for (const p of cache.values()) p.then((c) => c.destroy(), () => {})
      cache.clear()
    },
  }
  return clients
}
