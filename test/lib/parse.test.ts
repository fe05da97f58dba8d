import {expect} from 'chai'

import {UsageError} from '../../src/lib/errors.js'
import {formatDuration, parseDuration, parseTime, validateStreamName} from '../../src/lib/parse.js'

describe('input parsing', () => {
  it('parses durations', () => {
    expect(parseDuration('30s')).to.equal(30_000)
    expect(parseDuration('15m')).to.equal(900_000)
    expect(parseDuration('1h30m')).to.equal(5_400_000)
    expect(parseDuration('250ms')).to.equal(250)
    for (const bad of ['', '10', 'abc', '5 minutes', '10x']) expect(() => parseDuration(bad, '--window')).to.throw(UsageError)
  })

  it('formats durations', () => {
    expect(formatDuration(90_000)).to.equal('1m30s')
    expect(formatDuration(3_600_000)).to.equal('1h')
  })

  it('parses ISO times and durations ago', () => {
    const now = new Date('2026-01-01T12:00:00Z')
    expect(parseTime('10m', now).toISOString()).to.equal('2026-01-01T11:50:00.000Z')
    expect(parseTime('2026-01-01T10:00:00Z', now).toISOString()).to.equal('2026-01-01T10:00:00.000Z')
    expect(() => parseTime('garbage', now, '--from')).to.throw(UsageError, /--from "garbage"/)
  })

  it('validates stream names', () => {
    expect(validateStreamName('click_stream-1.0')).to.equal('click_stream-1.0')
    expect(() => validateStreamName('bad name')).to.throw(UsageError)
    expect(() => validateStreamName('x'.repeat(129))).to.throw(UsageError)
  })
})
