/**
 * Kinesis Data Streams list prices and the month's cost of a stream in each capacity mode (pure).
 * The one price table of the project; `clickops scale --prices FILE` overrides any part of it
 * (another region, a negotiated rate, a newer list price).
 *
 * Source: https://aws.amazon.com/kinesis/data-streams/pricing/ (US East (N. Virginia), read 2026-12-02).
 * What could be confirmed and what not:
 * - The pricing page confirms the billing dimensions: provisioned = shard-hours + PUT payload units
 *   (25 KB chunks of each record, per million); on-demand = a per-stream hourly charge + per GB
 *   written (each record rounded up to 1 KB) + per GB read. The dollar figures below are the long-
 *   standing us-east-1 list prices ($0.015 per shard-hour, $0.014 per million PUT payload units,
 *   $0.04 per on-demand stream-hour, $0.08 per GB in, $0.04 per GB out); the page text available
 *   when this was written did not show the figures themselves, so they are NOT confirmed for today.
 * - On-demand Advantage: the Developer Guide ("Choose the right mode to stream in",
 *   https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html) says there is no
 *   per-stream charge and ingest/retrieval are "at least 60% lower" than On-demand Standard. The
 *   figures below are Standard's minus 60% (an upper bound); the exact list prices, and the
 *   account-wide minimum throughput the commitment bills for, are NOT confirmed and not included.
 * Extended retention, enhanced fan-out and data transfer are left out of every mode alike.
 */
import {readFile} from 'node:fs/promises'

import {UsageError} from './errors.js'

export interface PriceTable {
  /** The region (or description) these prices are for. */
  region: string
  /** USD. */
  provisioned: {shardHour: number; putPayloadUnitsPerMillion: number}
  onDemandStandard: {streamHour: number; ingestPerGB: number; retrievalPerGB: number}
  onDemandAdvantage: {streamHour: number; ingestPerGB: number; retrievalPerGB: number}
}

export const DEFAULT_PRICES: PriceTable = {
  onDemandAdvantage: {ingestPerGB: 0.032, retrievalPerGB: 0.016, streamHour: 0},
  onDemandStandard: {ingestPerGB: 0.08, retrievalPerGB: 0.04, streamHour: 0.04},
  provisioned: {putPayloadUnitsPerMillion: 0.014, shardHour: 0.015},
  region: 'us-east-1 (list prices)',
}

/** A billing month as AWS's calculator counts it. */
export const HOURS_PER_MONTH = 730
export const PUT_PAYLOAD_UNIT_BYTES = 25 * 1024
/** On-demand rounds each record up to 1 KB. */
export const ON_DEMAND_RECORD_UNIT_BYTES = 1024
export const GB = 1024 ** 3

export interface TrafficForCost {
  /** Mean write rates over the measured window. */
  bytesPerSecond: number
  recordsPerSecond: number
  /** Bytes read per second; default: the writes read once (one consumer reading everything). */
  readBytesPerSecond?: number
}

export interface MonthlyCosts {
  /** USD per month for `shards` provisioned shards, and on-demand Standard / Advantage, at the measured traffic. */
  provisioned: number
  onDemandStandard: number
  onDemandAdvantage: number
  shards: number
  /** The traffic the figures assume, per month. */
  monthlyGBIn: number
  monthlyGBOut: number
}

/**
 * The month's cost at a constant rate equal to the measured mean. Record sizes are taken as the
 * mean size (bytes ÷ records) for the 25 KB PUT payload units and the 1 KB on-demand rounding.
 */
