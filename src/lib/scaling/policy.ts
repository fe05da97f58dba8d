/**
 * The scaling policy: the settings `clickops scale` decides with, from flags and from a policy file
 * (JSON or YAML) that holds them per stream for cron runs. Everything is validated here, before any
 * AWS call, and a bad value is a UsageError naming the flag or the file and key.
 *
 * Precedence: flag > the stream's entry in the policy file > the file's top-level settings > defaults.
 *
 * Policy file (the keys are the flag names):
 *
 *   target-utilization: 0.7        # top level: every stream
 *   cooldown-in: 1h
 *   streams:
 *     clickstream:                 # overrides for one stream
 *       min-shards: 2
 *       max-shards: 64
 */
import {readFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'
import {MAX_SHARDS_PER_STREAM} from '../kinesis/limits.js'
import {checkWindow, LOAD_SOURCES, MAX_WINDOW_MS, MIN_WINDOW_MS} from '../load/sources.js'
import type {LoadSourceName} from '../load/types.js'
import {formatDuration, formatInt} from '../format.js'
import {parseDuration} from '../parse.js'

export const BASES = ['peak', 'mean'] as const
export type Basis = (typeof BASES)[number]
/**
 * How a plan reshards: uniform (UpdateShardCount, equal ranges), targeted (SplitShard of the hot
 * shards where their traffic is, MergeShards of adjacent cold ones), or auto (both planned, the one
 * with fewer resulting open shards applied).
 */
export const STRATEGIES = ['uniform', 'targeted', 'auto'] as const
export type Strategy = (typeof STRATEGIES)[number]

export interface ScalingPolicy {
  /** The hottest projected shard must stay at or under this fraction of the shard write limit, (0, 1]. */
  targetUtilization: number
  minShards: number
  maxShards: number
  /** Which load a shard is judged by: its busiest second (peak) or its mean over the window. */
  basis: Basis
  /** Scale in only when the smaller count stays under target − margin (utilisation points). */
  scaleInMargin: number
  /** Time since the last change before a scale-in / scale-out may follow. */
  cooldownInMs: number
  cooldownOutMs: number
  /** The load window. */
  windowMs: number
  /** Where the load comes from; undefined = the target's default (CloudWatch on AWS, the stream locally). */
  source?: LoadSourceName
  /** uniform, targeted or auto. */
  strategy: Strategy
  /** No scale-in while a consumer's lag (iterator age) is above this (`--max-lag-for-scale-in`). */
  maxLagForScaleInMs: number
}

export const POLICY_DEFAULTS = {
  basis: 'peak',
  cooldownInMs: 60 * 60 * 1000,
  cooldownOutMs: 5 * 60 * 1000,
  maxLagForScaleInMs: 5 * 60 * 1000,
  maxShards: MAX_SHARDS_PER_STREAM,
  minShards: 1,
  scaleInMargin: 0.1,
  strategy: 'auto',
  targetUtilization: 0.7,
  windowMs: 15 * 60 * 1000,
} as const satisfies Omit<ScalingPolicy, 'source'>

/** Cooldowns beyond a week make no sense for a cron job. */
export const MAX_COOLDOWN_MS = 7 * 24 * 60 * 60 * 1000

/** The settings as flags and policy files name them. */
export const POLICY_KEYS = [
  'target-utilization',
  'min-shards',
  'max-shards',
  'basis',
  'scale-in-margin',
  'cooldown-in',
  'cooldown-out',
  'window',
  'source',
  'strategy',
  'max-lag-for-scale-in',
] as const
export type PolicyKey = (typeof POLICY_KEYS)[number]

/** Raw settings: strings from flags, numbers or strings from a file. */
export type RawSettings = Partial<Record<PolicyKey, unknown>>

export interface PolicyFile {
  path: string
  /** Top-level settings: every stream. */
  defaults: RawSettings
  /** Per-stream overrides. */
  streams: Record<string, RawSettings>
}

/** Where a setting came from, for messages and the JSON result. */
export type SettingOrigin = 'flag' | 'policy file (stream)' | 'policy file' | 'default'

export interface ResolvedPolicy {
  policy: ScalingPolicy
  origins: Record<PolicyKey, SettingOrigin>
}

/** Parses a policy file's text (JSON, or YAML, which is a superset). Throws UsageError. */
export async function parsePolicyText(text: string, path: string): Promise<PolicyFile> {
  let doc: unknown
  try {
    if (/\.json$/i.test(path)) {
      doc = JSON.parse(text)
    } else {
      const {parse} = await import('yaml')
      doc = parse(text, {uniqueKeys: true})
    }
  } catch (error) {
    const detail = firstLine((error as Error).message)
    throw new UsageError(`Policy file ${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML or JSON'}: ${detail}`)
  }
  if (doc === null || doc === undefined) doc = {}
  if (!isPlainObject(doc)) throw new UsageError(`Policy file ${path} must hold a mapping of settings, not ${describe(doc)}.`, exampleHint())
  const defaults: RawSettings = {}
  const streams: Record<string, RawSettings> = {}
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'streams') {
      if (!isPlainObject(value)) throw new UsageError(`Policy file ${path}: "streams" must map stream names to settings.`, exampleHint())
      for (const [stream, settings] of Object.entries(value)) {
        if (!isPlainObject(settings)) throw new UsageError(`Policy file ${path}: streams.${stream} must be a mapping of settings.`, exampleHint())
        streams[stream] = checkKeys(settings, `${path}: streams.${stream}`)
      }
    } else {
      Object.assign(defaults, checkKeys({[key]: value}, path))
    }
  }
  // Validate every stream's merged settings now, so a typo anywhere fails the first run.
  validateSettings(defaults, (k) => `${path}: ${k}`)
  for (const [stream, settings] of Object.entries(streams)) {
    validateSettings({...defaults, ...settings}, (k) => (settings[k] === undefined ? `${path}: ${k}` : `${path}: streams.${stream}.${k}`))
  }
  return {defaults, path, streams}
}

