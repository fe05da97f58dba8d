/**
 * The least-privilege policy in iam/clickops-operator-policy.json must name every AWS action the
 * code calls: every `...Command` imported from an @aws-sdk client under src/, mapped to its IAM
 * action, plus the waiters and the permissions AWS checks on our behalf (iam:PassRole, ...).
 */
import {expect} from 'chai'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {rolePolicy} from '../src/lib/provision/aws.js'
import {MANAGED_TAG} from '../src/lib/api-contract.js'
import {BOUNDARY_POLICY_NAME, BOUNDARY_POLICY_PATH} from '../src/lib/provision/naming.js'

const root = fileURLToPath(new URL('..', import.meta.url))

const SERVICE_PREFIX: Record<string, string> = {
  'api-gateway': 'apigateway',
  cloudwatch: 'cloudwatch',
  iam: 'iam',
  kinesis: 'kinesis',
  wafv2: 'wafv2',
}

/** API Gateway's management API is authorised by HTTP verb, not by operation name. */
function apiGatewayVerb(operation: string): string {
  if (/^(Get)/.test(operation)) return 'apigateway:GET'
  if (/^(Create|Import|Generate)/.test(operation)) return 'apigateway:POST'
  if (/^(Put|Tag)/.test(operation)) return 'apigateway:PUT'
  if (/^Update/.test(operation)) return 'apigateway:PATCH'
  if (/^(Delete|Untag)/.test(operation)) return 'apigateway:DELETE'
  throw new Error(`no IAM verb known for API Gateway operation ${operation}`)
}

const WAITERS: Record<string, string> = {
  waitUntilStreamExists: 'kinesis:DescribeStream',
  waitUntilStreamNotExists: 'kinesis:DescribeStream',
}

/**
 * A name several imported clients export (TagResourceCommand): the package it is destructured from,
 * `const {Name} = await import('@aws-sdk/client-x')` or `= await alias()` with
 * `const alias = () => import('@aws-sdk/client-x')`.
 */
function disambiguate(text: string, name: string): string[] | undefined {
  const found = new Set<string>()
  for (const m of text.matchAll(new RegExp(`\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=\\s*await\\s+(?:import\\('@aws-sdk/client-([a-z0-9-]+)'\\)|(\\w+)\\(\\))`, 'g'))) {
    if (m[1]) found.add(m[1])
    else {
      const alias = new RegExp(`const\\s+${m[2]}\\s*=\\s*\\(\\)\\s*=>\\s*import\\('@aws-sdk/client-([a-z0-9-]+)'\\)`).exec(text)
      if (alias) found.add(alias[1])
    }
  }
  return found.size > 0 ? [...found] : undefined
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : []
  })
}

/**
 * Every `<Operation>Command` named in a source file, attributed to the AWS client package that exports
 * it among those the file imports (statically or with `await import()`).
 */
export async function actionsCalledBySource(): Promise<Set<string>> {
  const exportsOf = new Map<string, Set<string>>()
  for (const pkg of Object.keys(SERVICE_PREFIX)) {
    exportsOf.set(pkg, new Set(Object.keys(await import(`@aws-sdk/client-${pkg}`))))
  }
  const actions = new Set<string>()
  for (const file of files(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8')
    const imported = new Set([...text.matchAll(/['"]@aws-sdk\/client-([a-z0-9-]+)['"]/g)].map((m) => m[1]))
    for (const pkg of imported) if (!SERVICE_PREFIX[pkg]) throw new Error(`${file}: unknown AWS client ${pkg}`)
    for (const m of text.matchAll(/\b([A-Z][A-Za-z0-9]+)Command\b/g)) {
      const name = `${m[1]}Command`
      let owners = [...imported].filter((pkg) => exportsOf.get(pkg)!.has(name))
      if (owners.length > 1) owners = disambiguate(text, name) ?? owners
      for (const pkg of owners) {
        const service = SERVICE_PREFIX[pkg]
        actions.add(service === 'apigateway' ? apiGatewayVerb(m[1]) : `${service}:${m[1]}`)
      }
    }
    for (const [waiter, action] of Object.entries(WAITERS)) if (text.includes(waiter)) actions.add(action)
  }
  return actions
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

  it('grants every action the code calls', async () => {
    const called = await actionsCalledBySource()
    expect(called.size).to.be.greaterThan(5)
    const missing = [...called].filter((a) => !granted.has(a)).sort()
    expect(missing, 'actions called by src/ but missing from the policy').to.deep.equal([])
  })

  it('grants nothing the code never calls, beyond the checks AWS makes on our behalf', async () => {
    const called = await actionsCalledBySource()
    const onOurBehalf = new Set(['iam:PassRole', 'apigateway:SetWebACL', 'kms:DescribeKey'])
    const extra = [...granted].filter((a) => !called.has(a) && !onOurBehalf.has(a)).sort()
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
