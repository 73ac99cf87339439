/**
 * Validation as claimer: other nodes prove to this one that they know a PSTN call to one of its numbers, and
 * get a route (the SIP edge's URI and a ticket) in return. Started after the call agent, whose edge address
 * the routes name; its stop removes the protocol handler.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Clock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import { err, ok } from '../core/result.js'
import type { ChordPeer } from '../p2p/chord-peer.js'
import { VALIDATION_PROTOCOL, ValidationProtocol, type ClaimedCall } from '../p2p/validation-protocol.js'
import { mintTicket } from '../tickets/mint.js'
import { pickCallRecord, startWindow } from '../validation/call-secret.js'
import { MAX_CANDIDATE_RECORDS } from '../validation/constants.js'
import type { PublishedNumbers } from './published-numbers.js'
import type { Part } from './startup.js'
import { rand, type NodeStore } from './store.js'

export interface ProofServiceOptions {
  readonly peer: ChordPeer
  readonly store: Pick<NodeStore, 'calls' | 'routes' | 'ticketKeys' | 'caps'>
  readonly numbers: Pick<PublishedNumbers, 'numberOf'>
  readonly domain: string
  /** The SIP URI a granted route calls the number at. */
  readonly sipUriFor: (number: E164) => string
  readonly clock: Clock
}

export async function serveProofs(options: ProofServiceOptions): Promise<Part> {
  const { store, clock, domain } = options
  const claimer = new ValidationProtocol(options.peer.libp2p, {
    caps: store.caps,
    clock,
    randomBytes: rand,
    // Of our inbound PSTN calls to the keyed number that started in the hinted window, the one that best fits
    // the originator's grids (spent records left out: they cannot prove anything; records already proven for this
    // peer or another only as a last resort: each call is validated once per claimer), scored against where this
    // peer's times usually sit (our calibration from its earlier proofs).
    findRecord({
      numberKey,
      hourHint,
      phases,
      usable,
      provenBefore,
      expectedOffset,
      callerHint,
    }): ClaimedCall | undefined {
      const number = options.numbers.numberOf(numberKey)
      if (number === undefined) return undefined
      const { from, to } = startWindow(hourHint)
      const candidates = store.calls.inboundTo(number, from, to, MAX_CANDIDATE_RECORDS).filter((c) => usable(c.id))
      return pickCallRecord(
        candidates.map((c) => ({ ...c, end: c.end! })),
        phases,
        { provenBefore: (c) => provenBefore(c.id), expectedOffset, ...(callerHint !== undefined && { callerHint }) },
      )
    },
    // The ticket is issued to the peer that proved the call (authenticated by Noise on this very stream): calls with
    // it must carry that peer's signature.
    grantRoute(peer, call, callingDomain) {
      if (store.routes.isBlocked(callingDomain)) return err(`domain ${callingDomain} is blocked`)
      const callerPeer = peerIdFromString(peer).toMultihash().bytes
      const request = { calledNumber: call.called, callingDomain, callerPeer }
      const minted = mintTicket(request, store.ticketKeys, clock.now(), rand)
      if (!minted.ok) return minted
      const sipUri = options.sipUriFor(call.called)
      const { text: ticket, expiresAt, callKey } = minted.value
      return ok({ domain, sipUri, ticket, expiresAt: expiresAt * 1000, callKey })
    },
  })
  await claimer.serve()
  return { stop: () => options.peer.libp2p.unhandle(VALIDATION_PROTOCOL) }
}