export async function loadPolicyFile(path: string): Promise<PolicyFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'ENOENT' ? `Policy file ${path} does not exist.` : `Cannot read policy file ${path}: ${firstLine((error as Error).message)}`,
      'Pass the path of a JSON or YAML policy file with --policy.',
    )
  }
  return parsePolicyText(text, path)
}

/**
 * The policy from a command's parsed flags: the policy file (`policy`) loaded when given, and every
 * setting of POLICY_KEYS the flags hold (any other flag is ignored). Throws UsageError.
 */
export async function policyFromFlags(flags: Record<string, unknown> & {policy?: string}, stream: string): Promise<ResolvedPolicy> {
  const file = flags.policy === undefined ? undefined : await loadPolicyFile(flags.policy)
  const settings: RawSettings = {}
  for (const key of POLICY_KEYS) if (flags[key] !== undefined) settings[key] = flags[key]
  return resolvePolicy({flags: settings, stream, ...(file === undefined ? {} : {file})})
}

/**
 * The policy for `stream`: flags over the file's stream entry over the file's top level over the
 * defaults. Throws UsageError on any invalid or inconsistent value.
 */
export function resolvePolicy(args: {flags: RawSettings; file?: PolicyFile; stream: string}): ResolvedPolicy {
  const {file, flags, stream} = args
  const flagSettings = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as RawSettings
  const fileStream = file?.streams[stream] ?? {}
  if (file && Object.keys(file.streams).length > 0 && file.streams[stream] === undefined && Object.keys(file.defaults).length === 0) {
    throw new UsageError(
      `Policy file ${file.path} has no entry for stream "${stream}" (it has: ${Object.keys(file.streams).join(', ')}).`,
      'Add the stream under "streams:", add top-level settings for every stream, or pick the stream with --stream.',
    )
  }
  const origins = {} as Record<PolicyKey, SettingOrigin>
  const merged: RawSettings = {}
  for (const key of POLICY_KEYS) {
    if (flagSettings[key] !== undefined) {
      merged[key] = flagSettings[key]
      origins[key] = 'flag'
    } else if (fileStream[key] !== undefined) {
      merged[key] = fileStream[key]
      origins[key] = 'policy file (stream)'
    } else if (file?.defaults[key] !== undefined) {
      merged[key] = file.defaults[key]
      origins[key] = 'policy file'
    } else {
      origins[key] = 'default'
    }
  }
  const where = (key: PolicyKey) => {
    switch (origins[key]) {
      case 'flag':
        return `--${key}`
      case 'policy file (stream)':
        return `${file!.path}: streams.${stream}.${key}`
      case 'policy file':
        return `${file!.path}: ${key}`
      default:
        return key
    }
  }
  return {origins, policy: validateSettings(merged, where)}
}

