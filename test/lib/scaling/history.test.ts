import {expect} from 'chai'

import {MAX_TAG_VALUE_LENGTH} from '../../../src/lib/kinesis/limits.js'
import {budgetAt, formatHistory, parseHistory, type ScalingEvent} from '../../../src/lib/scaling/history.js'

const NOW = new Date('2026-03-01T12:00:00Z')
const ago = (minutes: number) => NOW.getTime() - minutes * 60_000

describe('scaling history tag', () => {
  it('round-trips entries as epochSeconds/from/to, oldest first', () => {
    const events: ScalingEvent[] = [
      {at: ago(10), from: 8, to: 9},
      {at: ago(20), from: 4, to: 8},
    ]
    const value = formatHistory(events, NOW)
    expect(value).to.equal(`${ago(20) / 1000}/4/8 ${ago(10) / 1000}/8/9`)
    // Only characters Kinesis allows in tag values (letters, digits, space, _ . / = + - % @).
    expect(value).to.match(/^[\w ./=+\-%@]*$/)
    expect(parseHistory(value)).to.deep.equal({events: [...events].reverse(), malformed: []})
  })

  it('prunes entries older than 24 h but keeps the latest one for cooldowns', () => {
    const old: ScalingEvent[] = [
      {at: ago(30 * 60), from: 2, to: 4},
      {at: ago(25 * 60), from: 4, to: 8},
    ]
    expect(formatHistory(old, NOW)).to.equal(`${ago(25 * 60) / 1000}/4/8`)
    expect(formatHistory([...old, {at: ago(60), from: 8, to: 16}], NOW)).to.equal(`${ago(60) / 1000}/8/16`)
  })

  it('fits ten entries of the largest counts in one tag value, and trims beyond it', () => {
    const ten = Array.from({length: 10}, (_, i) => ({at: ago(100 - i), from: 10_000, to: 5000}))
    expect(formatHistory(ten, NOW).length).to.be.at.most(MAX_TAG_VALUE_LENGTH)
    expect(parseHistory(formatHistory(ten, NOW)).events).to.have.length(10)
    const twenty = Array.from({length: 20}, (_, i) => ({at: ago(100 - i), from: 10_000, to: 10_000}))
    const value = formatHistory(twenty, NOW)
    expect(value.length).to.be.at.most(MAX_TAG_VALUE_LENGTH)
    expect(parseHistory(value).events.at(-1)!.at).to.equal(ago(81))
  })

  it('ignores unreadable entries and reports them', () => {
    const parsed = parseHistory(`1767225600/4/8 garbage 1767225900:8:9 1767226000/0/4`)
    expect(parsed.events).to.deep.equal([{at: 1_767_225_600_000, from: 4, to: 8}])
    expect(parsed.malformed).to.deep.equal(['garbage', '1767225900:8:9', '1767226000/0/4'])
  })

  it('counts the budget over the rolling 24 h', () => {
    const events = [ago(25 * 60), ago(23 * 60), ago(60), ago(1)].map((at) => ({at, from: 1, to: 2}))
    expect(budgetAt(events, NOW)).to.deep.equal({left: 7, limit: 10, nextCallAt: new Date(ago(23 * 60) + 86_400_000).toISOString(), used: 3})
    expect(budgetAt([], NOW)).to.deep.equal({left: 10, limit: 10, used: 0})
  })

  it('carries split and merge entries beside UpdateShardCount ones; only UpdateShardCount counts for the budget', () => {
    const events: ScalingEvent[] = [
      {at: ago(30), from: 4, to: 8},
      {at: ago(20), from: 8, kind: 'split', to: 9},
      {at: ago(10), from: 9, kind: 'merge', to: 8},
    ]
    const value = formatHistory(events, NOW)
    expect(value).to.equal(`${ago(30) / 1000}/4/8 ${ago(20) / 1000}/8/9/s ${ago(10) / 1000}/9/8/m`)
    expect(value).to.match(/^[\w ./=+\-%@]*$/)
    expect(parseHistory(value)).to.deep.equal({events, malformed: []})
    expect(budgetAt(events, NOW)).to.include({left: 9, used: 1})
    expect(parseHistory('1767225600/4/5/x').malformed).to.deep.equal(['1767225600/4/5/x'])
  })

  it('when the value is too long, drops split and merge entries before any UpdateShardCount entry, never the latest', () => {
    const calls: ScalingEvent[] = Array.from({length: 10}, (_, i) => ({at: ago(600 - i * 10), from: 10_000 - i, to: 9999 - i}))
    const targeted: ScalingEvent[] = Array.from({length: 6}, (_, i) => ({at: ago(400 - i * 10), from: 5000 + i, kind: 'split', to: 5001 + i}))
    const latest: ScalingEvent = {at: ago(1), from: 9990, kind: 'merge', to: 9989}
    const value = formatHistory([...calls, ...targeted, latest], NOW)
    expect(value.length).to.be.at.most(MAX_TAG_VALUE_LENGTH)
    const kept = parseHistory(value).events
    expect(kept.filter((e) => e.kind === undefined)).to.have.length(10)
    expect(kept.at(-1)).to.deep.equal(latest)
    expect(budgetAt(kept, NOW).used).to.equal(10)
  })
})
