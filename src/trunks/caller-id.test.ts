import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { formatNumber, trunkCallerHeaders } from './caller-id.js'
import { trunkFailsOver, trunkUris } from './trunk-config.js'

const N = '+12025550101' as E164

describe('caller ID toward a trunk', () => {
  it('writes the number as the provider asks', () => {
    expect(formatNumber(N, 'e164')).toBe('+12025550101')
    expect(formatNumber(N, 'digits')).toBe('12025550101')
  })

  it('puts it in From (keeping the tag) and in P-Asserted-Identity', () => {
    expect(trunkCallerHeaders({ number: N, form: 'digits', domain: 'sip.carrier.example', fromTag: 'abc' })).toEqual({
      ok: true,
      value: { from: '<sip:12025550101@sip.carrier.example>;tag=abc', pai: '<sip:12025550101@sip.carrier.example>' },
    })
  })

  it('refuses a caller without a number, and a From without a tag, saying why', () => {
    expect(trunkCallerHeaders({ number: undefined, form: 'e164', domain: 'd', fromTag: 't' })).toEqual({
      ok: false,
      error: 'the calling user has no number of the enterprise to present',
    })
    expect(trunkCallerHeaders({ number: N, form: 'e164', domain: 'd', fromTag: undefined }).ok).toBe(false)
  })
})

describe('trunk addresses', () => {
  it('lists the first address, then the failover ones', () => {
    expect(trunkUris({ uri: 'sip:a', failover: ['sip:b'], user: 'u', password: 'p' })).toEqual(['sip:a', 'sip:b'])
  })

  it('fails over on no answer and server errors, not on what the callee said', () => {
    for (const s of [408, 500, 502, 503, 504]) expect(trunkFailsOver(s)).toBe(true)
    for (const s of [404, 480, 486, 487, 603, 600]) expect(trunkFailsOver(s)).toBe(false)
  })
})