export function monthlyCosts(shards: number, traffic: TrafficForCost, prices: PriceTable = DEFAULT_PRICES): MonthlyCosts {
  const seconds = HOURS_PER_MONTH * 3600
  const records = Math.max(0, traffic.recordsPerSecond) * seconds
  const bytes = Math.max(0, traffic.bytesPerSecond) * seconds
  const meanRecord = records > 0 ? bytes / records : 0
  const payloadUnits = records * Math.max(1, Math.ceil(meanRecord / PUT_PAYLOAD_UNIT_BYTES))
  const billedIn = records * Math.max(1, Math.ceil(meanRecord / ON_DEMAND_RECORD_UNIT_BYTES)) * ON_DEMAND_RECORD_UNIT_BYTES
  const out = (traffic.readBytesPerSecond ?? traffic.bytesPerSecond) * seconds
  const gbIn = records > 0 ? billedIn / GB : 0
  const gbOut = Math.max(0, out) / GB
  const onDemand = (p: PriceTable['onDemandStandard']) => p.streamHour * HOURS_PER_MONTH + gbIn * p.ingestPerGB + gbOut * p.retrievalPerGB
  return {
    monthlyGBIn: gbIn,
    monthlyGBOut: gbOut,
    onDemandAdvantage: onDemand(prices.onDemandAdvantage),
    onDemandStandard: onDemand(prices.onDemandStandard),
    provisioned: shards * HOURS_PER_MONTH * prices.provisioned.shardHour + (payloadUnits / 1e6) * prices.provisioned.putPayloadUnitsPerMillion,
    shards,
  }
}

/** "$1,234" or "$12.34": dollars as the plan line prints them. */
export function fmtUsd(x: number): string {
  return x >= 100 ? `$${Math.round(x).toLocaleString('en-US')}` : `$${x.toFixed(2)}`
}

/** The one line `scale` adds to a provisioned plan. */
export function costLine(c: MonthlyCosts, region: string = DEFAULT_PRICES.region): string {
  return `Month's cost at the measured mean traffic (${region}): ${c.shards} provisioned shard${c.shards === 1 ? '' : 's'} ${fmtUsd(c.provisioned)}; on-demand Standard ${fmtUsd(c.onDemandStandard)}; on-demand Advantage ${fmtUsd(c.onDemandAdvantage)} (without its account-wide commitment).`
}

const SECTIONS = {
  onDemandAdvantage: ['streamHour', 'ingestPerGB', 'retrievalPerGB'],
  onDemandStandard: ['streamHour', 'ingestPerGB', 'retrievalPerGB'],
  provisioned: ['shardHour', 'putPayloadUnitsPerMillion'],
} as const

/**
 * The price table with a JSON override (any subset of PriceTable, e.g.
 * {"region": "eu-west-1", "provisioned": {"shardHour": 0.017}}) merged over the defaults.
 * Throws UsageError naming the file and key.
 */
export function parsePriceOverride(text: string, path: string, base: PriceTable = DEFAULT_PRICES): PriceTable {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`Price file ${path} is not valid JSON: ${(error as Error).message}`, 'Example: {"region": "eu-west-1", "provisioned": {"shardHour": 0.017}}')
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`Price file ${path} must hold a JSON object.`)
  const table: PriceTable = structuredClone(base)
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'region') {
      if (typeof value !== 'string' || value === '') throw new UsageError(`Price file ${path}: "region" must be a non-empty string.`)
      table.region = value
      continue
    }
    if (!(key in SECTIONS)) throw new UsageError(`Price file ${path}: unknown key "${key}".`, `Known keys: region, ${Object.keys(SECTIONS).join(', ')}.`)
    const section = key as keyof typeof SECTIONS
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`Price file ${path}: "${key}" must be an object of prices.`)
    for (const [field, price] of Object.entries(value)) {
      if (!(SECTIONS[section] as readonly string[]).includes(field)) {
        throw new UsageError(`Price file ${path}: unknown price "${key}.${field}".`, `Known prices of ${key}: ${SECTIONS[section].join(', ')}.`)
      }
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) throw new UsageError(`Price file ${path}: ${key}.${field} must be a number of USD at least 0, not ${JSON.stringify(price)}.`)
      ;(table[section] as Record<string, number>)[field] = price
    }
  }
  return table
}

export async function loadPrices(path: string | undefined): Promise<PriceTable> {
  if (path === undefined) return DEFAULT_PRICES
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`Cannot read price file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}.`, 'Pass a JSON file with --prices.')
  }
  return parsePriceOverride(text, path)
}
