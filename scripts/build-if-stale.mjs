#!/usr/bin/env node
/**
 * Runs `npm run build` unless the build is newer than every input: `npm ci` has just built (its
 * `prepare`), so `npm test` in CI does not compile twice, while a fresh clone or an edited source
 * still gets a build. The build's stamp is oclif.manifest.json, the last file `npm run build` writes;
 * the inputs are src/ (files and folders, so a deleted file counts), package.json and tsconfig.json.
 */
import {spawnSync} from 'node:child_process'
import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

function newestUnder(dir) {
  let newest = mtime(dir) ?? 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : (mtime(path) ?? 0))
  }
  return newest
}

const stamp = mtime(join(root, 'oclif.manifest.json'))
const built = mtime(join(root, 'dist', 'index.js'))
const inputs = Math.max(newestUnder(join(root, 'src')), ...['package.json', 'tsconfig.json'].map((f) => mtime(join(root, f)) ?? 0))

if (stamp !== undefined && built !== undefined && stamp >= inputs) {
  process.stderr.write('build: dist/ is newer than src/, not rebuilding (npm run build forces it)\n')
} else {
  const r = spawnSync('npm', ['run', 'build'], {cwd: root, stdio: 'inherit'})
  process.exit(r.status ?? 1)
}
