/** What a transaction needs of a transport: to send, and whether the transport may lose messages. */
import type { SipMessage } from '../message/message.js'
import type { SipTransportName } from '../transport/index.js'

export interface TransactionConnection {
  readonly transport: SipTransportName
  /** False when the message could not be handed to the transport (closed, too large). */
  send(m: SipMessage): boolean
}

/**
 * Whether a transport delivers in order without loss (RFC 3261 section 17: TCP, TLS, WebSocket). Over an
 * unreliable one (UDP) transactions retransmit requests (Timers A, E) and final INVITE responses (Timer G), and
 * linger to absorb the other side's retransmissions (Timers D, I, J, K).
 */
export function isReliable(transport: SipTransportName): boolean {
  return transport !== 'UDP'
}
