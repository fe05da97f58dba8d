import {expect} from 'chai'

import {hashKeyOf, rangeShare, shardForKey, uniformRanges} from '../../../src/lib/kinesis/hashkey.js'
import {HASH_KEY_MAX} from '../../../src/lib/kinesis/limits.js'

describe('hash-key math', () => {
  it('reads MD5 of the UTF-8 key as an unsigned 128-bit big-endian integer', () => {
    expect(hashKeyOf('35')).to.equal(37_510_386_171_328_542_483_891_614_002_476_448_536n)
    expect(hashKeyOf('1')).to.equal(261_578_874_264_819_908_609_102_035_485_573_088_411n)
  })

  it('lays out uniform ranges that tile the whole space', () => {
    const ranges = uniformRanges(3)
    expect(ranges[0].start).to.equal(0n)
    expect(ranges[2].end).to.equal(HASH_KEY_MAX)
    for (let i = 1; i < ranges.length; i++) expect(ranges[i].start).to.equal(ranges[i - 1].end + 1n)
    expect(uniformRanges(4)[1].start).to.equal(85_070_591_730_234_615_865_843_651_857_942_052_864n)
  })

  it('finds the shard whose range holds a key', () => {
    const shards = uniformRanges(4).map((r, i) => ({HashKeyRange: {EndingHashKey: r.end.toString(), StartingHashKey: r.start.toString()}, ShardId: `s${i}`}))
    expect(shardForKey(shards, '35')?.ShardId).to.equal('s0')
    expect(shardForKey(shards, '1')?.ShardId).to.equal('s3')
  })

  it('computes a range share of the hash space', () => {
    expect(rangeShare({end: HASH_KEY_MAX, start: 0n})).to.equal(1)
    expect(rangeShare(uniformRanges(4)[2])).to.equal(0.25)
  })
})
