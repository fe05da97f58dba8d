import {expect} from 'chai'

import {ShardAccumulator, SpaceSaving} from '../../../src/lib/load/accumulate.js'

describe('load accumulation (bounded memory)', () => {
  it('bins records per second and returns the window oldest first', () => {
    const acc = new ShardAccumulator({windowSeconds: 5})
    acc.add(100, 10, 'a')
    acc.add(100, 10, 'a')
    acc.add(102, 7, 'b')
    const {bytes, records} = acc.buckets(99, 103)
    expect([...records]).to.deep.equal([0, 2, 0, 1, 0])
    expect([...bytes]).to.deep.equal([0, 20, 0, 7, 0])
  })

  it('reuses ring slots as the window slides', () => {
    const acc = new ShardAccumulator({slackSeconds: 0, windowSeconds: 3})
    acc.add(10, 1, 'a')
    acc.add(13, 1, 'a') // same slot as 10
    expect([...acc.buckets(11, 13).records]).to.deep.equal([0, 0, 1])
    expect([...acc.buckets(10, 10).records]).to.deep.equal([0])
    acc.add(10, 1, 'a') // older than the slot holds: dropped
    expect([...acc.buckets(13, 13).records]).to.deep.equal([1])
  })

  it('keeps a hot key on top with its share and its own per-second peak, in bounded memory', () => {
    const ss = new SpaceSaving(4)
    for (let i = 0; i < 1000; i++) ss.add(`cold-${i}`, 100, 1)
    for (let i = 0; i < 500; i++) ss.add('hot', 100, 2)
    expect(ss.entries.size).to.equal(4)
    expect(ss.entries.get('hot')!.records).to.be.at.least(500)

    const acc = new ShardAccumulator({keyCapacity: 4, windowSeconds: 10})
    for (let i = 0; i < 300; i++) acc.add(1, 98, 'hot') // 300 records in second 1
    for (let i = 0; i < 200; i++) acc.add(2, 98, 'hot')
    for (let i = 0; i < 100; i++) acc.add(2, 50, `u${i}`)
    const top = acc.topKeys(3)
    expect(top[0].partitionKey).to.equal('hot')
    expect(top[0].records).to.equal(500)
    expect(top[0].share).to.equal(500 / 600)
    expect(top[0].peakUtilization).to.equal(0.3)
    expect(top[0].bytes).to.equal(500 * 98)
  })

  it('drops key segments that left the window', () => {
    const acc = new ShardAccumulator({keySegments: 5, windowSeconds: 10}) // 2-second segments
    acc.add(0, 1, 'old')
    acc.add(9, 1, 'new')
    acc.prune(4)
    expect(acc.topKeys(5).map((k) => k.partitionKey)).to.deep.equal(['new'])
  })
})
