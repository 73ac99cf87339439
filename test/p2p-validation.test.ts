import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import { selfNodeRef } from '../src/p2p/chord-transport.js'
import { createImeLibp2p, type ImeLibp2p } from '../src/p2p/libp2p-node.js'
import { ValidationProtocol, type ClaimedCall } from '../src/p2p/validation-protocol.js'
import { AttemptCaps, MemoryAttemptCapStore } from '../src/validation/attempt-caps.js'
import type { CallDetails } from '../src/validation/call-secret.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../src/tickets/key-ring.js'
import { mintTicket, verifyTicket } from '../src/tickets/mint.js'

const rand = (n: number) => new Uint8Array(randomBytes(n))
const numberKey = rand(16)
const record: ClaimedCall = {
  id: 'in-1',
  caller: '+12015550100' as E164,
  called: '+12025550102' as E164,
  start: Date.parse('2026-11-25T10:00:03.250Z'),
  end: Date.parse('2026-11-25T10:04:41.900Z'),
}
// The originator's record of the same call: its clock and the PSTN's setup delay differ by under 2 s.
const originatorCall: CallDetails = { ...record, start: record.start + 1400, end: record.end - 1700 }

const nodes: ImeLibp2p[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

const keyRing = new TicketKeyRing(new MemoryTicketKeyStore(), rand)
const blocked = new Set(['spammer.example'])

async function pair(caps = new AttemptCaps()) {
  const clock = new ManualClock(record.end + 60_000)
  const proven: string[] = []
  const [a, b] = await Promise.all(
    [1, 2].map(async () => createImeLibp2p({ privateKey: await generateKeyPair('Ed25519') })),
  )
  nodes.push(a!, b!)
  const originator = new ValidationProtocol(a!, {
    findRecord: () => undefined,
    caps: new AttemptCaps(),
    clock,
    randomBytes: rand,
  })
  const claimer = new ValidationProtocol(b!, {
    findRecord: (key, hour) =>
      Buffer.from(key).equals(Buffer.from(numberKey)) && hour === Math.floor(record.start / 3600_000)
        ? record
        : undefined,
    caps,
    clock,
    randomBytes: rand,
    onProven: (peer) => proven.push(peer),
    grantRoute: (_peer, call, domain) => {
      if (blocked.has(domain)) return { ok: false, error: `domain ${domain} is blocked` }
      const minted = mintTicket({ calledNumber: call.called, callingDomain: domain }, keyRing, clock.now(), rand)
      if (!minted.ok) return minted
      return {
        ok: true,
        value: {
          domain: 'bravo.example',
          sipUri: `sip:${call.called}@bravo.example;transport=ws`,
          ticket: minted.value.text,
          expiresAt: minted.value.expiresAt * 1000,
        },
      }
    },
  })
  await claimer.serve()
  return { originator, claimerRef: selfNodeRef(b!), proven, a: a! }
}

describe('validation protocol over libp2p', () => {
  it('proves knowledge of the call both ways between two real nodes', async () => {
    const { originator, claimerRef, proven, a } = await pair()
    const result = await originator.prove(claimerRef, originatorCall, numberKey)
    expect(result.ok ? 'proven' : result.error).toBe('proven')
    expect(result.ok && result.value.sessionKey.length).toBe(32)
    expect(proven).toEqual([a.peerId.toString()])
  })

  it("after a proof, grants a route with a ticket that the claimer's gate accepts, and refuses blocked domains", async () => {
    const { originator, claimerRef } = await pair()
    const result = await originator.prove(claimerRef, originatorCall, numberKey, 'alpha.example')
    expect(result.ok ? 'proven' : result.error).toBe('proven')
    if (!result.ok) return
    expect(result.value.route?.sipUri).toBe('sip:+12025550102@bravo.example;transport=ws')
    const checked = verifyTicket(
      result.value.route!.ticket,
      { calledNumber: '+12025550102', callingDomain: 'alpha.example' },
      keyRing,
      record.end + 120_000,
    )
    expect(checked.ok).toBe(true)
    const refused = await originator.prove(claimerRef, originatorCall, numberKey, 'spammer.example')
    expect(refused.ok ? 'granted' : refused.error).toBe(
      'the claimer granted no route: domain spammer.example is blocked',
    )
  })

  it('fails for a wrong caller, and spends the call record after three failures', async () => {
    const { originator, claimerRef, proven } = await pair()
    const impostor = { ...originatorCall, caller: '+12015550177' as E164 }
    for (let i = 0; i < 3; i++) {
      const r = await originator.prove(claimerRef, impostor, numberKey)
      expect(r.ok ? 'proven' : r.error).toMatch(/could not prove it took part in the call/)
    }
    // The record is spent: even the true details no longer prove anything.
    const late = await originator.prove(claimerRef, originatorCall, numberKey)
    expect(late.ok ? 'proven' : late.error).toMatch(/could not prove/)
    expect(proven).toEqual([])
  })

  it('caps the runs one peer may start per hour', async () => {
    const { originator, claimerRef } = await pair(
      new AttemptCaps(new MemoryAttemptCapStore(), { perPeerPerHour: 2, failuresPerRecord: 3 }),
    )
    expect((await originator.prove(claimerRef, originatorCall, numberKey)).ok).toBe(true)
    expect((await originator.prove(claimerRef, originatorCall, numberKey)).ok).toBe(true)
    const third = await originator.prove(claimerRef, originatorCall, numberKey)
    expect(third.ok ? 'proven' : third.error).toBe(
      'the claimer refused: too many proof attempts from this peer (2 per hour)',
    )
  })
})
