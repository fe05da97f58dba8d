/** The small statistics every benchmark reports with. */

/** The middle value (the upper one of an even count). */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Two decimals, as the figures are reported. */
export const round = (x: number): number => Math.round(x * 100) / 100

/** The q-quantile (0..1) by the nearest-rank method: p50 is quantile(xs, 0.5), p99 quantile(xs, 0.99). */
export const quantile = (xs: readonly number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}
