/**
 * Amazon API Gateway (REST APIs): the calls clickops makes, each loading the SDK on first use. Its
 * management API is authorised by HTTP verb (`apigateway:GET`, `POST`, `PUT`, `PATCH`, `DELETE`).
 * The `…Pages` calls follow `position` through every page.
 */
import type * as api from '@aws-sdk/client-api-gateway'

import {lazy, type ActionTable} from './facade.js'

export type APIGatewayClient = api.APIGatewayClient
const sdk = lazy(() => import('@aws-sdk/client-api-gateway'))

/** API Gateway's largest page (its `limit`). */
export const PAGE_SIZE = 500

/** Importing or overwriting an API whose integrations name a role passes that role to API Gateway. */
export const ACTIONS = {
  createApiKey: 'apigateway:POST',
  createDeployment: 'apigateway:POST',
  createUsagePlan: 'apigateway:POST',
  createUsagePlanKey: 'apigateway:POST',
  deleteApiKey: 'apigateway:DELETE',
  deleteRestApi: 'apigateway:DELETE',
  deleteUsagePlan: 'apigateway:DELETE',
  getApiKeysPages: 'apigateway:GET',
  getDeployment: 'apigateway:GET',
  getResourcesPages: 'apigateway:GET',
  getRestApisPages: 'apigateway:GET',
  getStage: 'apigateway:GET',
  getStages: 'apigateway:GET',
  getUsagePlanKeys: 'apigateway:GET',
  getUsagePlansPages: 'apigateway:GET',
  importRestApi: ['apigateway:POST', 'iam:PassRole'],
  putRestApi: ['apigateway:PUT', 'iam:PassRole'],
  tagResource: 'apigateway:PUT',
  updateApiKey: 'apigateway:PATCH',
  updateStage: 'apigateway:PATCH',
  updateUsagePlan: 'apigateway:PATCH',
} as const satisfies ActionTable

/** Builds the client (used by src/lib/aws/clients.ts, which owns the configuration). */
export const createClient = async (config: api.APIGatewayClientConfig) => new (await sdk()).APIGatewayClient(config)

export const createApiKey = async (c: APIGatewayClient, input: api.CreateApiKeyCommandInput) => c.send(new (await sdk()).CreateApiKeyCommand(input))
export const createDeployment = async (c: APIGatewayClient, input: api.CreateDeploymentCommandInput) => c.send(new (await sdk()).CreateDeploymentCommand(input))
export const createUsagePlan = async (c: APIGatewayClient, input: api.CreateUsagePlanCommandInput) => c.send(new (await sdk()).CreateUsagePlanCommand(input))
export const createUsagePlanKey = async (c: APIGatewayClient, input: api.CreateUsagePlanKeyCommandInput) => c.send(new (await sdk()).CreateUsagePlanKeyCommand(input))
export const deleteApiKey = async (c: APIGatewayClient, input: api.DeleteApiKeyCommandInput) => c.send(new (await sdk()).DeleteApiKeyCommand(input))
export const deleteRestApi = async (c: APIGatewayClient, input: api.DeleteRestApiCommandInput) => c.send(new (await sdk()).DeleteRestApiCommand(input))
export const deleteUsagePlan = async (c: APIGatewayClient, input: api.DeleteUsagePlanCommandInput) => c.send(new (await sdk()).DeleteUsagePlanCommand(input))
export const getDeployment = async (c: APIGatewayClient, input: api.GetDeploymentCommandInput) => c.send(new (await sdk()).GetDeploymentCommand(input))
export const getStage = async (c: APIGatewayClient, input: api.GetStageCommandInput) => c.send(new (await sdk()).GetStageCommand(input))
export const getStages = async (c: APIGatewayClient, input: api.GetStagesCommandInput) => c.send(new (await sdk()).GetStagesCommand(input))
export const getUsagePlanKeys = async (c: APIGatewayClient, input: api.GetUsagePlanKeysCommandInput) => c.send(new (await sdk()).GetUsagePlanKeysCommand(input))
export const importRestApi = async (c: APIGatewayClient, input: api.ImportRestApiCommandInput) => c.send(new (await sdk()).ImportRestApiCommand(input))
export const putRestApi = async (c: APIGatewayClient, input: api.PutRestApiCommandInput) => c.send(new (await sdk()).PutRestApiCommand(input))
export const tagResource = async (c: APIGatewayClient, input: api.TagResourceCommandInput) => c.send(new (await sdk()).TagResourceCommand(input))
export const updateApiKey = async (c: APIGatewayClient, input: api.UpdateApiKeyCommandInput) => c.send(new (await sdk()).UpdateApiKeyCommand(input))
export const updateStage = async (c: APIGatewayClient, input: api.UpdateStageCommandInput) => c.send(new (await sdk()).UpdateStageCommand(input))
export const updateUsagePlan = async (c: APIGatewayClient, input: api.UpdateUsagePlanCommandInput) => c.send(new (await sdk()).UpdateUsagePlanCommand(input))

export async function* getRestApisPages(c: APIGatewayClient, input: api.GetRestApisCommandInput = {}) {
  yield* (await sdk()).paginateGetRestApis({client: c, pageSize: PAGE_SIZE}, input)
}
export async function* getApiKeysPages(c: APIGatewayClient, input: api.GetApiKeysCommandInput = {}) {
  yield* (await sdk()).paginateGetApiKeys({client: c, pageSize: PAGE_SIZE}, input)
}
export async function* getUsagePlansPages(c: APIGatewayClient, input: api.GetUsagePlansCommandInput = {}) {
  yield* (await sdk()).paginateGetUsagePlans({client: c, pageSize: PAGE_SIZE}, input)
}
export async function* getResourcesPages(c: APIGatewayClient, input: api.GetResourcesCommandInput) {
  yield* (await sdk()).paginateGetResources({client: c, pageSize: PAGE_SIZE}, input)
}
