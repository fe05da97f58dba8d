import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {inflateRawSync} from 'node:zlib'

import {BUNDLE_FILE, buildFunctionBundle, bundledPackages, sha256Base64, zipFiles} from '../../../src/lib/lambda/bundle.js'

/** The first entry of a zip: its name and inflated data (enough for a one-file zip). */
function firstEntry(zip: Buffer): {name: string; data: Buffer} {
  expect(zip.readUInt32LE(0)).to.equal(0x04034b50)
  const method = zip.readUInt16LE(8)
  const nameLength = zip.readUInt16LE(26)
  const extraLength = zip.readUInt16LE(28)
  const name = zip.subarray(30, 30 + nameLength).toString('utf8')
  const start = 30 + nameLength + extraLength
  // yazl streams entries with a data descriptor: the compressed size is in the central directory.
  const cd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
  const compressed = zip.readUInt32LE(cd + 20)
  const raw = zip.subarray(start, start + compressed)
  return {data: method === 8 ? inflateRawSync(raw) : raw, name}
}

describe('lambda bundle', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clickops-bundle-'))
    await writeFile(join(dir, 'dep.ts'), 'export const twice = (n: number): number => n * 2\n')
    await writeFile(join(dir, 'entry.ts'), "import {twice} from './dep.js'\nexport const handler = async (event: {n: number}) => ({doubled: twice(event.n)})\n")
  })
  after(() => rm(dir, {force: true, recursive: true}))

  it('bundles an entry into one ESM file in a zip whose hash depends on the code only', async () => {
    const a = await buildFunctionBundle({entry: join(dir, 'entry.ts')})
    const b = await buildFunctionBundle({entry: join(dir, 'entry.ts')})
    expect(a.codeSha256).to.equal(b.codeSha256)
    expect(a.codeSha256).to.equal(sha256Base64(a.zip))
    const entry = firstEntry(a.zip)
    expect(entry.name).to.equal(BUNDLE_FILE)
    expect(entry.data.toString('utf8')).to.equal(a.code)
    expect(a.inputs.map((i) => i.path.replace(/.*\//, ''))).to.have.members(['entry.ts', 'dep.ts'])
    // The module runs as the Lambda runtime loads it: an ES module exporting handler.
    const file = join(dir, 'out.mjs')
    await writeFile(file, a.code)
    const mod = (await import(file)) as {handler: (e: {n: number}) => Promise<unknown>}
    expect(await mod.handler({n: 21})).to.deep.equal({doubled: 42})

    await writeFile(join(dir, 'dep.ts'), 'export const twice = (n: number): number => n + n\n')
    const c = await buildFunctionBundle({entry: join(dir, 'entry.ts')})
    expect(c.codeSha256).to.not.equal(a.codeSha256)
  })

  it('reports a bundling failure as one sentence', async () => {
    await writeFile(join(dir, 'broken.ts'), "import {nothing} from './missing.js'\nexport const handler = nothing\n")
    try {
      await buildFunctionBundle({entry: join(dir, 'broken.ts')})
      expect.fail('should have thrown')
    } catch (error) {
      expect((error as Error).message).to.match(/^Could not bundle .*broken\.ts: Could not resolve/)
    }
  })

  it('zips deterministically and names the packages a bundle carries', async () => {
    const one = await zipFiles([{data: Buffer.from('b'), name: 'b.txt'}, {data: Buffer.from('a'), name: 'a.txt'}])
    const two = await zipFiles([{data: Buffer.from('a'), name: 'a.txt'}, {data: Buffer.from('b'), name: 'b.txt'}])
    expect(one.equals(two)).to.equal(true)
    expect(
      bundledPackages([
        {bytesInOutput: 1, path: 'node_modules/@aws-sdk/client-kinesis/dist-es/index.js'},
        {bytesInOutput: 1, path: 'node_modules/a/node_modules/tslib/tslib.es6.mjs'},
        {bytesInOutput: 1, path: 'dist/lib/x.js'},
      ]),
    ).to.deep.equal(['@aws-sdk/client-kinesis', 'tslib'])
  })
})
