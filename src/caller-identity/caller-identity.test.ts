import { createHmac, randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { testCallerNode } from '../testing/caller-node.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../tickets/key-ring.js'
import { VerifiedTickets } from '../tickets/verified-tickets.js'
import { mintTicket } from '../tickets/mint.js'
import {
  AssertionReplayCache,
  authorizeCall,
  checkCaller,
  ed25519PublicKeyOfPeer,
  ed25519Signer,
  parseIdentityHeader,
  PeerKeys,
  type CallerCredentials,
} from './index.js'

const T0 = Date.parse('2026-12-01T10:00:00Z')
const rand = (n: number) => new Uint8Array(randomBytes(n))
const CALLED = '+14085550123'

function edge(nowMs = T0, replayMax = 1000) {
  const keys = new TicketKeyRing(new MemoryTicketKeyStore(), rand)
  const replays = new AssertionReplayCache(replayMax, 70_000, () => clock.now)
  const clock = { now: nowMs }
  const peerKeys = new PeerKeys()
  const tickets = new VerifiedTickets(keys)
  return {
    keys,
    clock,
    replays,
    mint(peer: Uint8Array, calledNumber = CALLED) {
      return this.mintWithKey(peer, calledNumber).text
    },
    mintWithKey(peer: Uint8Array, calledNumber = CALLED) {
      const t = mintTicket({ calledNumber, callingDomain: 'a.example', callerPeer: peer }, keys, T0, rand)
      if (!t.ok) throw new Error(t.error)
      return t.value
    },
    async check(call: CallerCredentials) {
      const r = await checkCaller(call, {
        verifyTicket: (text, expected) => tickets.verify(text, expected, clock.now),
        peerKeys,
        replays,
        nowMs: clock.now,
      })
      return r.ok ? 'accepted' : `${r.error.code}: ${r.error.reason}`
    },
  }
}

function credentials(headers: [string, string][]): CallerCredentials {
  const get = (n: string) => headers.find(([name]) => name === n)?.[1]
  return { ticket: get('X-IME-Ticket'), identity: get('Identity'), calledNumber: CALLED }
}

describe('per-call caller identity', () => {
  it("signs with a libp2p node's own Ed25519 key, and reads that key back from its peer id", async () => {
    const key = await generateKeyPair('Ed25519')
    const peer = peerIdFromPrivateKey(key)
    const raw = ed25519PublicKeyOfPeer(peer.toMultihash().bytes)
    expect(raw.ok && Buffer.from(raw.value)).toEqual(Buffer.from(key.publicKey.raw))
    const data = new TextEncoder().encode('a call')
    expect(await key.publicKey.verify(data, ed25519Signer(key.raw)(data))).toBe(true)
    // A node whose id is not an Ed25519 key cannot have tickets checked this way, and is told so.
    expect(ed25519PublicKeyOfPeer(new Uint8Array(34)).ok).toBe(false)
  })

  it('accepts a call whose assertion the ticket holder signed, once, and says who is calling', async () => {
    const e = edge()
    const caller = testCallerNode()
    const headers = caller.headersFor(e.mint(caller.peer), CALLED, { nowMs: T0, caller: { tn: '14155550100' } })
    const identity = headers.find(([n]) => n === 'Identity')![1]
    expect(identity).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+;info=<urn:ime:peer:12D3Koo\w+>;alg=EdDSA;ppt=ime$/)
    const parsed = parseIdentityHeader(identity)
    expect(parsed.ok && parsed.value.claims.orig).toEqual({ tn: '14155550100' })
    expect(parsed.ok && parsed.value.claims.dest).toEqual({ tn: ['14085550123'] })
    expect(await e.check(credentials(headers))).toBe('accepted')
    expect(await e.check(credentials(headers))).toBe('assertion-replayed: caller assertion already used for a call')
  })

  it('refuses, in order, each way a call can fail to prove who it is', async () => {
    const e = edge()
    const caller = testCallerNode()
    const thief = testCallerNode()
    const ticket = e.mint(caller.peer)
    const good = () => credentials(caller.headersFor(ticket, CALLED, { nowMs: T0 }))
    expect(await e.check({ ...good(), ticket: undefined })).toBe('missing: ticket missing')
    expect(await e.check({ ...good(), identity: undefined })).toBe('assertion-missing: caller assertion missing')
    expect(await e.check({ ...good(), identity: 'abc.def' })).toMatch(
      /^assertion-malformed: caller assertion malformed/,
    )
    // Someone else holding the ticket (a leaked browser profile, a former user) signs with another key.
    expect(await e.check(credentials(thief.headersFor(ticket, CALLED, { nowMs: T0 })))).toBe(
      'assertion-wrong-signer: caller assertion not signed by the node the ticket was issued to',
    )
    // The holder's assertion made for its other ticket (to another number of this domain) beside this one.
    const other = credentials(caller.headersFor(e.mint(caller.peer), CALLED, { nowMs: T0 }))
    expect(await e.check({ ...good(), identity: other.identity })).toBe(
      'assertion-wrong-ticket: caller assertion was made for another ticket',
    )
    expect(await e.check(credentials(caller.headersFor(ticket, CALLED, { nowMs: T0 - 71_000 })))).toMatch(
      /^assertion-stale: caller assertion issued at 2026-12-01T09:58:49.000Z, not within 60 s of now/,
    )
    expect(await e.check(credentials(caller.headersFor(ticket, CALLED, { nowMs: T0 + 11_000 })))).toMatch(
      /^assertion-stale/,
    )
    // Within the allowed skew: accepted.
    expect(await e.check(credentials(caller.headersFor(ticket, CALLED, { nowMs: T0 - 65_000 })))).toBe('accepted')
    expect(await e.check(credentials(caller.headersFor(ticket, CALLED, { nowMs: T0 + 9_000 })))).toBe('accepted')
    // A forged signature over changed claims (another number), the rest kept.
    const g = good()
    const [h, , s] = g.identity!.split(';')[0]!.split('.')
    const claims = JSON.parse(Buffer.from(g.identity!.split('.')[1]!, 'base64url').toString())
    claims.dest.tn = ['14085550124']
    const altered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`
    expect(await e.check({ ...g, identity: altered })).toMatch(/^assertion-wrong-signer/)
    // Signed properly, but for another number than the one called (the ticket is for this one).
    const forOther = authorizeCall({ ticket, calledNumber: '+14085550124', caller: { tn: '1415' } }, caller.signer, T0)
    expect(forOther.ok).toBe(true)
    if (forOther.ok) {
      expect(await e.check(credentials(forOther.value.headers.map(([n, v]) => [n, v])))).toBe(
        'assertion-wrong-number: caller assertion is for another number (+14085550124)',
      )
    }
  })

  it('keeps each assertion as long as it could be accepted, and refuses calls rather than forget one when full', async () => {
    const e = edge(T0, 3)
    const caller = testCallerNode()
    const ticket = e.mint(caller.peer)
    const calls = Array.from({ length: 4 }, () => credentials(caller.headersFor(ticket, CALLED, { nowMs: T0 })))
    for (const c of calls.slice(0, 3)) expect(await e.check(c)).toBe('accepted')
    expect(await e.check(calls[3]!)).toBe('busy: too many calls being checked; try again shortly')
    expect(await e.check(calls[0]!)).toMatch(/^assertion-replayed/)
    // Once the first three could no longer be accepted anyway, they make room.
    e.clock.now = T0 + 70_001
    expect(await e.check(credentials(caller.headersFor(ticket, CALLED, { nowMs: e.clock.now })))).toBe('accepted')
  })

  it('refuses a ticket minted before tickets named the caller, with a reason that says what happens next', async () => {
    const e = edge()
    const caller = testCallerNode()
    const bytes = Buffer.from(e.mint(caller.peer), 'base64url')
    bytes[0] = 1
    const old = bytes.toString('base64url')
    expect(
      await e.check({ ...credentials(caller.headersFor(e.mint(caller.peer), CALLED, { nowMs: T0 })), ticket: old }),
    ).toBe(
      'outdated: ticket format 1 is no longer accepted (tickets now name the calling node): the route must be validated again',
    )
    const auth = authorizeCall({ ticket: old, calledNumber: CALLED, caller: { tn: '1415' } }, caller.signer, T0)
    expect(auth.ok ? '' : auth.error).toMatch(/being validated again/)
  })

  describe('with the call key the claimer granted beside the ticket (HS256)', () => {
    it("accepts a call whose assertion carries the MAC under the ticket's call key, once", async () => {
      const e = edge()
      const caller = testCallerNode()
      const { text, callKey } = e.mintWithKey(caller.peer)
      expect(callKey).toHaveLength(32)
      const headers = caller.headersFor(text, CALLED, { nowMs: T0, callKey })
      const identity = headers.find(([n]) => n === 'Identity')![1]
      expect(identity).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+;info=<urn:ime:peer:12D3Koo\w+>;alg=HS256;ppt=ime$/)
      const header = JSON.parse(Buffer.from(identity.split('.')[0]!, 'base64url').toString())
      expect(header).toEqual({ alg: 'HS256', ppt: 'ime', typ: 'passport' })
      expect(await e.check(credentials(headers))).toBe('accepted')
      expect(await e.check(credentials(headers))).toMatch(/^assertion-replayed/)
    })

    it("refuses a MAC made without the call key: another ticket's key, a guessed key, altered claims", async () => {
      const e = edge()
      const caller = testCallerNode()
      const { text, callKey } = e.mintWithKey(caller.peer)
      const wrong = 'assertion-wrong-signer: caller assertion not made with the call key of the ticket beside it'
      // The holder's key for its other ticket to the same number: keys are per ticket.
      const otherKey = e.mintWithKey(caller.peer).callKey
      expect(await e.check(credentials(caller.headersFor(text, CALLED, { nowMs: T0, callKey: otherKey })))).toBe(wrong)
      // Someone holding only the ticket (a user's leaked copy) cannot derive the key.
      expect(await e.check(credentials(caller.headersFor(text, CALLED, { nowMs: T0, callKey: rand(32) })))).toBe(wrong)
      const g = credentials(caller.headersFor(text, CALLED, { nowMs: T0, callKey }))
      const [h, c, s] = g.identity!.split(';')[0]!.split('.')
      const claims = JSON.parse(Buffer.from(c!, 'base64url').toString())
      claims.orig = { tn: '14155559999' }
      const altered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`
      expect(await e.check({ ...g, identity: altered })).toBe(wrong)
      // An HS256 header with a signature of the EdDSA length is malformed, said as such.
      const long = `${h}.${c}.${Buffer.alloc(64).toString('base64url')}`
      expect(await e.check({ ...g, identity: long })).toBe(
        'assertion-malformed: caller assertion malformed: an HS256 signature has 32 bytes; got 64',
      )
      expect(await e.check(g)).toBe('accepted')
    })

    it("derives the key from the ticket alone, so the edge keeps nothing per route, and stops with the key's epoch", async () => {
      const e = edge()
      const caller = testCallerNode()
      const { text, callKey } = e.mintWithKey(caller.peer)
      const verified = new VerifiedTickets(e.keys).verify(text, { calledNumber: CALLED }, T0)
      expect(verified.ok && Buffer.from(verified.value.callKey)).toEqual(Buffer.from(callKey))
      // A ticket key rotated and past its grace: the ticket is refused before any assertion is looked at.
      e.keys.rotate(T0)
      e.clock.now = T0 + 25 * 3600_000
      expect(await e.check(credentials(caller.headersFor(text, CALLED, { nowMs: e.clock.now, callKey })))).toMatch(
        /^unknown-epoch: ticket key epoch 1 retired/,
      )
    })

    it('accepts a protected header written by another implementation (other key order, spaces)', async () => {
      const e = edge()
      const caller = testCallerNode()
      const { text, callKey } = e.mintWithKey(caller.peer)
      const g = credentials(caller.headersFor(text, CALLED, { nowMs: T0, callKey }))
      const [, c] = g.identity!.split(';')[0]!.split('.')
      const h = Buffer.from('{ "typ": "passport", "ppt": "ime", "alg": "HS256" }').toString('base64url')
      const mac = createHmac('sha256', callKey).update(`${h}.${c}`).digest('base64url')
      expect(await e.check({ ...g, identity: `${h}.${c}.${mac};alg=HS256;ppt=ime` })).toBe('accepted')
      const none = Buffer.from('{"alg":"none","ppt":"ime"}').toString('base64url')
      expect(await e.check({ ...g, identity: `${none}.${c}.${mac}` })).toBe(
        'assertion-malformed: caller assertion malformed: PASSporT algorithm "none" is neither EdDSA nor HS256',
      )
    })
  })
})
