/**
 * The local gateway's configuration: one JSON file per provisioned stream in
 * `<CLICKOPS_HOME>/local/apis/<stream>.json`, written by `clickops provision` (target local) and read
 * by the gateway process on every request (so a new or changed API is served at once) and by
 * `status` / `send --via api`. The file holds the API key's value, so it is readable by its owner only.
 */
import {randomBytes} from 'node:crypto'
import {mkdir, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {ApiDocument} from './openapi.js'

export interface Throttle {
  /** Steady-state requests per second. */
  rateLimit: number
  /** Bucket size: requests allowed in a burst. */
  burstLimit: number
}

export interface LocalApiState {
  version: 1
  /** A random id, shown like API Gateway's. */
  apiId: string
  name: string
  stream: string
  region: string
  stage: string
  /** The document's version (a hash of its content); equal versions mean equal documents. */
  documentVersion: string
  document: ApiDocument
  throttle: Throttle
  /** Present when the API requires a key (`x-api-key`). */
  apiKey?: {id: string; name: string; value: string}
  createdAt: string
  updatedAt: string
}

/** The folder of the local API files inside the stack's folder (`<CLICKOPS_HOME>/local`). */
export function apisDir(stackDir: string): string {
  return join(stackDir, 'apis')
}

export function apiFile(dir: string, stream: string): string {
  return join(dir, `${stream}.json`)
}

export async function readLocalApi(dir: string, stream: string): Promise<LocalApiState | undefined> {
  let text: string
  try {
    text = await readFile(apiFile(dir, stream), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const state = JSON.parse(text) as LocalApiState
  return state.version === 1 && state.stream === stream ? state : undefined
}

/** Writes atomically (temp file + rename), mode 0600. */
export async function writeLocalApi(dir: string, state: LocalApiState): Promise<string> {
  await mkdir(dir, {recursive: true, mode: 0o700})
  const file = apiFile(dir, state.stream)
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(temp, JSON.stringify(state, null, 2) + '\n', {mode: 0o600})
  await rename(temp, file)
  return file
}

export async function removeLocalApi(dir: string, stream: string): Promise<boolean> {
  const file = apiFile(dir, stream)
  const existed = await stat(file).then(
    () => true,
    () => false,
  )
  await rm(file, {force: true})
  return existed
}

/** Every API file in the folder with its modification time (the gateway reloads changed files). */
export async function listLocalApiFiles(dir: string): Promise<{file: string; stream: string; mtimeMs: number}[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const files: {file: string; stream: string; mtimeMs: number}[] = []
  for (const name of names) {
    if (!name.endsWith('.json')) continue
    const file = join(dir, name)
    const info = await stat(file).catch(() => undefined)
    if (info?.isFile()) files.push({file, mtimeMs: info.mtimeMs, stream: name.slice(0, -'.json'.length)})
  }
  return files
}
