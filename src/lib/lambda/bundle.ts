/**
 * One Lambda function's code: an entry module bundled by esbuild into one ESM file (`index.mjs`,
 * the AWS SDK included, node built-ins external), and that file in a deterministic zip (fixed
 * modification time), so that the same code always gives the same bytes and the same CodeSha256
 * Lambda reports: a deploy compares hashes instead of uploading again.
 *
 * esbuild and the zip library are imported only when a bundle is actually built.
 */
import {createHash} from 'node:crypto'

import {ClickopsError} from '../errors.js'

/** The file name of the bundle inside the zip, and the handler Lambda calls. */
export const BUNDLE_FILE = 'index.mjs'
export const BUNDLE_HANDLER = 'index.handler'

/**
 * ESM output cannot `require()`: CommonJS dependencies inside the bundle (the SDK's) still do, for
 * node built-ins. This banner gives the module a `require` of its own.
 */
const REQUIRE_BANNER = "import {createRequire as __clickopsCreateRequire} from 'node:module'; const require = __clickopsCreateRequire(import.meta.url);"

/** The fixed modification time of every zip entry (so that a zip depends on its contents only). */
const ZIP_MTIME = new Date('2000-01-01T00:00:00Z')

export interface BundleOptions {
  /** The entry module (a .js file from dist/, or a .ts source: esbuild reads both). Must export `handler`. */
  entry: string
  /** Node.js major the bundle targets (the Lambda runtime's), e.g. 20. */
  nodeMajor?: number
  /** Minify (default true: smaller upload, faster cold start). */
  minify?: boolean
  /** Modules left out of the bundle (e.g. ones the runtime provides). */
  external?: string[]
}

/** An input esbuild's metafile lists, with its size in the bundle. */
export interface BundleInput {
  path: string
  bytesInOutput: number
}

export interface FunctionBundle {
  /** The bundled module's source. */
  code: string
  /** Its size in bytes. */
  bytes: number
  /** The zip Lambda receives (CreateFunction ZipFile / UpdateFunctionCode). */
  zip: Buffer
  /** base64 SHA-256 of the zip: what Lambda reports as CodeSha256. */
  codeSha256: string
  /** Every input that made it into the bundle (from esbuild's metafile). */
  inputs: BundleInput[]
}

/** Bundles `entry` into one ESM file and zips it. Throws ClickopsError when esbuild fails. */
export async function buildFunctionBundle(options: BundleOptions): Promise<FunctionBundle> {
  const {build} = await import('esbuild')
  let result
  try {
    result = await build({
      banner: {js: REQUIRE_BANNER},
      bundle: true,
      entryPoints: [options.entry],
      external: options.external ?? [],
      format: 'esm',
      // Error classes are told apart by name (`error.name`): minification must keep them.
      keepNames: true,
      legalComments: 'none',
      logLevel: 'silent',
      metafile: true,
      minify: options.minify ?? true,
      outfile: BUNDLE_FILE,
      platform: 'node',
      target: `node${options.nodeMajor ?? 20}`,
      write: false,
    })
  } catch (error) {
    const first = (error as {errors?: {text: string}[]}).errors?.[0]?.text ?? (error as Error).message
    throw new ClickopsError(`Could not bundle ${options.entry}: ${first}`, {cause: error})
  }
  const out = result.outputFiles.find((f) => f.path.endsWith(BUNDLE_FILE))
  if (!out) throw new ClickopsError(`esbuild produced no ${BUNDLE_FILE} for ${options.entry}.`)
  const output = Object.values(result.metafile.outputs)[0]
  const inputs = Object.entries(output?.inputs ?? {}).map(([path, i]) => ({bytesInOutput: i.bytesInOutput, path}))
  const zip = await zipFiles([{data: Buffer.from(out.contents), name: BUNDLE_FILE}])
  return {bytes: out.contents.byteLength, code: out.text, codeSha256: sha256Base64(zip), inputs, zip}
}

/** A deterministic zip of `files` (fixed times and modes, deflated). */
export async function zipFiles(files: {name: string; data: Buffer}[]): Promise<Buffer> {
  const {ZipFile} = await import('yazl')
  const zip = new ZipFile()
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    zip.addBuffer(f.data, f.name, {compress: true, mode: 0o100644, mtime: ZIP_MTIME})
  }
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export function sha256Base64(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('base64')
}

/** The packages (node_modules names) a bundle carries, e.g. to check that no UI library got in. */
export function bundledPackages(inputs: readonly BundleInput[]): string[] {
  const names = new Set<string>()
  for (const {path} of inputs) {
    // The innermost package: node_modules/a/node_modules/b/x.js is b.
    const m = [...path.replaceAll('\\', '/').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)
    if (m) names.add(m[1])
  }
  return [...names].sort()
}
