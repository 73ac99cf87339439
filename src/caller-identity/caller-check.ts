/**
 * The edge's check of who is calling, in the order the refusals are reported: the ticket (minted by this domain,
 * for this number, unexpired), an assertion beside it, made by the peer the ticket was issued to (a MAC under the
 * ticket's call key, or that peer's Ed25519 signature), fresh, never seen before, and for the number called. Pure
 * apart from the injected keys, clock and replay cache.
 */
import { err, ok, type Result } from '../core/result.js'
import type { TicketRejection } from '../tickets/mint.js'
import type { Ticket } from '../tickets/ticket.js'
import type { VerifiedTicket } from '../tickets/verified-tickets.js'
import { ASSERTION_FRESH_S, ASSERTION_SKEW_S } from './constants.js'
import { macHolds, parseIdentityHeader, signatureHolds, type Originator, type ParsedAssertion } from './passport.js'
import type { PeerKeys } from './peer-key.js'
import type { AssertionReplayCache } from './replay-cache.js'

export interface CallerCredentials {
  /** X-IME-Ticket. */
  readonly ticket: string | undefined
  /** Identity (RFC 8224). */
  readonly identity: string | undefined
  /** The number called (from the Request-URI), E.164 with "+". */
  readonly calledNumber: string
}

export interface VerifiedCaller {
  readonly ticket: Ticket
  /** Who the calling node says is calling: trusted, since that node signed it and holds the ticket. */
  readonly caller: Originator
  /** The domain the ticket was issued to. */
  readonly callingDomain: string
}

export interface CallerRejection {
  readonly code:
    | TicketRejection['code']
    | 'assertion-missing'
    | 'assertion-malformed'
    | 'assertion-wrong-signer'
    | 'assertion-wrong-ticket'
    | 'assertion-stale'
    | 'assertion-replayed'
    | 'assertion-wrong-number'
    | 'busy'
  /** Fit for a 403 (or, for 'busy', a 503) reason phrase and for logs. */
  readonly reason: string
}

export interface CallerCheckDeps {
  /** The ticket checked (src/tickets/verified-tickets.ts), with its call key. */
  readonly verifyTicket: (
    text: string | undefined,
    expected: { calledNumber: string },
  ) => Result<VerifiedTicket, TicketRejection>
  readonly peerKeys: PeerKeys
  readonly replays: AssertionReplayCache
  readonly nowMs: number
}

const refuse = (code: CallerRejection['code'], reason: string) => err<CallerRejection>({ code, reason })

export async function checkCaller(
  call: CallerCredentials,
  deps: CallerCheckDeps,
): Promise<Result<VerifiedCaller, CallerRejection>> {
  const verified = deps.verifyTicket(call.ticket, { calledNumber: call.calledNumber })
  if (!verified.ok) return verified
  const ticket = verified.value.ticket
  if (call.identity === undefined || call.identity.trim() === '') {
    return refuse('assertion-missing', 'caller assertion missing')
  }
  const assertion = parseIdentityHeader(call.identity)
  if (!assertion.ok) return refuse('assertion-malformed', `caller assertion malformed: ${assertion.error}`)
  const madeByHolder = await madeByTicketHolder(assertion.value, verified.value, deps.peerKeys)
  if (!madeByHolder.ok) return madeByHolder
  const claims = assertion.value.claims
  if (claims.ime.tkt !== Buffer.from(ticket.id).toString('hex')) {
    return refuse('assertion-wrong-ticket', 'caller assertion was made for another ticket')
  }
  const nowS = deps.nowMs / 1000
  if (claims.iat < nowS - ASSERTION_FRESH_S - ASSERTION_SKEW_S || claims.iat > nowS + ASSERTION_SKEW_S) {
    const at = new Date(claims.iat * 1000).toISOString()
    return refuse('assertion-stale', `caller assertion issued at ${at}, not within ${ASSERTION_FRESH_S} s of now`)
  }
  if (deps.replays.has(claims.origid)) return refuse('assertion-replayed', 'caller assertion already used for a call')
  if (claims.dest.tn[0] !== call.calledNumber.replace(/^\+/, '')) {
    return refuse('assertion-wrong-number', `caller assertion is for another number (+${claims.dest.tn[0]})`)
  }
  // Recorded last, so that only an assertion that passed everything takes a place in the cache.
  const seen = deps.replays.note(claims.origid)
  if (seen === 'replayed') return refuse('assertion-replayed', 'caller assertion already used for a call')
  if (seen === 'full') return refuse('busy', 'too many calls being checked; try again shortly')
  return ok({ ticket, caller: claims.orig, callingDomain: ticket.callingDomain })
}

/**
 * Whether the assertion was made by the node the ticket was issued to: HS256 under the ticket's call key (checked
 * here, ~2 us), or EdDSA with the key in the ticket's caller peer id (on libuv's pool, ~50-100 us).
 */
async function madeByTicketHolder(
  assertion: ParsedAssertion,
  { ticket, callKey }: VerifiedTicket,
  peerKeys: PeerKeys,
): Promise<Result<true, CallerRejection>> {
  if (assertion.alg === 'HS256') {
    return macHolds(assertion, callKey)
      ? ok(true)
      : refuse('assertion-wrong-signer', 'caller assertion not made with the call key of the ticket beside it')
  }
  const key = peerKeys.keyOf(ticket.callerPeer)
  if (!key.ok) return refuse('assertion-wrong-signer', `caller assertion cannot be checked: ${key.error}`)
  return (await signatureHolds(assertion, key.value))
    ? ok(true)
    : refuse('assertion-wrong-signer', 'caller assertion not signed by the node the ticket was issued to')
}
