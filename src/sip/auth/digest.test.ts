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

describe('digest answers are good once', () => {
  it('counts each nonce up, takes an answer without qop once, and never re-opens a forgotten nonce', async () => {
    const { NonceUses } = await import('./nonce-uses.js')
    let now = 0
    const uses = new NonceUses(2, 300_000, () => now)
    expect(uses.use('n1', 0, 1)).toBe('accepted')
    expect(uses.use('n1', 0, 1)).toBe('replayed')
    expect(uses.use('n1', 0, 2)).toBe('accepted')
    expect(uses.use('n2', 10, undefined)).toBe('accepted')
    expect(uses.use('n2', 10, undefined)).toBe('replayed')
    // A third nonce pushes out the least recently used (n1, issued at 0): n1 comes back as stale, not as new.
    expect(uses.use('n3', 20, 1)).toBe('accepted')
    expect(uses.use('n1', 0, 3)).toBe('stale')
    // Entries expire with their nonce's lifetime (the nonce itself is then refused as stale before this check):
    // expired ones make room without raising the floor.
    now = 300_021
    expect(uses.use('n4', 300_000, 1)).toBe('accepted')
    expect(uses.use('n5', 300_001, 1)).toBe('accepted')
    expect(uses.use('n4', 300_000, 2)).toBe('accepted')
  })

  it("compares the digest uri with the Request-URI as SIP URIs: scheme, user, host's case, port", async () => {
    const { digestUriMatches } = await import('./digest.js')
    expect(digestUriMatches('sip:a.example', 'sip:a.example')).toBe(true)
    expect(digestUriMatches('sip:A.Example', 'sip:a.example')).toBe(true)
    expect(digestUriMatches('sip:+1201@a.example;transport=tcp', 'sip:+1201@a.example')).toBe(true)
    expect(digestUriMatches('sip:+1202@a.example', 'sip:+1201@a.example')).toBe(false)
    expect(digestUriMatches('sip:a.example:5070', 'sip:a.example')).toBe(false)
    expect(digestUriMatches('sips:a.example', 'sip:a.example')).toBe(false)
    expect(digestUriMatches('not a uri', 'sip:a.example')).toBe(false)
  })
})

describe('nonces', () => {
  it('differ for two challenges of the same millisecond (each answer is good once), and check as ours', async () => {
    const { NonceSource } = await import('./digest.js')
    const source = new NonceSource(new Uint8Array(32).fill(7), 'a.example')
    const [n1, n2] = [source.issue(1_000), source.issue(1_000)]
    expect(n1).not.toBe(n2)
    expect([source.check(n1, 1_000), source.check(n2, 2_000)]).toEqual(['fresh', 'fresh'])
    expect(source.issuedAt(n1)).toBe(1_000)
    expect(new NonceSource(new Uint8Array(32).fill(8), 'a.example').check(n1, 1_000)).toBe('invalid')
  })
})
