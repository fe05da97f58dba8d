import {expect} from 'chai'

import {UsageError} from '../../src/lib/errors.js'
import {costLine, DEFAULT_PRICES, GB, HOURS_PER_MONTH, monthlyCosts, parsePriceOverride} from '../../src/lib/pricing.js'

describe('pricing: the month in each capacity mode (pure)', () => {
  it('provisioned is shard-hours plus 25 KB PUT payload units; on-demand is stream-hours plus GB in and out', () => {
    // 1,000 records/s of 1 KiB: 1 payload unit each, 1 KB on-demand unit each.
    const c = monthlyCosts(4, {bytesPerSecond: 1000 * 1024, recordsPerSecond: 1000})
    const seconds = HOURS_PER_MONTH * 3600
    const records = 1000 * seconds
    expect(c.provisioned).to.be.closeTo(4 * 730 * 0.015 + (records / 1e6) * 0.014, 1e-6)
    const gb = (records * 1024) / GB
    expect(c.monthlyGBIn).to.be.closeTo(gb, 1e-9)
    expect(c.onDemandStandard).to.be.closeTo(730 * 0.04 + gb * 0.08 + gb * 0.04, 1e-6)
    expect(c.onDemandAdvantage).to.be.closeTo(gb * 0.032 + gb * 0.016, 1e-6)
    // Worked figures: 43.80 + 36.79 = $80.59 provisioned; 29.20 + 2,506 GB × (0.08 + 0.04) = $329.95 Standard.
    expect(c.provisioned.toFixed(2)).to.equal('80.59')
    expect(c.onDemandStandard.toFixed(2)).to.equal('329.95')
  })

  it('rounds records up: 30 KB records are 2 payload units, 1.5 KB records bill 2 KB on-demand', () => {
    const big = monthlyCosts(1, {bytesPerSecond: 30 * 1024, recordsPerSecond: 1})
    const one = monthlyCosts(1, {bytesPerSecond: 10 * 1024, recordsPerSecond: 1})
    const base = 730 * 0.015
    expect((big.provisioned - base) / (one.provisioned - base)).to.be.closeTo(2, 1e-9)
    const odd = monthlyCosts(1, {bytesPerSecond: 1536, recordsPerSecond: 1})
    expect(odd.monthlyGBIn).to.be.closeTo((730 * 3600 * 2048) / GB, 1e-9)
  })

  it('no traffic: shard-hours and stream-hours only; more shards cost more, on-demand does not change', () => {
    const idle = monthlyCosts(2, {bytesPerSecond: 0, recordsPerSecond: 0})
    expect(idle.provisioned).to.be.closeTo(2 * 730 * 0.015, 1e-9)
    expect(idle.onDemandStandard).to.be.closeTo(730 * 0.04, 1e-9)
    expect(idle.onDemandAdvantage).to.equal(0)
    expect(monthlyCosts(8, {bytesPerSecond: 0, recordsPerSecond: 0}).provisioned).to.be.greaterThan(idle.provisioned)
  })

  it('reads counted separately when given (two consumers read everything twice)', () => {
    const once = monthlyCosts(1, {bytesPerSecond: 1024, recordsPerSecond: 1})
    const twice = monthlyCosts(1, {bytesPerSecond: 1024, readBytesPerSecond: 2048, recordsPerSecond: 1})
    expect(twice.monthlyGBOut).to.be.closeTo(2 * once.monthlyGBOut, 1e-12)
    expect(twice.provisioned).to.equal(once.provisioned)
  })

  it('an override file replaces only what it names, and names a bad key or value', () => {
    const t = parsePriceOverride('{"region": "eu-west-1", "provisioned": {"shardHour": 0.017}}', 'p.json')
    expect(t.region).to.equal('eu-west-1')
    expect(t.provisioned).to.deep.equal({putPayloadUnitsPerMillion: 0.014, shardHour: 0.017})
    expect(t.onDemandStandard).to.deep.equal(DEFAULT_PRICES.onDemandStandard)
    expect(DEFAULT_PRICES.provisioned.shardHour).to.equal(0.015)
    expect(() => parsePriceOverride('{"provisoned": {}}', 'p.json')).to.throw(UsageError, /unknown key "provisoned"/)
    expect(() => parsePriceOverride('{"provisioned": {"shardHour": -1}}', 'p.json')).to.throw(UsageError, /provisioned.shardHour must be a number/)
    expect(() => parsePriceOverride('{"onDemandStandard": {"perGB": 1}}', 'p.json')).to.throw(UsageError, /unknown price "onDemandStandard.perGB"/)
    expect(() => parsePriceOverride('nope', 'p.json')).to.throw(UsageError, /not valid JSON/)
  })

  it('the plan line names the three figures and the price region', () => {
    const line = costLine(monthlyCosts(4, {bytesPerSecond: 1000 * 1024, recordsPerSecond: 1000}), DEFAULT_PRICES.region)
    expect(line).to.equal(
      "Month's cost at the measured mean traffic (us-east-1 (list prices)): 4 provisioned shards $80.59; on-demand Standard $330; on-demand Advantage $120 (without its account-wide commitment).",
    )
  })
})
