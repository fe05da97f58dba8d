/** How tail prints: JSON lines, pretty lines, raw data, the status line. */
import {expect} from 'chai'

import {decodeData, formatJson, formatPretty, formatRaw, formatStatus} from '../../../src/lib/tail/format.js'
import type {TailRecord} from '../../../src/lib/tail/records.js'

const event = {event_name: 'Purchase', user_id: '35', additional_data: {price: 417.97}}
const record = (data: Uint8Array, extra: Partial<TailRecord> = {}): TailRecord => ({
  approximateArrivalTimestamp: new Date('2026-01-31T12:00:01.234Z'),
  data,
  partitionKey: '35',
  sequenceNumber: '4968',
  shardId: 'shardId-000000000003',
  ...extra,
})

describe('tail/format', () => {
  it('prints one JSON object per line, with the data parsed when it is JSON', () => {
    const line = formatJson(record(Buffer.from(JSON.stringify(event))))
    expect(line.endsWith('\n')).to.equal(true)
    expect(line.trimEnd()).not.to.include('\n')
    expect(JSON.parse(line)).to.deep.equal({
      approximateArrivalTimestamp: '2026-01-31T12:00:01.234Z',
      data: event,
      dataEncoding: 'json',
      partitionKey: '35',
      position: '4968',
      sequenceNumber: '4968',
      shardId: 'shardId-000000000003',
    })
  })

  it('keeps each object on one line whatever the JSON data looks like', () => {
    for (const text of ['{"a":1}', '  {"a": [1, 2]}  ', '{\n  "pretty": "printed"\n}', '"a string"', '[]', 'null']) {
      const line = formatJson(record(Buffer.from(text)))
      expect(line.slice(0, -1)).not.to.match(/[\n\r]/)
      const parsed = JSON.parse(line)
      expect(parsed.data).to.deep.equal(JSON.parse(text))
      expect(Object.keys(parsed)).to.deep.equal(['partitionKey', 'shardId', 'sequenceNumber', 'position', 'approximateArrivalTimestamp', 'data', 'dataEncoding'])
    }
  })

  it('prints data that is not JSON as base64, and the sub-sequence number of a de-aggregated record', () => {
    const bytes = Uint8Array.from([0, 255, 1, 10])
    const parsed = JSON.parse(formatJson(record(bytes, {subSequenceNumber: 2})))
    expect(parsed.data).to.equal(Buffer.from(bytes).toString('base64'))
    expect(parsed.dataEncoding).to.equal('base64')
    expect(parsed.subSequenceNumber).to.equal(2)
    expect(parsed.position).to.equal('4968:2') // what --after-sequence takes to carry on inside the aggregate
    expect(decodeData(Buffer.from('hello')).encoding).to.equal('base64')
    expect(decodeData(Buffer.from('42')).value).to.equal(42)
  })

  it('prints raw data followed by a newline', () => {
    expect(Buffer.from(formatRaw(record(Buffer.from('{"a":1}')))).toString()).to.equal('{"a":1}\n')
  })

  it('prints a pretty line with time, shard, sequence number, event, user and data, in colour when asked', () => {
    const line = formatPretty(record(Buffer.from(JSON.stringify(event))))
    expect(line).to.equal(
      `2026-01-31 12:00:01.234  shardId-000000000003  4968  Purchase     user 35  ${JSON.stringify(event)}\n`,
    )
    const painted: string[] = []
    formatPretty(record(Buffer.from(JSON.stringify(event))), (text, ...styles) => {
      painted.push(`${styles.join('+')}:${text.trim()}`)
      return text
    })
    expect(painted).to.include('green:Purchase')
    expect(painted).to.include('bold:user 35')
    expect(formatPretty(record(Buffer.from('plain text')))).to.match(/user 35  plain text\n$/)
    expect(formatPretty(record(Uint8Array.from([0, 1, 2])))).to.match(/base64:AAEC\n$/)
  })

  it('shows shards, scanned versus matched, lag and throttles in the status line', () => {
    expect(formatStatus({matched: 12, millisBehindLatest: 0, scanned: 1234, shards: ['shardId-000000000003'], throttles: 0})).to.equal(
      'reading shardId-000000000003 · scanned 1,234 · matched 12 · at the tip · Ctrl-C to stop',
    )
    expect(formatStatus({matched: 0, millisBehindLatest: 90_000, scanned: 5, shards: ['a', 'b'], throttles: 3})).to.equal(
      'reading 2 shards · scanned 5 · matched 0 · 1m30s behind · throttled 3× · Ctrl-C to stop',
    )
    expect(formatStatus({matched: 0, scanned: 0, shards: ['a'], throttles: 0}, 20)).to.have.length(20)
  })
})
