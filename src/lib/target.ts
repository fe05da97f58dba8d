/**
 * Which world a command talks to: the embedded local stack or AWS. A pure function of the flags and
 * the environment, resolved like the AWS CLI resolves them (flag, then service-specific env var,
 * then the global one).
 */
import {UsageError} from './errors.js'

export const TARGET_KINDS = ['local', 'aws'] as const
export type TargetKind = (typeof TARGET_KINDS)[number]

/** The AWS services clickops talks to, with the suffix of their `AWS_ENDPOINT_URL_<SUFFIX>` variable. */
export const SERVICES = {
  kinesis: 'KINESIS',
  cloudwatch: 'CLOUDWATCH',
  apigateway: 'API_GATEWAY',
  iam: 'IAM',
  wafv2: 'WAFV2',
  lambda: 'LAMBDA',
  scheduler: 'SCHEDULER',
  logs: 'CLOUDWATCH_LOGS',
} as const
export type Service = keyof typeof SERVICES

/** Region used locally when none is given: kinesis-local's own default. */
export const LOCAL_DEFAULT_REGION = 'us-east-1'

/** Fixed credentials for the embedded stack; kinesis-local accepts any signature. */
export const LOCAL_CREDENTIALS = {accessKeyId: 'clickopslocal', secretAccessKey: 'clickopslocal'} as const

export interface TargetOptions {
  target?: string
  profile?: string
  region?: string
  endpointUrl?: string
}

export interface Target {
  kind: TargetKind
  /** Undefined on aws when neither a flag nor an env var names it: the SDK reads it from the profile. */
  region?: string
  profile?: string
  /** Explicit endpoints per service (from --endpoint-url or AWS_ENDPOINT_URL*). */
  endpoints: Partial<Record<Service, string>>
  /** True when the Kinesis endpoint is the embedded stack's (local target without an explicit endpoint). */
  embedded: boolean
}

export type Env = Record<string, string | undefined>

/** Validates an endpoint URL: absolute http(s) with a host, no credentials in it. */
export function parseEndpointUrl(value: string, source: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`${source} "${value}" is not a valid URL.`, 'Give an absolute URL such as http://127.0.0.1:4568.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} "${value}" must use http or https, not ${url.protocol.replace(':', '')}.`)
  }
  if (url.hostname === '') throw new UsageError(`${source} "${value}" has no host.`)
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`${source} must not contain credentials.`)
  }
  return value.replace(/\/+$/, '')
}

export function resolveTarget(options: TargetOptions, env: Env = process.env): Target {
  const kindRaw = options.target ?? env.CLICKOPS_TARGET ?? 'local'
  if (!(TARGET_KINDS as readonly string[]).includes(kindRaw)) {
    throw new UsageError(`Unknown target "${kindRaw}".`, 'Use --target local (the embedded stack) or --target aws.')
  }
  const kind = kindRaw as TargetKind

  const endpoints: Partial<Record<Service, string>> = {}
  if (options.endpointUrl !== undefined) {
    const url = parseEndpointUrl(options.endpointUrl, '--endpoint-url')
    for (const service of Object.keys(SERVICES) as Service[]) endpoints[service] = url
  } else {
    const global = env.AWS_ENDPOINT_URL ? parseEndpointUrl(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL') : undefined
    for (const [service, suffix] of Object.entries(SERVICES) as [Service, string][]) {
      const specific = env[`AWS_ENDPOINT_URL_${suffix}`]
      const url = specific ? parseEndpointUrl(specific, `AWS_ENDPOINT_URL_${suffix}`) : global
      if (url !== undefined) endpoints[service] = url
    }
  }

  const regionRaw = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  if (regionRaw !== undefined && !/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(regionRaw)) {
    throw new UsageError(`"${regionRaw}" is not an AWS region name.`, 'Use a region such as us-east-1 or eu-west-1.')
  }

  if (kind === 'local') {
    return {
      kind,
      region: regionRaw ?? LOCAL_DEFAULT_REGION,
      endpoints,
      embedded: endpoints.kinesis === undefined,
    }
  }
  return {
    kind,
    region: regionRaw,
    profile: options.profile ?? env.AWS_PROFILE,
    endpoints,
    embedded: false,
  }
}

/** The one-line statement of what a command acts on, e.g. `target: aws (profile prod, region eu-west-1)`. */
export function describeTarget(target: Target, region?: string): string {
  const parts: string[] = []
  if (target.kind === 'local') {
    parts.push(target.embedded ? 'embedded stack' : 'custom endpoint')
    if (target.endpoints.kinesis) parts.push(target.endpoints.kinesis)
  } else {
    parts.push(`profile ${target.profile ?? 'default'}`)
    if (target.endpoints.kinesis) parts.push(`endpoint ${target.endpoints.kinesis}`)
  }
  parts.push(`region ${region ?? target.region ?? 'from profile'}`)
  return `target: ${target.kind} (${parts.join(', ')})`
}
