/**
 * The one formatter of numbers, percentages, byte sizes and durations for human output (tables,
 * status lines, reasons, messages). Pure; no Intl (its first use costs tens of milliseconds).
 */

/** 12345 → "12,345"; rounds to a whole number first. */
export function formatInt(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** A whole number or `–` for a missing one. */
export function formatIntOrDash(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : formatInt(n)
}

/** `digits` decimals with thousands separators: 1234.5 → "1,234.50" (digits 2). */
export function formatDecimal(n: number, digits: number): string {
  const [whole, fraction] = n.toFixed(digits).split('.')
  const sign = whole.startsWith('-') ? '-' : ''
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`
}

/** A rate or count: 0.4, 12, 1,234 (one decimal only for small fractional values). */
export function formatCount(n: number): string {
  if (n > 0 && n < 10 && !Number.isInteger(n)) return n.toFixed(1)
  return formatInt(n)
}

/** A fraction as a percentage with `digits` decimals: 0.123 → "12.3%"; from 1000% on, whole percent. */
export function formatPercent(fraction: number, digits = 1): string {
  const p = fraction * 100
  return p < 1000 ? `${p.toFixed(digits)}%` : `${Math.round(p)}%`
}

/** A utilisation in a sentence: whole percent, one decimal under 10% ("7.5%", "70%"). */
export function formatPercentShort(fraction: number): string {
  const p = fraction * 100
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p).toString()}%`
}

/** 512 B, 1.5 KiB, 12.0 MiB, 2.0 GiB */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`
}

/** Bytes as a number of MiB without the unit: three decimals under 1 MiB, one above. */
export function formatMiB(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 3 : 1)
}

/** Milliseconds, compactly: 90_000 → `1m30s`, 500 → `500ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  let s = Math.round(ms / 1000)
  const parts: string[] = []
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`)
      s %= size
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`)
  return parts.join('')
}

/** `n thing` or `n things`, with thousands separators. */
export function plural(n: number, thing: string, things = `${thing}s`): string {
  return `${formatInt(n)} ${n === 1 ? thing : things}`
}

/** Cuts `text` to `width` characters, ending with `…` when cut. */
export function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text
}

/** KiB as text: 2048 → `2 MiB`, 1536 → `1536 KiB`. */
export function formatKiB(kib: number): string {
  return kib % 1024 === 0 ? `${kib / 1024} MiB` : `${kib} KiB`
}
