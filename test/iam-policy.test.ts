/**
 * The least-privilege policy in iam/clickops-operator-policy.json must name every AWS action the
 * code calls: every `...Command` imported from an @aws-sdk client under src/, mapped to its IAM
 * action, plus the waiters and the permissions AWS checks on our behalf (iam:PassRole, ...).
 */
import {expect} from 'chai'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

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

describe('IAM policy for the clickops operator', () => {
  const policy = JSON.parse(readFileSync(join(root, 'iam', 'clickops-operator-policy.json'), 'utf8')) as {
    Statement: {Action: string | string[]; Effect: string}[]
  }
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
