/** The requests a client transaction's user builds from the INVITE it sent: CANCEL (section 9.1) and the ACK of a
 * non-2xx final response (section 17.1.1.3). Both copy the INVITE's top Via, so they share its branch. */
import { SipHeaders } from '../message/headers.js'
import { cseq, newRequest, type SipRequest, type SipResponse } from '../message/message.js'

function sameTransaction(invite: SipRequest, method: 'ACK' | 'CANCEL', to: string): SipRequest {
  const h = new SipHeaders()
  h.add('Via', invite.headers.get('Via') ?? '')
  for (const name of ['Route', 'From']) for (const v of invite.headers.getAll(name)) h.add(name, v)
  h.add('To', to)
  h.add('Call-ID', invite.headers.get('Call-ID') ?? '')
  const seq = cseq(invite)
  h.add('CSeq', `${seq.ok ? seq.value.seq : 1} ${method}`)
  h.add('Max-Forwards', '70')
  h.add('Content-Length', '0')
  return newRequest(method, invite.uri, h)
}

/** The CANCEL of an INVITE: same Request-URI, top Via, From, To, Call-ID and CSeq number (RFC 3261 section 9.1). */
export function cancelOf(invite: SipRequest): SipRequest {
  return sameTransaction(invite, 'CANCEL', invite.headers.get('To') ?? '')
}

/** The ACK of a non-2xx final response to an INVITE: its To (with the tag) is the response's. */
export function ackOfFailure(invite: SipRequest, res: SipResponse): SipRequest {
  return sameTransaction(invite, 'ACK', res.headers.get('To') ?? invite.headers.get('To') ?? '')
}
