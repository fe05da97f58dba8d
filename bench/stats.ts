/** The small statistics every benchmark reports with. */

/** The middle value (the upper one of an even count). */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Two decimals, as the figures are reported. */
export const round = (x: number): number => Math.round(x * 100) / 100
