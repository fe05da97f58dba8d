/** What tail reads: flag validation before any call, and where each reader starts. */
import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors.js'
import {hashKeyOf} from '../../../src/lib/kinesis/hashkey.js'
import {planTail, readPlan, type TailInput} from '../../../src/lib/tail/plan.js'
import {reshardHistory, shardName} from './fixtures.js'

const NOW = new Date('2026-01-31T12:00:00Z')

function usage(input: TailInput): UsageError {
  try {
    planTail(input, NOW)
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError)
    return error as UsageError
  }
  throw new Error(`accepted ${JSON.stringify(input)}`)
}


const id = shardName

describe('tail/plan', () => {
  it('defaults to following from latest', () => {
    expect(planTail({}, NOW)).to.deep.equal({follow: true, limit: undefined, partitionKey: undefined, start: {kind: 'latest'}, until: undefined})
  })

  it('reads --user as the partition key, and --from as latest, trim-horizon, a time or a duration ago', () => {
    expect(planTail({user: '35'}, NOW).partitionKey).to.equal('35')
    expect(planTail({partitionKey: '35'}, NOW).partitionKey).to.equal('35')
    expect(planTail({from: 'trim-horizon'}, NOW).start).to.deep.equal({kind: 'trim-horizon'})
    expect(planTail({from: '10m'}, NOW).start).to.deep.equal({at: new Date('2026-01-31T11:50:00Z'), kind: 'time'})
    expect(planTail({from: '2026-01-31T11:00:00Z'}, NOW).start).to.deep.equal({at: new Date('2026-01-31T11:00:00Z'), kind: 'time'})
    expect(planTail({fromSequence: '4968', user: '35'}, NOW).start).to.deep.equal({kind: 'sequence', sequenceNumber: '4968'})
    expect(planTail({afterSequence: '4968', user: '35'}, NOW).start).to.deep.equal({after: true, kind: 'sequence', sequenceNumber: '4968'})
    // A position inside a KPL aggregate, as tail prints it.
    expect(planTail({afterSequence: '4968:7', user: '35'}, NOW).start).to.deep.equal({after: true, kind: 'sequence', sequenceNumber: '4968', subSequenceNumber: 7})
    expect(planTail({fromSequence: ' 4968:0 ', user: '35'}, NOW).start).to.deep.equal({kind: 'sequence', sequenceNumber: '4968', subSequenceNumber: 0})
    expect(planTail({allShards: true, from: '10m', user: '35'}, NOW)).to.deep.include({allShards: true, partitionKey: '35'})
    expect(planTail({follow: false, from: '1h', limit: '5', until: '30m'}, NOW)).to.deep.include({follow: false, limit: 5, until: new Date('2026-01-31T11:30:00Z')})
  })

  it('rejects bad input with a clear sentence', () => {
    expect(usage({from: 'garbage'}).message).to.equal('--from "garbage" is not a starting point.')
    expect(usage({from: 'garbage'}).hint).to.match(/trim-horizon/)
    expect(usage({limit: 0}).message).to.match(/--limit must be a whole number from 1/)
    expect(usage({limit: '-3'}).message).to.match(/--limit/)
    expect(usage({limit: '2.5'}).message).to.match(/--limit/)
    expect(usage({fromSequence: '123'}).message).to.match(/--from-sequence needs --user or --partition-key/)
    expect(usage({fromSequence: '12a', user: '1'}).message).to.match(/is not a position/)
    expect(usage({fromSequence: '12:', user: '1'}).message).to.match(/is not a position/)
    expect(usage({fromSequence: '12:3:4', user: '1'}).hint).to.match(/SEQUENCE:SUBSEQUENCE/)
    expect(usage({allShards: true}).message).to.match(/^--all-shards filters every shard by a key/)
    expect(usage({afterSequence: '12', allShards: true, user: '1'}).message).to.match(/^--after-sequence and --all-shards exclude each other/)
    expect(usage({from: '1h', fromSequence: '1', user: '1'}).message).to.equal('--from and --from-sequence both say where to start; give one of them.')
    expect(usage({afterSequence: '1', fromSequence: '1', user: '1'}).message).to.equal('--from-sequence and --after-sequence both say where to start; give one of them.')
    expect(usage({afterSequence: '123'}).message).to.match(/^--after-sequence needs --user or --partition-key/)
    expect(usage({afterSequence: 'x', user: '1'}).message).to.equal('--after-sequence "x" is not a position.')
    expect(usage({partitionKey: '2', user: '1'}).message).to.match(/--user and --partition-key/)
    expect(usage({user: ''}).message).to.match(/1 to 256 characters/)
    expect(usage({user: 'x'.repeat(257)}).message).to.match(/1 to 256 characters/)
    expect(usage({from: '2027-01-01T00:00:00Z'}).message).to.match(/in the future/)
    expect(usage({from: '1h', until: '2h'}).message).to.match(/is not after --from/)
    expect(usage({until: '1h'}).message).to.match(/in the past/)
    expect(usage({until: 'soon'}).message).to.match(/--until "soon"/)
    expect(usage({follow: false}).message).to.match(/--no-follow with --from latest would read nothing/)
  })

  describe('readPlan', () => {
    const shards = reshardHistory()
    const hash = hashKeyOf('35')

    it("with a key from latest reads only the open shard that holds the key's hash", () => {
      const r = readPlan(planTail({user: '35'}, NOW), shards)
      expect(r.initial).to.deep.equal([{shardId: id(12), start: {type: 'LATEST'}}])
      expect(r.hash).to.equal(hash)
      expect(r.childStart).to.deep.equal({type: 'TRIM_HORIZON'})
      expect(r.selectChild({HashKeyRange: shards[12].HashKeyRange})).to.equal(true)
      expect(r.selectChild({HashKeyRange: shards[13].HashKeyRange})).to.equal(false)
    })

    it("with a key from the past starts at the oldest retained ancestor and plans the key's lineage", () => {
      const r = readPlan(planTail({from: 'trim-horizon', user: '35'}, NOW), shards)
      expect(r.initial).to.deep.equal([{shardId: id(0), start: {type: 'TRIM_HORIZON'}}])
      expect(r.lineage).to.deep.equal([0, 4, 12].map(id))
      expect(r.planned).to.deep.equal([0, 4, 12].map(id))
      const t = readPlan(planTail({from: '10m', user: '35'}, NOW), shards)
      expect(t.initial[0].start).to.deep.equal({timestamp: new Date('2026-01-31T11:50:00Z'), type: 'AT_TIMESTAMP'})
      expect(t.childStart).to.deep.equal({timestamp: new Date('2026-01-31T11:50:00Z'), type: 'AT_TIMESTAMP'})
    })

    it('with a sequence number starts in the link of the chain that holds it', () => {
      const seq = (BigInt(shards[4].SequenceNumberRange!.StartingSequenceNumber!) + 7n).toString()
      const r = readPlan(planTail({fromSequence: seq, user: '35'}, NOW), shards)
      expect(r.initial).to.deep.equal([{shardId: id(4), start: {sequenceNumber: seq, type: 'AT_SEQUENCE_NUMBER'}}])
      expect(r.lineage).to.deep.equal([4, 12].map(id))
      expect(() => readPlan(planTail({fromSequence: '5', user: '35'}, NOW), shards)).to.throw(/older than every retained shard/)
    })

    it('without a key reads every open shard from latest, or every root of the history from the past', () => {
      const latest = readPlan(planTail({}, NOW), shards)
      expect(latest.initial.map((i) => i.shardId)).to.deep.equal([12, 13, 14, 15].map(id))
      const past = readPlan(planTail({from: 'trim-horizon'}, NOW), shards)
      expect(past.initial.map((i) => i.shardId)).to.deep.equal([0, 1, 2, 3].map(id))
      expect(past.planned).to.have.length(16)
    })

    it('says so when no shard holds the key', () => {
      expect(() => readPlan(planTail({user: '35'}, NOW), [])).to.throw(/No shard of the stream holds key "35"/)
    })
  })
})