/** Turns raw settings into a policy (defaults filled in), checking each value and their relations. */
export function validateSettings(raw: RawSettings, where: (key: PolicyKey) => string = (k) => `--${k}`): ScalingPolicy {
  const policy: ScalingPolicy = {...POLICY_DEFAULTS}
  if (raw['target-utilization'] !== undefined) {
    const t = toNumber(raw['target-utilization'], where('target-utilization'))
    if (!(t > 0 && t <= 1)) {
      throw new UsageError(
        `${where('target-utilization')} must be above 0 and at most 1 (a fraction of the shard write limit), not ${String(raw['target-utilization'])}.`,
        'Use e.g. 0.7 for 70% of 1 MiB/s or 1,000 records/s per shard.',
      )
    }
    policy.targetUtilization = t
  }
  if (raw['min-shards'] !== undefined) policy.minShards = toShardCount(raw['min-shards'], where('min-shards'))
  if (raw['max-shards'] !== undefined) policy.maxShards = toShardCount(raw['max-shards'], where('max-shards'))
  if (policy.minShards > policy.maxShards) {
    const min = where('min-shards')
    const max = where('max-shards')
    // Both from the same file: name the file once ("scale.yaml: min-shards (9) is above max-shards (3).").
    const file = min.includes(': ') ? min.slice(0, min.lastIndexOf(': ') + 2) : ''
    throw new UsageError(
      `${min} (${policy.minShards}) is above ${file !== '' && max.startsWith(file) ? max.slice(file.length) : max} (${policy.maxShards}).`,
      'Make the minimum at most the maximum.',
    )
  }
  if (raw.basis !== undefined) {
    if (!(BASES as readonly unknown[]).includes(raw.basis)) {
      throw new UsageError(`${where('basis')} must be peak or mean, not ${JSON.stringify(raw.basis)}.`, 'peak judges a shard by its busiest second, mean by its average over the window.')
    }
    policy.basis = raw.basis as Basis
  }
  if (raw['scale-in-margin'] !== undefined) {
    const m = toNumber(raw['scale-in-margin'], where('scale-in-margin'))
    if (!(m >= 0 && m < policy.targetUtilization)) {
      throw new UsageError(
        `${where('scale-in-margin')} must be at least 0 and below the target utilisation (${policy.targetUtilization}), not ${String(raw['scale-in-margin'])}.`,
        'It is in utilisation points: 0.1 with a target of 0.7 scales in only when the smaller count stays at or under 0.6.',
      )
    }
    policy.scaleInMargin = m
  } else if (policy.scaleInMargin >= policy.targetUtilization) {
    // The default margin does not fit a very low target: keep half the target as the margin.
    policy.scaleInMargin = policy.targetUtilization / 2
  }
  if (raw['cooldown-in'] !== undefined) policy.cooldownInMs = toDuration(raw['cooldown-in'], where('cooldown-in'), 0, MAX_COOLDOWN_MS)
  if (raw['cooldown-out'] !== undefined) policy.cooldownOutMs = toDuration(raw['cooldown-out'], where('cooldown-out'), 0, MAX_COOLDOWN_MS)
  if (raw['max-lag-for-scale-in'] !== undefined) policy.maxLagForScaleInMs = toDuration(raw['max-lag-for-scale-in'], where('max-lag-for-scale-in'), 1000, MAX_COOLDOWN_MS)
  if (raw.window !== undefined) policy.windowMs = toDuration(raw.window, where('window'), MIN_WINDOW_MS, MAX_WINDOW_MS)
  if (raw.source !== undefined) {
    if (!(LOAD_SOURCES as readonly unknown[]).includes(raw.source)) {
      throw new UsageError(`${where('source')} must be ${LOAD_SOURCES.join(' or ')}, not ${JSON.stringify(raw.source)}.`)
    }
    policy.source = raw.source as LoadSourceName
  }
  if (raw.strategy !== undefined) {
    if (!(STRATEGIES as readonly unknown[]).includes(raw.strategy)) {
      throw new UsageError(
        `${where('strategy')} must be uniform, targeted or auto, not ${JSON.stringify(raw.strategy)}.`,
        'uniform doubles or halves every shard (UpdateShardCount), targeted splits the hot shard where its traffic is, auto plans both and takes the one with fewer shards.',
      )
    }
    policy.strategy = raw.strategy as Strategy
  }
  return policy
}

function checkKeys(settings: Record<string, unknown>, where: string): RawSettings {
  for (const key of Object.keys(settings)) {
    if (!(POLICY_KEYS as readonly string[]).includes(key)) {
      const suggestion = closest(key, [...POLICY_KEYS, 'streams'])
      throw new UsageError(
        `Policy file ${where}: unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}.`,
        `Known keys: ${POLICY_KEYS.join(', ')}, and "streams" for per-stream settings.`,
      )
    }
  }
  return settings as RawSettings
}

function toNumber(value: unknown, where: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
  if (!Number.isFinite(n)) throw new UsageError(`${where} must be a number, not ${JSON.stringify(value)}.`)
  return n
}

function toShardCount(value: unknown, where: string): number {
  const n = toNumber(value, where)
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS_PER_STREAM) {
    throw new UsageError(`${where} must be a whole number of shards from 1 to ${formatInt(MAX_SHARDS_PER_STREAM)}, not ${JSON.stringify(value)}.`)
  }
  return n
}

function toDuration(value: unknown, where: string, min: number, max: number): number {
  if (value === 0 && min === 0) return 0
  if (typeof value !== 'string') throw new UsageError(`${where} must be a duration such as 30s, 15m or 1h, not ${JSON.stringify(value)}.`)
  const ms = parseDuration(value, where)
  if (ms < min || ms > max) throw new UsageError(`${where} must be from ${formatDuration(min)} to ${formatDuration(max)}, not ${value}.`)
  return ms
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe(v: unknown): string {
  return Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'null' : `a ${typeof v}`
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim()
}

function exampleHint(): string {
  return 'Example: "target-utilization: 0.7" at the top level, and "streams: {clickstream: {max-shards: 64}}" for one stream.'
}

/** The known key closest to `key` (edit distance at most 3), for "did you mean". */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 4
  const norm = key.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase().replaceAll('_', '-')
  for (const k of known) {
    const d = distance(norm, k)
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best
}

function distance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]
}

/** The load source for a target (the policy's, else the target's default), with the window checked against it. */
export function sourceFor(policy: ScalingPolicy, defaultSource: LoadSourceName, windowWhere = 'window'): LoadSourceName {
  const source = policy.source ?? defaultSource
  checkWindow(source, policy.windowMs, windowWhere, '15m')
  return source
}
