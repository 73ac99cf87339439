import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import { selfNodeRef } from '../src/p2p/chord-transport.js'
import { createImeLibp2p, type ImeLibp2p } from '../src/p2p/libp2p-node.js'
import * as pb from '../src/p2p/pb/validation.js'
import {
  VALIDATION_PROTOCOL,
  ValidationProtocol,
  type ClaimedCall,
  type RecordQuery,
} from '../src/p2p/validation-protocol.js'
import { AttemptCaps, MemoryAttemptCapStore } from '../src/validation/attempt-caps.js'
import { callerHintFor, type CallDetails } from '../src/validation/call-secret.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../src/tickets/key-ring.js'
import { VerifiedTickets } from '../src/tickets/verified-tickets.js'
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

/** Another node that can run proofs as originator. */
async function another(options: { timeoutMs?: number } = {}) {
  const node = await createImeLibp2p({ privateKey: await generateKeyPair('Ed25519') })
  nodes.push(node)
  return new ValidationProtocol(node, {
    findRecord: () => undefined,
    caps: new AttemptCaps(),
    clock: new ManualClock(record.end + 60_000),
    randomBytes: rand,
    ...options,
  })
}

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
    findRecord: ({ numberKey: key, hourHint: hour }) =>
      Buffer.from(key).equals(Buffer.from(numberKey)) && hour === Math.floor(record.start / 3600_000)
        ? record
        : undefined,
    caps,
    clock,
    randomBytes: rand,
    onProven: (peer) => proven.push(peer),
    grantRoute: (peer, call, domain) => {
      if (blocked.has(domain)) return { ok: false, error: `domain ${domain} is blocked` }
      const callerPeer = peerIdFromString(peer).toMultihash().bytes
      const minted = mintTicket(
        { calledNumber: call.called, callingDomain: domain, callerPeer },
        keyRing,
        clock.now(),
        rand,
      )
      if (!minted.ok) return minted
      return {
        ok: true,
        value: {
          domain: 'bravo.example',
          sipUri: `sip:${call.called}@bravo.example;transport=ws`,
          ticket: minted.value.text,
          expiresAt: minted.value.expiresAt * 1000,
          callKey: minted.value.callKey,
        },
      }
    },
  })
  await claimer.serve()
  return { originator, claimerRef: selfNodeRef(b!), proven, a: a!, b: b! }
}

