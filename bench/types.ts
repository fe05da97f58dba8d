/** One figure of a benchmark, reported beside its baseline (measured in the same run). */
export interface BenchFigure {
  /** e.g. "startup: clickops --version (median)" */
  name: string
  value: number
  unit: string
  /** The baseline measured in the same run, when the figure is compared. */
  baseline?: {name: string; value: number}
  /** value / baseline.value (or the inverse where larger is better, as `ratioMeaning` says). */
  ratio?: number
  ratioMeaning?: string
  /** The target from the issue, in words, and whether this run met it. */
  target?: string
  met?: boolean
  details?: Record<string, unknown>
}

export interface Bench {
  name: string
  run(): Promise<BenchFigure[]>
}
