/**
 * Minting and checking tickets. A ticket grants one calling domain permission to call one number for a
 * validity period; only the terminating side, which holds the key, can mint or check it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { err, ok, type Result } from '../core/result.js'
import {
  DEFAULT_TICKET_VALIDITY_S,
  ISSUE_TIME_SKEW_S,
  TICKET_ID_BYTES,
  TICKET_MAC_BYTES,
  TICKET_MAC_CONTEXT,
} from './constants.js'
import { deriveCallKey } from './call-key.js'
import type { TicketKeyRing } from './key-ring.js'
import { checkClaims, encodeSignedPart, isOutdatedTicket, parseTicket, ticketToText, type Ticket } from './ticket.js'

function mac(secret: Uint8Array, signedBytes: Uint8Array): Uint8Array {
  return createHmac('sha256', secret)
    .update(TICKET_MAC_CONTEXT)
    .update(signedBytes)
    .digest()
    .subarray(0, TICKET_MAC_BYTES)
}

export interface MintRequest {
  readonly calledNumber: string
  readonly callingDomain: string
  /** The validating node's peer id (multihash bytes): the only node whose assertions the ticket accepts. */
  readonly callerPeer: Uint8Array
  readonly validitySeconds?: number
}

export interface MintedTicket {
  /** What goes in X-IME-Ticket. */
  readonly text: string
  readonly epoch: number
  readonly expiresAt: number
  /** The ticket's call key (call-key.ts): for the validating node only, sealed in the route grant. */
  readonly callKey: Uint8Array
}

export function mintTicket(
  request: MintRequest,
  keys: TicketKeyRing,
  nowMs: number,
  randomBytes: (n: number) => Uint8Array,
): Result<MintedTicket> {
  const key = keys.active(nowMs)
  const issuedAt = Math.floor(nowMs / 1000)
  const claims = checkClaims({
    calledNumber: request.calledNumber,
    callingDomain: request.callingDomain,
    callerPeer: request.callerPeer,
    epoch: key.epoch,
    issuedAt,
    expiresAt: issuedAt + (request.validitySeconds ?? DEFAULT_TICKET_VALIDITY_S),
    id: randomBytes(TICKET_ID_BYTES),
  })
  if (!claims.ok) return claims
  const signed = encodeSignedPart(claims.value)
  return ok({
    text: ticketToText(signed, mac(key.secret, signed)),
    epoch: key.epoch,
    expiresAt: claims.value.expiresAt,
    callKey: deriveCallKey(key.secret, signed),
  })
}

/** Why a ticket was refused; `reason` is fit for a 403 reason phrase and for logs. */
export interface TicketRejection {
  readonly code:
    | 'missing'
    | 'outdated'
    | 'malformed'
    | 'unknown-epoch'
    | 'bad-signature'
    | 'expired'
    | 'not-yet-valid'
    | 'wrong-number'
  readonly reason: string
}

const reject = (code: TicketRejection['code'], reason: string) => err<TicketRejection>({ code, reason })

/**
 * Checks a ticket from an INVITE. The MAC is checked before any claim, so that a forger learns nothing
 * about which fields would have passed; the comparison is constant-time. Who may use the ticket is not
 * checked here: the call's caller assertion must be signed by the ticket's caller peer (src/caller-identity).
 */
export function verifyTicket(
  text: string | undefined,
  expected: { calledNumber: string },
  keys: TicketKeyRing,
  nowMs: number,
): Result<Ticket, TicketRejection> {
  if (text === undefined || text.trim() === '') return reject('missing', 'ticket missing')
  const parsed = parseTicket(text.trim())
  if (!parsed.ok && isOutdatedTicket(text.trim())) return reject('outdated', parsed.error)
  if (!parsed.ok) return reject('malformed', `ticket malformed: ${parsed.error}`)
  const ticket = parsed.value
  const key = keys.verifyingKey(ticket.epoch, nowMs)
  if (!key.ok) return reject('unknown-epoch', `ticket ${key.error}`)
  if (!timingSafeEqual(mac(key.value.secret, ticket.signedBytes), ticket.mac)) {
    return reject('bad-signature', 'ticket signature invalid')
  }
  return checkTicketInTime(ticket, expected, nowMs)
}

/** The checks of a ticket whose MAC holds that depend on the time and the call: expiry, issue time, number. */
export function checkTicketInTime(
  ticket: Ticket,
  expected: { calledNumber: string },
  nowMs: number,
): Result<Ticket, TicketRejection> {
  const nowS = nowMs / 1000
  if (nowS >= ticket.expiresAt) {
    return reject('expired', `ticket expired at ${new Date(ticket.expiresAt * 1000).toISOString()}`)
  }
  if (ticket.issuedAt > nowS + ISSUE_TIME_SKEW_S) {
    return reject('not-yet-valid', `ticket issued in the future (${new Date(ticket.issuedAt * 1000).toISOString()})`)
  }
  if (ticket.calledNumber !== expected.calledNumber) {
    return reject('wrong-number', `ticket is for another number (${ticket.calledNumber})`)
  }
  return ok(ticket)
}
