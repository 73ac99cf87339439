/**
 * The calling side: for one call to a number over a learned route, the headers that vouch for it, made by the
 * node (never by the browser): the route's ticket and an assertion for this call, a MAC under the route's call
 * key when the claimer granted one, else signed with the node's key. Users never hold a ticket or a call key; a
 * user the node no longer accepts gets no assertion, so no call.
 */
import { err, ok, type Result } from '../core/result.js'
import { isOutdatedTicket, parseTicket } from '../tickets/ticket.js'
import { assertionClaims, hs256Signer, identityHeader, type Originator } from './passport.js'

export interface CallAuthorization {
  /** Headers for the INVITE, in order. */
  readonly headers: readonly (readonly [name: 'X-IME-Ticket' | 'Identity', value: string])[]
  /** The assertion's unique id (for logs). */
  readonly origid: string
}

export interface CallSigner {
  /** The node's peer id, named in the Identity header's info. */
  readonly peer: string
  readonly sign: (data: Uint8Array) => Uint8Array
}

export function authorizeCall(
  call: {
    readonly ticket: string
    /** The route's call key (src/tickets/call-key.ts), when its claimer granted one: then HS256. */
    readonly callKey?: Uint8Array | undefined
    readonly caller: Originator
    readonly calledNumber: string
  },
  signer: CallSigner,
  nowMs: number,
  newId?: () => string,
): Result<CallAuthorization> {
  const ticket = parseTicket(call.ticket)
  if (!ticket.ok) {
    return err(
      isOutdatedTicket(call.ticket)
        ? 'the route was learned before tickets named the calling node: it is being validated again'
        : `the route's ticket is unusable: ${ticket.error}`,
    )
  }
  const ticketId = Buffer.from(ticket.value.id).toString('hex')
  const claims = assertionClaims({ caller: call.caller, calledNumber: call.calledNumber, ticketId }, nowMs, newId)
  return ok({
    headers: [
      ['X-IME-Ticket', call.ticket],
      [
        'Identity',
        call.callKey !== undefined
          ? identityHeader(claims, hs256Signer(call.callKey), signer.peer, 'HS256')
          : identityHeader(claims, signer.sign, signer.peer),
      ],
    ],
    origid: claims.origid,
  })
}
