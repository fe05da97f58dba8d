/** @jsxRuntime automatic */
/** The heat view through ink-testing-library (frames rendered) and through its real entry point. */
import {expect} from 'chai'
import {render} from 'ink-testing-library'

import {HeatApp} from '../../src/ui/heat/HeatApp.js'
import {runHeatTui} from '../../src/ui/heat/run.js'
import {fakeFeed, FakeStdin, FakeStdout, KEYS, ManualSchedule, shardIdOf, syntheticSnapshot, waitFor} from './heat-fixtures.js'

const META = {refreshMs: 60_000, source: 'stream', stream: 'clicks', target: 'local'}

/** Shard ids in a frame, top to bottom. */
function shardsIn(frame: string): string[] {
  return [...frame.matchAll(/^(shardId-\d{12})/gm)].map((m) => m[1])
}

describe('heat TUI (ink-testing-library)', () => {
  it('renders the header and one row per visible shard', async () => {
    const snap = syntheticSnapshot(4)
    const app = render(<HeatApp color={false} feed={fakeFeed(snap)} height={20} meta={META} refreshMs={60_000} width={100} />)
    try {
      const frame = await waitFor(() => app.lastFrame()?.includes('shardId-') && app.lastFrame(), 'the first snapshot')
      const lines = frame.split('\n')
      expect(lines[0]).to.equal('stream clicks · target local · source stream (per-second peaks) · window 5m · refresh 1m')
      // Peaks: shard i's busiest second holds (i × 7919) mod 1000 records: 0, 919, 838, 757.
      expect(lines[1]).to.equal('4 open shards · throttles 0 · hottest shardId-000000000001 peak 91.9%')
      const total = snap.shards.reduce((t, s) => t + s.recordsPerSecond, 0)
      expect(lines[2]).to.match(new RegExp(`^in ${Math.round(total)} rec/s of 4,000 \\(${((total / 4000) * 100).toFixed(1)}%\\) · `))
      expect(lines[3]).to.match(/^shard\s+util\s+peak\s+bytes\/s\s+rec\/s\s+thrott window\s+hot keys \(share\)/)
      expect(shardsIn(frame)).to.deep.equal([0, 1, 2, 3].map(shardIdOf))
      // Shard 1: busiest second 919 records → 91.9%; mean from its buckets; its top key and share.
      const row1 = lines.find((l) => l.startsWith(shardIdOf(1)))!
      const s1 = snap.shards[1]
      expect(row1).to.include('91.9%')
      expect(row1).to.include(`${(s1.meanUtilization * 100).toFixed(1)}%`)
      expect(row1).to.include('1001 60% · 2001 20%')
      expect(row1).to.match(/[▁▂▃▄▅▆▇█]/)
      expect(lines.at(-2)).to.match(/^shards 1–4 of 4 · sort: hash range · updated \d\d:\d\d:\d\d UTC/)
      expect(lines.at(-1)).to.equal(snap.notices[0])
      // The frame is one line shorter than the terminal at most.
      expect(lines.length).to.be.at.most(19)
    } finally {
      app.unmount()
    }
  })

  it('toggles the sort between hash range and heat with s', async () => {
    const snap = syntheticSnapshot(8)
    const app = render(<HeatApp color={false} feed={fakeFeed(snap)} height={20} meta={META} refreshMs={60_000} width={100} />)
    try {
      await waitFor(() => app.lastFrame()?.includes('shardId-'), 'rows')
      expect(shardsIn(app.lastFrame()!)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7].map(shardIdOf))
      app.stdin.write('s')
      const byHeat = await waitFor(() => app.lastFrame()?.includes('sort: heat') && app.lastFrame(), 'heat order')
      const expected = [...snap.shards].sort((a, b) => b.peakUtilization - a.peakUtilization).map((s) => s.shardId)
      expect(shardsIn(byHeat)).to.deep.equal(expected)
      app.stdin.write('s')
      const byHash = await waitFor(() => app.lastFrame()?.includes('sort: hash range') && app.lastFrame(), 'hash order')
      expect(shardsIn(byHash)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7].map(shardIdOf))
    } finally {
      app.unmount()
    }
  })

  it('pages with PgDn/PgUp, scrolls with the arrows, jumps with Home/End', async () => {
    // Height 20: 4 header lines (the hottest shard is hot: its split candidate), the column header
    // and two footer lines leave 12 rows (one line spare).
    const app = render(<HeatApp color={false} feed={fakeFeed(syntheticSnapshot(100))} height={20} meta={META} refreshMs={60_000} width={100} />)
    try {
      const status = (range: string) => waitFor(() => app.lastFrame()?.includes(`shards ${range} of 100`) && app.lastFrame(), range)
      let frame = await status('1–12')
      expect(shardsIn(frame)).to.have.length(12)
      app.stdin.write(KEYS.pageDown)
      frame = await status('13–24')
      expect(shardsIn(frame)[0]).to.equal(shardIdOf(12))
      expect(frame).to.match(/^split shardId-\d{12} at \d{8}… \(/m)
      app.stdin.write(KEYS.down)
      frame = await status('14–25')
      expect(shardsIn(frame)[0]).to.equal(shardIdOf(13))
      app.stdin.write(KEYS.up)
      await status('13–24')
      app.stdin.write(KEYS.end)
      frame = await status('89–100')
      expect(shardsIn(frame).at(-1)).to.equal(shardIdOf(99))
      // PgDn stays on the last page: the PgUp after it (keys are read in order) lands one page up from it.
      app.stdin.write(KEYS.pageDown)
      app.stdin.write(KEYS.pageUp)
      await status('77–88')
      app.stdin.write(KEYS.home)
      await status('1–12')
    } finally {
      app.unmount()
    }
  })

  it('shows the help with ? and returns with ? again', async () => {
    const app = render(<HeatApp color={false} feed={fakeFeed(syntheticSnapshot(4))} height={30} meta={META} refreshMs={60_000} width={100} />)
    try {
      await waitFor(() => app.lastFrame()?.includes('shardId-'), 'rows')
      app.stdin.write('?')
      const help = await waitFor(() => app.lastFrame()?.includes('clickops heat — keys') && app.lastFrame(), 'help')
      expect(help).to.include('colours: below 50% cool · 50–80% warm · 80–100% hot · over 100% or throttled')
      expect(help).not.to.include('shardId-')
      app.stdin.write('?')
      await waitFor(() => app.lastFrame()?.includes('shardId-'), 'rows again')
    } finally {
      app.unmount()
    }
  })

  it('renders 10,000 shards a page at a time', async () => {
    const app = render(<HeatApp color={false} feed={fakeFeed(syntheticSnapshot(10_000))} height={50} meta={META} refreshMs={60_000} width={100} />)
    try {
      const frame = await waitFor(() => app.lastFrame()?.includes('of 10,000') && app.lastFrame(), '10,000 shards')
      expect(frame).to.include('10,000 open shards')
      expect(shardsIn(frame)).to.have.length(50 - 1 - 3 - 3)
      app.stdin.write(KEYS.end)
      const last = await waitFor(() => app.lastFrame()?.includes('shards 9,958–10,000 of 10,000') && app.lastFrame(), 'the last page')
      expect(shardsIn(last).at(-1)).to.equal(shardIdOf(9999))
      app.stdin.write('s')
      const hot = await waitFor(() => app.lastFrame()?.includes('sort: heat') && app.lastFrame(), 'heat order')
      const snap = syntheticSnapshot(10_000)
      const best = snap.shards.reduce((a, b) => (b.peakUtilization > a.peakUtilization || (b.peakUtilization === a.peakUtilization && b.meanUtilization > a.meanUtilization) ? b : a))
      expect(best.peakUtilization).to.equal(0.999)
      expect(shardsIn(hot)[0]).to.equal(best.shardId)
    } finally {
      app.unmount()
    }
  })

  it('keeps the last snapshot and says so when a refresh fails', async () => {
    const feed = fakeFeed(syntheticSnapshot(4), new Error('socket hang up'), syntheticSnapshot(4))
    const app = render(<HeatApp color={false} feed={feed} height={20} meta={META} refreshMs={10} width={100} />)
    try {
      const frame = await waitFor(() => app.lastFrame()?.includes('refresh failed') && app.lastFrame(), 'the error line')
      expect(frame).to.include('refresh failed: socket hang up (retrying)')
      expect(shardsIn(frame)).to.have.length(4)
      await waitFor(() => feed.calls >= 3 && !app.lastFrame()?.includes('refresh failed'), 'the retry')
    } finally {
      app.unmount()
    }
  })
})

