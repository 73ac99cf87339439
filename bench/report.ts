/** Shared by every benchmark: summary statistics and the two output forms (a table, or JSON as the last line). */

/** The p-th percentile (0..100) of a sample, by nearest rank; NaN for an empty sample. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN
  const sorted = [...sample].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

export const median = (sample: readonly number[]): number => percentile(sample, 50)

export const mean = (sample: readonly number[]): number =>
  sample.length === 0 ? Number.NaN : sample.reduce((a, b) => a + b, 0) / sample.length

/** Rounds for display without losing the magnitude of small numbers. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value
  const scale = 10 ** Math.max(0, digits - Math.ceil(Math.log10(Math.abs(value))))
  return Math.round(value * scale) / scale
}

/** Prints rows as an aligned table on stdout. */
export function printTable(title: string, rows: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(...rows.map(([k]) => k.length))
  process.stdout.write(`${title}\n`)
  for (const [key, value] of rows) process.stdout.write(`  ${key.padEnd(width)}  ${value}\n`)
}

/** The machine-readable form: one JSON object, as the last line of output. */
export function printJson(result: unknown): void {
  process.stdout.write(JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n')
}
