/** The IAM documents and AWS names provision renders, per partition: pure functions, no calls. */
import {expect} from 'chai'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {rolePolicy, trustPolicy} from '../../../src/lib/provision/aws.js'
import {awsInvokeUrl} from '../../../src/lib/api-contract.js'
import {boundaryArnFor, roleArnFor} from '../../../src/lib/provision/naming.js'

describe('provision on target aws: documents and names', () => {
  it('renders for the region\'s partition: China ARNs and the .com.cn endpoints', () => {
    const arn = 'arn:aws-cn:kinesis:cn-north-1:123456789012:stream/clickstream'
    expect(JSON.stringify(rolePolicy(arn, true))).to.include('"kms:ViaService":"kinesis.cn-north-1.amazonaws.com.cn"')
    expect(JSON.stringify(rolePolicy(arn, true))).to.include('"Resource":"arn:aws-cn:kms:cn-north-1:123456789012:key/*"')
    const trust = JSON.stringify(trustPolicy('123456789012', 'cn-north-1', 'abc123'))
    expect(trust).to.include('"aws:SourceArn":"arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/*"')
    expect(trust).to.not.include('arn:aws:')
    expect(roleArnFor('123456789012', 'cn-north-1', 'clickstream')).to.equal('arn:aws-cn:iam::123456789012:role/clickops/clickops-cn-north-1-clickstream-apigw')
    expect(boundaryArnFor('123456789012', 'us-gov-west-1')).to.equal('arn:aws-us-gov:iam::123456789012:policy/clickops/clickops-permissions-boundary')
    expect(awsInvokeUrl('abc123', 'cn-north-1', 'v1')).to.equal('https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1')
  })

  it('one definition of the endpoint domain: no service host is spelled out with amazonaws.com elsewhere in src/', () => {
    const root = fileURLToPath(new URL('../../../src', import.meta.url))
    const files = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    const offenders = files(root).filter((f) => !f.endsWith('naming.ts') && /\$\{[^}]*\}\.amazonaws\.com/.test(readFileSync(f, 'utf8')))
    expect(offenders).to.deep.equal([])
  })

  it('role policy: PutRecord/PutRecords on the one stream, KMS only for encrypted streams', () => {
    const arn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/clickstream'
    expect(rolePolicy(arn, false)).to.deep.equal({
      Statement: [{Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Effect: 'Allow', Resource: arn, Sid: 'PutRecordsOnThisStream'}],
      Version: '2012-10-17',
    })
    expect(JSON.stringify(rolePolicy(arn, true))).to.include('"kms:ViaService":"kinesis.eu-west-1.amazonaws.com"')
  })
})
