/** The read side in the heat view's pure text (the live view renders these strings). */
import {expect} from 'chai'

import {columnHeader, headerLines, rowLayout, shardRow, sortShards} from '../../src/ui/heat/format.js'
import {readSnapshot as snapshot} from './heat-read-fixtures.js'

describe('heat view: the read side (pure text)', () => {
  it('the header names the read side, read throttles, the oldest iterator and each EFO consumer', () => {
    const lines = headerLines(snapshot, {target: 'aws'}, 200, false)
    expect(lines[0]).to.include('read side')
    expect(lines[1]).to.include('read throttles 3').and.include('oldest iterator 1m35s (peak 2m)')
    expect(lines[2]).to.match(/^read out 819\.2 KiB\/s of 4\.0 MiB\/s shared \(20\.0%\)/)
    expect(lines[3]).to.equal('efo analytics: 1.0 KiB/s · peak 20.0% of its own 2 MiB/s per shard · behind 2s (peak 9s)')
  })

  it('a row shows the read throttles and the iterator age in place of the keys; a throttled shard sorts first on a tie', () => {
    const layout = rowLayout(120)
    const row = shardRow(snapshot.shards[1], layout, false)
    expect(row).to.match(/^shardId-b\s+20\.0%\s+20\.0%\s+409\.6 KiB\s+10\s+3 /)
    expect(row).to.include('age 1m35s · peak 1m35s')
    expect(columnHeader(layout, 'iterator age')).to.include('iterator age')
    expect(sortShards(snapshot.shards, 'heat')[0].shardId).to.equal('shardId-b')
  })
})
