/**
 * The edge face: other enterprises' calls. Only INVITEs for local numbers that carry a valid X-IME-Ticket get
 * through (else 403 saying why); a source whose tickets keep failing is rate-limited.
 */
import { boundedCache } from '../../core/bounded-cache.js'
import type { E164 } from '../../core/e164.js'
import type { Result } from '../../core/result.js'
import { LEG_HEADER, OFFER_HEADER } from '../../fallback/offer.js'
import { callId, numberIn, type SipRequest } from '../message/index.js'
import type { SipConnection } from '../transport/index.js'
import type { CallRouting } from './call-routing.js'
import type { AgentContext } from './context.js'
import type { EdgeCaller, EdgeRefusal } from './types.js'
import { SOURCES_REMEMBERED } from './scanner-watch.js'

/** Refused tickets per source address per minute before it is rate-limited for a minute. */
const TICKET_REFUSALS_PER_MINUTE = 30

export class EdgeFace {
  // Bounded: past SOURCES_REMEMBERED the least recently seen source is forgotten, not every source's count.
  private readonly refusals = boundedCache<string, { count: number; windowStart: number }>(SOURCES_REMEMBERED)

  constructor(
    private readonly ctx: AgentContext,
    private readonly routing: CallRouting,
  ) {}

  // ---- edge: the ticket gate -----------------------------------------------------------------------------------

  handle(req: SipRequest, conn: SipConnection): void {
    if (req.method !== 'INVITE') {
      return this.ctx.core.reply(req, conn, 405, 'Only INVITE is accepted at the edge', [
        ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS'],
      ])
    }
    const now = this.ctx.config.clock.now()
    const source = conn.remoteAddress
    const r = this.refusals.get(source)
    if (r !== undefined && now - r.windowStart < 60_000 && r.count >= TICKET_REFUSALS_PER_MINUTE) {
      this.ctx.counters.rateLimited++
      return this.ctx.core.reply(req, conn, 403, 'Too many refused tickets from this address; try later')
    }
    const called = numberIn(req.uri)
    if (called === undefined) return this.refuse(req, conn, undefined, undefined, now)
    const checked = this.ctx.config.checkCaller({
      ticket: req.headers.get('X-IME-Ticket'),
      identity: req.headers.get('Identity'),
      calledNumber: called,
    })
    // The signature is checked off the event loop: the INVITE goes on when the verdict comes.
    if (checked instanceof Promise) {
      checked.then(
        (verdict) => this.admit(req, conn, called, verdict, now),
        (e: unknown) => this.ctx.core.reply(req, conn, 500, `Caller check failed: ${String(e)}`),
      )
    } else this.admit(req, conn, called, checked, now)
  }

  private admit(
    req: SipRequest,
    conn: SipConnection,
    called: E164,
    verdict: Result<EdgeCaller, EdgeRefusal>,
    now: number,
  ): void {
    if (!verdict.ok) return this.refuse(req, conn, called, verdict.error, now)
    this.ctx.counters.ticketsAccepted++
    const { callerNumber: caller, callerUri, callingDomain } = verdict.value
    // The ticket and the assertion have done their work here; the callee's phone has no use for them. It is told
    // who calls as the calling node vouched for it (never a P-Asserted-Identity the caller wrote), and the path,
    // to show "IME" (a header it may use; nothing trusts it).
    req.headers.remove('X-IME-Ticket')
    req.headers.remove('Identity')
    req.headers.remove('P-Asserted-Identity')
    const asserted = caller !== undefined ? `sip:${caller}@${callingDomain}` : callerUri
    if (asserted !== undefined) req.headers.add('P-Asserted-Identity', `<${asserted}>`)
    req.headers.remove('X-IME-Path')
    req.headers.add('X-IME-Path', 'ime')
    this.ctx.emit({ type: 'ticket-checked', ok: true, called, callingDomain, source: conn.remoteAddress })
    const user = this.ctx.config.directory.userByNumber(called)
    if (user === undefined) return this.ctx.core.reply(req, conn, 404, 'No such number here')
    // Mid-call fallback: a DID and digits for this call, told to the callee's phone here and to the caller in
    // the answer (forkToUser); none when none is free (src/fallback).
    req.headers.remove(OFFER_HEADER)
    req.headers.remove(LEG_HEADER)
    const id = callId(req)
    const offer = id === undefined ? undefined : this.ctx.config.midcallFallback?.offer(id, user.name, caller)
    if (offer !== undefined) req.headers.add(OFFER_HEADER, offer)
    this.routing.forkToUser(req, conn, user, 'ime', {
      direction: 'inbound',
      caller,
      called,
      ...(offer !== undefined && { fallbackOffer: offer }),
    })
  }

  /** 403 with the reason (503 when the edge is too busy to check); refusals counted per source. */
  private refuse(
    req: SipRequest,
    conn: SipConnection,
    called: E164 | undefined,
    refusal: EdgeRefusal | undefined,
    now: number,
  ): void {
    if (refusal?.busy === true) {
      this.ctx.counters.ticketsRefused.busy = (this.ctx.counters.ticketsRefused.busy ?? 0) + 1
      return this.ctx.core.reply(req, conn, 503, refusal.reason, [['Retry-After', '5']])
    }
    const source = conn.remoteAddress
    const code = refusal?.code ?? 'malformed'
    const reason = refusal?.reason ?? 'Request-URI is not a number'
    this.ctx.counters.ticketsRefused[code] = (this.ctx.counters.ticketsRefused[code] ?? 0) + 1
    const r = this.refusals.get(source)
    const w = r === undefined || now - r.windowStart >= 60_000 ? { count: 0, windowStart: now } : r
    w.count++
    this.refusals.set(source, w)
    this.ctx.scanners.noteRefusal(source, now)
    this.ctx.emit({ type: 'ticket-checked', ok: false, code, reason, source, called })
    return this.ctx.core.reply(req, conn, 403, reason)
  }
}
