/** @jsxRuntime automatic */
/** The live heat view with a read-side feed (`heat --read`): the same app, the read columns and lines. */
import {expect} from 'chai'
import {render} from 'ink-testing-library'

import {HeatApp} from '../../src/ui/heat/HeatApp.js'
import {fakeFeed, waitFor} from './heat-fixtures.js'
import {readSnapshot} from './heat-read-fixtures.js'

describe('heat TUI: the read side (ink-testing-library)', () => {
  it('renders the read header, an EFO consumer line, and the iterator age in each row', async () => {
    const meta = {refreshMs: 10_000, source: 'cloudwatch (read side)', stream: 'clicks', target: 'aws'}
    const app = render(<HeatApp color={false} feed={fakeFeed(readSnapshot)} height={20} meta={meta} refreshMs={10_000} width={120} />)
    try {
      const frame = await waitFor(() => app.lastFrame()?.includes('shardId-') && app.lastFrame(), 'the first snapshot')
      const lines = frame.split('\n')
      expect(lines[0]).to.equal('stream clicks · target aws · read side · cloudwatch (per-minute sums) · window 15m · refresh 10s')
      expect(lines[3]).to.match(/^efo analytics: /)
      expect(lines[4]).to.match(/^shard\s+util\s+peak\s+bytes\/s\s+rec\/s\s+thrott window\s+iterator age/)
      expect(lines.find((l) => l.startsWith('shardId-b'))).to.include('age 1m35s · peak 1m35s')
    } finally {
      app.unmount()
    }
  })
})
