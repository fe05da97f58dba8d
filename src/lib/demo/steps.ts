/**
 * The steps of `clickops demo`: a pure list, so the command stays a loop and a test can read what
 * the demo will run. Each step is a real clickops command line the user can repeat by hand.
 */
import {formatPercent} from '../format.js'

export interface DemoOptions {
  stream: string
  /** The user that gets a large share of the traffic, and whose records are tailed. */
  hotUser: string
  hotShare: number
  apiEvents: number
  directEvents: number
  /** The scale target; undefined until it is known (see demoTarget). */
  targetUtilization?: number
  /** Show heat as the live TUI for this many seconds (0: one snapshot). */
  liveHeatSeconds: number
  seed: number
  /** The stream exists from an earlier run: remove it first so the numbers add up. */
  existing: boolean
}

export interface DemoStep {
  id: string
  title: string
  /** One sentence on what it shows. */
  why: string
  /** The oclif command id (topics joined by ':') and its arguments. */
  command: string
  args: string[]
  /** Exit codes that are expected outcomes, not failures (scale's documented codes). */
  okExitCodes: number[]
}

export const DEMO_DEFAULTS = {
  apiEvents: 600,
  directEvents: 2400,
  hotShare: 0.05,
  hotUser: '35',
  liveHeatSeconds: 12,
  seed: 20_210_712,
  stream: 'clickops-demo',
} as const

/** The share of the hottest shard's measured peak that the demo aims for when no target is given. */
export const DEMO_TARGET_FRACTION = 0.6

/**
 * The emulator takes a few hundred records per second, so a fixed target would mean nothing there:
 * unless told otherwise, the demo aims at 60% of the hottest shard's measured peak, which a
 * scale-out reaches. Rounded to whole percent, at least 1%.
 */
export function demoTarget(hottestPeakUtilization: number): number {
  return Math.max(0.01, Math.round(hottestPeakUtilization * DEMO_TARGET_FRACTION * 100) / 100)
}

export function demoSteps(o: DemoOptions): DemoStep[] {
  const s = ['--stream', o.stream]
  const hot = ['--hot-user', `${o.hotUser}:${o.hotShare}`]
  const scale = ['scale', ...s, '--target-utilization', String(o.targetUtilization ?? 'unknown'), '--source', 'stream', '--window', '10m']
  const steps: DemoStep[] = [
    {args: [], command: 'local:up', id: 'stack', okExitCodes: [0], title: 'Start the embedded local stack', why: 'kinesis-local and the local API gateway, on loopback, no AWS account needed.'},
  ]
  if (o.existing) {
    steps.push({args: [...s, '--yes'], command: 'destroy', id: 'reset', okExitCodes: [0], title: 'Remove the previous demo stream', why: 'A fresh stream, so the counts below add up.'})
  }
  steps.push(
    {
      args: [...s, '--shards', '4'],
      command: 'provision',
      id: 'provision',
      okExitCodes: [0],
      title: 'Provision the stream (4 shards) and its HTTP ingestion API',
      why: 'The same OpenAPI document that API Gateway imports on AWS is served by the local gateway.',
    },
    {
      args: [...s, '--via', 'api', '--count', String(o.apiEvents), '--rate', '0', ...hot, '--seed', String(o.seed)],
      command: 'send',
      id: 'send-api',
      okExitCodes: [0],
      title: `Send ${o.apiEvents} events through the API, user ${o.hotUser} hot`,
      why: 'Batches POSTed to /events/batch, validated at the edge, written with PutRecords.',
    },
    {
      args: [...s, '--count', String(o.directEvents), '--rate', '0', ...hot, '--seed', String(o.seed + 1)],
      command: 'send',
      id: 'send-direct',
      okExitCodes: [0],
      title: `Send ${o.directEvents} events straight to Kinesis`,
      why: `PutRecords batches, partition key = user_id: user ${o.hotUser}'s ${formatPercent(o.hotShare, 0)} all land on one shard.`,
    },
    {
      args: [...s, '--window', '10m', '--sort', 'heat', ...(o.liveHeatSeconds > 0 ? ['--for', `${o.liveHeatSeconds}s`] : ['--once'])],
      command: 'heat',
      id: 'heat',
      okExitCodes: [0],
      title: o.liveHeatSeconds > 0 ? `Watch shard heat live for ${o.liveHeatSeconds} s` : 'Shard heat, one snapshot',
      why: 'Per-second peaks read from the stream itself: the hot user makes one shard run hotter than the rest.',
    },
    {
      args: [...s, '--user', o.hotUser, '--from', 'trim-horizon', '--no-follow', '--limit', '5'],
      command: 'tail',
      id: 'tail',
      okExitCodes: [0],
      title: `Tail user ${o.hotUser}`,
      why: `Only the shard that holds the hash of "${o.hotUser}" is read; only that user's records are printed.`,
    },
    {
      args: [...scale.slice(1), '--dry-run'],
      command: 'scale',
      id: 'plan',
      okExitCodes: [0, 11],
      title: `Plan the shard count for ${formatPercent(o.targetUtilization ?? 0, 0)} target utilisation (dry run)`,
      why: 'Decided on the hottest projected shard, not the average; nothing changes yet.',
    },
    {
      args: scale.slice(1),
      command: 'scale',
      id: 'scale',
      okExitCodes: [0, 10],
      title: 'Apply the plan',
      why: 'UpdateShardCount steps, waiting for ACTIVE between them; the change is recorded in the stream tags.',
    },
    {args: s, command: 'status', id: 'status', okExitCodes: [0], title: 'The stream now', why: 'Open and closed shards after the reshard, and the API.'},
  )
  return steps
}

/**
 * Where a step stands for its heading ("3/9"), or undefined for the removal of an earlier demo
 * stream: that housekeeping step is not numbered, so the count is the same whether it runs or not
 * (which is known only once the stack runs, after the first heading was printed).
 */
export function stepNumber(steps: readonly DemoStep[], index: number): {n: number; of: number} | undefined {
  if (steps[index]?.id === 'reset') return undefined
  const numbered = steps.filter((s) => s.id !== 'reset')
  return {n: numbered.indexOf(steps[index]) + 1, of: numbered.length}
}

/** The command line a user types to repeat a step. */
export function commandLine(bin: string, step: DemoStep): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)
  return [bin, ...step.command.split(':'), ...step.args].map(quote).join(' ')
}
