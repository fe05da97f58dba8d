/**
 * The clickstream generator: a pure function of its options, a seeded PRNG and a clock. The same
 * seed gives the same users (ids, IPs, pixel ids) and the same event sequence (user, event name,
 * click id, product, price, ...); only the timestamps come from the clock.
 *
 * Two kinds of draws, so that a run can be split over workers without changing what it produces:
 * - who sends the event of slot k (k = 0, 1, 2, ...) comes from one stream seeded by the seed alone;
 * - what that user's event holds (funnel step, product, click id, ...) comes from the user's own
 *   stream, seeded by (seed, user).
 * A share {index, of} walks every slot but emits only the events of its own users (user u belongs
 * to share (u - 1) mod `of`): the shares of one seed together emit exactly the events of the whole
 * run, each user's in the same order, whatever the number of shares.
 */
import {FUNNEL, NO_SESSION, nextStage} from './funnel.js'
import {createRandom, hash32, mix32, type Random} from './random.js'
import type {ClickEvent} from './schema.js'
import {aliasTable, userIp, userPixelId, userWeights, type AliasTable, type HotUser} from './users.js'

export interface GeneratorOptions {
  seed: number
  users: number
  /** Zipf exponent over the user number (0 = uniform). */
  skew: number
  hotUsers: readonly HotUser[]
}

/** A part of the run: share `index` (0-based) of `of` equal parts of the users. */
export interface GeneratorShare {
  index: number
  of: number
}

export interface EventGenerator {
  /** The next event of this share, stamped with the clock's current time. */
  next(): ClickEvent
  /** Takes the next slot: its event when the slot's user belongs to this share, else undefined. */
  advance(): ClickEvent | undefined
  /** Slots taken so far (the events of the whole run up to here, across all shares). */
  readonly slot: number
}

/** The share that generates user `userId`'s events, of `of` shares. */
export function shareOfUser(userId: number, of: number): number {
  return (userId - 1) % of
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

export function createGenerator(options: GeneratorOptions, clock: Clock, share: GeneratorShare = {index: 0, of: 1}): EventGenerator {
  const seed = options.seed >>> 0
  if (!(Number.isInteger(share.of) && share.of >= 1 && Number.isInteger(share.index) && share.index >= 0 && share.index < share.of)) {
    throw new RangeError(`share ${share.index} of ${share.of} does not exist`)
  }
  const who: Random = createRandom(seed)
  const users = perUserRandom(seed, options.users)
  const table: AliasTable = aliasTable(userWeights(options))
  const stage = new Int8Array(options.users).fill(NO_SESSION)
  const product = new Int32Array(options.users)
  const stamp = timestampFormatter()
  const attributes = userAttributes(seed, options.users)
  const mine = (index: number) => share.of === 1 || index % share.of === share.index
  let slot = 0

  const eventOf = (index: number): ClickEvent => {
    const userId = index + 1
    const random = users.select(index)
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
  }

  const generator: EventGenerator = {
    advance(): ClickEvent | undefined {
      const index = table.sample(who)
      slot += 1
      return mine(index) ? eventOf(index) : undefined
    },
    next(): ClickEvent {
      for (;;) {
        const e = generator.advance()
        if (e !== undefined) return e
      }
    },
    get slot() {
      return slot
    },
  }
  return generator
}

/**
 * One sfc32 stream per user (as createRandom, 16 bytes of state each), seeded from (seed, user) on
 * the user's first event. select(i) points the returned Random at user i's stream.
 */
function perUserRandom(seed: number, users: number): {select(index: number): Random} {
  const state = new Int32Array(users * 4)
  const seeded = new Uint8Array(users)
  let base = 0
  const uint32 = (): number => {
    const a = state[base]
    const b = state[base + 1]
    const c = state[base + 2]
    const d = state[base + 3]
    const t = (((a + b) | 0) + d) | 0
    state[base + 3] = (d + 1) | 0
    state[base] = b ^ (b >>> 9)
    state[base + 1] = (c + (c << 3)) | 0
    const r = (c << 21) | (c >>> 11)
    state[base + 2] = (r + t) | 0
    return t >>> 0
  }
  const float = () => uint32() / 4_294_967_296
  const random: Random = {float, int: (n: number) => Math.floor(float() * n), uint32}
  return {
    select(index: number): Random {
      base = index * 4
      if (seeded[index] === 0) {
        seeded[index] = 1
        const a = hash32(seed, index + 1, 0x5e)
        const b = mix32(a ^ 0x6a09_e667)
        state[base] = a | 0
        state[base + 1] = b | 0
        state[base + 2] = mix32(b ^ 0xbb67_ae85) | 0
        state[base + 3] = 1
        for (let i = 0; i < 12; i++) uint32()
      }
      return random
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
