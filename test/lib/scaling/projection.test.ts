import {expect} from 'chai'

import {EPSILON, LoadProfile, type PointLoad, type RangeLoad} from '../../../src/lib/scaling/projection.js'

const MiB = 1024 * 1024
const SPACE = 1n << 128n

/** Ranges cut at the given fractions of the hash space, with bytes/s per range (records 0). */
function ranges(cuts: number[], mib: number[]): RangeLoad[] {
  const keys = [0n, ...cuts.map((c) => BigInt(Math.round(c * 1e9)) * (SPACE / 1_000_000_000n)), SPACE]
  return mib.map((m, i) => ({bytes: m * MiB, endingHashKey: (keys[i + 1] - 1n).toString(), records: 0, startingHashKey: keys[i].toString()}))
}

const at = (fraction: number, mib: number): PointLoad => ({bytes: mib * MiB, hash: BigInt(Math.round(fraction * 1e9)) * (SPACE / 1_000_000_000n), records: 0})

/** The reference: every count tried with a full projection. */
function bruteForce(profile: LoadProfile, threshold: number, hi: number): number | undefined {
  for (let n = 1; n <= hi; n++) if (profile.project(n).maxUtilization <= threshold + EPSILON) return n
  return undefined
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

describe('load projection onto uniform shards', () => {
  it('spreads each shard over its range: an uneven layout projected onto 3 uniform shards', () => {
    // [0, 1/2) at 1 MiB/s, [1/2, 1) idle: shard 0 of 3 gets 2/3, shard 1 gets 1/6 × 2 = 1/3.
    const p = new LoadProfile(ranges([0.5], [1, 0]))
    const three = p.project(3)
    expect(three.maxUtilization).to.be.closeTo(2 / 3, 1e-9)
    expect(three.hottest.index).to.equal(0)
    expect(p.cellUtilization(1, 3)).to.be.closeTo(1 / 3, 1e-9)
    expect(p.cellUtilization(2, 3)).to.be.closeTo(0, 1e-9)
    expect(three.meanUtilization).to.be.closeTo(1 / 3, 1e-9)
  })

  it('takes the larger of bytes and records against their limits', () => {
    const p = new LoadProfile([{bytes: 0.2 * MiB, endingHashKey: (SPACE - 1n).toString(), records: 900, startingHashKey: '0'}])
    expect(p.project(1).maxUtilization).to.be.closeTo(0.9, 1e-9)
    expect(p.project(2).maxUtilization).to.be.closeTo(0.45, 1e-9)
  })

  it('is not monotonic in N, and the search still finds the smallest count', () => {
    // Two keys at 0.49 and 0.51 of the space, 0.4 each: apart at 2 shards, together again at 3.
    const p = new LoadProfile(ranges([], [0]), [at(0.49, 0.4), at(0.51, 0.4)])
    expect(p.project(2).maxUtilization).to.be.closeTo(0.4, 1e-9)
    expect(p.project(3).maxUtilization).to.be.closeTo(0.8, 1e-9)
    expect(p.smallestWithin(0.7, 1, 100)).to.equal(2)
    expect(p.smallestWithin(0.7, 3, 100)).to.equal(4)
  })

  it('treats gaps in the ranges as idle, and rejects overlapping ranges', () => {
    const withGap = ranges([0.25, 0.5], [1, 0, 1]).filter((_, i) => i !== 1)
    const p = new LoadProfile(withGap)
    expect(p.totalBytes).to.equal(2 * MiB)
    expect(p.project(4).maxUtilization).to.be.closeTo(1, 1e-9)
    expect(p.cellUtilization(1, 4)).to.be.closeTo(0, 1e-9)
    const overlapping = [...ranges([0.5], [1, 1]), ...ranges([0.25], [1, 1])]
    expect(() => new LoadProfile(overlapping)).to.throw(/overlap/)
  })

  it('finds the same smallest count as trying every count, on 200 random layouts', () => {
    const random = prng(42)
    for (let c = 0; c < 200; c++) {
      const count = 1 + Math.floor(random() * 30)
      const cuts = Array.from({length: count - 1}, () => random()).sort((a, b) => a - b)
      const loads = Array.from({length: count}, () => (random() < 0.2 ? random() * 3 : random() * 0.2))
      const points = Array.from({length: Math.floor(random() * 4)}, () => at(random(), random() * 0.5))
      const profile = new LoadProfile(ranges(cuts, loads), points)
      const threshold = 0.3 + random() * 0.6
      const lo = 1 + Math.floor(random() * 5)
      const reference = bruteForce(profile, threshold, 400)
      const expected = reference !== undefined && reference >= lo ? reference : (() => {
        for (let n = lo; n <= 400; n++) if (profile.project(n).maxUtilization <= threshold + EPSILON) return n
        return undefined
      })()
      expect(profile.smallestWithin(threshold, lo, 400), `case ${c}`).to.equal(expected)
    }
  })
})
