/**
 * The least-privilege policy in iam/clickops-operator-policy.json must name every AWS action the
 * code can call: the IAM actions the service facades under src/lib/aws declare for their calls
 * (test/lib/aws/facades.test.ts proves that every call goes through a facade and that each
 * facade's table names exactly its calls), plus what AWS checks on our behalf.
 */
import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {MANAGED_TAG} from '../src/lib/api-contract.js'
import {allActions} from '../src/lib/aws/actions.js'
import {rolePolicy} from '../src/lib/provision/aws.js'
import {BOUNDARY_POLICY_NAME, BOUNDARY_POLICY_PATH} from '../src/lib/provision/naming.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The actions the facades declare. */
export function actionsCalledBySource(): Set<string> {
  return new Set(allActions())
}

interface Statement {
  Sid?: string
  Effect: string
  Action: string | string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, string | string[]>>
}
const readPolicy = (name: string) => JSON.parse(readFileSync(join(root, 'iam', name), 'utf8')) as {Statement: Statement[]}
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v])
/** IAM's wildcard match (`*` any run of characters, `?` one). */
const glob = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`).test(value)

describe('IAM policy for the clickops operator', () => {
  const policy = readPolicy('clickops-operator-policy.json')
  const granted = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))

  it('grants every action the code calls', () => {
    const called = actionsCalledBySource()
    expect(called.size).to.be.greaterThan(5)
    const missing = [...called].filter((a) => !granted.has(a)).sort()
    expect(missing, 'actions called by src/ but missing from the policy').to.deep.equal([])
  })

  it('grants nothing the code never calls (the facades declare the checks AWS makes on our behalf too)', () => {
    const called = actionsCalledBySource()
    const extra = [...granted].filter((a) => !called.has(a)).sort()
    expect(extra, 'actions in the policy that no code calls').to.deep.equal([])
    expect([...granted].some((a) => a.includes('*')), 'no wildcard actions').to.equal(false)
  })
})

describe('IAM least privilege: permissions boundary and tag conditions', () => {
  const operator = readPolicy('clickops-operator-policy.json')
  const boundary = readPolicy('clickops-permissions-boundary.json')
  const BOUNDARY_ARN = 'arn:aws:iam::*:policy/clickops/clickops-permissions-boundary'
  const statementsWith = (action: string) => operator.Statement.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action))

  it('lets the operator create and widen roles only with the clickops permissions boundary attached', () => {
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:AttachRolePolicy', 'iam:CreatePolicyVersion']) {
      for (const s of statementsWith(action)) {
        expect(s.Condition?.StringLike?.['iam:PermissionsBoundary'] ?? s.Condition?.StringEquals?.['iam:PermissionsBoundary'], `${action} in ${s.Sid}`).to.equal(BOUNDARY_ARN)
      }
    }
    expect(statementsWith('iam:CreateRole')).to.have.length(1)
    // Nothing that removes or rewrites the boundary, or makes policies, is granted.
    for (const action of ['iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:AttachRolePolicy']) {
      expect(statementsWith(action), action).to.deep.equal([])
    }
    // The boundary's name is the one provision's hint and the README give.
    expect(BOUNDARY_ARN.endsWith(`policy${BOUNDARY_POLICY_PATH}${BOUNDARY_POLICY_NAME}`)).to.equal(true)
  })

  it('allows destructive Kinesis actions only on streams tagged managed-by=clickops', () => {
    for (const action of ['kinesis:DeleteStream', 'kinesis:StopStreamEncryption', 'kinesis:DecreaseStreamRetentionPeriod']) {
      const found = statementsWith(action)
      expect(found, action).to.have.length(1)
      expect(found[0].Condition).to.deep.equal({StringEquals: {[`aws:ResourceTag/${MANAGED_TAG.key}`]: MANAGED_TAG.value}})
    }
  })

  it('the boundary allows what the ingestion role is given, and no IAM, STS or wildcard action', () => {
    const allows = (action: string, resource: string) =>
      boundary.Statement.some((s) => s.Effect === 'Allow' && list(s.Action).includes(action) && list(s.Resource).some((r) => glob(r, resource)))
    const streamArn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/clickstream'
    for (const statement of rolePolicy(streamArn, true).Statement as {Action: string | string[]; Resource: string}[]) {
      for (const action of list(statement.Action)) expect(allows(action, statement.Resource.replace('key/*', 'key/1234abcd')), action).to.equal(true)
    }
    const kms = boundary.Statement.find((s) => list(s.Action).includes('kms:GenerateDataKey'))!
    expect(glob(kms.Condition!.StringLike['kms:ViaService'] as string, 'kinesis.eu-west-1.amazonaws.com')).to.equal(true)
    // The roles of the scale check on Lambda and of its scheduler fit in it too.
    expect(allows('kinesis:UpdateShardCount', streamArn)).to.equal(true)
    expect(allows('lambda:InvokeFunction', 'arn:aws:lambda:eu-west-1:123456789012:function:clickops-scale-check')).to.equal(true)
    expect(allows('lambda:InvokeFunction', 'arn:aws:lambda:eu-west-1:123456789012:function:other')).to.equal(false)
    const actions = boundary.Statement.flatMap((s) => list(s.Action))
    expect(actions.filter((a) => /^(iam|sts|organizations):/.test(a) || a.includes('*'))).to.deep.equal([])
    expect(boundary.Statement.every((s) => s.Effect === 'Allow')).to.equal(true)
  })
})
