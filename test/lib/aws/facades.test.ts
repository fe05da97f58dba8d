/**
 * The service facades under src/lib/aws are the only way src/ reaches AWS: every call goes through
 * one, each facade's ACTIONS table names exactly the calls it exports (and the IAM action each
 * needs), and each call sends the command its name says. test/iam-policy.test.ts relies on this.
 */
import {expect} from 'chai'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {FACADE_ACTIONS} from '../../../src/lib/aws/actions.js'
import {mockService, testClient, type MockedService} from '../../helpers/aws.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const awsDir = join(root, 'src/lib/aws')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : []
  })
}

const SDK_PACKAGE: Record<string, string> = {apigateway: 'api-gateway', cloudwatch: 'cloudwatch', iam: 'iam', kinesis: 'kinesis', wafv2: 'wafv2'}
const upper = (name: string) => name[0].toUpperCase() + name.slice(1)
const calls = (module: Record<string, unknown>) => Object.keys(module).filter((k) => typeof module[k] === 'function' && k !== 'createClient').sort()

/** The part of a client stub used here, for any one of the services. */
interface Stub {
  reset(): void
  on(command: unknown): {resolves(output: unknown): void}
  commandCalls(command: unknown): {args: [{input: object}]}[]
}

/** API Gateway's management API is authorised by HTTP verb. */
function apiGatewayVerb(call: string): string {
  if (/^get/.test(call)) return 'apigateway:GET'
  if (/^(create|import)/.test(call)) return 'apigateway:POST'
  if (/^(put|tag)/.test(call)) return 'apigateway:PUT'
  if (/^update/.test(call)) return 'apigateway:PATCH'
  if (/^delete/.test(call)) return 'apigateway:DELETE'
  throw new Error(`no IAM verb known for ${call}`)
}

describe('AWS service facades', () => {
  /**
   * The Lambda, EventBridge Scheduler and CloudWatch Logs calls of `autoscale` and `send --on lambda`
   * (both unfinished) still use the SDK directly; they move onto facades of their own next, and this
   * list must then be empty. Nothing else may be added to it.
   */
  const NOT_YET_ON_FACADES = new Set(['src/lib/autoscale/aws.ts', 'src/lib/lambda/deploy.ts', 'src/lib/send/lambda/run.ts'])

  it('are the only code under src/ that loads an AWS SDK client package or sends a command', () => {
    const offenders: string[] = []
    for (const file of files(join(root, 'src'))) {
      if (file.startsWith(awsDir)) continue
      if (NOT_YET_ON_FACADES.has(relative(root, file))) continue
      const text = readFileSync(file, 'utf8')
      const where = relative(root, file)
      if (/import\('@aws-sdk\//.test(text)) offenders.push(`${where}: import('@aws-sdk/…')`)
      for (const m of text.matchAll(/^import (?!type )[^']*?from '@aws-sdk\/client-[a-z0-9-]+'/gms)) offenders.push(`${where}: ${m[0].split('\n')[0]}`)
      if (/\.send\(\s*new /.test(text)) offenders.push(`${where}: .send(new …Command)`)
    }
    expect(offenders).to.deep.equal([])
  })

  it('are all registered in src/lib/aws/actions.ts', () => {
    const withActions = readdirSync(awsDir)
      .filter((name) => /export const ACTIONS\b/.test(readFileSync(join(awsDir, name), 'utf8')))
      .map((name) => name.replace(/\.ts$/, ''))
      .sort()
    expect(withActions).to.deep.equal(Object.keys(FACADE_ACTIONS).sort())
  })

  for (const [name, table] of Object.entries(FACADE_ACTIONS)) {
    describe(name, () => {
      it('declares the IAM actions of exactly the calls it exports, the call\'s own action first', async () => {
        const module = (await import(`../../../src/lib/aws/${name}.js`)) as Record<string, unknown>
        expect(Object.keys(table).sort()).to.deep.equal(calls(module))
        for (const [call, needed] of Object.entries(table)) {
          const first = typeof needed === 'string' ? needed : needed[0]
          const own = name === 'apigateway' ? apiGatewayVerb(call) : `${name}:${upper(call)}`
          expect(first, call).to.equal(own)
        }
      })

      it('sends the command each call is named after, with the input given', async () => {
        const module = (await import(`../../../src/lib/aws/${name}.js`)) as Record<string, (...args: unknown[]) => unknown>
        const sdk = (await import(`@aws-sdk/client-${SDK_PACKAGE[name]}`)) as Record<string, new (input: unknown) => unknown>
        const stub = mockService(name as MockedService) as unknown as Stub
        const client = testClient(name as MockedService)
        for (const call of calls(module)) {
          const paged = call.endsWith('Pages')
          const Command = sdk[`${upper(paged ? call.slice(0, -'Pages'.length) : call)}Command`]
          expect(Command, `${call}: its command`).to.be.a('function')
          stub.reset()
          stub.on(Command).resolves({items: []})
          const input = {marker: call}
          const result = module[call](client, input)
          if (paged) for await (const _page of result as AsyncIterable<unknown>);
          else await result
          const sent = stub.commandCalls(Command)
          expect(sent, call).to.have.length(1)
          expect(sent[0].args[0].input, call).to.include(input)
        }
      })
    })
  }
})
