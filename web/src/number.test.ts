import { describe, expect, it } from 'vitest'
import { countryOf, dialable, displayNumber, numberFromSipUri, toE164 } from './number.js'

describe('numbers typed in the softphone', () => {
  it('takes the default country from the user number', () => {
    expect(countryOf('+14085550100')).toBe('US')
    expect(countryOf('+442079460018')).toBe('GB')
  })

  it.each([
    ['(408) 555-0199', 'US', '+14085550199'],
    ['408 555 0100', 'US', '+14085550100'],
    ['+1 408-555-0100', undefined, '+14085550100'],
    ['020 7946 0018', 'GB', '+442079460018'],
    ['00 1 408 555 0100', 'GB', '+14085550100'],
  ])('%s (%s) -> %s', (typed, country, e164) => {
    expect(toE164(typed, country)).toEqual({ ok: true, value: e164 })
  })

  it('says why a number is refused', () => {
    const r = toE164('408 555 0100', undefined)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatch(/national number/)
  })

  it('drops letters as people type or paste', () => {
    expect(dialable('tel: +1 (408) 555-0100 x')).toBe(' +1 (408) 555-0100 ')
  })

  it('renders numbers for people and reads them from SIP URIs', () => {
    expect(displayNumber('+14085550100')).toBe('+1 408 555 0100')
    expect(displayNumber('alice')).toBe('alice')
    expect(numberFromSipUri('sip:+14085550100@b.example;transport=ws')).toBe('+14085550100')
    expect(numberFromSipUri('<sip:%2B14085550100@b.example>')).toBe('+14085550100')
    expect(numberFromSipUri('sip:alice@a.example')).toBeUndefined()
  })
})
