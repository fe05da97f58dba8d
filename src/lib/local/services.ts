/**
 * The processes of the embedded stack. Each service says how to start it, which ports it takes and
 * how to tell it is healthy. The stack (stack.ts) starts them in order and stops them in reverse.
 */
import {copyFile, readFile, rename, stat} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {basename, dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {apisDir} from '../gateway/state.js'
import type {LocalConfig, LocalPortName} from './config.js'
import {ensurePrivateDir} from './files.js'

export interface LaunchSpec {
  /** Arguments after the node executable. */
  args: string[]
  env: Record<string, string>
}

export interface ServiceSpec {
  name: string
  description: string
  /** The ports it listens on (all on 127.0.0.1). */
  ports: LocalPortName[]
  launch(config: LocalConfig): LaunchSpec
  /** GET this URL; 200 means healthy. */
  healthUrl(config: LocalConfig): string
  /** The endpoint users and other commands talk to. */
  endpoint(config: LocalConfig): string
  /** Called before the service starts; may return a notice for the user. */
  beforeStart?(config: LocalConfig): Promise<string | undefined>
  /** Called after the service stopped, with the moment the stop began; may return a notice for the user. */
  afterStop?(config: LocalConfig, since: Date): Promise<string | undefined>
  /** How long it may take to stop after SIGTERM before it is killed (default 10 s). */
  stopGraceMs?: number
}

const require = createRequire(import.meta.url)

/** The preload that forces every listening socket onto loopback (`node -r`). */
export const LOOPBACK_PRELOAD = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'assets', 'loopback-preload.cjs')

/** The preload that makes kinesis-local's store crash-safe and its stop lossless (`node -r`). */
export const STORE_PRELOAD = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'assets', 'store-preload.cjs')

export function kinesisLocalMain(): string {
  return require.resolve('kinesis-local/main.js')
}

export function kinesisLocalVersion(): string {
  return (require('kinesis-local/package.json') as {version: string}).version
}

/** How often kinesis-local writes its data to disk. */
export const PERSIST_INTERVAL = '1s'

export const kinesisService: ServiceSpec = {
  name: 'kinesis',
  description: `kinesis-local ${kinesisLocalVersion()} (Kinesis Data Streams emulator)`,
  ports: ['kinesis', 'kinesisTls'],
  launch(config) {
    const main = kinesisLocalMain()
    return {
      args: ['-r', LOOPBACK_PRELOAD, '-r', STORE_PRELOAD, main],
      env: {
        KINESIS_MOCK_PLAIN_PORT: String(config.ports.kinesis),
        KINESIS_MOCK_TLS_PORT: String(config.ports.kinesisTls),
        KINESIS_MOCK_CERT_PATH: join(dirname(main), 'server.json'),
        SHOULD_PERSIST_DATA: 'true',
        LOAD_DATA_IF_EXISTS: 'true',
        PERSIST_PATH: dirname(kinesisStoreFile(config)),
        PERSIST_FILE_NAME: basename(kinesisStoreFile(config)),
        PERSIST_INTERVAL,
        SHARD_LIMIT: String(config.shardLimit),
        LOG_LEVEL: 'WARN',
        ROOT_LOG_LEVEL: 'ERROR',
      },
    }
  },
  healthUrl: (config) => `http://127.0.0.1:${config.ports.kinesis}/healthcheck`,
  endpoint: (config) => `http://127.0.0.1:${config.ports.kinesis}`,
  async beforeStart(config) {
    await ensurePrivateDir(dirname(kinesisStoreFile(config)))
    return setAsideUnreadable(kinesisStoreFile(config))
  },
  afterStop: checkSavedSince,
  // The preload saves once more after SIGTERM (up to two save intervals) and gives up after 25 s.
  stopGraceMs: 30_000,
}

/**
 * kinesis-local cannot start on an empty or truncated store. The store-preload makes every save
 * atomic, so that should not happen any more; a store written by an earlier clickops, or damaged by
 * hand, is still handled: it is moved aside, named with the time, and the previous complete save
 * (`<store>.previous`) takes its place when there is one. Nothing is deleted.
 */
