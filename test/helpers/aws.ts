/**
 * The one registry of AWS SDK client mocks, and the fake credentials every test client uses (so no
 * test reads ~/.aws or asks an instance metadata service). A mock made here is taken off after each
 * test by the root hooks (test/hooks.ts); make mocks in `beforeEach` or inside the test.
 *
 *   const iam = mockService('iam')           // every IAMClient answers through this stub
 *   iam.on(GetRoleCommand).resolves({...})
 *   const stub = mockInstance(client)        // only this client
 *   const clients = testClients(target, {kinesis: kinesisLocalClient})
 */
import {APIGatewayClient} from '@aws-sdk/client-api-gateway'
import {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import {IAMClient} from '@aws-sdk/client-iam'
import {KinesisClient} from '@aws-sdk/client-kinesis'
import {WAFV2Client} from '@aws-sdk/client-wafv2'
import {mockClient, type AwsClientStub} from 'aws-sdk-client-mock'

import type {Clients} from '../../src/lib/aws/clients.js'
import type {Target} from '../../src/lib/target.js'

/** Static credentials: with them no SDK client looks for a profile, a token file or the instance metadata service. */
export const FAKE_CREDENTIALS = {accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret'} as const
export const TEST_REGION = 'us-east-1'

const CLASSES = {apigateway: APIGatewayClient, cloudwatch: CloudWatchClient, iam: IAMClient, kinesis: KinesisClient, wafv2: WAFV2Client}
export type MockedService = keyof typeof CLASSES
type ClientOf<S extends MockedService> = InstanceType<(typeof CLASSES)[S]>

const byClass = new Map<MockedService, {restore(): void}>()
const all: {restore(): void}[] = []

/** A client of the service with the fake credentials and the test region. */
export function testClient<S extends MockedService>(service: S, config: Record<string, unknown> = {}): ClientOf<S> {
  const Client = CLASSES[service] as unknown as new (config: Record<string, unknown>) => ClientOf<S>
  return new Client({credentials: FAKE_CREDENTIALS, region: TEST_REGION, ...config})
}

/** The class-wide stub of a service: every client of that class, made anywhere, answers through it. */
export function mockService<S extends MockedService>(service: S): AwsClientStub<ClientOf<S>> {
  const found = byClass.get(service)
  if (found !== undefined) return found as AwsClientStub<ClientOf<S>>
  const stub = mockClient(CLASSES[service] as never) as AwsClientStub<ClientOf<S>>
  byClass.set(service, stub)
  all.push(stub)
  return stub
}

/** A stub of one client only (others of its class keep working, e.g. against kinesis-local). */
export function mockInstance<C extends object>(client: C): AwsClientStub<C> {
  const stub = mockClient(client as never) as unknown as AwsClientStub<C>
  all.push(stub)
  return stub
}

/** Takes every mock of the registry off (the root hooks call it after each test). */
export function restoreAwsMocks(): void {
  for (const stub of all.splice(0)) stub.restore()
  byClass.clear()
}

/**
 * A `Clients` for library code under test: each service's client is a test client (answered by
 * whatever mocks are installed) unless `given` names one (e.g. a kinesis-local client).
 */
export function testClients(target: Target, given: Partial<{[S in MockedService]: ClientOf<S>}> = {}): Clients {
  const made = new Map<MockedService, unknown>()
  const client = <S extends MockedService>(service: S) => async (): Promise<ClientOf<S>> => {
    if (given[service] !== undefined) return given[service] as ClientOf<S>
    if (!made.has(service)) made.set(service, testClient(service))
    return made.get(service) as ClientOf<S>
  }
  return {
    apiGateway: client('apigateway'),
    cloudwatch: client('cloudwatch'),
    destroy() {},
    iam: client('iam'),
    kinesis: client('kinesis'),
    kinesisEventStream: client('kinesis'),
    region: async () => target.region ?? TEST_REGION,
    target,
    wafv2: client('wafv2'),
    lambda: async () => { throw new Error('no Lambda mock in testClients') },
    scheduler: async () => { throw new Error('no Scheduler mock in testClients') },
    logs: async () => { throw new Error('no CloudWatch Logs mock in testClients') },
  } as unknown as Clients
}
