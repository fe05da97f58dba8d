/** The stream's registered enhanced fan-out consumers (ListStreamConsumers, every page). */
import type {KinesisClient} from '@aws-sdk/client-kinesis'
import * as Kinesis from '../aws/kinesis.js'

export interface RegisteredConsumer {
  consumerName: string
  consumerArn: string
  /** CREATING, DELETING or ACTIVE. */
  status: string
  createdAt?: string
}

/** ListStreamConsumers takes the stream's ARN on every page, with NextToken on later ones. */
export async function listRegisteredConsumers(kinesis: KinesisClient, streamArn: string, signal?: AbortSignal): Promise<RegisteredConsumer[]> {
  const consumers: RegisteredConsumer[] = []
  let nextToken: string | undefined
  do {
    signal?.throwIfAborted()
    const page = await Kinesis.listStreamConsumers(kinesis, {NextToken: nextToken, StreamARN: streamArn}, {abortSignal: signal})
    for (const c of page.Consumers ?? []) {
      consumers.push({
        consumerArn: c.ConsumerARN ?? '',
        consumerName: c.ConsumerName ?? '',
        status: c.ConsumerStatus ?? 'UNKNOWN',
        ...(c.ConsumerCreationTimestamp ? {createdAt: new Date(c.ConsumerCreationTimestamp).toISOString()} : {}),
      })
    }
    nextToken = page.NextToken === '' ? undefined : page.NextToken
  } while (nextToken !== undefined)
  return consumers
}
