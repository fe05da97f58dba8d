/** What `clickops provision` is asked for, validated before any AWS call. Pure. */
import {UsageError} from '../errors.js'
import {MAX_RECORD_SIZE_KIB_MAX, MAX_RECORD_SIZE_KIB_MIN, MAX_SHARDS_PER_STREAM, RETENTION_HOURS_MAX, RETENTION_HOURS_MIN} from '../kinesis/limits.js'
import {parseIntInRange, parseSizeKiB, validateStreamName} from '../parse.js'
import {DEFAULT_STAGE, isValidStageName} from '../api-contract.js'

export type Encryption = 'kms' | 'none'
export const ENCRYPTIONS: readonly Encryption[] = ['kms', 'none']

/** The AWS-managed key of Kinesis (no key to create or pay for; KMS requests are billed). */
export const KINESIS_MANAGED_KEY = 'alias/aws/kinesis'

/** Defaults of the flags. */
export const PROVISION_DEFAULTS = {
  shards: 4,
  retentionHours: RETENTION_HOURS_MIN,
  encryption: 'kms' as Encryption,
  enhancedMonitoring: true,
  api: true,
  apiKey: false,
  /** Stage throttling: requests per second and burst (API Gateway's account default is 10,000 / 5,000). */
  throttleRate: 1000,
  throttleBurst: 2000,
  stage: DEFAULT_STAGE,
} as const

/** API Gateway's ceiling for stage and usage-plan throttling rates. */
export const MAX_THROTTLE_RATE = 10_000
export const MAX_THROTTLE_BURST = 5000

export interface DesiredState {
  stream: string
  mode: 'PROVISIONED' | 'ON_DEMAND'
  /** The shard count of a new provisioned stream. */
  shards: number
  /** True when --shards was given (then a different count on an existing stream is worth a note). */
  shardsExplicit: boolean
  retentionHours: number
  /** The stream's maximum record size, KiB (--max-record-size); undefined: leave it as it is. */
  maxRecordSizeKiB?: number
  encryption: Encryption
  enhancedMonitoring: boolean
  api: boolean
  apiKey: boolean
  throttle: {rateLimit: number; burstLimit: number}
  stage: string
  webAclArn?: string
  /** The permissions boundary the ingestion role gets (AWS only; see iam/clickops-permissions-boundary.json). */
  permissionsBoundary?: string
}

export interface ProvisionFlags {
  stream: string
  shards?: number
  onDemand?: boolean
  retentionHours?: number
  /** `2MiB`, `1536KiB`. */
  maxRecordSize?: string
  encryption?: string
  enhancedMonitoring?: boolean
  api?: boolean
  apiKey?: boolean
  throttleRate?: number
  throttleBurst?: number
  stage?: string
  webAclArn?: string
  permissionsBoundary?: string
}

/** A customer managed (or AWS managed) IAM policy: what a permissions boundary can be. */
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/

const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:([a-z]{2}(?:-[a-z0-9]+)+-\d+):(\d{12}):regional\/webacl\/[A-Za-z0-9_-]{1,128}\/[0-9a-f-]{36}$/

