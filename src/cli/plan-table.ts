/** The plan of `provision` and `destroy` as a table: every resource, its action and the reason. */
import type {PlanItem} from '../lib/provision/plan.js'
import {colorEnabled, styler, table, type Style, type TableOptions} from './output.js'

/** What the first Ctrl-C says while a plan is applied (provision, destroy): a re-run finishes it. */
export const STOPPING = 'Stopping after the change under way (Ctrl-C again to stop at once; run the command again to finish).'

const ACTION_STYLE: Record<string, Style[]> = {create: ['green'], delete: ['red'], skip: ['dim'], unchanged: ['dim'], update: ['yellow']}

/** The plan table; `colour` and `width` are those of the stream it goes to (stdout by default). */
export function renderPlan(items: readonly PlanItem[], options: Pick<TableOptions, 'colour' | 'width'> = {}): string {
  const paint = styler(options.colour ?? colorEnabled())
  return table(
    ['resource', 'name', 'action', 'reason'],
    items.map((i) => [i.resource, i.name, paint(i.action, ...(ACTION_STYLE[i.action] ?? [])), i.reason]),
    options,
  )
}
