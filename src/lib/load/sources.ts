/**
 * The load sources, once for `heat` and `scale`: their names, the default per target, the window
 * each accepts, and the refusal of CloudWatch on the embedded stack (kinesis-local publishes no
 * metrics). Pure; throws UsageError.
 */
import {UsageError} from '../errors.js'
import {formatDuration} from '../format.js'
import {UPDATE_SHARD_COUNT_WINDOW_MS} from '../kinesis/limits.js'
import type {Target} from '../target.js'
import type {LoadSourceName} from './types.js'

/** Every load source, in the order flags list them. */
export const LOAD_SOURCES = ['cloudwatch', 'stream'] as const satisfies readonly LoadSourceName[]

/**
 * Load window bounds: overall, and per source (CloudWatch's Kinesis metrics come in whole minutes;
 * reading the stream itself costs read throughput and memory, so at most an hour).
 */
export const MIN_WINDOW_MS = 10_000
export const MAX_WINDOW_MS = UPDATE_SHARD_COUNT_WINDOW_MS
export const WINDOW_BOUNDS: Record<LoadSourceName, {min: number; max: number}> = {
  cloudwatch: {max: MAX_WINDOW_MS, min: 60_000},
  stream: {max: 60 * 60 * 1000, min: MIN_WINDOW_MS},
}

/** The default source for a target: CloudWatch on AWS, the stream itself locally (no metrics there). */
export function defaultSource(targetKind: 'local' | 'aws' | string): LoadSourceName {
  return targetKind === 'aws' ? 'cloudwatch' : 'stream'
}

/**
 * Throws UsageError when `windowMs` is outside what `source` can read. `where` names the setting
 * (`--window`); `example` is the window the hint suggests for the stream source (e.g. `5m`).
 */
export function checkWindow(source: LoadSourceName, windowMs: number, where: string, example: string): void {
  const bounds = WINDOW_BOUNDS[source]
  if (windowMs >= bounds.min && windowMs <= bounds.max) return
  throw new UsageError(
    `${where} ${formatDuration(windowMs)} is out of range for the ${source} source (${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}).`,
    source === 'cloudwatch' ? 'CloudWatch Kinesis metrics come in whole minutes: use e.g. 15m.' : `Use e.g. ${example}; reading the stream costs read throughput.`,
  )
}

/** Throws UsageError when the source cannot be read on this target (CloudWatch on the embedded stack). */
export function checkSourceAvailable(source: LoadSourceName, target: Pick<Target, 'endpoints' | 'kind'>): void {
  if (source === 'cloudwatch' && target.kind === 'local' && target.endpoints.cloudwatch === undefined) {
    throw new UsageError(
      'The cloudwatch source is not available on the embedded local stack (kinesis-local publishes no metrics).',
      'Use --source stream locally, or --target aws.',
    )
  }
}
