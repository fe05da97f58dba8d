/**
 * Desired state → plan → apply. A plan is an ordered list of resources, each to be created,
 * updated, deleted or left unchanged, with the reason. Applying runs the steps in order; each step
 * re-reads nothing it does not need, and a plan computed again after an interruption picks up
 * where the previous run stopped (every step is idempotent on the observed state).
 */
import {ClickopsError, ExitCode} from '../errors.js'

export const ACTIONS = ['create', 'update', 'delete', 'unchanged', 'skip'] as const
export type Action = (typeof ACTIONS)[number]

export interface PlanItem {
  /** The kind of resource: `stream`, `iam role`, `rest api`, `stage`, ... */
  resource: string
  /** Its name or id. */
  name: string
  action: Action
  /** Why: what differs, or why nothing needs doing. */
  reason: string
}

export interface Step extends PlanItem {
  /** Makes the change; absent for unchanged and skipped items. */
  run?: () => Promise<void>
}

export interface ApplyOptions {
  onProgress?: (message: string) => void
  /** Aborting stops between steps (the step under way finishes first). */
  signal?: AbortSignal
}

export class InterruptedError extends ClickopsError {
  constructor(done: number, total: number, command: string) {
    super(`Interrupted after ${done} of ${total} change${total === 1 ? '' : 's'}.`, {
      exitCode: ExitCode.INTERRUPTED,
      hint: `Run \`${command}\` again with the same flags (--stream, --target, ...) to finish: it continues from where this run stopped.`,
    })
  }
}

export const isChange = (item: PlanItem) => item.action === 'create' || item.action === 'update' || item.action === 'delete'

/** The plan without its closures (what --dry-run and --json show). */
export function describePlan(steps: readonly Step[]): PlanItem[] {
  return steps.map(({action, name, reason, resource}) => ({action, name, reason, resource}))
}

/** Runs the changing steps in order; returns how many ran. */
export async function applySteps(steps: readonly Step[], options: ApplyOptions & {command: string}): Promise<number> {
  const changes = steps.filter((s) => isChange(s) && s.run)
  let done = 0
  for (const step of changes) {
    if (options.signal?.aborted) throw new InterruptedError(done, changes.length, options.command)
    options.onProgress?.(`${step.action} ${step.resource} ${step.name}: ${step.reason}`)
    await step.run!()
    done += 1
  }
  return done
}

export {withBackoff} from '../backoff.js'

/** Canonical JSON (sorted keys) for comparing policy documents and such. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v)).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}
