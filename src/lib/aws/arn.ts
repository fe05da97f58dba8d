/**
 * ARNs, partitions and regional host names, in one place. The partition follows the region:
 * `aws-cn` in China, `aws-us-gov` in GovCloud, `aws` elsewhere.
 */

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov'

/** The AWS partition of a region. */
export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

/** The DNS suffix of the region's partition: `amazonaws.com.cn` in China, `amazonaws.com` elsewhere. */
export function dnsSuffix(region: string): string {
  return partitionOf(region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
}

/** A regional service endpoint's host name, `<service>.<region>.<dns suffix>` (e.g. for kms:ViaService). */
export function serviceHost(service: string, region: string): string {
  return `${service}.${region}.${dnsSuffix(region)}`
}

/** A regular-expression source matching any partition's name (`aws`, `aws-cn`, `aws-us-gov`). */
export const PARTITION_PATTERN = 'aws[a-z-]*'

export interface Arn {
  partition: string
  service: string
  region: string
  account: string
  resource: string
}

export function parseArn(arn: string): Arn {
  const [, partition = '', service = '', region = '', account = '', ...rest] = arn.split(':')
  return {account, partition, region, resource: rest.join(':'), service}
}

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>`. `region` picks the partition; `inRegion`
 * false leaves the region field empty (IAM is global, but its ARNs still carry the partition).
 */
export function formatArn(parts: {service: string; region: string; account?: string; resource: string; inRegion?: boolean}): string {
  const region = parts.inRegion === false ? '' : parts.region
  return `arn:${partitionOf(parts.region)}:${parts.service}:${region}:${parts.account ?? ''}:${parts.resource}`
}

/** An IAM resource's ARN (`role/…`, `policy/…`); the region only chooses the partition. */
export const iamArn = (account: string, region: string, resource: string) => formatArn({account, inRegion: false, region, resource, service: 'iam'})

export const restApiArn = (region: string, apiId: string) => formatArn({region, resource: `/restapis/${apiId}`, service: 'apigateway'})
export const stageArn = (region: string, apiId: string, stage: string) => `${restApiArn(region, apiId)}/stages/${stage}`

/** An execute-api ARN pattern: any stage, method and path of the API (or of any API with `*`). */
export const executeApiArn = (region: string, account: string, apiId = '*') => formatArn({account, region, resource: `${apiId}/*`, service: 'execute-api'})

/** Every KMS key of the account in the region. */
export const kmsKeysArn = (region: string, account: string) => formatArn({account, region, resource: 'key/*', service: 'kms'})

/** The API Gateway integration URI of a Kinesis action: `arn:aws:apigateway:<region>:kinesis:action/<Action>`. */
export const kinesisActionUri = (region: string, action: string) => formatArn({account: 'kinesis', region, resource: `action/${action}`, service: 'apigateway'})
