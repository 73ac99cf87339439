/**
 * E.164 numbers as people type them. Parsing and country data come from libphonenumber-js (Google's
 * libphonenumber metadata); this module adds the project's policy: letters and extensions are refused, a
 * leading 00 always means "international", a national number needs a configured default country, and the
 * number must have a possible length for its country (fictional ranges such as 555-01xx are fine: we check
 * structure, not whether a carrier has assigned the number).
 */
import { parsePhoneNumberWithError, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js'
import { err, ok, type Result } from './result.js'

/** A normalised number: '+' then 1 to 15 digits, the first not 0. */
export type E164 = string & { readonly __e164: unique symbol }

export interface NumberOptions {
  /** ISO 3166 country (e.g. 'US', 'GB') that national numbers belong to. */
  defaultCountry?: string
}

const ALLOWED = /^[0-9+\s\-()./]*$/
const E164_SHAPE = /^\+[1-9][0-9]{1,14}$/

/** True when text is already a normalised E.164 number. */
export const isE164 = (text: string): text is E164 => E164_SHAPE.test(text)

export function normaliseNumber(input: string, options: NumberOptions = {}): Result<E164> {
  const text = input.trim()
  const quoted = JSON.stringify(input.length > 40 ? input.slice(0, 40) + '…' : input)
  if (text === '') return err('empty: a phone number is needed')
  if (text.length > 64) return err(`${quoted} is too long to be a phone number`)
  if (!ALLOWED.test(text)) {
    return err(`${quoted} has characters a phone number cannot have (only digits, spaces, + - ( ) . / are allowed)`)
  }
  if (text.lastIndexOf('+') > 0) return err(`${quoted} has a + that is not at the start`)
  let candidate = text
  if (/^00/.test(text.replace(/[\s\-()./]/g, ''))) candidate = '+' + text.replace(/[\s\-()./]/g, '').slice(2)
  const international = candidate.startsWith('+')
  const country = options.defaultCountry?.toUpperCase()
  if (!international && country === undefined) {
    return err(`${quoted} is a national number; give it with + and its country code, or configure a default country`)
  }
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
    return err(`default country ${JSON.stringify(options.defaultCountry)} is not a two-letter ISO 3166 code`)
  }
  const digits = candidate.replace(/\D/g, '')
  if (international && digits.startsWith('0')) return err(`${quoted}: no country calling code starts with 0`)
  if (digits.length > 15 + (international ? 0 : 3)) {
    return err(`${quoted} has ${digits.length} digits; E.164 allows at most 15`)
  }
  let parsed
  try {
    parsed = parsePhoneNumberWithError(candidate, international ? undefined : (country as CountryCode))
  } catch (e) {
    const code = (e as Error).message
    if (code === 'INVALID_COUNTRY') {
      return err(international ? `${quoted} has an unknown country calling code` : `unknown default country ${country}`)
    }
    if (code === 'TOO_SHORT') return err(`${quoted} is too short to be a phone number`)
    if (code === 'TOO_LONG') return err(`${quoted} is too long to be a phone number`)
    return err(`${quoted} is not a phone number`)
  }
  const number = parsed.number
  if (!isE164(number)) return err(`${quoted} does not make an E.164 number (got ${number})`)
  const length = validatePhoneNumberLength(number)
  if (length === 'TOO_SHORT') return err(`${quoted} is too short for country code +${parsed.countryCallingCode}`)
  if (length === 'TOO_LONG') return err(`${quoted} is too long for country code +${parsed.countryCallingCode}`)
  if (length !== undefined)
    return err(`${quoted} has no possible length for country code +${parsed.countryCallingCode}`)
  return ok(number)
}
