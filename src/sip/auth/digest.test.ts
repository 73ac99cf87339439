import { describe, expect, it } from 'vitest'
import { parseAuthValue } from '../message/header-values.js'
import { challengeValues, DEFAULT_DIGEST_ALGORITHMS, offeredAlgorithms } from './digest.js'

describe('the digest algorithms a listener offers', () => {
  it('offers MD5 alone by default: the one challenge every common client answers', () => {
    expect(DEFAULT_DIGEST_ALGORITHMS).toEqual(['MD5'])
    for (const t of ['UDP', 'TCP', 'TLS', 'WS', 'WSS'] as const)
      expect(offeredAlgorithms(undefined, t)).toEqual(['MD5'])
    const values = challengeValues('b.example', 'n0nce')
    expect(values).toHaveLength(1)
    expect(values[0]).toContain('algorithm=MD5')
  })

  it('takes one list for a whole face, or one per listener (tcp covers TLS, ws covers WSS)', () => {
    expect(offeredAlgorithms(['SHA-256', 'MD5'], 'WS')).toEqual(['SHA-256', 'MD5'])
    const per = { tcp: ['SHA-256', 'MD5'], ws: ['MD5'] } as const
    expect(offeredAlgorithms(per, 'TLS')).toEqual(['SHA-256', 'MD5'])
    expect(offeredAlgorithms(per, 'WSS')).toEqual(['MD5'])
    expect(offeredAlgorithms(per, 'UDP')).toEqual(['MD5'])
    expect(offeredAlgorithms([], 'TCP')).toEqual(['MD5'])
  })

  it('challenges once per algorithm, in the order given', () => {
    const values = challengeValues('b.example', 'n0nce', true, ['SHA-256', 'MD5'])
    const parsed = values.map((v) => parseAuthValue(v))
    expect(parsed.map((p) => (p.ok ? p.value.params.get('algorithm') : p.error))).toEqual(['SHA-256', 'MD5'])
    expect(parsed.every((p) => p.ok && p.value.params.get('stale') === 'true')).toBe(true)
  })
})
