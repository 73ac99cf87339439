/**
 * A SIP connection for tests of the transaction layer without sockets: it records what is sent (as "INVITE",
 * "ACK", "180"...) and can be told to refuse, as a closed transport would.
 */
import type { SipMessage } from '../sip/message/message.js'
import type { SipTransportName } from '../sip/transport/index.js'

export class RecordingConnection {
  readonly sent: SipMessage[] = []
  refuses = false

  constructor(readonly transport: SipTransportName) {}

  send(m: SipMessage): boolean {
    if (this.refuses) return false
    this.sent.push(m)
    return true
  }

  /** What was sent since the last call, as request methods and response status codes. */
  take(): string[] {
    const out = this.sent.map((m) => (m.kind === 'request' ? m.method : String(m.status)))
    this.sent.length = 0
    return out
  }
}
