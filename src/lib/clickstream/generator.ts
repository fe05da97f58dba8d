/**
 * The clickstream generator: a pure function of its options, a seeded PRNG and a clock. The same
 * seed gives the same users (ids, IPs, pixel ids) and the same event sequence (user, event name,
 * click id, product, price, ...); only the timestamps come from the clock.
 */
import {FUNNEL, NO_SESSION, nextStage} from './funnel.js'
import {createRandom, hash32, type Random} from './random.js'
import type {ClickEvent} from './schema.js'
import {aliasTable, userIp, userPixelId, userWeights, type AliasTable, type HotUser} from './users.js'

export interface GeneratorOptions {
  seed: number
  users: number
  /** Zipf exponent over the user number (0 = uniform). */
  skew: number
  hotUsers: readonly HotUser[]
}

export interface EventGenerator {
  /** The next event, stamped with the clock's current time. */
  next(): ClickEvent
}

/** A clock: milliseconds since the epoch, fractions allowed (microseconds are kept). */
export type Clock = () => number

/** Products are numbered in this range; each has one price. */
export const PRODUCT_ID_MIN = 100_000
export const PRODUCT_ID_MAX = 999_999

/** Seconds spent on the page, per funnel stage: [min, max]. */
const TIME_ON_DATA: readonly (readonly [number, number])[] = [
  [1, 60], // Search
  [5, 300], // ViewContent
  [1, 30], // AddToCart
  [10, 120], // Purchase
]

/** Microseconds between the event and its insertion stamp: [min, max]. */
const INSERTION_DELAY_US: readonly [number, number] = [5, 500]

/** A product's price: 1.00 to 999.99, two decimals, a pure function of the product id. */
export function productPrice(productId: number): number {
  return ((hash32(productId, 0x9a) % 99_900) + 100) / 100
}

export function createGenerator(options: GeneratorOptions, clock: Clock): EventGenerator {
  const seed = options.seed >>> 0
  const random: Random = createRandom(seed)
  const table: AliasTable = aliasTable(userWeights(options))
  const stage = new Int8Array(options.users).fill(NO_SESSION)
  const product = new Int32Array(options.users)
  const stamp = timestampFormatter()
  const attributes = userAttributes(seed, options.users)

  return {
    next(): ClickEvent {
      const index = table.sample(random)
      const userId = index + 1
      const s = nextStage(stage[index], random.float())
      stage[index] = s
      if (s === 0) product[index] = PRODUCT_ID_MIN + random.int(PRODUCT_ID_MAX - PRODUCT_ID_MIN + 1)
      const productId = product[index]
      const [tMin, tMax] = TIME_ON_DATA[s]
      const timeOnData = tMin + random.int(tMax - tMin + 1)
      const percentViewed = random.int(1001) / 10
      const clickId = hex8(random.uint32()) + hex8(random.uint32()) + hex8(random.uint32()) + hex8(random.uint32())
      const delay = INSERTION_DELAY_US[0] + random.int(INSERTION_DELAY_US[1] - INSERTION_DELAY_US[0] + 1)
      const micros = Math.floor(clock() * 1000)
      return {
        timestamp: stamp(micros),
        user_id: String(userId),
        pixel_id: attributes.pixelId(userId),
        click_id: clickId,
        insertion_timestamp: stamp(micros + delay),
        event_name: FUNNEL[s],
        user_ip: attributes.ip(userId),
        additional_data: {
          time_on_data: timeOnData,
          percent_viewed: percentViewed,
          product_id: productId,
          price: productPrice(productId),
        },
      }
    },
  }
}

const HEX_BYTE: readonly string[] = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, '0'))

/** Users' IP and pixel id, computed once per user and kept (up to CACHED_USERS users). */
const CACHED_USERS = 100_000

function userAttributes(seed: number, users: number) {
  if (users > CACHED_USERS) return {ip: (u: number) => userIp(seed, u), pixelId: (u: number) => userPixelId(seed, u)}
  const ips: (string | undefined)[] = new Array(users + 1)
  const pixels: (string | undefined)[] = new Array(users + 1)
  return {
    ip: (u: number) => (ips[u] ??= userIp(seed, u)),
    pixelId: (u: number) => (pixels[u] ??= userPixelId(seed, u)),
  }
}

function hex8(x: number): string {
  return HEX_BYTE[x >>> 24] + HEX_BYTE[(x >>> 16) & 0xff] + HEX_BYTE[(x >>> 8) & 0xff] + HEX_BYTE[x & 0xff]
}

/**
 * Formats microseconds since the epoch as UTC `YYYY-MM-DD HH:MM:SS.ffffff`, caching the part up to
 * the second (events come in time order, so the cache nearly always hits).
 */
export function timestampFormatter(): (micros: number) => string {
  let cachedSecond = Number.NaN
  let cachedPrefix = ''
  return (micros: number): string => {
    const second = Math.floor(micros / 1_000_000)
    if (second !== cachedSecond) {
      cachedSecond = second
      cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ')
    }
    return `${cachedPrefix}.${String(micros - second * 1_000_000).padStart(6, '0')}`
  }
}

/**
 * The event as one line of JSON, byte for byte what JSON.stringify gives (field order included), but
 * several times faster: every string field is constrained by the schema to characters JSON does not
 * escape.
 */
export function eventJson(e: ClickEvent): string {
  const d = e.additional_data
  return (
    `{"timestamp":"${e.timestamp}","user_id":"${e.user_id}","pixel_id":"${e.pixel_id}","click_id":"${e.click_id}",` +
    `"insertion_timestamp":"${e.insertion_timestamp}","event_name":"${e.event_name}","user_ip":"${e.user_ip}",` +
    `"additional_data":{"time_on_data":${d.time_on_data},"percent_viewed":${d.percent_viewed},"product_id":${d.product_id},"price":${d.price}}}`
  )
}