describe('validation protocol over libp2p', () => {
  it("carries the caller hint and the originator's clock: the claimer sees both, and expects an uncalibrated peer at the clocks' difference", async () => {
    const [a, b] = await Promise.all(
      [1, 2].map(async () => createImeLibp2p({ privateKey: await generateKeyPair('Ed25519') })),
    )
    nodes.push(a!, b!)
    const now = record.end + 60_000
    const originator = new ValidationProtocol(a!, {
      findRecord: () => undefined,
      caps: new AttemptCaps(),
      clock: new ManualClock(now),
      randomBytes: rand,
    })
    const queries: RecordQuery[] = []
    // The claimer's clock is 1.5 s ahead of the originator's.
    const claimer = new ValidationProtocol(b!, {
      findRecord: (query) => {
        queries.push(query)
        return record
      },
      caps: new AttemptCaps(),
      clock: new ManualClock(now + 1_500),
      randomBytes: rand,
    })
    await claimer.serve()
    const result = await originator.prove(selfNodeRef(b!), originatorCall, numberKey)
    expect(result.ok ? 'proven' : result.error).toBe('proven')
    expect(queries).toHaveLength(1)
    expect(queries[0]!.callerHint).toBe(callerHintFor(record.caller))
    expect(queries[0]!.expectedOffset).toEqual({ start: 1_500, end: 1_500 })
  })

  it('proves knowledge of the call both ways between two real nodes', async () => {
    const { originator, claimerRef, proven, a } = await pair()
    const result = await originator.prove(claimerRef, originatorCall, numberKey)
    expect(result.ok ? 'proven' : result.error).toBe('proven')
    expect(result.ok && result.value.sessionKey.length).toBe(32)
    expect(proven).toEqual([a.peerId.toString()])
  })

  it("after a proof, grants a route with a ticket that the claimer's gate accepts, and refuses blocked domains", async () => {
    const { originator, claimerRef, a } = await pair()
    const result = await originator.prove(claimerRef, originatorCall, numberKey, 'alpha.example')
    expect(result.ok ? 'proven' : result.error).toBe('proven')
    if (!result.ok) return
    expect(result.value.route?.sipUri).toBe('sip:+12025550102@bravo.example;transport=ws')
    const checked = verifyTicket(
      result.value.route!.ticket,
      { calledNumber: '+12025550102' },
      keyRing,
      record.end + 120_000,
    )
    expect(checked.ok).toBe(true)
    // Bound to the originator's peer id, which Noise authenticated on the very stream of the proof.
    expect(checked.ok && Buffer.from(checked.value.callerPeer)).toEqual(Buffer.from(a.peerId.toMultihash().bytes))
    // The ticket's call key came sealed beside it: the one the claimer's edge derives to check each call's MAC.
    const derived = new VerifiedTickets(keyRing).verify(
      result.value.route!.ticket,
      { calledNumber: '+12025550102' },
      record.end + 120_000,
    )
    expect(result.value.route!.callKey).toHaveLength(32)
    expect(derived.ok && Buffer.from(derived.value.callKey)).toEqual(Buffer.from(result.value.route!.callKey!))
    const refused = await originator.prove(claimerRef, originatorCall, numberKey, 'spammer.example')
    expect(refused.ok ? 'granted' : refused.error).toEqual({
      kind: 'refused',
      reason: 'the claimer granted no route: domain spammer.example is blocked',
    })
  })

  it('fails for a wrong caller, and spends the call record for that peer after three failures', async () => {
    const { originator, claimerRef, proven } = await pair()
    const impostor = { ...originatorCall, caller: '+12015550177' as E164 }
    for (let i = 0; i < 3; i++) {
      const r = await originator.prove(claimerRef, impostor, numberKey)
      expect(r.ok ? 'proven' : r.error).toEqual({
        kind: 'not-proven',
        reason: 'the claimer could not prove it took part in the call',
      })
    }
    // The record is spent for this peer: even the true details no longer prove anything.
    const late = await originator.prove(claimerRef, originatorCall, numberKey)
    expect(late.ok ? 'proven' : late.error).toMatchObject({ kind: 'not-proven', reason: /could not prove/ })
    expect(proven).toEqual([])
  })

  it("counts failures per record and peer: one stranger cannot spend another peer's record alone", async () => {
    const caps = new AttemptCaps(new MemoryAttemptCapStore(), {
      perPeerPerHour: 20,
      failuresPerPeerPerHour: 20,
      failuresPerRecordAndPeer: 2,
      failuresPerRecord: 3,
    })
    const { originator, claimerRef, proven } = await pair(caps)
    const stranger = await another()
    const impostor = { ...originatorCall, caller: '+12015550177' as E164 }
    for (let i = 0; i < 2; i++) {
      expect((await stranger.prove(claimerRef, impostor, numberKey)).ok).toBe(false)
    }
    // Spent for the stranger (even with the true details), not for the originator.
    expect((await stranger.prove(claimerRef, originatorCall, numberKey)).ok).toBe(false)
    expect((await originator.prove(claimerRef, originatorCall, numberKey)).ok).toBe(true)
    // One more failure, from a second stranger, reaches the record's total: spent for everyone.
    const second = await another()
    expect((await second.prove(claimerRef, impostor, numberKey)).ok).toBe(false)
    const late = await originator.prove(claimerRef, originatorCall, numberKey)
    expect(late.ok ? 'proven' : late.error).toMatchObject({ kind: 'not-proven' })
    expect(proven).toHaveLength(1)
  })

  it("caps a peer's FAILED runs per hour: a busy honest originator is never refused, a guesser is", async () => {
    const { originator, claimerRef } = await pair(
      new AttemptCaps(new MemoryAttemptCapStore(), {
        perPeerPerHour: 1000,
        failuresPerPeerPerHour: 2,
        failuresPerRecordAndPeer: 3,
        failuresPerRecord: 10,
      }),
    )
    for (let i = 0; i < 6; i++) expect((await originator.prove(claimerRef, originatorCall, numberKey)).ok).toBe(true)
    const stranger = await another()
    const guess = { ...originatorCall, caller: '+12015550177' as E164 }
    for (let i = 0; i < 2; i++) {
      const failed = await stranger.prove(claimerRef, guess, numberKey)
      expect(failed.ok ? 'proven' : failed.error.kind).toBe('not-proven')
    }
    const refused = await stranger.prove(claimerRef, originatorCall, numberKey)
    expect(refused.ok ? 'proven' : refused.error).toEqual({
      kind: 'refused',
      reason: 'the claimer refused: too many failed proof attempts from this peer (2 per hour)',
    })
    expect((await originator.prove(claimerRef, originatorCall, numberKey)).ok).toBe(true)
  })

  it('caps the runs one peer may start per hour', async () => {
    const { originator, claimerRef, a, b } = await pair(
      new AttemptCaps(new MemoryAttemptCapStore(), {
        perPeerPerHour: 2,
        failuresPerPeerPerHour: 20,
        failuresPerRecordAndPeer: 3,
        failuresPerRecord: 10,
      }),
    )
    expect((await originator.prove(claimerRef, originatorCall, numberKey)).ok).toBe(true)
    expect((await originator.prove(claimerRef, originatorCall, numberKey)).ok).toBe(true)
    for (let i = 0; i < 3; i++) {
      const refused = await originator.prove(claimerRef, originatorCall, numberKey)
      expect(refused.ok ? 'proven' : refused.error).toEqual({
        kind: 'refused',
        reason: 'the claimer refused: too many proof attempts from this peer (2 per hour)',
      })
    }
    // A refused run closes its stream at both ends (left open, each would stay for the connection's life and
    // count against the claimer's inbound stream limit).
    const open = () =>
      [a, b].flatMap((n) =>
        n.getConnections().flatMap((c) => c.streams.filter((st) => st.protocol === VALIDATION_PROTOCOL)),
      )
    const until = Date.now() + 2_000
    while (open().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    expect(open()).toHaveLength(0)
  })
})

describe('why a run failed', () => {
  it('a claimer that cannot be reached: unreachable', async () => {
    const originator = await another()
    const gone = await createImeLibp2p({ privateKey: await generateKeyPair('Ed25519') })
    const ref = selfNodeRef(gone)
    await gone.stop()
    const r = await originator.prove(ref, originatorCall, numberKey)
    expect(r.ok ? 'proven' : r.error).toMatchObject({ kind: 'unreachable', reason: /could not reach/ })
  })

  it('a claimer that never answers: timeout', async () => {
    const originator = await another({ timeoutMs: 1000 })
    const silent = await createImeLibp2p({ privateKey: await generateKeyPair('Ed25519') })
    nodes.push(silent)
    await silent.handle(VALIDATION_PROTOCOL, () => undefined)
    const r = await originator.prove(selfNodeRef(silent), originatorCall, numberKey)
    // Normally the stream opens and the answer never comes; on a loaded machine the dial itself may be the slow
    // part. Either way: a timeout.
    expect(r.ok ? 'proven' : r.error).toMatchObject({ kind: 'timeout', reason: /(took over|within) 1000 ms/ })
  })

  it('a claimer that answers with a malformed share (no guess to check): protocol', async () => {
    const originator = await another()
    const junk = await createImeLibp2p({ privateKey: await generateKeyPair('Ed25519') })
    nodes.push(junk)
    await junk.handle(VALIDATION_PROTOCOL, async (stream) => {
      const messages = pbStream(stream)
      await messages.read(pb.ProofStart)
      await messages.write({ cpace: rand(40), tag: rand(32), refused: '' } as pb.ProofReply, pb.ProofReply)
      await stream.close().catch(() => undefined)
    })
    const r = await originator.prove(selfNodeRef(junk), originatorCall, numberKey)
    expect(r.ok ? 'proven' : r.error).toMatchObject({ kind: 'protocol' })
  })
})
