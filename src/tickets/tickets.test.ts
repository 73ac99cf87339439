import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_TICKET_TEXT_LENGTH } from './constants.js'
import { MemoryTicketKeyStore, TicketKeyRing } from './key-ring.js'
import { mintTicket, verifyTicket } from './mint.js'
import { parseTicket } from './ticket.js'
import { VerifiedTickets } from './verified-tickets.js'

const T0 = Date.parse('2026-11-25T10:00:00Z')
const HOUR = 3600_000
const rand = (n: number) => new Uint8Array(randomBytes(n))
const PEER = Uint8Array.from({ length: 38 }, (_, i) => i)
const expected = { calledNumber: '+14085550123', callingDomain: 'a.example', callerPeer: PEER }

function ring(grace = 3600) {
  return new TicketKeyRing(new MemoryTicketKeyStore(), rand, grace)
}

function mint(keys: TicketKeyRing, now = T0, validity = 3600, req = expected) {
  const minted = mintTicket({ ...req, validitySeconds: validity }, keys, now, rand)
  if (!minted.ok) throw new Error(minted.error)
  return minted.value
}

function rejection(result: ReturnType<typeof verifyTicket>) {
  return result.ok ? 'accepted' : `${result.error.code}: ${result.error.reason}`
}

describe('tickets', () => {
  it('verifies a ticket it minted, and the claims read back', () => {
    const keys = ring()
    const t = mint(keys)
    const result = verifyTicket(t.text, expected, keys, T0 + 1000)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.calledNumber).toBe('+14085550123')
    expect(result.value.callingDomain).toBe('a.example')
    expect(Buffer.from(result.value.callerPeer)).toEqual(Buffer.from(PEER))
    expect(result.value.epoch).toBe(1)
    expect(result.value.expiresAt).toBe(T0 / 1000 + 3600)
    expect(t.text.length).toBeLessThan(132)
  })

  it('refuses each kind of bad ticket with a reason that says why', () => {
    const keys = ring()
    const t = mint(keys)
    const bytes = Buffer.from(t.text, 'base64url')
    const flipped = Buffer.from(bytes)
    flipped[12]! ^= 1 // inside the ticket id: format still fine, MAC no longer matches
    const otherKeys = ring()
    otherKeys.active(T0) // epoch 1 too, but another secret
    expect(rejection(verifyTicket(undefined, expected, keys, T0))).toBe('missing: ticket missing')
    expect(rejection(verifyTicket('  ', expected, keys, T0))).toMatch(/^missing/)
    expect(rejection(verifyTicket('not base64!', expected, keys, T0))).toMatch(/^malformed: .*not base64url/)
    expect(rejection(verifyTicket(t.text.slice(0, 20), expected, keys, T0))).toMatch(/^malformed/)
    expect(rejection(verifyTicket(flipped.toString('base64url'), expected, keys, T0))).toBe(
      'bad-signature: ticket signature invalid',
    )
    expect(rejection(verifyTicket(t.text, expected, otherKeys, T0))).toBe('bad-signature: ticket signature invalid')
    expect(rejection(verifyTicket(t.text, expected, keys, T0 + 2 * HOUR))).toBe(
      'expired: ticket expired at 2026-11-25T11:00:00.000Z',
    )
    expect(rejection(verifyTicket(t.text, { ...expected, calledNumber: '+14085550124' }, keys, T0))).toMatch(
      /^wrong-number/,
    )
    const v1 = Buffer.from(t.text, 'base64url')
    v1[0] = 1
    expect(rejection(verifyTicket(v1.toString('base64url'), expected, keys, T0))).toMatch(
      /^outdated: ticket format 1 is no longer accepted/,
    )
  })

  it('refuses a ticket from an unknown epoch before checking anything else', () => {
    const keys = ring()
    const bytes = Buffer.from(mint(keys).text, 'base64url')
    bytes[1] = 9
    expect(rejection(verifyTicket(bytes.toString('base64url'), expected, keys, T0))).toBe(
      'unknown-epoch: ticket key epoch 9 is unknown here',
    )
  })

  it('rotates keys: the previous epoch verifies during the grace period, then is refused', () => {
    const keys = ring(3600)
    const old = mint(keys, T0, 24 * 3600)
    const rotated = keys.rotate(T0 + HOUR)
    expect(rotated.ok && rotated.value.epoch).toBe(2)
    const fresh = mint(keys, T0 + HOUR, 24 * 3600)
    expect(fresh.epoch).toBe(2)
    expect(verifyTicket(old.text, expected, keys, T0 + HOUR + 1000).ok).toBe(true)
    expect(verifyTicket(fresh.text, expected, keys, T0 + HOUR + 1000).ok).toBe(true)
    expect(rejection(verifyTicket(old.text, expected, keys, T0 + 2 * HOUR + 1000))).toMatch(
      /^unknown-epoch: .*key epoch 1 retired at 2026-11-25T11:00:00.000Z and its grace period ended/,
    )
    expect(verifyTicket(fresh.text, expected, keys, T0 + 2 * HOUR + 1000).ok).toBe(true)
  })

  it('keeps keys in its store, so a restarted node still verifies its tickets', () => {
    const store = new MemoryTicketKeyStore()
    const t = mint(new TicketKeyRing(store, rand))
    expect(verifyTicket(t.text, expected, new TicketKeyRing(store, rand), T0).ok).toBe(true)
  })

  it('wraps epochs after 255 and never reuses one still in its grace period', () => {
    const keys = ring(3600)
    let now = T0
    for (let i = 0; i < 254; i++) {
      now += 2 * HOUR
      expect(keys.rotate(now).ok).toBe(true)
    }
    expect(keys.active(now).epoch).toBe(255)
    now += 2 * HOUR
    const wrapped = keys.rotate(now)
    expect(wrapped.ok && wrapped.value.epoch).toBe(1)
    const crowded = ring(10 * 365 * 24 * 3600)
    for (let i = 0; i < 254; i++) expect(crowded.rotate(T0 + i).ok).toBe(true)
    const full = crowded.rotate(T0 + 1000)
    expect(full.ok ? 'rotated' : full.error).toMatch(/all 255 key epochs/)
  })

  it('refuses to mint for a number or domain that is not one', () => {
    const keys = ring()
    const bad = mintTicket({ ...expected, calledNumber: '4085550123' }, keys, T0, rand)
    expect(bad.ok ? '' : bad.error).toMatch(/not E.164/)
    const badDomain = mintTicket({ ...expected, callingDomain: 'a..example' }, keys, T0, rand)
    expect(badDomain.ok ? '' : badDomain.error).toMatch(/not a domain name/)
  })

  it('round-trips any valid claims, and parses arbitrary text to a value or an error, never throwing', () => {
    const keys = ring()
    fc.assert(
      fc.property(fc.stringMatching(/^\+[1-9][0-9]{0,14}$/), fc.domain(), (calledNumber, callingDomain) => {
        const t = mintTicket({ calledNumber, callingDomain, callerPeer: PEER }, keys, T0, rand)
        expect(t.ok).toBe(true)
        if (!t.ok) return
        const back = verifyTicket(t.value.text, { calledNumber }, keys, T0)
        expect(rejection(back)).toBe('accepted')
      }),
      { numRuns: 300 },
    )
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.base64String(),
          fc.uint8Array().map((b) => Buffer.from(b).toString('base64url')),
        ),
        (text) => {
          const parsed = parseTicket(text)
          expect(typeof parsed.ok).toBe('boolean')
          if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0)
        },
      ),
      { numRuns: 2000 },
    )
    expect(parseTicket('A'.repeat(MAX_TICKET_TEXT_LENGTH + 1)).ok).toBe(false)
  })

  it('refuses a ticket text that is not canonical base64url (found by fuzzing)', () => {
    const keys = ring()
    // 19 + 1 + 1 + 1 + 1 + 1 + 16 = 40 bytes: the last base64url character carries 4 unused bits.
    const one = Uint8Array.of(7)
    const t = mint(keys, T0, 3600, { calledNumber: '+1', callingDomain: 'x', callerPeer: one })
    expect(verifyTicket(t.text, { calledNumber: '+1' }, keys, T0).ok).toBe(true)
    const last = t.text.at(-1)!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sibling = t.text.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]!
    // 42 bytes: 56 characters, and a 57th is ignored by the decoder.
    const u = mint(keys, T0, 3600, { calledNumber: '+1', callingDomain: 'xyz', callerPeer: one })
    const cases = [
      { text: sibling, minted: t.text, expected: { calledNumber: '+1' } },
      { text: u.text + 'A', minted: u.text, expected: { calledNumber: '+1' } },
    ]
    for (const c of cases) {
      expect(Buffer.from(c.text, 'base64url')).toEqual(Buffer.from(c.minted, 'base64url'))
      expect(rejection(verifyTicket(c.text, c.expected, keys, T0))).toBe(
        'malformed: ticket malformed: not canonical base64url',
      )
    }
  })
})