describe('heat TUI (its real entry point, own stdout)', () => {
  it('q exits, and no read happens after that', async () => {
    const stdout = new FakeStdout()
    const stdin = new FakeStdin()
    const feed = fakeFeed(syntheticSnapshot(4))
    const timers = new ManualSchedule()
    const done = runHeatTui({color: false, feed, meta: META, refreshMs: 20, schedule: timers.schedule}, {alternateScreen: false, stdin: stdin as never, stdout: stdout as never})
    // Under CI=true ink writes only the last frame, on exit: wait for the data, not for a frame.
    // The next refresh is scheduled once the first read's snapshot is in.
    await waitFor(() => feed.calls === 1 && timers.scheduled === 1, 'the first read')
    stdin.write('q')
    await done
    expect(stdout.frames.some((f) => f.includes('shardId-000000000003'))).to.equal(true)
    // Quitting cancelled the refresh: nothing is left to run, and running what is left reads nothing.
    expect(timers.pending.size).to.equal(0)
    timers.runAll()
    expect(feed.calls).to.equal(1)
  })

  it('closes by itself when its signal aborts (heat --for), and reads no more', async () => {
    const stdout = new FakeStdout()
    const stdin = new FakeStdin()
    const feed = fakeFeed(syntheticSnapshot(4))
    const stop = new AbortController()
    const timers = new ManualSchedule()
    const done = runHeatTui({color: false, feed, meta: META, refreshMs: 20, schedule: timers.schedule}, {alternateScreen: false, signal: stop.signal, stdin: stdin as never, stdout: stdout as never})
    await waitFor(() => feed.calls === 1 && timers.scheduled === 1, 'the first read')
    // A second refresh, through the timer: the view keeps reading until it is closed.
    timers.runAll()
    await waitFor(() => feed.calls === 2 && timers.scheduled === 2, 'the second read')
    stop.abort()
    await done
    expect(stdout.frames.some((f) => f.includes('shardId-000000000003'))).to.equal(true)
    expect(timers.pending.size).to.equal(0)
    timers.runAll()
    expect(feed.calls).to.equal(2)
  })

  it('ends with the error when the first read fails', async () => {
    const stdout = new FakeStdout()
    const stdin = new FakeStdin()
    const err = Object.assign(new Error('Stream "x" does not exist on target local.'), {name: 'StreamNotFoundError'})
    const outcome = await runHeatTui({color: false, feed: fakeFeed(err), meta: META, refreshMs: 20}, {alternateScreen: false, stdin: stdin as never, stdout: stdout as never}).then(
      () => 'resolved',
      (error: Error) => error,
    )
    expect(outcome).to.equal(err)
  })
})
