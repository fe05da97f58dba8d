/** Data for the heat view, in hooks: the refreshing load feed and the terminal's size. */
import {useStdout} from 'ink'
import {useEffect, useRef, useState} from 'react'

import type {LoadSnapshot} from '../../lib/load/types.js'

export interface HeatFeed {
  next(now: Date): Promise<LoadSnapshot>
}

/** Runs `run` after `ms`; returns what cancels it. The live view's timer, injectable for tests. */
export type Schedule = (run: () => void, ms: number) => () => void

export const systemSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms)
  return () => clearTimeout(timer)
}

export interface FeedState {
  snapshot?: LoadSnapshot
  /** The last refresh failed (the previous snapshot stays on screen). */
  error?: Error
  /** The very first read failed: nothing to show, the app should exit with it. */
  fatal?: Error
  refreshing: boolean
  updatedAt?: Date
  refreshes: number
}

/**
 * Reads the feed now and then `refreshMs` after each read finished (never two reads at once).
 * Errors after the first snapshot are shown and retried on the next refresh.
 */
export function useLoadFeed(feed: HeatFeed, refreshMs: number, clock: () => Date, schedule: Schedule = systemSchedule): FeedState {
  const [state, setState] = useState<FeedState>({refreshes: 0, refreshing: true})
  const hasSnapshot = useRef(false)
  useEffect(() => {
    let cancelled = false
    let cancelTimer: (() => void) | undefined
    const tick = async () => {
      setState((s) => (s.refreshing ? s : {...s, refreshing: true}))
      try {
        const snapshot = await feed.next(clock())
        if (cancelled) return
        hasSnapshot.current = true
        setState((s) => ({refreshes: s.refreshes + 1, refreshing: false, snapshot, updatedAt: clock()}))
      } catch (error) {
        if (cancelled) return
        const e = error instanceof Error ? error : new Error(String(error))
        if (!hasSnapshot.current) {
          setState((s) => ({...s, fatal: e, refreshing: false}))
          return
        }
        setState((s) => ({...s, error: e, refreshing: false}))
      }
      if (!cancelled) cancelTimer = schedule(() => void tick(), refreshMs)
    }
    void tick()
    return () => {
      cancelled = true
      cancelTimer?.()
    }
  }, [feed, refreshMs, clock, schedule])
  return state
}

/** The terminal's columns and rows, following resizes. */
export function useTerminalSize(fallback: {width: number; height: number}): {width: number; height: number} {
  const {stdout} = useStdout()
  const read = () => ({height: stdout.rows || fallback.height, width: stdout.columns || fallback.width})
  const [size, setSize] = useState(read)
  useEffect(() => {
    const onResize = () => setSize(read())
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  return size
}
