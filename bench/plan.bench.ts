/**
 * Planning for 10,000 shards (target ≤ 100 ms), beside a naive planner that decides on the
 * stream's average (what most autoscalers do) on the same input, for context: the skew-aware plan
 * costs more time and gives a different answer.
 */
import {spawnSync} from 'node:child_process'
import {loadavg} from 'node:os'
import {fileURLToPath} from 'node:url'

import {uniformRanges} from '../src/lib/kinesis/hashkey.js'
import {utilization} from '../src/lib/load/model.js'
import {averageBasedCount, planScaling, stepPath, type PlanInput} from '../src/lib/scaling/planner.js'
import {POLICY_DEFAULTS} from '../src/lib/scaling/policy.js'
// @ts-expect-error a plain ES module without types, shared with the first-call child
import {skewedInput as skewed} from './fixtures/plan-input.mjs'
import {median, round} from './stats.js'
import type {Bench, BenchFigure} from './types.js'

const RUNS = Number(process.env.BENCH_PLAN_RUNS ?? 21)
/** Fresh processes for the first-call figure. */
const PROCESSES = Number(process.env.BENCH_PLAN_PROCESSES ?? 9)
const FIRST_CALL = fileURLToPath(new URL('fixtures/plan-first-call.mjs', import.meta.url))

/** 10,000 uniform shards at 0.02 MiB/s with a band of 100 hot ones at 0.5 MiB/s (and their top keys). */
function skewedInput(n: number): PlanInput {
  return skewed(n, {policy: POLICY_DEFAULTS, uniformRanges, utilization}) as PlanInput
}

/** The first call in a fresh process, as one `clickops scale` run pays it (the built code). */
function firstCall(): {averageMs: number; planMs: number} {
  const r = spawnSync(process.execPath, ['--expose-gc', FIRST_CALL], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}})
  if (r.status !== 0) throw new Error(`plan first-call child failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as {averageMs: number; planMs: number}
}

/** The baseline: target = ceil(total / target utilisation), in the same doubling steps. */
function averagePlan(input: PlanInput) {
  const target = averageBasedCount(input.shards, input.policy.targetUtilization, input.policy.basis)
  return {steps: stepPath(input.stream.openShardCount, target), target}
}

function time(fn: () => unknown): number {
  const start = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}


const bench: Bench = {
  name: 'plan',
  async run(): Promise<BenchFigure[]> {
    const input = skewedInput(10_000)
    const firsts = Array.from({length: PROCESSES}, () => firstCall())
    const firstPlan = median(firsts.map((f) => f.planMs))
    const firstAverage = median(firsts.map((f) => f.averageMs))
    const plans: number[] = []
    const averages: number[] = []
    for (let i = 0; i < RUNS; i++) {
      plans.push(time(() => planScaling(input)))
      averages.push(time(() => averagePlan(input)))
    }
    const plan = planScaling(input)
    const average = averagePlan(input)
    const details = {
      /** Wall-clock figures on a shared machine: the 1-minute load average when measured. */
      loadAverage: round(loadavg()[0]),
      shards: 10_000,
      skewAware: {decision: plan.decision, neededShards: plan.neededShards, steps: plan.steps.map((s) => `${s.from}→${s.to}`), targetShards: plan.targetShards},
      averageBased: {steps: average.steps.map((s) => `${s.from}→${s.to}`), targetShards: average.target},
    }
    const value = median(plans)
    const baseline = median(averages)
    return [
      {
        baseline: {name: 'average-based planner, same input (median)', value: round(baseline)},
        details,
        met: value <= 100,
        name: `plan: 10,000 shards, skewed, skew-aware planner (median of ${RUNS})`,
        ratio: round(value / baseline),
        ratioMeaning: 'times the average-based planner (lower is faster)',
        target: '≤ 100 ms',
        unit: 'ms',
        value: round(value),
      },
      {
        baseline: {name: 'average-based planner, first call in the same processes (median)', value: round(firstAverage)},
        details: {loadAverage: details.loadAverage},
        met: firstPlan <= 100,
        name: `plan: 10,000 shards, skewed, first call in a fresh process, built code (what one CLI run pays; median of ${PROCESSES} processes)`,
        ratio: round(firstPlan / firstAverage),
        ratioMeaning: 'times the average-based planner (lower is faster)',
        target: '≤ 100 ms',
        unit: 'ms',
        value: round(firstPlan),
      },
    ]
  },
}

export default bench
