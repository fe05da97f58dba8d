/** Finding the AWS resources of a stream's ingestion API again: by name, confirmed by tags. */
import type {APIGatewayClient, ApiKey, RestApi, Stage, UsagePlan} from '@aws-sdk/client-api-gateway'

import {ClickopsError} from '../errors.js'
import {apiKeyName, apiName, isOurs, MANAGED_TAG, STREAM_TAG_KEY, usagePlanName} from '../api-contract.js'

/** API Gateway's largest page (its `limit`). */
const PAGE_SIZE = 500

/** Every item of every page (the SDK's paginators follow `position`). */
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
  const {paginateGetRestApis} = await import('@aws-sdk/client-api-gateway')
  return pick(await allItems(paginateGetRestApis({client: apigw, pageSize: PAGE_SIZE}, {})), apiName(stream), stream, 'REST API')
}

export async function findApiKey(apigw: APIGatewayClient, stream: string, includeValue = false): Promise<ApiKey | undefined> {
  const {paginateGetApiKeys} = await import('@aws-sdk/client-api-gateway')
  const name = apiKeyName(stream)
  return pick(await allItems(paginateGetApiKeys({client: apigw, pageSize: PAGE_SIZE}, {includeValues: includeValue, nameQuery: name})), name, stream, 'API key')
}

export async function findUsagePlan(apigw: APIGatewayClient, stream: string): Promise<UsagePlan | undefined> {
  const {paginateGetUsagePlans} = await import('@aws-sdk/client-api-gateway')
  return pick(await allItems(paginateGetUsagePlans({client: apigw, pageSize: PAGE_SIZE}, {})), usagePlanName(stream), stream, 'usage plan')
}

export async function findStage(apigw: APIGatewayClient, restApiId: string, stage: string): Promise<Stage | undefined> {
  const {GetStageCommand} = await import('@aws-sdk/client-api-gateway')
  try {
    return await apigw.send(new GetStageCommand({restApiId, stageName: stage}))
  } catch (error) {
    if ((error as {name?: string}).name === 'NotFoundException') return undefined
    throw error
  }
}

export async function listStages(apigw: APIGatewayClient, restApiId: string): Promise<Stage[]> {
  const {GetStagesCommand} = await import('@aws-sdk/client-api-gateway')
  return (await apigw.send(new GetStagesCommand({restApiId}))).item ?? []
}

/** Whether any method of the deployed API requires a key (GetResources with the methods embedded). */
export async function apiKeyRequired(apigw: APIGatewayClient, restApiId: string): Promise<boolean> {
  const {paginateGetResources} = await import('@aws-sdk/client-api-gateway')
  for await (const page of paginateGetResources({client: apigw, pageSize: PAGE_SIZE}, {embed: ['methods'], restApiId})) {
    for (const resource of page.items ?? []) {
      for (const method of Object.values(resource.resourceMethods ?? {})) if (method.apiKeyRequired) return true
    }
  }
  return false
}