/** Checks every flag and their combinations; throws UsageError with the fix. */
export function desiredState(flags: ProvisionFlags, target: {kind: 'local' | 'aws'; region?: string}): DesiredState {
  const stream = validateStreamName(flags.stream)
  if (flags.onDemand && flags.shards !== undefined) {
    throw new UsageError('--shards and --on-demand exclude each other.', 'On-demand streams have no fixed shard count: give one or the other.')
  }
  const shards = flags.shards === undefined ? PROVISION_DEFAULTS.shards : parseIntInRange(flags.shards, '--shards', 1, MAX_SHARDS_PER_STREAM)
  const retentionHours =
    flags.retentionHours === undefined ? PROVISION_DEFAULTS.retentionHours : parseIntInRange(flags.retentionHours, '--retention-hours', RETENTION_HOURS_MIN, RETENTION_HOURS_MAX)
  const maxRecordSizeKiB = flags.maxRecordSize === undefined ? undefined : parseSizeKiB(flags.maxRecordSize, '--max-record-size', MAX_RECORD_SIZE_KIB_MIN, MAX_RECORD_SIZE_KIB_MAX)
  const encryption = (flags.encryption ?? PROVISION_DEFAULTS.encryption) as Encryption
  if (!ENCRYPTIONS.includes(encryption)) throw new UsageError(`--encryption must be kms or none, not "${flags.encryption}".`)
  const api = flags.api ?? PROVISION_DEFAULTS.api
  const stage = flags.stage ?? PROVISION_DEFAULTS.stage
  if (!isValidStageName(stage)) throw new UsageError(`"${stage}" is not a valid stage name.`, 'Use 1 to 128 letters, digits, "-" or "_".')
  const rateLimit = flags.throttleRate === undefined ? PROVISION_DEFAULTS.throttleRate : parseIntInRange(flags.throttleRate, '--throttle-rate', 1, MAX_THROTTLE_RATE)
  const burstLimit = flags.throttleBurst === undefined ? PROVISION_DEFAULTS.throttleBurst : parseIntInRange(flags.throttleBurst, '--throttle-burst', 1, MAX_THROTTLE_BURST)
  if (!api) {
    for (const [name, given] of [['--api-key', flags.apiKey], ['--throttle-rate', flags.throttleRate], ['--throttle-burst', flags.throttleBurst], ['--web-acl-arn', flags.webAclArn], ['--stage', flags.stage]] as const) {
      if (given !== undefined && given !== false) throw new UsageError(`${name} configures the API, which --no-api leaves out.`, `Drop ${name}, or drop --no-api.`)
    }
  }
  let webAclArn: string | undefined
  if (flags.webAclArn !== undefined) {
    if (target.kind === 'local') throw new UsageError('--web-acl-arn applies to AWS only: the local gateway has no WAF.', 'Use it with --target aws.')
    const match = WEB_ACL_ARN.exec(flags.webAclArn)
    if (!match) {
      throw new UsageError(
        `"${flags.webAclArn}" is not the ARN of a regional AWS WAF web ACL.`,
        'Give arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id> (`aws wafv2 list-web-acls --scope REGIONAL`).',
      )
    }
    if (target.region !== undefined) checkWebAclRegion(flags.webAclArn, target.region)
    webAclArn = flags.webAclArn
  }
  let permissionsBoundary: string | undefined
  if (flags.permissionsBoundary !== undefined) {
    if (target.kind === 'local') throw new UsageError('--permissions-boundary applies to AWS only: the embedded stack has no IAM.', 'Use it with --target aws.')
    if (!api) throw new UsageError('--permissions-boundary is for the ingestion role of the API, which --no-api leaves out.', 'Drop --permissions-boundary, or drop --no-api.')
    if (!POLICY_ARN.test(flags.permissionsBoundary)) {
      throw new UsageError(
        `"${flags.permissionsBoundary}" is not the ARN of an IAM policy.`,
        'Give arn:aws:iam::<account>:policy/clickops/clickops-permissions-boundary (created from iam/clickops-permissions-boundary.json).',
      )
    }
    permissionsBoundary = flags.permissionsBoundary
  }
  return {
    api,
    apiKey: api && (flags.apiKey ?? PROVISION_DEFAULTS.apiKey),
    permissionsBoundary,
    encryption,
    enhancedMonitoring: flags.enhancedMonitoring ?? PROVISION_DEFAULTS.enhancedMonitoring,
    ...(maxRecordSizeKiB === undefined ? {} : {maxRecordSizeKiB}),
    mode: flags.onDemand ? 'ON_DEMAND' : 'PROVISIONED',
    retentionHours,
    shards,
    shardsExplicit: flags.shards !== undefined,
    stage,
    stream,
    throttle: {burstLimit, rateLimit},
    webAclArn,
  }
}

/** A REGIONAL web ACL must live in the API's region (checked again once the profile's region is known). */
export function checkWebAclRegion(webAclArn: string, region: string): void {
  const aclRegion = WEB_ACL_ARN.exec(webAclArn)?.[1]
  if (aclRegion !== undefined && aclRegion !== region) {
    throw new UsageError(`The web ACL is in ${aclRegion}, but the API is provisioned in ${region}.`, 'A REGIONAL web ACL must be in the same region as the API.')
  }
}
