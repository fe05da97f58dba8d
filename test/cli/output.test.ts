import {expect} from 'chai'

import {capability, fitColumns, styler, table, terminalWidth} from '../../src/cli/output.js'
import {renderPlan} from '../../src/cli/plan-table.js'
import {shardTable} from '../../src/commands/status.js'
import type {PlanItem} from '../../src/lib/provision/plan.js'

// eslint-disable-next-line no-control-regex
const visible = (line: string) => line.replace(/\u001B\[[0-9;]*m/g, '')
const widest = (text: string) => Math.max(...text.split('\n').map((l) => visible(l).length))

const PLAN: PlanItem[] = [
  {action: 'create', name: 'clickstream', reason: 'The stream does not exist: it is created with 4 shards in provisioned mode, 24 h retention, KMS encryption (alias/aws/kinesis) and the tags managed-by=clickops, clickops:stream=clickstream.', resource: 'stream'},
  {action: 'update', name: 'clickops-eu-west-1-clickstream-apigw', reason: 'The inline policy differs: kinesis:PutRecord and kinesis:PutRecords on arn:aws:kinesis:eu-west-1:123456789012:stream/clickstream only.', resource: 'iam role'},
  {action: 'unchanged', name: 'arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/prod', reason: 'Up to date.', resource: 'stage'},
]

const SHARDS = [
  {endingHashKey: '85070591730234615865843651857942052863', hashSpacePercent: 25, shardId: 'shardId-000000000004', startingHashKey: '0'},
  {endingHashKey: '170141183460469231731687303715884105727', hashSpacePercent: 25, shardId: 'shardId-000000000005', startingHashKey: '85070591730234615865843651857942052864'},
  {endingHashKey: '340282366920938463463374607431768211455', hashSpacePercent: 50, shardId: 'shardId-000000000006', startingHashKey: '170141183460469231731687303715884105728'},
]

describe('output', () => {
  describe('capability', () => {
    const tty = {isTTY: true}
    const pipe = {isTTY: false}

    it('is interactive and coloured on a terminal, neither on a pipe', () => {
      expect(capability(tty, {})).to.deep.equal({colour: true, interactive: true})
      expect(capability(pipe, {})).to.deep.equal({colour: false, interactive: false})
    })

    it('is not interactive in a CI job, whatever the stream', () => {
      expect(capability(tty, {CI: 'true'}).interactive).to.equal(false)
      expect(capability(tty, {CI: '1'}).interactive).to.equal(false)
      expect(capability(tty, {CI: 'false'}).interactive).to.equal(true)
      expect(capability(tty, {CI: '0'}).interactive).to.equal(true)
      expect(capability(tty, {CI: ''}).interactive).to.equal(true)
    })

    it('takes colour from NO_COLOR first, then FORCE_COLOR, then the stream', () => {
      expect(capability(tty, {NO_COLOR: '1'}).colour).to.equal(false)
      expect(capability(tty, {NO_COLOR: ''}).colour).to.equal(true)
      expect(capability(pipe, {FORCE_COLOR: '1'}).colour).to.equal(true)
      expect(capability(pipe, {FORCE_COLOR: '0'}).colour).to.equal(false)
      expect(capability(pipe, {FORCE_COLOR: '1', NO_COLOR: '1'}).colour).to.equal(false)
      // Colour does not depend on CI: a CI log may show it when forced.
      expect(capability(pipe, {CI: 'true', FORCE_COLOR: '1'})).to.deep.equal({colour: true, interactive: false})
    })

    it('decides per stream: stdout piped, stderr on a terminal', () => {
      expect([capability(pipe, {}).colour, capability(tty, {}).colour]).to.deep.equal([false, true])
    })

    it('styles only when colour is on', () => {
      expect(styler(false)('x', 'bold', 'red')).to.equal('x')
      expect(styler(true)('x', 'bold')).to.equal('\u001B[1mx\u001B[22m')
    })
  })

  describe('terminalWidth', () => {
    it("is the terminal's columns, else COLUMNS, else unknown", () => {
      expect(terminalWidth({columns: 100, isTTY: true}, {COLUMNS: '80'})).to.equal(100)
      expect(terminalWidth({columns: 100, isTTY: false}, {COLUMNS: '80'})).to.equal(80)
      expect(terminalWidth({isTTY: false}, {COLUMNS: 'wide'})).to.equal(undefined)
      expect(terminalWidth({isTTY: false}, {})).to.equal(undefined)
    })
  })

  describe('tables that fit', () => {
    it('take width from the widest columns first and keep natural widths when they fit', () => {
      expect(fitColumns([10, 40, 20], 100)).to.equal(undefined)
      expect(fitColumns([10, 40, 20], 60)).to.deep.equal([10, 30, 20])
      expect(fitColumns([10, 40, 30], 60)).to.deep.equal([10, 25, 25])
    })

    for (const width of [80, 120]) {
      it(`renders the provision plan within ${width} columns, wrapping the reasons`, () => {
        const out = renderPlan(PLAN, {colour: true, width})
        expect(widest(out)).to.be.at.most(width)
        // Every word of a wrapped reason is still there.
        const text = visible(out).replaceAll(/[│\s]+/g, ' ')
        expect(text).to.include('managed-by=clickops,')
        expect(text).to.include('Up to date.')
      })

      it(`renders the status shard table within ${width} columns`, () => {
        const out = shardTable(SHARDS, {colour: false, width})
        expect(widest(out)).to.be.at.most(width)
        expect(out.split('\n')).to.have.length(SHARDS.length + 3) // borders, header, one line per shard
      })
    }

    it('shows whole hash keys at 120 columns and cuts them with … at 80', () => {
      expect(shardTable(SHARDS, {colour: false, width: 120})).to.include('340282366920938463463374607431768211455')
      const narrow = shardTable(SHARDS, {colour: false, width: 80})
      expect(narrow).not.to.include('340282366920938463463374607431768211455')
      expect(narrow).to.match(/ 3402823669\d*… /)
    })

    it('is as wide as its content without a limit', () => {
      const out = table(['a', 'b'], [['x'.repeat(200), 'y']], {colour: false, width: Number.POSITIVE_INFINITY})
      expect(widest(out)).to.equal(200 + 2 + 3 + 3)
    })
  })
})
