import { describe, expect, it } from 'vitest'
import { normaliseNumber } from './e164.js'

const accepted: [string, string | undefined, string][] = [
  ['+1 408 555 0100', undefined, '+14085550100'],
  ['+1 (408) 555-0100', undefined, '+14085550100'],
  ['+1.408.555.0100', undefined, '+14085550100'],
  ['  +14085550100  ', undefined, '+14085550100'],
  ['001 408 555 0100', undefined, '+14085550100'],
  ['0044 20 7946 0018', 'US', '+442079460018'],
  ['(408) 555-0199', 'US', '+14085550199'],
  ['408-555-0100', 'us', '+14085550100'],
  ['1 408 555 0100', 'US', '+14085550100'],
  ['020 7946 0018', 'GB', '+442079460018'],
  ['+44 (0)20 7946 0018', undefined, '+442079460018'],
  ['01 23 45 67 89', 'FR', '+33123456789'],
  ['+49 30 901820', undefined, '+4930901820'],
  ['030/901820', 'DE', '+4930901820'],
  ['+81 3-1234-5678', undefined, '+81312345678'],
]

const refused: [string, string | undefined, RegExp][] = [
  ['', undefined, /^empty/],
  ['   ', undefined, /^empty/],
  ['1-800-FLOWERS', 'US', /characters a phone number cannot have/],
  ['+1 408 555 0100 ext 12', undefined, /characters a phone number cannot have/],
  ['408 555 0100', undefined, /national number; give it with \+ and its country code/],
  ['+999 123 456', undefined, /unknown country calling code/],
  ['+0 123 456', undefined, /no country calling code starts with 0/],
  ['+1 408', undefined, /too short/],
  ['+1234567890123456', undefined, /has 16 digits; E.164 allows at most 15/],
  ['+1 408 555 01000', undefined, /too long for country code \+1/],
  ['123', 'US', /too short/],
  ['408 555 0100', 'USA', /not a two-letter ISO 3166 code/],
  ['408 555 0100', 'ZZ', /unknown default country ZZ/],
  ['+1 408 + 555', undefined, /\+ that is not at the start/],
  ['9'.repeat(100), undefined, /too long to be a phone number/],
]

describe('normaliseNumber', () => {
  it.each(accepted)('%j (default %s) -> %s', (input, country, expected) => {
    const result = normaliseNumber(input, country === undefined ? {} : { defaultCountry: country })
    expect(result).toEqual({ ok: true, value: expected })
  })

  it.each(refused)('refuses %j (default %s)', (input, country, reason) => {
    const result = normaliseNumber(input, country === undefined ? {} : { defaultCountry: country })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toMatch(reason)
  })

  it('is idempotent: a normalised number normalises to itself', () => {
    for (const [, , e164] of accepted) expect(normaliseNumber(e164)).toEqual({ ok: true, value: e164 })
  })
})
