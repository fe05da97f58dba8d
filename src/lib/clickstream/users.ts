/**
 * The simulated users and who sends the next event. Users are numbered 1..N (`user_id` "1".."N");
 * each has an IP and a pixel id that are a pure function of (seed, user), so they are stable for the
 * whole run and the same for the same seed. The traffic mix is Zipf over the user number (user 1
 * the busiest) with exponent `skew` (0 = uniform), and optional hot users with a fixed share of all
 * events each. Sampling uses Walker's alias method: O(1) per event.
 */
import {UsageError} from '../errors.js'
import {hash32, type Random} from './random.js'
import {formatInt} from '../format.js'

export const DEFAULT_USERS = 1000
export const MAX_USERS = 1_000_000
export const MAX_SKEW = 10
/** The share a hot user gets when `--hot-user ID` names no share. */
export const DEFAULT_HOT_SHARE = 0.25

export interface HotUser {
  /** The user number, 1..users. */
  userId: number
  /** The fraction of all events this user sends, in (0, 1]. */
  share: number
}

export interface UserMixOptions {
  users: number
  skew: number
  hotUsers: readonly HotUser[]
}

/** Parses `ID[:SHARE]` (e.g. `35:0.3`, `35:30%` or `35`). Throws UsageError. */
export function parseHotUser(value: string): HotUser {
  const m = /^\s*(\d{1,18})\s*(?::\s*(\d*\.?\d+)\s*(%?)\s*)?$/.exec(value)
  if (!m) {
    throw new UsageError(`--hot-user "${value}" is not ID[:SHARE].`, 'Use e.g. --hot-user 35:0.3 (user 35 sends 30% of the events) or --hot-user 35.')
  }
  const userId = Number(m[1])
  let share = m[2] === undefined ? DEFAULT_HOT_SHARE : Number(m[2])
  if (m[3] === '%') share /= 100
  if (!(share > 0 && share <= 1)) {
    throw new UsageError(`--hot-user "${value}": the share must be greater than 0 and at most 1 (or 100%).`)
  }
  return {share, userId}
}

/** Checks a mix against each other (ids in range, no duplicates, shares summing to ≤ 1). */
export function validateUserMix(options: UserMixOptions): void {
  const {hotUsers, skew, users} = options
  if (!Number.isInteger(users) || users < 1 || users > MAX_USERS) {
    throw new UsageError(`--users must be a whole number from 1 to ${formatInt(MAX_USERS)}, not "${users}".`)
  }
  if (!Number.isFinite(skew) || skew < 0 || skew > MAX_SKEW) {
    throw new UsageError(`--skew must be a number from 0 (uniform) to ${MAX_SKEW}, not "${skew}".`, 'Typical values: 0.8 to 1.2 (web traffic).')
  }
  const seen = new Set<number>()
  let total = 0
  for (const h of hotUsers) {
    if (h.userId < 1 || h.userId > users) {
      throw new UsageError(`--hot-user ${h.userId} is not a user: users are numbered 1 to ${users}.`, 'Raise --users or pick a user id within the range.')
    }
    if (seen.has(h.userId)) throw new UsageError(`--hot-user ${h.userId} is given twice.`)
    seen.add(h.userId)
    total += h.share
  }
  // Shares summing to exactly 1 are legal: every other user is then silent.
  if (total > 1 + 1e-9) {
    throw new UsageError(`The --hot-user shares add up to ${round(total * 100)}%, more than 100%.`)
  }
}

/** The probability of each user (index 0 = user 1) sending the next event. Sums to 1. */
export function userWeights(options: UserMixOptions): Float64Array {
  validateUserMix(options)
  const {hotUsers, skew, users} = options
  const weights = new Float64Array(users)
  const hot = new Map(hotUsers.map((h) => [h.userId - 1, h.share]))
  let hotTotal = 0
  for (const share of hot.values()) hotTotal += share
  let rest = 0
  for (let i = 0; i < users; i++) {
    if (hot.has(i)) continue
    const w = skew === 0 ? 1 : (i + 1) ** -skew
    weights[i] = w
    rest += w
  }
  const restShare = Math.max(0, 1 - hotTotal)
  for (let i = 0; i < users; i++) {
    const share = hot.get(i)
    weights[i] = share === undefined ? (rest > 0 ? (weights[i] / rest) * restShare : 0) : share
  }
  // When hot users take everything there is no remainder; if they take less but no one else exists,
  // scale them up so the weights still sum to 1.
  let sum = 0
  for (let i = 0; i < users; i++) sum += weights[i]
  if (sum > 0 && Math.abs(sum - 1) > 1e-12) for (let i = 0; i < users; i++) weights[i] /= sum
  return weights
}

/** Walker's alias table: draw an index with the given probabilities in O(1). */
export interface AliasTable {
  size: number
  sample(random: Random): number
}

export function aliasTable(weights: Float64Array): AliasTable {
  const n = weights.length
  const prob = new Float64Array(n)
  const alias = new Int32Array(n)
  const scaled = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) sum += weights[i]
  const small: number[] = []
  const large: number[] = []
  for (let i = 0; i < n; i++) {
    scaled[i] = (weights[i] / sum) * n
    ;(scaled[i] < 1 ? small : large).push(i)
  }
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!
    const l = large.pop()!
    prob[s] = scaled[s]
    alias[s] = l
    scaled[l] = scaled[l] + scaled[s] - 1
    ;(scaled[l] < 1 ? small : large).push(l)
  }
  for (const i of large) prob[i] = 1
  for (const i of small) prob[i] = 1 // rounding leftovers
  return {
    sample(random: Random): number {
      const u = random.float() * n
      const i = Math.floor(u)
      return u - i < prob[i] ? i : alias[i]
    },
    size: n,
  }
}

const BASE36 = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** A user's IPv4 address: a public-looking unicast address, stable for (seed, user). */
export function userIp(seed: number, userId: number): string {
  const h = hash32(seed, userId, 0x1b)
  // First octet in 1..223 avoiding 10 and 127 (private and loopback), the rest anything.
  let first = 1 + (h % 223)
  if (first === 10 || first === 127) first += 1
  return `${first}.${(h >>> 8) & 0xff}.${(h >>> 16) & 0xff}.${(hash32(seed, userId, 0x2c) & 0xff)}`
}

/** A user's pixel id: 10 characters of [a-z0-9], stable for (seed, user). */
export function userPixelId(seed: number, userId: number): string {
  let out = ''
  let h = hash32(seed, userId, 0x3d)
  for (let i = 0; i < 10; i++) {
    if (i === 5) h = hash32(seed, userId, 0x4e)
    out += BASE36[h % 36]
    h = Math.floor(h / 36)
  }
  return out
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}
