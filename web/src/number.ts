/**
 * Numbers as people type them in the softphone: the project's E.164 policy (src/core/e164.ts), with the
 * default country taken from the user's own number unless configured.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { normaliseNumber, type E164 } from '../../src/core/e164.js'
import type { Result } from '../../src/core/result.js'

export type { E164 }

/** The ISO country of an E.164 number (e.g. '+14085550100' -> 'US'), if it belongs to one. */
export function countryOf(number: string): string | undefined {
  return parsePhoneNumberFromString(number)?.country
}

export function toE164(typed: string, defaultCountry: string | undefined): Result<E164> {
  return normaliseNumber(typed, defaultCountry === undefined ? {} : { defaultCountry })
}

/** Keeps what a dialled number may hold; drops letters and other stray characters as people type or paste. */
export const dialable = (typed: string): string => typed.replace(/[^0-9+\s\-()./]/g, '')

/** A friendly international rendering, '+1 408 555 0100'; the input itself when it cannot be parsed. */
export function displayNumber(number: string): string {
  return parsePhoneNumberFromString(number)?.formatInternational() ?? number
}

/** The user part of a SIP URI when it is a number: 'sip:+14085550100@b.example;transport=ws' -> '+14085550100'. */
export function numberFromSipUri(uri: string): string | undefined {
  const m = /^<?sips?:([^@;>]+)@/.exec(uri.trim())
  const user = m?.[1] ? decodeURIComponent(m[1]) : undefined
  return user !== undefined && /^\+?[0-9]{3,16}$/.test(user) ? user : undefined
}

export const DTMF_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const
export type DtmfKey = (typeof DTMF_KEYS)[number]
export const isDtmfKey = (k: string): k is DtmfKey => (DTMF_KEYS as readonly string[]).includes(k)
/** Letters printed under the keys of a phone. */
export const KEY_LETTERS: Record<DtmfKey, string> = {
  '1': '',
  '2': 'ABC',
  '3': 'DEF',
  '4': 'GHI',
  '5': 'JKL',
  '6': 'MNO',
  '7': 'PQRS',
  '8': 'TUV',
  '9': 'WXYZ',
  '*': '',
  '0': '+',
  '#': '',
}
