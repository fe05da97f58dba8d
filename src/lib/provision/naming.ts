/**
 * The names of the IAM resources `clickops provision` creates for a stream and the URLs AWS gives
 * them. The ingestion API's own names, routes and tags are in src/lib/api-contract.ts.
 */
import {createHash} from 'node:crypto'

import {iamArn} from '../aws/arn.js'

/** Path of the IAM roles clickops creates, so that they are easy to find and to scope. */
export const ROLE_PATH = '/clickops/'
/** The role's one inline policy. */
export const ROLE_POLICY_NAME = 'kinesis-put-records'

/** The service that assumes the ingestion role. */
export const API_GATEWAY_PRINCIPAL = 'apigateway.amazonaws.com'

/**
 * The permissions boundary of every role clickops creates: a customer managed policy made from
 * iam/clickops-permissions-boundary.json, at this path and name (the operator policy in iam/ lets
 * provision create roles only with it attached).
 */
export const BOUNDARY_POLICY_PATH = '/clickops/'
export const BOUNDARY_POLICY_NAME = 'clickops-permissions-boundary'

/** IAM role names are at most 64 characters; longer stream names are shortened with a stable hash. */
const ROLE_NAME_MAX = 64

/**
 * `clickops-<region>-<stream>-apigw`, or a shortened form with a hash of region and stream when too
 * long. IAM is global: the region in the name keeps the same stream name in two regions from sharing
 * (and overwriting) one role.
 */
export function roleName(stream: string, region: string): string {
  return shortened(`clickops-${region}-${stream}`, `${region}/${stream}`)
}

/**
 * The name roles had before the region was part of it, `clickops-<stream>-apigw`: destroy still
 * finds and removes such a role, and provision leaves it to destroy.
 */
export function legacyRoleName(stream: string): string {
  return shortened(`clickops-${stream}`, stream)
}

function shortened(head: string, hashed: string): string {
  const name = `${head}-apigw`
  if (name.length <= ROLE_NAME_MAX) return name
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 8)
  return `${head.slice(0, ROLE_NAME_MAX - '-apigw'.length - hash.length - 1)}-${hash}-apigw`
}

/** The ARN of the permissions boundary in an account (the partition follows the region). */
export function boundaryArnFor(account: string, region: string): string {
  return iamArn(account, region, `policy${BOUNDARY_POLICY_PATH}${BOUNDARY_POLICY_NAME}`)
}

/** The ARN of the ingestion role of a stream. */
export function roleArnFor(account: string, region: string, stream: string): string {
  return iamArn(account, region, `role${ROLE_PATH}${roleName(stream, region)}`)
}
