/**
 * The stack's state directory on disk: private to the user whatever the umask (folders 0700, files
 * 0600: kinesis-local's data holds the events, and so users' IP addresses), and one clear error when
 * it cannot be written (read-only, full, not ours).
 */
import {accessSync, constants, existsSync} from 'node:fs'
import {chmod, lstat, mkdir, readdir, rename, rm, statfs, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {LocalStackError} from '../errors.js'

export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EDQUOT: 'the disk quota is exhausted',
  ENOENT: 'its path cannot be created',
  ENOSPC: 'the disk is full',
  ENOTDIR: 'part of its path is a file, not a folder',
  EPERM: 'permission denied',
  EROFS: 'it is on a read-only file system',
}

/** The file-system error codes that mean "this directory cannot be written": no bug, the user's to fix. */
export function isStateDirProblem(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException)?.code === 'string' && (error as NodeJS.ErrnoException).code! in REASONS
}

/**
 * A file-system error on the state directory as one sentence (exit 4); anything else unchanged.
 * Creating a folder on a read-only file system fails with ENOENT or EACCES; the nearest folder that
 * exists tells the real cause.
 */
export function stateDirError(error: unknown, home: string): unknown {
  if (!isStateDirProblem(error)) return error
  let {code} = error as NodeJS.ErrnoException
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM') code = readOnlyAncestor((error as NodeJS.ErrnoException).path ?? home) ?? code
  return stateDirProblem(code!, home, error)
}

function stateDirProblem(code: string, home: string, cause?: unknown): LocalStackError {
  return new LocalStackError(
    `Cannot write the local stack's state under ${home}: ${REASONS[code!]} (${code}).`,
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'Free some space there, or point CLICKOPS_HOME at a folder on another disk.'
      : 'Point CLICKOPS_HOME at a folder you can write to.',
    cause,
  )
}

function readOnlyAncestor(path: string): 'EROFS' | undefined {
  for (let dir = path; ; dir = dirname(dir)) {
    if (existsSync(dir)) {
      try {
        accessSync(dir, constants.W_OK)
        return undefined
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EROFS' ? 'EROFS' : undefined
      }
    }
    if (dirname(dir) === dir) return undefined
  }
}

/** Less free space than this on the state directory's disk counts as full. */
const FULL_BELOW_BYTES = 256 * 1024

/**
 * After a service failed to start: when the state directory's disk is full (a service cannot even
 * write its log then), that is the error to report.
 */
export async function fullDiskError(home: string): Promise<LocalStackError | undefined> {
  try {
    const info = await statfs(home)
    return info.bavail * info.bsize < FULL_BELOW_BYTES ? stateDirProblem('ENOSPC', home) : undefined
  } catch {
    return undefined
  }
}

/** Creates the folder (and its parents) and makes it 0700, also when it already existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, {mode: PRIVATE_DIR_MODE, recursive: true})
  await chmod(dir, PRIVATE_DIR_MODE)
}

/** Writes a file atomically (temporary file, then rename), mode 0600. */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`
  try {
    await writeFile(temp, text, {mode: PRIVATE_FILE_MODE})
    await chmod(temp, PRIVATE_FILE_MODE)
    await rename(temp, file)
  } catch (error) {
    await rm(temp, {force: true}).catch(() => {})
    throw error
  }
}

/**
 * Makes a folder and everything in it private: folders 0700, files 0600 (symbolic links are left
 * alone). For state written by an earlier clickops, or by hand, under a looser umask.
 */
export async function makePrivate(dir: string): Promise<void> {
  const info = await lstat(dir).catch(() => undefined)
  if (!info) return
  if (info.isDirectory()) {
    if ((info.mode & 0o777) !== PRIVATE_DIR_MODE) await chmod(dir, PRIVATE_DIR_MODE)
    for (const name of await readdir(dir)) await makePrivate(join(dir, name))
  } else if (info.isFile() && (info.mode & 0o077) !== 0) {
    await chmod(dir, info.mode & PRIVATE_FILE_MODE)
  }
}
