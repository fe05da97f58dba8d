import {expect} from 'chai'

import {formatBytes, formatCount, formatDecimal, formatDuration, formatInt, formatIntOrDash, formatMiB, formatPercent, formatPercentShort, plural, truncate} from '../../src/lib/format.js'

describe('format', () => {
  it('groups whole numbers by thousands and rounds', () => {
    expect([0, 999, 1000, 12_345, 1_234_567, 2.6].map(formatInt)).to.deep.equal(['0', '999', '1,000', '12,345', '1,234,567', '3'])
    expect(formatIntOrDash(null)).to.equal('–')
    expect(formatDecimal(1234.5, 2)).to.equal('1,234.50')
    expect(formatDecimal(-1234.56, 1)).to.equal('-1,234.6')
    expect(formatDecimal(7, 0)).to.equal('7')
  })

  it('shows small fractional counts with one decimal', () => {
    expect([0.44, 12, 1234.4, 0].map(formatCount)).to.deep.equal(['0.4', '12', '1,234', '0'])
  })

  it('formats percentages of fractions', () => {
    expect(formatPercent(0.123)).to.equal('12.3%')
    expect(formatPercent(25)).to.equal('2500%')
    expect(formatPercent(0.125, 0)).to.equal('13%')
    expect(formatPercent(0.5, 2)).to.equal('50.00%')
    expect([0, 0.075, 0.7, 1.234].map(formatPercentShort)).to.deep.equal(['0%', '7.5%', '70%', '123%'])
  })

  it('formats bytes in binary units', () => {
    expect([512, 1536, 12 * 1024 * 1024, 2 * 1024 ** 3].map(formatBytes)).to.deep.equal(['512 B', '1.5 KiB', '12.0 MiB', '2.0 GiB'])
    expect(formatMiB(512 * 1024)).to.equal('0.500')
    expect(formatMiB(3 * 1024 * 1024)).to.equal('3.0')
  })

  it('formats durations compactly', () => {
    expect([500, 1000, 90_000, 3_600_000, 90_061_000].map(formatDuration)).to.deep.equal(['500ms', '1s', '1m30s', '1h', '1d1h1m1s'])
  })

  it('pluralises and truncates', () => {
    expect(plural(1, 'shard')).to.equal('1 shard')
    expect(plural(1200, 'shard')).to.equal('1,200 shards')
    expect(truncate('abcdef', 4)).to.equal('abc…')
    expect(truncate('abc', 4)).to.equal('abc')
  })
})
