/** Shard lineage: pure functions over a ListShards result shaped like a 4 → 8 → 4 reshard history. */
import {expect} from 'chai'

import {hashKeyOf} from '../../../src/lib/kinesis/hashkey.js'
import {
  chainShardForSequence,
  childrenIndex,
  descendantIds,
  hashChain,
  holdsHash,
  openShardForHash,
  parentsOf,
  rootShards,
} from '../../../src/lib/kinesis/lineage.js'
import {reshardHistory, shardName} from '../tail/fixtures.js'

const id = shardName

describe('kinesis/lineage', () => {
  const shards = reshardHistory()
  const hash35 = hashKeyOf('35') // in the first quarter, first eighth

  it('names the parents of a split child and of a merged child', () => {
    expect(parentsOf(shards[0])).to.deep.equal([])
    expect(parentsOf(shards[4])).to.deep.equal([id(0)])
    expect(parentsOf(shards[12])).to.deep.equal([id(4), id(5)])
    expect(childrenIndex(shards).get(id(0))!.map((s) => s.ShardId)).to.deep.equal([id(4), id(5)])
  })

  it("walks a key's chain: parent, child, grandchild", () => {
    expect(hashChain(shards, hash35).map((s) => s.ShardId)).to.deep.equal([id(0), id(4), id(12)])
    expect(hashChain(shards, hashKeyOf('1')).map((s) => s.ShardId)).to.deep.equal([id(3), id(10), id(15)])
    for (const s of hashChain(shards, hash35)) expect(holdsHash(s, hash35)).to.equal(true)
  })

  it('starts the chain at the oldest retained ancestor when older shards have aged out', () => {
    const trimmed = shards.filter((s) => !['0', '1', '2', '3'].map((n) => id(Number(n))).includes(s.ShardId!))
    expect(hashChain(trimmed, hash35).map((s) => s.ShardId)).to.deep.equal([id(4), id(12)])
    expect(rootShards(trimmed).map((s) => s.ShardId)).to.deep.equal([4, 5, 6, 7, 8, 9, 10, 11].map(id))
  })

  it('finds the open shard of a key and the roots of the whole history', () => {
    expect(openShardForHash(shards, hash35)?.ShardId).to.equal(id(12))
    expect(rootShards(shards).map((s) => s.ShardId)).to.deep.equal([0, 1, 2, 3].map(id))
  })

  it('finds which link of a chain holds a sequence number', () => {
    const chain = hashChain(shards, hash35)
    const start = (n: number) => BigInt(chain[n].SequenceNumberRange!.StartingSequenceNumber!)
    expect(chainShardForSequence(chain, start(0))?.ShardId).to.equal(id(0))
    expect(chainShardForSequence(chain, start(1) + 5n)?.ShardId).to.equal(id(4))
    expect(chainShardForSequence(chain, start(2) + 10n ** 30n)?.ShardId).to.equal(id(12))
    expect(chainShardForSequence(chain, start(0) - 1n)).to.equal(undefined)
  })

  it('lists the descendants a reader will reach, restricted to a selection', () => {
    expect([...descendantIds(shards, [id(0)])].sort()).to.deep.equal([0, 4, 5, 12].map(id))
    expect([...descendantIds(shards, [id(0)], (s) => holdsHash(s, hash35))]).to.deep.equal([0, 4, 12].map(id))
    expect(descendantIds(shards, [0, 1, 2, 3].map(id)).size).to.equal(16)
  })

  it('returns an empty chain for an empty listing', () => {
    expect(hashChain([], hash35)).to.deep.equal([])
    expect(openShardForHash([], hash35)).to.equal(undefined)
  })
})
