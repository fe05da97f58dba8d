/**
 * The live heat view. This root component owns exit (q, Esc, Ctrl-C, or a first read that fails);
 * the data comes from hooks. It pages to the terminal's height and renders one string per visible
 * row, so a frame costs the same for 4 shards and for 10,000.
 */
import {Box, Text, Transform, useApp, useInput} from 'ink'
import {useEffect, useMemo, useRef, useState} from 'react'

import {styled} from '../../cli/output.js'
import {formatInt} from '../../lib/format.js'
import {LIMIT_TEXT} from '../../lib/load/model.js'
import {columnHeader, fitWidth, headerLines, rowLayout, shardRow, sortShards, type HeatMeta, type SortMode} from './format.js'
import {useLoadFeed, useTerminalSize, type HeatFeed, type Schedule} from './hooks.js'

export interface HeatAppProps {
  feed: HeatFeed
  meta: HeatMeta
  refreshMs: number
  clock?: () => Date
  /** The refresh timer (tests pass one they control). */
  schedule?: Schedule
  initialSort?: SortMode
  /** Override the terminal's size (tests, benchmarks). */
  width?: number
  height?: number
  color?: boolean
}

const systemClock = () => new Date()

/** Lines around the rows: the column header and two footer lines. */
const CHROME_LINES = 3

export const HELP_LINES = [
  'clickops heat — keys',
  '  s            sort by hash range / by heat (hottest peak first)',
  '  ↑ ↓          scroll one shard',
  '  PgUp PgDn    page up / down          Home End   first / last page',
  '  ?            this help               q Esc      quit',
  '',
  'columns',
  `  util         mean utilisation over the window: ${LIMIT_TEXT.utilization}`,
  '  peak         busiest bucket: one second (stream source) or one minute (cloudwatch)',
  '  thrott       write throttles (WriteProvisionedThroughputExceeded) in the window',
  '  sparkline    utilisation over the window on the absolute scale (a full bar = the shard limit)',
  '  keys         the hottest partition keys and their share of the shard (stream source)',
  '  ~            estimated: the stream total split by hash range (enhanced monitoring off)',
  '  --read       util = bytes/s out ÷ 2 MiB/s (shared by polling consumers), thrott = read throttles,',
  '               last column = IteratorAgeMilliseconds now and its peak; efo lines: each consumer\'s own 2 MiB/s per shard',
  '',
  `colours: ${LIMIT_TEXT.heatScale.replaceAll(', ', ' · ')}`,
]

/**
 * One screen line whose text changes from frame to frame. Ink lays out a one-space placeholder and
 * the line is put in its place only when the frame is written (a Transform), because ink keeps the
 * measurement of every distinct text it lays out for the life of the process (a live view would
 * grow by every row of every refresh) and measures any non-ASCII text (the sparkline) slowly.
 * `text` must already fit the terminal's width (fitWidth).
 */
function Line({text}: {text: string}) {
  return <Transform transform={() => text}>{' '}</Transform>
}

export function HeatApp(props: HeatAppProps) {
  const {exit} = useApp()
  const terminal = useTerminalSize({height: 24, width: 100})
  const width = props.width ?? terminal.width
  const height = props.height ?? terminal.height
  const color = props.color ?? true
  const feed = useLoadFeed(props.feed, props.refreshMs, props.clock ?? systemClock, props.schedule)
  const [sort, setSort] = useState<SortMode>(props.initialSort ?? 'hash')
  const [offset, setOffset] = useState(0)
  const [help, setHelp] = useState(false)

  const snapshot = feed.snapshot
  // Both orders are ready when a snapshot arrives, so the sort key costs no more than a page key.
  const byHeat = useMemo(() => (snapshot ? sortShards(snapshot.shards, 'heat') : []), [snapshot])
  const sorted = sort === 'heat' ? byHeat : (snapshot?.shards ?? [])
  const header = useMemo(() => (snapshot ? headerLines(snapshot, props.meta, width, color) : []), [snapshot, props.meta, width, color])
  // Keep the frame one line short of the terminal: a frame that fills it makes ink clear the screen.
  const pageSize = Math.max(1, height - 1 - header.length - CHROME_LINES)
  const maxOffset = Math.max(0, sorted.length - pageSize)
  const top = Math.min(offset, maxOffset)

  // The input handler reads the current paging through a ref: a key pressed right after new data
  // arrived may reach a handler from the render before.
  const nav = useRef({maxOffset, pageSize, top})
  nav.current = {maxOffset, pageSize, top}

  useEffect(() => {
    if (feed.fatal) exit(feed.fatal)
  }, [feed.fatal, exit])

  useInput((input, key) => {
    if (input === 'q' || (key.escape && !help) || (key.ctrl && input === 'c')) {
      exit()
      return
    }
    if (input === '?' || (key.escape && help)) {
      setHelp((h) => !h)
      return
    }
    if (input === 's') {
      setSort((s) => (s === 'hash' ? 'heat' : 'hash'))
      setOffset(0)
      return
    }
    const {maxOffset: last, pageSize: page, top: at} = nav.current
    const move = (to: number) => setOffset(Math.max(0, Math.min(last, to)))
    if (key.upArrow || input === 'k') move(at - 1)
    else if (key.downArrow || input === 'j') move(at + 1)
    else if (key.pageUp) move(at - page)
    else if (key.pageDown || input === ' ') move(at + page)
    else if (key.home) move(0)
    else if (key.end) move(last)
  })

  if (help) {
    return (
      <Box flexDirection="column">
        {HELP_LINES.slice(0, Math.max(1, height - 1)).map((line, i) => (
          <Text key={i} wrap="truncate">
            {line}
          </Text>
        ))}
      </Box>
    )
  }

  if (!snapshot) {
    return (
      <Box flexDirection="column">
        <Text>{`clickops heat · reading stream ${props.meta.stream ?? ''} (source ${props.meta.source ?? ''}, target ${props.meta.target})…`}</Text>
        <Text dimColor>The first read covers the whole window; later refreshes read only what is new. q quits.</Text>
      </Box>
    )
  }

  const layout = rowLayout(width)
  const rows = sorted.slice(top, top + pageSize)
  const last = Math.min(sorted.length, top + pageSize)
  const status = [
    sorted.length === 0 ? 'no open shards' : `shards ${formatInt(top + 1)}–${formatInt(last)} of ${formatInt(sorted.length)}`,
    `sort: ${sort === 'hash' ? 'hash range' : 'heat'}`,
    `updated ${feed.updatedAt?.toISOString().slice(11, 19) ?? '—'} UTC${feed.refreshing ? ' (refreshing…)' : ''}`,
    's sort · ↑↓ PgUp PgDn · q quit · ? help',
  ].join(' · ')
  const message = feed.error ? styled(color, `refresh failed: ${feed.error.message} (retrying)`, 'red') : (snapshot.notices[0] ?? '')

  const fit = (text: string) => fitWidth(text, width)
  return (
    <Box flexDirection="column">
      {header.map((line, i) => (
        <Line key={`h${i}`} text={fit(line)} />
      ))}
      <Line text={fit(styled(color, columnHeader(layout, snapshot.side === 'read' ? 'iterator age' : snapshot.source === 'stream' ? 'hot keys (share)' : ''), 'bold'))} />
      {rows.map((s) => (
        <Line key={s.shardId} text={fit(shardRow(s, layout, color))} />
      ))}
      <Line text={fit(styled(color, status, 'dim'))} />
      <Line text={fit(message)} />
    </Box>
  )
}
