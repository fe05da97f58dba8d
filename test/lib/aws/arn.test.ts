import {expect} from 'chai'

import {executeApiArn, iamArn, kinesisActionUri, kmsKeysArn, parseArn, partitionOf, PARTITION_PATTERN, restApiArn, serviceHost, stageArn} from '../../../src/lib/aws/arn.js'

describe('ARNs and partitions', () => {
  it('picks the partition and DNS suffix from the region', () => {
    expect(['eu-west-1', 'cn-north-1', 'us-gov-west-1'].map(partitionOf)).to.deep.equal(['aws', 'aws-cn', 'aws-us-gov'])
    expect(serviceHost('kinesis', 'cn-northwest-1')).to.equal('kinesis.cn-northwest-1.amazonaws.com.cn')
    expect(serviceHost('kinesis', 'us-gov-east-1')).to.equal('kinesis.us-gov-east-1.amazonaws.com')
  })

  it('builds every ARN clickops uses in the partition of the region', () => {
    expect(iamArn('123456789012', 'cn-north-1', 'role/clickops/r')).to.equal('arn:aws-cn:iam::123456789012:role/clickops/r')
    expect(stageArn('us-gov-west-1', 'abc', 'v1')).to.equal('arn:aws-us-gov:apigateway:us-gov-west-1::/restapis/abc/stages/v1')
    expect(restApiArn('eu-west-1', 'abc')).to.equal('arn:aws:apigateway:eu-west-1::/restapis/abc')
    expect(executeApiArn('eu-west-1', '123456789012')).to.equal('arn:aws:execute-api:eu-west-1:123456789012:*/*')
    expect(kmsKeysArn('cn-north-1', '123456789012')).to.equal('arn:aws-cn:kms:cn-north-1:123456789012:key/*')
    expect(kinesisActionUri('eu-west-1', 'PutRecords')).to.equal('arn:aws:apigateway:eu-west-1:kinesis:action/PutRecords')
  })

  it('reads an ARN back into its parts, and matches any partition', () => {
    expect(parseArn('arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s')).to.deep.equal({account: '123456789012', partition: 'aws-cn', region: 'cn-north-1', resource: 'stream/s', service: 'kinesis'})
    const re = new RegExp(`^arn:${PARTITION_PATTERN}:`)
    expect(['arn:aws:x', 'arn:aws-cn:x', 'arn:aws-us-gov:x', 'arn:gcp:x'].map((a) => re.test(a))).to.deep.equal([true, true, true, false])
  })
})
