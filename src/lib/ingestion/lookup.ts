/** Finding the AWS resources of a stream's ingestion API again: by name, confirmed by tags. */
import type {APIGatewayClient, ApiKey, RestApi, Stage, UsagePlan} from '@aws-sdk/client-api-gateway'

import {ClickopsError} from '../errors.js'
import {apiKeyName, apiName, isOurs, MANAGED_TAG, STREAM_TAG_KEY, usagePlanName} from '../api-contract.js'
import * as ApiGateway from '../aws/apigateway.js'

/** Every item of every page. */
async function allItems<T>(pages: AsyncIterable<{items?: T[]}>): Promise<T[]> {
  const all: T[] = []
  for await (const page of pages) all.push(...(page.items ?? []))
  return all
}

/** Picks the one resource named for this stream; prefers the one tagged as ours; refuses to guess between several. */
function pick<T extends {id?: string; name?: string; tags?: Record<string, string>}>(items: T[], name: string, stream: string, what: string): T | undefined {
  const named = items.filter((i) => i.name === name)
  if (named.length <= 1) return named[0]
  const ours = named.filter((i) => isOurs(i.tags, stream))
  if (ours.length === 1) return ours[0]
  throw new ClickopsError(`There are ${named.length} ${what}s named "${name}" (${named.map((i) => i.id).join(', ')}); clickops cannot tell which is its own.`, {
    hint: `Delete or rename the extra ones, or tag the right one ${MANAGED_TAG.key}=${MANAGED_TAG.value}, ${STREAM_TAG_KEY}=${stream}.`,
  })
}

/** The REST API named `clickops-<stream>` (GetRestApis pages with `position`). */
export async function findRestApi(apigw: APIGatewayClient, stream: string): Promise<RestApi | undefined> {
  return pick(await allItems(ApiGateway.getRestApisPages(apigw)), apiName(stream), stream, 'REST API')
}

export async function findApiKey(apigw: APIGatewayClient, stream: string, includeValue = false): Promise<ApiKey | undefined> {
  const name = apiKeyName(stream)
  return pick(await allItems(ApiGateway.getApiKeysPages(apigw, {includeValues: includeValue, nameQuery: name})), name, stream, 'API key')
}

export async function findUsagePlan(apigw: APIGatewayClient, stream: string): Promise<UsagePlan | undefined> {
  return pick(await allItems(ApiGateway.getUsagePlansPages(apigw)), usagePlanName(stream), stream, 'usage plan')
}

export async function findStage(apigw: APIGatewayClient, restApiId: string, stage: string): Promise<Stage | undefined> {
  try {
    return await ApiGateway.getStage(apigw, {restApiId, stageName: stage})
  } catch (error) {
    if ((error as {name?: string}).name === 'NotFoundException') return undefined
    throw error
  }
}

export async function listStages(apigw: APIGatewayClient, restApiId: string): Promise<Stage[]> {
  return (await ApiGateway.getStages(apigw, {restApiId})).item ?? []
}

/** Whether any method of the deployed API requires a key (GetResources with the methods embedded). */
export async function apiKeyRequired(apigw: APIGatewayClient, restApiId: string): Promise<boolean> {
  for await (const page of ApiGateway.getResourcesPages(apigw, {embed: ['methods'], restApiId})) {
    for (const resource of page.items ?? []) {
      for (const method of Object.values(resource.resourceMethods ?? {})) if (method.apiKeyRequired) return true
    }
  }
  return false
}
