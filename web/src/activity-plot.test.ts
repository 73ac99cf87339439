import { describe, expect, it } from 'vitest'
import { PLOT_HEIGHT, plotModel } from './activity-plot.js'

describe('activity plots (stacked bars per bucket)', () => {
  it('stacks labels per bucket, scaled to the busiest bucket, with a summary for screen readers', () => {
    const m = plotModel('Calls by path', { pstn: [1, 0, 2], ime: [1, 0, 0] }, 3)
    expect(m.labels).toEqual(['ime', 'pstn'])
    expect(m.max).toBe(2)
    expect(m.total).toBe(4)
    const first = m.bars.filter((b) => b.bucket === 0)
    expect(first.map((b) => [b.label, b.height])).toEqual([
      ['ime', PLOT_HEIGHT / 2],
      ['pstn', PLOT_HEIGHT / 2],
    ])
    expect(first[1]!.y).toBe(0) // the stack reaches the top in the busiest bucket
    expect(m.bars.some((b) => b.bucket === 1)).toBe(false)
    expect(m.summary).toBe('Calls by path: ime 1, pstn 3 (peak 2 per bucket)')
  })

  it('says none when there is nothing to plot', () => {
    const m = plotModel('Conflicts', {}, 12)
    expect(m.bars).toEqual([])
    expect(m.summary).toBe('Conflicts: none')
  })
})