export async function setAsideUnreadable(file: string): Promise<string | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  if (isJson(text)) return undefined
  const aside = `${file}.unreadable-${new Date().toISOString().replaceAll(':', '-')}`
  await rename(file, aside)
  const what = `kinesis-local's stored data could not be read (${text.length === 0 ? 'empty' : 'truncated'} file); moved it to ${aside}`
  const previous = `${file}.previous`
  if (isJson(await readFile(previous, 'utf8').catch(() => ''))) {
    await copyFile(previous, file)
    return `${what} and started from the previous save.`
  }
  return `${what} and started with no streams.`
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** kinesis-local's store: its one data file. */
export const kinesisStoreFile = (config: LocalConfig) => join(config.dataDir, 'kinesis', 'kinesis-data.json')

/**
 * After kinesis-local stopped: whether its last save happened after the stop began (the preload
 * saves once more on SIGTERM and exits only then). If not, say what may be missing.
 */
export async function checkSavedSince(config: LocalConfig, since: Date): Promise<string | undefined> {
  const info = await stat(kinesisStoreFile(config)).catch(() => undefined)
  if (!info || info.mtimeMs >= since.getTime()) return undefined
  return `kinesis-local could not save its data before it stopped (see ${join(config.logDir, 'kinesis.log')}): records accepted after ${info.mtime.toISOString()} are not on disk.`
}

/**
 * The local gateway's entry, next to this module: `dist/lib/gateway/main.js` when clickops runs from
 * the built package (plain node), `src/lib/gateway/main.ts` when it runs from the TypeScript sources
 * (bin/dev.js, tests under tsx); then tsx's loader is preloaded, resolved from this package so that
 * it works from any working directory. Nothing else is needed in production.
 */
export function gatewayLaunchArgs(): string[] {
  return mainLaunchArgs('gateway', 'main')
}

/** The node arguments that run `src/lib/<folder>/<name>` (.js built, .ts under tsx) behind the loopback preload. */
function mainLaunchArgs(folder: string, name: string): string[] {
  const here = fileURLToPath(import.meta.url)
  const fromSources = here.endsWith('.ts')
  const main = join(dirname(here), '..', folder, `${name}${fromSources ? '.ts' : '.js'}`)
  return fromSources ? ['-r', LOOPBACK_PRELOAD, '--import', tsxLoaderUrl(), main] : ['-r', LOOPBACK_PRELOAD, main]
}

/** The URL of tsx's `--import` entry (its package export "."), found from this package's node_modules. */
function tsxLoaderUrl(): string {
  const manifest = require.resolve('tsx/package.json')
  const exported = (require(manifest) as {exports: Record<string, string | {import?: string; default?: string}>}).exports['.']
  const entry = typeof exported === 'string' ? exported : (exported.import ?? exported.default)!
  return pathToFileURL(join(dirname(manifest), entry)).href
}

export const gatewayService: ServiceSpec = {
  name: 'gateway',
  description: 'local API gateway (serves the APIs of `clickops provision`)',
  ports: ['gateway'],
  launch: (config) => ({
    args: gatewayLaunchArgs(),
    env: {
      CLICKOPS_GATEWAY_PORT: String(config.ports.gateway),
      CLICKOPS_GATEWAY_APIS_DIR: apisDir(config.dir),
      CLICKOPS_GATEWAY_KINESIS_ENDPOINT: kinesisService.endpoint(config),
    },
  }),
  healthUrl: (config) => `http://127.0.0.1:${config.ports.gateway}/health`,
  endpoint: (config) => `http://127.0.0.1:${config.ports.gateway}`,
}

/**
 * The local scheduler: invokes the functions `clickops autoscale deploy` registers (the same bundle
 * as on Lambda) on their schedule against kinesis-local.
 */
export const schedulerService: ServiceSpec = {
  name: 'scheduler',
  description: 'local scheduler (runs the functions of `clickops autoscale deploy`)',
  ports: ['scheduler'],
  launch: (config) => ({
    args: mainLaunchArgs('autoscale', 'scheduler-main'),
    env: {
      CLICKOPS_SCHEDULER_PORT: String(config.ports.scheduler),
      CLICKOPS_SCHEDULER_DIR: join(config.dir, 'autoscale'),
      CLICKOPS_SCHEDULER_KINESIS_ENDPOINT: kinesisService.endpoint(config),
    },
  }),
  healthUrl: (config) => `http://127.0.0.1:${config.ports.scheduler}/health`,
  endpoint: (config) => `http://127.0.0.1:${config.ports.scheduler}`,
}

/** The services of the stack, in start order. */
export const STACK_SERVICES: ServiceSpec[] = [kinesisService, gatewayService, schedulerService]