describe('verified tickets (the edge remembers a route ticket it has checked)', () => {
  const say = (r: { ok: true } | { ok: false; error: { code: string; reason: string } }) =>
    r.ok ? 'accepted' : `${r.error.code}: ${r.error.reason}`

  it('remembers a good ticket with its call key, and still checks time, number and key epoch on every use', () => {
    const keys = ring()
    const t = mint(keys)
    const tickets = new VerifiedTickets(keys)
    const first = tickets.verify(t.text, expected, T0 + 1000)
    expect(first.ok && Buffer.from(first.value.callKey)).toEqual(Buffer.from(t.callKey))
    expect(tickets.size).toBe(1)
    expect(say(tickets.verify(t.text, expected, T0 + 2000))).toBe('accepted')
    expect(say(tickets.verify(t.text, { calledNumber: '+14085550124' }, T0 + 2000))).toBe(
      'wrong-number: ticket is for another number (+14085550123)',
    )
    expect(say(tickets.verify(t.text, expected, T0 + HOUR))).toBe('expired: ticket expired at 2026-11-25T11:00:00.000Z')
    // Its key rotated out and past its grace: refused at once, as from its text, and forgotten.
    const long = mint(keys, T0, 24 * 3600)
    expect(say(tickets.verify(long.text, expected, T0))).toBe('accepted')
    keys.rotate(T0 + 1000)
    expect(say(tickets.verify(long.text, expected, T0 + 2 * HOUR))).toBe(
      say(verifyTicket(long.text, expected, keys, T0 + 2 * HOUR)),
    )
    expect(say(tickets.verify(long.text, expected, T0 + 2 * HOUR))).toMatch(/^unknown-epoch: .*grace period ended/)
  })

  it('never remembers a ticket that failed: forged tickets cannot fill it', () => {
    const keys = ring()
    const tickets = new VerifiedTickets(keys, 4)
    for (let i = 0; i < 100; i++) {
      const bytes = Buffer.from(mint(keys).text, 'base64url')
      bytes[bytes.length - 1]! ^= 1
      expect(say(tickets.verify(bytes.toString('base64url'), expected, T0))).toBe(
        'bad-signature: ticket signature invalid',
      )
    }
    expect(tickets.size).toBe(0)
    expect(say(tickets.verify(undefined, expected, T0))).toBe('missing: ticket missing')
  })
})
