import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import type { CallRecord } from '../validation/call-record.js'
import { activity, bucketize, RecentRefusals } from './activity.js'

const HOUR = 3_600_000
const NOW = Date.parse('2026-11-25T10:07:00Z')

describe('activity over time (the operator page plots)', () => {
  it('counts items in 5-minute buckets over the last hour, aligned on whole buckets, oldest first', () => {
    const { from, bucketMs, series } = bucketize(
      [
        { at: NOW, label: 'a' },
        { at: NOW - 60_000, label: 'a' },
        { at: NOW - 30 * 60_000, label: 'b' },
        { at: NOW - 2 * HOUR, label: 'a' }, // outside the window
      ],
      NOW,
      'hour',
    )
    expect(bucketMs).toBe(300_000)
    expect(from).toBe(Date.parse('2026-11-25T09:10:00Z'))
    expect(series.a).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
    expect(series.b!.indexOf(1)).toBe(5)
    expect(bucketize([{ at: NOW - 23 * HOUR, label: 'x' }], NOW, 'day').series.x![0]).toBe(1)
  })

  it('calls by path (fallbacks apart, an internal call once), validations by outcome, conflicts, refusals', () => {
    const call = (id: string, over: Partial<CallRecord>): CallRecord => ({
      id,
      direction: 'outbound',
      caller: '+12015550100' as E164,
      called: '+12025550102' as E164,
      start: NOW - 60_000,
      end: NOW,
      path: 'pstn',
      outcome: 'answered',
      user: 'alice',
      ...over,
    })
    const base = { callId: 'c', number: '+12025550102' as E164, kind: 'first' as const, dropped: false }
    const a = activity(
      {
        calls: [
          call('1', {}),
          call('2', { path: 'ime' }),
          call('3', { fallback: true }),
          call('4', { path: 'internal' }),
          call('5', { path: 'internal', direction: 'inbound' }),
        ],
        validations: [
          { at: NOW, outcome: { ...base, outcome: 'validated', domain: 'b.example' } },
          { at: NOW, outcome: { ...base, outcome: 'failed', failure: 'not-proven' } },
          { at: NOW, outcome: { ...base, outcome: 'validated', domain: 'c.example', conflictWith: 'b.example' } },
        ],
        ticketRefusals: [{ at: NOW, code: '403' }],
      },
      NOW,
      'hour',
    )
    const last = (s: Record<string, number[]>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.at(-1)]))
    expect(last(a.calls)).toEqual({ pstn: 1, ime: 1, fallback: 1, internal: 1 })
    expect(last(a.validations)).toEqual({ validated: 2, 'failed: not-proven': 1 })
    expect(last(a.conflicts)).toEqual({ conflict: 1 })
    expect(last(a.ticketRefusals)).toEqual({ 403: 1 })
    expect(a.conflictedNumbers).toEqual(['+12025550102'])
  })

  it('keeps the last day of ticket refusals, at most a bound of them', () => {
    const r = new RecentRefusals(3)
    r.add(NOW - 25 * HOUR, '403')
    r.add(NOW, '403')
    expect(r.list()).toEqual([{ at: NOW, code: '403' }])
    for (let i = 1; i <= 5; i++) r.add(NOW + i, '401')
    expect(r.list()).toHaveLength(3)
  })
})
