/** Amazon CloudWatch: the calls clickops makes, each loading the SDK on first use. */
import type * as cw from '@aws-sdk/client-cloudwatch'

import {lazy, type ActionTable, type CallOptions} from './facade.js'

export type CloudWatchClient = cw.CloudWatchClient
const sdk = lazy(() => import('@aws-sdk/client-cloudwatch'))

export const ACTIONS = {
  getMetricData: 'cloudwatch:GetMetricData',
} as const satisfies ActionTable

/** Builds the client (used by src/lib/aws/clients.ts, which owns the configuration). */
export const createClient = async (config: cw.CloudWatchClientConfig) => new (await sdk()).CloudWatchClient(config)

export const getMetricData = async (c: CloudWatchClient, input: cw.GetMetricDataCommandInput, options?: CallOptions) => c.send(new (await sdk()).GetMetricDataCommand(input), options)
