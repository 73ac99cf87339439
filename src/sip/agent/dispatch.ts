/**
 * How the call agent takes a request, as one pipeline (the order matters; each stage may end the request):
 *
 *   scanner gate -> transaction match -> URI scheme -> Max-Forwards -> CANCEL -> in-dialog -> OPTIONS -> face
 *
 * The scanner gate drops a noticed scanner's requests unanswered; the transaction layer takes retransmissions
 * and the ACKs of failures; a Request-URI scheme other than sip, sips or tel gets 416; Max-Forwards at 0 gets 483; a CANCEL goes to its INVITE's forwarding; a request with
 * a To tag (or an ACK) follows its dialog's Record-Route; OPTIONS is answered here; the rest goes to the face it
 * came in on: edge (ticket and caller checks), internal (registrar, authentication, routing) or the PSTN trunk.
 */
import { decrementMaxForwards, toTag, type SipRequest } from '../message/index.js'
import type { ForwardTarget } from '../proxy/index.js'
import type { SipConnection } from '../transport/index.js'
import { ALLOW, type AgentContext } from './context.js'

/** The handlers of the last stage, one per face. */
export interface FaceHandlers {
  edge(req: SipRequest, conn: SipConnection): void
  internal(req: SipRequest, conn: SipConnection): void
  /** A request on the PSTN trunk, if `conn` is the trunk; false if not. */
  trunk(req: SipRequest, conn: SipConnection): boolean
}

export class RequestDispatch {
  constructor(
    private readonly ctx: AgentContext,
    private readonly faces: FaceHandlers,
  ) {}

  dispatch(req: SipRequest, conn: SipConnection): void {
    if (this.scannerGate(req, conn)) return
    if (this.ctx.core.absorbs(req)) return
    if (this.uriScheme(req, conn)) return
    if (this.maxForwards(req, conn)) return
    if (req.method === 'CANCEL') return this.ctx.core.onCancel(req, conn)
    if (req.method === 'ACK' || toTag(req) !== undefined) {
      return this.ctx.core.inDialog(req, conn, (uri) => this.resolveContact(uri))
    }
    if (req.method === 'OPTIONS') return this.ctx.core.reply(req, conn, 200, 'OK', [['Allow', ALLOW]])
    this.toFace(req, conn)
  }

  /**
   * Scanners (sipvicious and the like) are noticed, logged once, and then not answered at all for a while.
   * True: the request is dropped.
   */
  private scannerGate(req: SipRequest, conn: SipConnection): boolean {
    if (conn.face !== 'edge' && conn.face !== 'internal') return false
    const seen = this.ctx.scanners.check(req, conn.remoteAddress, this.ctx.config.clock.now())
    if (!seen.blocked) return false
    // Calls set up before the block go on: an in-dialog request with our own untampered flow token is no scan
    // (someone behind the same address may be in a call; hanging it up must still work).
    if (toTag(req) !== undefined && this.ctx.core.isOurDialog(req)) return false
    this.ctx.counters.scansBlocked++
    if (seen.first) this.ctx.emit({ type: 'scan-detected', source: conn.remoteAddress, face: conn.face, why: seen.why })
    return true
  }

  /**
   * A Request-URI whose scheme this proxy does not route (anything but sip, sips and tel) gets 416 (RFC 3261
   * section 16.3 step 2, before Max-Forwards), on every face and transport. True: answered (an ACK: dropped).
   */
  private uriScheme(req: SipRequest, conn: SipConnection): boolean {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(req.uri)?.[1]?.toLowerCase()
    if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') return false
    if (req.method !== 'ACK') this.ctx.core.reply(req, conn, 416, 'Unsupported URI Scheme')
    return true
  }

  /** Max-Forwards down by one; at 0 the request is answered 483 (RFC 3261 section 16.3 step 3). True: answered. */
  private maxForwards(req: SipRequest, conn: SipConnection): boolean {
    if (decrementMaxForwards(req).ok) return false
    this.ctx.core.reply(req, conn, 483, 'Too Many Hops')
    return true
  }

  private toFace(req: SipRequest, conn: SipConnection): void {
    if (conn.face === 'edge') return this.faces.edge(req, conn)
    if (conn.face === 'internal') return this.faces.internal(req, conn)
    if (this.faces.trunk(req, conn)) return
    this.ctx.core.reply(req, conn, 403, 'Requests are not accepted on this connection')
  }

  /** A registered contact's current flow, for an in-dialog request whose other side's connection has gone. */
  private resolveContact(uri: string): ForwardTarget | undefined {
    const found = this.ctx.registrations.findContact(uri, this.ctx.config.clock.now())
    const conn = found === undefined ? undefined : this.ctx.hub.connection(found.binding.connectionId)
    return conn === undefined ? undefined : { uri, connection: conn }
  }
}
