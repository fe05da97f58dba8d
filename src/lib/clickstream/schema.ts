/**
 * The clickstream event: its TypeScript type and its draft-04 JSON Schema, the one definition that
 * the generator, the API Gateway model, the local gateway's validator and the tests all import.
 *
 * {"timestamp": "2021-07-12 12:01:58.732726", "user_id": "35", "pixel_id": "wjgao4w1oi",
 *  "click_id": "a5cf179b9c9d483abf6d424d44a293be", "insertion_timestamp": "2021-07-12 12:01:58.732754",
 *  "event_name": "Search", "user_ip": "111.33.64.227",
 *  "additional_data": {"time_on_data": 79, "percent_viewed": 39.7, "product_id": 557246, "price": 417.97}}
 */

export const EVENT_NAMES = ['Search', 'ViewContent', 'AddToCart', 'Purchase'] as const
export type EventName = (typeof EVENT_NAMES)[number]

export interface ClickEvent {
  /** UTC `YYYY-MM-DD HH:MM:SS.ffffff`. */
  timestamp: string
  /** Decimal string; the partition key. */
  user_id: string
  /** 10 characters of [a-z0-9], stable per user. */
  pixel_id: string
  /** 32 lowercase hex characters. */
  click_id: string
  /** UTC `YYYY-MM-DD HH:MM:SS.ffffff`, at or after `timestamp`. */
  insertion_timestamp: string
  event_name: EventName
  /** Dotted IPv4, stable per user. */
  user_ip: string
  additional_data: {
    /** Integer seconds. */
    time_on_data: number
    /** 0–100 with one decimal. */
    percent_viewed: number
    product_id: number
    /** Two decimals. */
    price: number
  }
}

export const TIMESTAMP_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}$'
export const IPV4_PATTERN = '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$'

/**
 * Draft-04 (the dialect API Gateway models use). Every field is required; no other fields are
 * allowed. `insertion_timestamp >= timestamp` and the decimals of `percent_viewed`/`price` cannot be
 * said in draft-04 and are checked by `checkEventSemantics`.
 */
export const EVENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'ClickEvent',
  type: 'object',
  additionalProperties: false,
  required: ['timestamp', 'user_id', 'pixel_id', 'click_id', 'insertion_timestamp', 'event_name', 'user_ip', 'additional_data'],
  properties: {
    timestamp: {type: 'string', pattern: TIMESTAMP_PATTERN},
    user_id: {type: 'string', pattern: '^[0-9]{1,18}$'},
    pixel_id: {type: 'string', pattern: '^[a-z0-9]{10}$'},
    click_id: {type: 'string', pattern: '^[0-9a-f]{32}$'},
    insertion_timestamp: {type: 'string', pattern: TIMESTAMP_PATTERN},
    event_name: {type: 'string', enum: [...EVENT_NAMES]},
    user_ip: {type: 'string', pattern: IPV4_PATTERN},
    additional_data: {
      type: 'object',
      additionalProperties: false,
      required: ['time_on_data', 'percent_viewed', 'product_id', 'price'],
      properties: {
        time_on_data: {type: 'integer', minimum: 0},
        percent_viewed: {type: 'number', minimum: 0, maximum: 100},
        product_id: {type: 'integer', minimum: 0},
        price: {type: 'number', minimum: 0},
      },
    },
  },
} as const

/** The batch route's body: `{"records": [event, ...]}` with 1–500 events (the PutRecords limit). */
export function batchSchema(maxRecords: number) {
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: 'ClickEventBatch',
    type: 'object',
    additionalProperties: false,
    required: ['records'],
    properties: {
      records: {type: 'array', minItems: 1, maxItems: maxRecords, items: EVENT_SCHEMA},
    },
  }
}

/** What draft-04 cannot express. Returns the problems (empty when the event is sound). */
export function checkEventSemantics(event: ClickEvent): string[] {
  const problems: string[] = []
  if (event.insertion_timestamp < event.timestamp) problems.push('insertion_timestamp is before timestamp')
  const d = event.additional_data
  if (Math.round(d.percent_viewed * 10) / 10 !== d.percent_viewed) problems.push('percent_viewed has more than one decimal')
  if (Math.round(d.price * 100) / 100 !== d.price) problems.push('price has more than two decimals')
  return problems
}
