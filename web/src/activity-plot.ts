/**
 * The operator page's plots over time, as plain SVG: one stacked bar per time bucket, one colour class per label
 * (calls by path, validations by outcome, conflicts, ticket refusals by code). Pure geometry; operator.ts turns
 * it into elements.
 */

/** Counts per label, one per bucket, oldest first (GET /api/activity). */
export type Series = Record<string, number[]>

export interface Bar {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
  readonly label: string
  /** Index of the label in the legend: its colour. */
  readonly colour: number
  readonly count: number
  readonly bucket: number
}

export interface PlotModel {
  readonly width: number
  readonly height: number
  readonly bars: Bar[]
  readonly labels: string[]
  readonly max: number
  readonly total: number
  /** A sentence for screen readers. */
  readonly summary: string
}

export const PLOT_WIDTH = 360
export const PLOT_HEIGHT = 120
const GAP = 2

export function plotModel(title: string, series: Series, buckets: number): PlotModel {
  const labels = Object.keys(series).sort()
  const totals = Array.from({ length: buckets }, (_, i) => labels.reduce((sum, l) => sum + (series[l]![i] ?? 0), 0))
  const max = Math.max(0, ...totals)
  const barWidth = PLOT_WIDTH / Math.max(1, buckets)
  const bars: Bar[] = []
  for (let i = 0; i < buckets; i++) {
    let top = PLOT_HEIGHT
    labels.forEach((label, colour) => {
      const count = series[label]![i] ?? 0
      if (count === 0) return
      const height = (count / max) * PLOT_HEIGHT
      top -= height
      bars.push({ x: i * barWidth + GAP / 2, y: top, width: barWidth - GAP, height, label, colour, count, bucket: i })
    })
  }
  const total = totals.reduce((a, b) => a + b, 0)
  const parts = labels.map((l) => `${l} ${series[l]!.reduce((a, b) => a + b, 0)}`)
  const summary = total === 0 ? `${title}: none` : `${title}: ${parts.join(', ')} (peak ${max} per bucket)`
  return { width: PLOT_WIDTH, height: PLOT_HEIGHT, bars, labels, max, total, summary }
}
