/**
 * Tickets in the Kamailio baseline's format (src/testing/interop/kamailio/baseline-proxy.cfg), which Kamailio can check
 * with its crypto module: `<mac>.<payload>`, payload `<expires>~<called number>~<calling domain>~<nonce>`, mac the
 * unpadded base64url HMAC-SHA-256 of the payload under an ASCII key. Not the IME ticket encoding: the same cost (one
 * HMAC-SHA-256 per INVITE) in a form a Kamailio script can check.
 */
import { createHmac, randomBytes } from 'node:crypto'

export interface BaselineTicketClaims {
  calledNumber: string
  callingDomain: string
  /** Unix seconds. */
  expiresAt: number
}

/** A key Kamailio's config can hold as a string: 32 hex digits (128 bits). */
export function baselineKey(): string {
  return randomBytes(16).toString('hex')
}

export function mintBaselineTicket(claims: BaselineTicketClaims, key: string): string {
  const nonce = randomBytes(6).toString('base64url')
  const payload = `${Math.floor(claims.expiresAt)}~${claims.calledNumber}~${claims.callingDomain}~${nonce}`
  return `${createHmac('sha256', key).update(payload).digest('base64url')}.${payload}`
}

/** The same ticket with one character of its MAC changed: a forgery. */
export function forge(ticket: string): string {
  const c = ticket[0] === 'A' ? 'B' : 'A'
  return c + ticket.slice(1)
}
