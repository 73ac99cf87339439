import { describe, expect, it } from 'vitest'
import type { CallRecordDto } from './api.js'
import { formatDuration, historyEntries, talkTime } from './history.js'

const now = Date.parse('2026-11-25T15:00:00Z')
const opts = { now, locale: 'en-GB', timeZone: 'UTC' }
const base: CallRecordDto = {
  id: '1',
  direction: 'out',
  from: '+14085550100',
  to: '+14155550123',
  start: Date.parse('2026-11-25T14:03:00Z'),
  end: Date.parse('2026-11-25T14:05:05Z'),
  answeredAt: Date.parse('2026-11-25T14:03:10Z'),
  path: 'ime',
  fallback: false,
  outcome: 'answered',
}

describe('call history', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(7_900)).toBe('0:07')
    expect(formatDuration(754_000)).toBe('12:34')
    expect(formatDuration(3_723_000)).toBe('1:02:03')
  })

  it('counts talk time from the answer, and none for unanswered calls', () => {
    expect(talkTime(base)).toBe(115_000)
    expect(talkTime({ ...base, answeredAt: undefined })).toBe(125_000)
    expect(talkTime({ ...base, answeredAt: undefined, outcome: 'busy' })).toBeUndefined()
  })

  it('shows time, number, duration and path; newest first', () => {
    const calls: CallRecordDto[] = [
      base,
      {
        ...base,
        id: '2',
        direction: 'in',
        from: '+442079460018',
        start: Date.parse('2026-11-24T09:00:00Z'),
        end: Date.parse('2026-11-24T09:00:30Z'),
        answeredAt: undefined,
        path: 'pstn',
        outcome: 'missed',
      },
      { ...base, id: '3', start: Date.parse('2026-11-25T14:30:00Z'), path: 'pstn', fallback: true, end: undefined },
    ]
    const [a, b, c] = historyEntries(calls, opts)
    expect(a).toMatchObject({ id: '3', time: '14:30', path: 'PSTN (fallback)', duration: '' })
    expect(b).toMatchObject({ id: '1', number: '+14155550123', display: '+1 415 555 0123', time: '14:03' })
    expect(b).toMatchObject({ duration: '1:55', path: 'IME', outcome: '' })
    expect(b?.summary).toBe('Call to +1 415 555 0123, 14:03, duration 1:55, via IME')
    expect(c).toMatchObject({ number: '+442079460018', time: '24 Nov 09:00', path: 'PSTN', outcome: 'missed' })
    expect(c?.summary).toBe('Call from +44 20 7946 0018, 24 Nov 09:00, missed, via PSTN')
  })

  it('shows a call between two users of the enterprise as Internal, not PSTN', () => {
    const [entry] = historyEntries([{ ...base, to: '+14085550101', path: 'internal' }], opts)
    expect(entry).toMatchObject({ path: 'Internal', number: '+14085550101' })
    expect(entry?.summary).toBe('Call to +1 408 555 0101, 14:03, duration 1:55, via Internal')
  })
})
