/**
 * The decision log: each invocation's scale document with when and where it ran, read from
 * CloudWatch Logs (AWS) or the local stack's decision file, and its summary for `autoscale status`.
 */
import type {ScaleDocument, ScaleErrorDocument} from '../scaling/document.js'

export interface DecisionEntry {
  /** When the function logged it (ISO-8601). */
  time: string
  functionName: string
  stream: string
  requestId?: string
  /** The document the function logged: what `clickops scale --json` prints. */
  decision: ScaleDocument | ScaleErrorDocument
}

export interface DecisionSummary {
  time: string
  outcome: ScaleDocument['outcome'] | 'error'
  /** What `clickops scale` would have exited with. */
  exitCode: number
  /** The steps applied (or planned, when none was), e.g. "4 → 8" or "split shardId-000000000001 (4 → 5)". */
  steps: string[]
  reasons: string[]
  error?: string
  openShards?: number
}

export const isErrorDocument = (d: ScaleDocument | ScaleErrorDocument): d is ScaleErrorDocument => 'error' in d && !('outcome' in d)

export function summarizeDecision(entry: DecisionEntry): DecisionSummary {
  const d = entry.decision
  if (isErrorDocument(d)) return {error: d.error.message, exitCode: d.error.exitCode, outcome: 'error', reasons: d.error.hint ? [d.error.hint] : [], steps: [], time: entry.time}
  const applied = d.execution?.applied ?? []
  const steps = (applied.length > 0 ? applied : d.plan.steps.filter((s) => s.runnable)).map((s) =>
    s.action === 'split' || s.action === 'merge' ? `${s.action}${s.shardId ? ` ${s.shardId}` : ''} (${s.from} → ${s.to})` : `${s.from} → ${s.to}`,
  )
  const summary: DecisionSummary = {exitCode: d.exitCode, outcome: d.outcome, reasons: d.plan.reasons, steps, time: entry.time}
  const open = d.execution?.finalOpenShards ?? d.plan.currentShards
  if (open !== undefined) summary.openShards = open
  return summary
}

/** A logged line as a decision document, or undefined for any other line (Lambda's START/END/REPORT lines). */
export function parseDecisionLine(line: string): ScaleDocument | ScaleErrorDocument | undefined {
  const start = line.indexOf('{')
  if (start < 0) return undefined
  try {
    const doc = JSON.parse(line.slice(start)) as Record<string, unknown>
    if (typeof doc !== 'object' || doc === null) return undefined
    if ('outcome' in doc && 'plan' in doc) return doc as unknown as ScaleDocument
    if ('error' in doc && typeof (doc.error as {message?: unknown})?.message === 'string') return doc as unknown as ScaleErrorDocument
  } catch {
    return undefined
  }
  return undefined
}
