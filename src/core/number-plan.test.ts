import { describe, expect, it } from 'vitest'
import { expandNumberPlan } from './number-plan.js'

describe('number plans', () => {
  it('expands single numbers and ranges, minus exclusions, normalised and sorted', () => {
    const plan = expandNumberPlan(
      {
        numbers: ['+1 (201) 555-0100'],
        ranges: [{ from: '+1 408 555 0100', to: '+1 408 555 0199' }],
        exclusions: ['+1 408 555 0150', '408-555-0199'],
      },
      { defaultCountry: 'US' },
    )
    expect(plan.ok).toBe(true)
    if (!plan.ok) return
    expect(plan.value).toHaveLength(99)
    expect(plan.value[0]).toBe('+12015550100')
    expect(plan.value).toContain('+14085550100')
    expect(plan.value).not.toContain('+14085550150')
    expect(plan.value).not.toContain('+14085550199')
  })

  it('refuses bad plans with a reason, and never cuts silently at the quota', () => {
    const refuse = (plan: Parameters<typeof expandNumberPlan>[0]) => {
      const r = expandNumberPlan(plan)
      return r.ok ? `accepted ${r.value.length}` : r.error
    }
    expect(refuse({ ranges: [{ from: '+14085550100', to: '+14085550199' }], quota: 50 })).toBe(
      'range +14085550100 to +14085550199 has 100 numbers, more than the quota of 50',
    )
    expect(refuse({ numbers: ['+12015550100', '+12015550101'], quota: 1 })).toMatch(
      /2 numbers, more than the quota of 1/,
    )
    expect(refuse({ ranges: [{ from: '+14085550199', to: '+14085550100' }] })).toMatch(/runs backwards/)
    expect(refuse({ ranges: [{ from: '+14085550100', to: '+442079460018' }] })).toMatch(/same number of digits/)
    expect(refuse({ numbers: ['call me'] })).toMatch(/^number: /)
    expect(refuse({ exclusions: ['+0 1'] })).toMatch(/^exclusion: /)
    expect(refuse({ quota: -1 })).toMatch(/quota must be/)
  })
})
