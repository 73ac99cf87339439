import { describe, expect, it } from 'vitest'
import { nextFocus, referTarget } from './lines.js'

describe('referTarget', () => {
  it('reads the number of a blind transfer', () => {
    expect(referTarget('<sip:+12025550103@alpha.example>')).toEqual({ ok: true, number: '+12025550103' })
  })

  it('reads Replaces of an attended transfer (JsSIP encodes it in the URI headers)', () => {
    const replaces = encodeURIComponent('abc123@host;to-tag=t1;from-tag=f2')
    expect(referTarget(`<sip:+12025550103@alpha.example?Replaces=${replaces}>`)).toEqual({
      ok: true,
      number: '+12025550103',
      replaces: 'abc123@host;to-tag=t1;from-tag=f2',
    })
  })

  it('refuses a Refer-To without an E.164 number, or a Replaces without its tags', () => {
    expect(referTarget('<sip:bob@alpha.example>')).toMatchObject({ ok: false, error: /no E\.164 number/ })
    expect(referTarget('<sip:12025550103@alpha.example>')).toMatchObject({ ok: false })
    expect(referTarget('<sip:+12025550103@a.example?Replaces=abc%3Bto-tag%3Dx>')).toMatchObject({
      ok: false,
      error: /to-tag and from-tag/,
    })
    expect(referTarget('<sip:+12025550103@a.example?Replaces=%E0%A4%A>')).toMatchObject({ ok: false })
  })
})

describe('nextFocus', () => {
  const line = (id: number, phase: string) => ({ id, phase })
  const phase = (l: { phase: string }) => l.phase

  it('shows a ringing call first, then a call in progress, never the ended one', () => {
    const a = line(1, 'in-call')
    const b = line(2, 'incoming')
    const ended = line(3, 'in-call')
    expect(nextFocus([a, b, ended], ended, phase)).toBe(b)
    expect(nextFocus([a, ended], ended, phase)).toBe(a)
    expect(nextFocus([ended, line(4, 'ended')], ended, phase)).toBeUndefined()
  })
})
