/**
 * The registered consumer of an enhanced fan-out tail: named for the tail
 * (`clickops-tail-<host>-<pid>`), registered and waited for until ACTIVE, deregistered when the tail
 * ends. A consumer is billed per consumer-shard-hour while it is registered, so one left behind (the
 * tail was killed) costs money: staleTailConsumers finds those of this host whose process is gone.
 */
import type {KinesisClient} from '@aws-sdk/client-kinesis'

import {ClickopsError, ExitCode, UsageError} from '../errors.js'
import {MAX_CONSUMERS_PER_STREAM} from '../kinesis/limits.js'
import {systemClock, type ReaderClock} from '../kinesis/reader.js'
import * as Kinesis from '../aws/kinesis.js'
import {listRegisteredConsumers, type RegisteredConsumer} from '../kinesis/consumer-list.js'

export const TAIL_CONSUMER_PREFIX = 'clickops-tail-'
/** ConsumerName: 1 to 128 characters of [a-zA-Z0-9_.-]. */
const CONSUMER_NAME = /^[a-zA-Z0-9_.-]{1,128}$/

/** `clickops-tail-<host>-<pid>`, the host reduced to the characters a consumer name may have. */
export function tailConsumerName(host: string, pid: number): string {
  const suffix = `-${pid}`
  const room = 128 - TAIL_CONSUMER_PREFIX.length - suffix.length
  const safeHost = (host.replace(/[^a-zA-Z0-9_.-]/g, '-') || 'host').slice(0, room)
  return `${TAIL_CONSUMER_PREFIX}${safeHost}${suffix}`
}

/** The host and pid of a tail's consumer name; undefined for any other name. */
export function parseTailConsumerName(name: string): {host: string; pid: number} | undefined {
  if (!name.startsWith(TAIL_CONSUMER_PREFIX)) return undefined
  const m = /^(.+)-(\d+)$/.exec(name.slice(TAIL_CONSUMER_PREFIX.length))
  if (!m) return undefined
  return {host: m[1], pid: Number(m[2])}
}

export function validateConsumerName(name: string): string {
  if (!CONSUMER_NAME.test(name)) throw new UsageError(`"${name}" is not a valid consumer name.`, 'Use 1 to 128 letters, digits, "_", "." or "-".')
  return name
}

/**
 * The tail consumers of this host whose process is gone (pure): named `clickops-tail-<host>-<pid>`
 * with this host, a pid that is not alive, and not the running tail's own name.
 */
export function staleTailConsumers(consumers: readonly RegisteredConsumer[], host: string, isAlive: (pid: number) => boolean, own?: string): RegisteredConsumer[] {
  const safeHost = parseTailConsumerName(tailConsumerName(host, 1))!.host
  return consumers.filter((c) => {
    const parsed = parseTailConsumerName(c.consumerName)
    return parsed !== undefined && parsed.host === safeHost && c.consumerName !== own && c.status !== 'DELETING' && !isAlive(parsed.pid)
  })
}

export interface ConsumerLease {
  consumerName: string
  consumerArn: string
  /** True when this tail registered it (and deregisters it on release). */
  owned: boolean
  /** Deregisters an owned consumer (once; later calls do nothing); a reused one is left alone. */
  release(): Promise<void>
}

export interface ConsumerOptions {
  clock?: ReaderClock
  /** How long to wait for ACTIVE (default 60 s; AWS takes a few seconds). */
  activeTimeoutMs?: number
  signal?: AbortSignal
}

/**
 * Registers `name` and waits for ACTIVE. When the name is taken (an earlier process with this host
 * and pid left it), takes it over if it is usable, or waits until its deregistration is done.
 */
export async function registerTailConsumer(kinesis: KinesisClient, streamArn: string, name: string, options: ConsumerOptions = {}): Promise<ConsumerLease> {
  const clock = options.clock ?? systemClock
  const deadline = clock.now() + (options.activeTimeoutMs ?? 60_000)
  let arn: string | undefined
  while (arn === undefined) {
    try {
      arn = (await Kinesis.registerStreamConsumer(kinesis, {ConsumerName: name, StreamARN: streamArn})).Consumer!.ConsumerARN!
    } catch (error) {
      const e = error as {name?: string; message?: string}
      if (e.name === 'LimitExceededException') {
        throw new ClickopsError(`The stream has no room for another enhanced fan-out consumer (at most ${MAX_CONSUMERS_PER_STREAM}): ${e.message}`, {
          cause: error,
          exitCode: ExitCode.AWS,
          hint: 'List them with `aws kinesis list-stream-consumers`; reuse one with --consumer NAME, or tail without --efo.',
        })
      }
      if (e.name !== 'ResourceInUseException') throw error
      const existing = (await listRegisteredConsumers(kinesis, streamArn)).find((c) => c.consumerName === name)
      if (existing !== undefined && existing.status !== 'DELETING') {
        arn = existing.consumerArn
        break
      }
      if (options.signal?.aborted) throw new ClickopsError(`Interrupted while consumer "${name}" was being registered.`, {exitCode: ExitCode.INTERRUPTED})
      if (clock.now() > deadline) throw error
      await clock.sleep(500, options.signal)
    }
  }
  const lease = leaseOf(kinesis, name, arn, true)
  try {
    await waitActive(kinesis, arn, name, options)
  } catch (error) {
    await lease.release().catch(() => {})
    throw error
  }
  return lease
}

