/**
 * Typed errors and exit codes: the one place where a failure gets its message, its hint and its
 * exit code. `src/lib` throws these; commands turn them into one line on stderr and an exit code.
 */

/** Every exit code clickops uses. The README's table is generated from the same names. */
export const ExitCode = {
  OK: 0,
  /** Unexpected failure (a bug or an AWS error without a better mapping). */
  ERROR: 1,
  /** Invalid flags or input, rejected before any AWS call. */
  USAGE: 2,
  /** The stream (or the API) does not exist. */
  NOT_FOUND: 3,
  /** The embedded local stack could not start or stop (port in use, emulator crashed, CLICKOPS_HOME read-only or full). */
  LOCAL_STACK: 4,
  /** AWS refused: missing credentials, access denied, an unknown region, an endpoint unreachable or not an AWS one. */
  AWS: 5,
  /** `send`: some events failed permanently (the summary says how many). */
  PARTIAL_FAILURE: 6,
  /** `scale`: UpdateShardCount steps were applied. */
  SCALED: 10,
  /** `scale --dry-run`: a change would be made. */
  WOULD_SCALE: 11,
  /** `scale`: a change is needed but blocked (cooldown, 24 h budget, quota, on-demand, change in progress). */
  BLOCKED: 12,
  /** `lag`: a consumer's lag now exceeds --max-lag. */
  LAGGING: 13,
  /** Interrupted by Ctrl-C before the work could finish. */
  INTERRUPTED: 130,
} as const

export type ExitCodeName = keyof typeof ExitCode
export type ExitCodeValue = (typeof ExitCode)[ExitCodeName]

export class ClickopsError extends Error {
  readonly exitCode: ExitCodeValue
  /** What to do next, one short sentence. */
  readonly hint?: string

  constructor(message: string, options: {cause?: unknown; exitCode?: ExitCodeValue; hint?: string} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.exitCode = options.exitCode ?? ExitCode.ERROR
    this.hint = options.hint
  }
}

/** Bad input: a flag value, a policy file, a time expression. Always raised before any AWS call. */
export class UsageError extends ClickopsError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: ExitCode.USAGE, hint})
  }
}

export class StreamNotFoundError extends ClickopsError {
  readonly stream: string
  constructor(stream: string, target: string, cause?: unknown) {
    super(`Stream "${stream}" does not exist on target ${target}.`, {
      cause,
      exitCode: ExitCode.NOT_FOUND,
      hint: `Create it with \`clickops provision --stream ${stream}\`, or pick another with --stream.`,
    })
    this.stream = stream
  }
}

export class LocalStackError extends ClickopsError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, {cause, exitCode: ExitCode.LOCAL_STACK, hint})
  }
}

export class PortInUseError extends LocalStackError {
  readonly port: number
  constructor(port: number, what: string, envVar: string) {
    super(
      `Port ${port} on 127.0.0.1 (${what}) is already in use by another program.`,
      `Stop that program, or choose another port with ${envVar}=<port> (or the matching \`clickops local up\` flag).`,
    )
    this.port = port
  }
}

export class AwsError extends ClickopsError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, {cause, exitCode: ExitCode.AWS, hint})
  }
}

/** The shape the SDK's service exceptions share. */
interface SdkLikeError {
  name?: string
  message?: string
  code?: string
  $metadata?: {httpStatusCode?: number}
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'TokenRefreshRequired',
])

/**
 * Turns anything thrown into a ClickopsError with a one-sentence message. Known SDK and network
 * failures get a specific message and hint; everything else keeps its message and exit code 1.
 */
export function toClickopsError(error: unknown, context: {target?: string} = {}): ClickopsError {
  if (error instanceof ClickopsError) return error
  const e = (error ?? {}) as SdkLikeError
  const name = e.name ?? ''
  const message = firstSentence(e.message ?? String(error))
  if (CREDENTIAL_ERRORS.has(name)) {
    return new AwsError(
      `AWS credentials were rejected or not found (${name}): ${message}`,
      'Check `aws sts get-caller-identity` with the same --profile/AWS_PROFILE, or log in again (`aws sso login`).',
      error,
    )
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new AwsError(
      `AWS denied the request: ${message}`,
      'Grant the permissions listed in iam/clickops-operator-policy.json to this identity.',
      error,
    )
  }
  if (isNetworkError(error)) {
    const local = context.target === 'local'
    return new AwsError(
      `Cannot reach the ${local ? 'local Kinesis endpoint' : 'AWS endpoint'}: ${message}`,
      local
        ? 'Start the embedded stack with `clickops local up` and check `clickops local status`.'
        : 'Check --region, --endpoint-url and your network connection.',
      error,
    )
  }
  if (isNotAnAwsAnswer(error)) {
    const local = context.target === 'local'
    return new AwsError(
      `The endpoint answered HTTP ${e.$metadata?.httpStatusCode}, but not as the AWS service does: it is probably not that service's endpoint.`,
      local
        ? 'Check --endpoint-url and AWS_ENDPOINT_URL*: on target local that is kinesis-local\'s endpoint (`clickops local status`), not the gateway\'s.'
        : 'Check --endpoint-url and AWS_ENDPOINT_URL*: each must be the endpoint of its AWS service (or an emulator of it).',
      error,
    )
  }
  return new ClickopsError(message || name || 'Unknown error', {cause: error})
}

/**
 * An HTTP answer that no AWS service would give: a body the SDK cannot parse (an HTML page, another
 * API's JSON) or an error without an AWS error type, which the SDK names "Unknown".
 */
export function isNotAnAwsAnswer(error: unknown): boolean {
  const e = (error ?? {}) as SdkLikeError
  if (e.$metadata?.httpStatusCode === undefined) return false
  return /Deserialization error/.test(e.message ?? '') || e.name === 'Unknown' || e.message === 'Unknown'
}

const NETWORK_CODES = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|CERT_[A-Z_]+|ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|HPE_[A-Z_]+)\b/

/**
 * A failure to reach the endpoint at all (DNS, refused, reset, TLS, not an AWS answer), looked for
 * through the `cause` chain: the SDK wraps socket errors ("The pending stream has been canceled").
 */
export function isNetworkError(error: unknown): boolean {
  let current = error as (SdkLikeError & {cause?: unknown}) | undefined
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.name === 'TimeoutError' || current.name === 'UnknownError') return true
    if (NETWORK_CODES.test(current.code ?? '') || NETWORK_CODES.test(current.message ?? '')) return true
    current = current.cause as typeof current
  }
  return false
}

function firstSentence(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text
  return line.trim()
}
