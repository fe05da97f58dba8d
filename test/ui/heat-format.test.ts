import {expect} from 'chai'

import {columnHeader, displayKey, fitWidth, fmtBytes, fmtCount, fmtPercent, rowLayout, shardRow, sortShards, sparkline} from '../../src/ui/heat/format.js'
import {heatTable} from '../../src/ui/heat/table.js'
import {shardIdOf, syntheticSnapshot} from './heat-fixtures.js'

const ESC = '\u001B'

function withColor<T>(fn: () => T): T {
  const saved = {FORCE_COLOR: process.env.FORCE_COLOR, NO_COLOR: process.env.NO_COLOR}
  process.env.FORCE_COLOR = '1'
  delete process.env.NO_COLOR
  try {
    return fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

describe('heat formatting', () => {
  it('formats percentages, bytes and counts', () => {
    expect(fmtPercent(0.123)).to.equal('12.3%')
    expect(fmtPercent(1)).to.equal('100.0%')
    expect(fmtPercent(25)).to.equal('2500%')
    expect(fmtBytes(512)).to.equal('512 B')
    expect(fmtBytes(1536)).to.equal('1.5 KiB')
    expect(fmtBytes(3 * 1024 * 1024)).to.equal('3.0 MiB')
    expect(fmtCount(0.25)).to.equal('0.3')
    expect(fmtCount(1234.4)).to.equal('1,234')
  })

  it('draws sparklines on the absolute scale: a full bar is the shard limit, blank is no traffic', () => {
    expect(sparkline([0, 0.125, 0.5, 1, 2], 5, false)).to.equal(' ▂▅██')
    // Each character is the busiest bucket it covers.
    expect(sparkline([0, 1, 0, 0, 0, 0], 3, false)).to.equal('█  ')
    expect(sparkline([0.9], 4, false)).to.equal('████')
  })

  it('colours on the absolute scale: cool, warm, hot, throttled', () => {
    withColor(() => {
      expect(sparkline([0.2], 1)).to.equal(`${ESC}[36m▂${ESC}[39m`) // cool: cyan
      expect(sparkline([0.6], 1)).to.equal(`${ESC}[33m▅${ESC}[39m`) // warm: yellow
      expect(sparkline([0.9], 1)).to.equal(`${ESC}[31m█${ESC}[39m`) // hot: red
      expect(sparkline([1.5], 1)).to.include(`${ESC}[7m`) // over the limit: inverse red
      const snap = syntheticSnapshot(98)
      const throttled = snap.shards[97] // 12 throttles
      expect(throttled.writeThrottles).to.equal(12)
      expect(shardRow(throttled, rowLayout(120))).to.include(`${ESC}[7m`)
      expect(shardRow(snap.shards[1], rowLayout(120))).not.to.include(`${ESC}[7m`)
    })
  })

  it('lays one shard out as one string that fits the width', () => {
    const snap = syntheticSnapshot(4)
    for (const width of [80, 100, 160]) {
      const layout = rowLayout(width)
      const row = shardRow(snap.shards[1], layout, false)
      expect(row.length, `width ${width}`).to.be.at.most(width)
      expect(columnHeader(layout).length).to.be.at.most(width)
    }
    const est = {...snap.shards[2], estimated: true}
    expect(shardRow(est, rowLayout(100), false)).to.match(/^shardId-000000000002~/)
  })

  it('sorts by heat without touching the hash order', () => {
    const snap = syntheticSnapshot(5)
    const byHeat = sortShards(snap.shards, 'heat').map((s) => s.shardId)
    expect(byHeat).to.deep.equal([1, 2, 3, 4, 0].map(shardIdOf)) // peaks 91.9, 83.8, 75.7, 67.6, 0
    expect(snap.shards.map((s) => s.shardId)).to.deep.equal([0, 1, 2, 3, 4].map(shardIdOf))
  })

  it('renders the one-shot table with the header, every shard and the notices', () => {
    const snap = syntheticSnapshot(6)
    const out = heatTable(snap, {color: false, sort: 'heat', target: 'local'})
    expect(out).to.match(/^stream\s+clicks$/m)
    expect(out).to.match(/^open shards\s+6$/m)
    expect(out).to.match(/^hottest shard\s+shardId-000000000001 \(peak 91\.9%\)$/m)
    expect(out).to.match(/shard\s+│\s+util\s+│\s+peak\s+│\s+bytes\/s\s+│\s+rec\/s\s+│\s+throttles\s+│\s+over the window\s+│\s+hottest keys \(share\)/)
    const ids = [...out.matchAll(/(shardId-\d{12})/g)].map((m) => m[1]).slice(1) // after the header line
    expect(ids).to.deep.equal([1, 2, 3, 4, 5, 0].map(shardIdOf))
    expect(out).to.include(`note: ${snap.notices[0]}`)
  })
})

describe('heat line fitting', () => {
  it('cuts a styled line to the width, keeps its styles and ends it with … and a reset', () => {
    const text = `ab\u001B[31mcdef\u001B[39mgh`
    expect(fitWidth(text, 8)).to.equal(text)
    expect(fitWidth(text, 5)).to.equal('ab\u001B[31mcd…\u001B[0m')
    expect(fitWidth('abcdef', 3)).to.equal('ab…')
    expect(fitWidth('abc', 3)).to.equal('abc')
    expect(fitWidth('▁▂▃▄', 3)).to.equal('▁▂…')
  })

  it('shows control characters in partition keys as ?', () => {
    expect(displayKey('a\nb\u0007')).to.equal('a?b?')
    expect(displayKey('user-35')).to.equal('user-35')
  })
})