/** An existing registered consumer, by name (--consumer): must be ACTIVE; never deregistered by the tail. */
export async function reuseConsumer(kinesis: KinesisClient, streamArn: string, name: string): Promise<ConsumerLease> {
  const existing = (await listRegisteredConsumers(kinesis, streamArn)).find((c) => c.consumerName === name)
  if (existing === undefined) {
    throw new ClickopsError(`The stream has no registered consumer named "${name}".`, {
      exitCode: ExitCode.NOT_FOUND,
      hint: 'List them with `aws kinesis list-stream-consumers --stream-arn <arn>`, or use --efo alone to register one for this tail.',
    })
  }
  if (existing.status !== 'ACTIVE') {
    throw new ClickopsError(`Consumer "${name}" is ${existing.status}, not ACTIVE.`, {exitCode: ExitCode.AWS, hint: 'Wait until it is ACTIVE, or use --efo alone.'})
  }
  return leaseOf(kinesis, name, existing.consumerArn, false)
}

export async function deregisterConsumer(kinesis: KinesisClient, consumerArn: string): Promise<void> {
  try {
    await Kinesis.deregisterStreamConsumer(kinesis, {ConsumerARN: consumerArn})
  } catch (error) {
    if ((error as {name?: string}).name !== 'ResourceNotFoundException') throw error
  }
}

function leaseOf(kinesis: KinesisClient, consumerName: string, consumerArn: string, owned: boolean): ConsumerLease {
  let released: Promise<void> | undefined
  return {
    consumerArn,
    consumerName,
    owned,
    release() {
      if (!owned) return Promise.resolve()
      released ??= deregisterConsumer(kinesis, consumerArn)
      return released
    },
  }
}

async function waitActive(kinesis: KinesisClient, consumerArn: string, name: string, options: ConsumerOptions): Promise<void> {
  const clock = options.clock ?? systemClock
  const deadline = clock.now() + (options.activeTimeoutMs ?? 60_000)
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    const status = (await Kinesis.describeStreamConsumer(kinesis, {ConsumerARN: consumerArn})).ConsumerDescription?.ConsumerStatus
    if (status === 'ACTIVE') return
    if (status === 'DELETING') throw new ClickopsError(`Consumer "${name}" is being deleted.`, {exitCode: ExitCode.AWS, hint: 'Run the tail again in a few seconds.'})
    if (options.signal?.aborted) throw new ClickopsError(`Interrupted while consumer "${name}" was being registered.`, {exitCode: ExitCode.INTERRUPTED})
    if (clock.now() > deadline) throw new ClickopsError(`Consumer "${name}" is still ${status ?? 'not ACTIVE'}.`, {exitCode: ExitCode.AWS, hint: 'Run the tail again later.'})
    await clock.sleep(delay, options.signal)
  }
}

export interface EfoStartOptions {
  /** --consumer: reuse this registered consumer instead of registering one. */
  consumerName?: string
  host: string
  pid: number
  isAlive: (pid: number) => boolean
  /** Asked with the consumers left by tails of this host that are gone: true removes them. */
  confirmRemoval: (stale: RegisteredConsumer[]) => Promise<boolean>
  signal?: AbortSignal
  clock?: ReaderClock
  targetName?: string
}

export interface EfoStart {
  streamArn: string
  lease: ConsumerLease
  /** Left-behind tail consumers deregistered at the start, and those left as they were. */
  removed: string[]
  kept: string[]
}

/**
 * Before an enhanced fan-out tail: offers to remove the consumers of dead tails of this host, then
 * registers this tail's consumer (or takes the one named) and waits until it is ACTIVE. The caller
 * must `lease.release()` when the tail ends, however it ends.
 */
export async function startEfo(kinesis: KinesisClient, streamArn: string, options: EfoStartOptions): Promise<EfoStart> {
  const own = options.consumerName ?? tailConsumerName(options.host, options.pid)
  if (options.consumerName !== undefined) validateConsumerName(options.consumerName)
  const stale = staleTailConsumers(await listRegisteredConsumers(kinesis, streamArn), options.host, options.isAlive, own)
  const removed: string[] = []
  const kept: string[] = []
  if (stale.length > 0) {
    if (await options.confirmRemoval(stale)) {
      for (const c of stale) {
        await deregisterConsumer(kinesis, c.consumerArn)
        removed.push(c.consumerName)
      }
    } else {
      kept.push(...stale.map((c) => c.consumerName))
    }
  }
  const lease =
    options.consumerName === undefined
      ? await registerTailConsumer(kinesis, streamArn, own, {clock: options.clock, signal: options.signal})
      : await reuseConsumer(kinesis, streamArn, options.consumerName)
  return {kept, lease, removed, streamArn}
}
