/**
 * Where a call goes. A user's call: a local user or number -> that user's registrations (forked); a number with
 * a learned route (unless the softphone already tried it: X-IME-Fallback) -> the route's SIP URI with its
 * ticket, and if that fails (unreachable within the timeout, 403, 404, 408, 480, 5xx...:
 * src/core/fallback-policy.ts) -> the PSTN, automatically; otherwise -> the PSTN gateway. A call from the edge
 * or the trunk -> the called user's phones.
 */
import type { E164 } from '../../core/e164.js'
import { statusFallsBack } from '../../core/fallback-policy.js'
import type { CallPath } from '../../validation/call-record.js'
import { LEG_HEADER, OFFER_HEADER } from '../../fallback/offer.js'
import { trunkCallerHeaders } from '../../trunks/caller-id.js'
import { trunkFailsOver } from '../../trunks/trunk-config.js'
import { callerNumber, callId, fromTag as fromTagOf, numberIn, parseSipUri, type SipRequest } from '../message/index.js'
import { addressOf, type ForwardOptions, type ForwardTarget } from '../proxy/index.js'
import type { SipConnection } from '../transport/index.js'
import type { CallRecords, Party } from './call-records.js'
import { ALLOW, type AgentContext } from './context.js'
import type { PstnTrunk } from './pstn-trunk.js'
import { BRIDGE_UNAVAILABLE, sdpOf, type TrunkMedia } from './trunk-media.js'
import type { SipUser } from './types.js'

/** Whether a credentials header value names `realm`. */
function realmIs(value: string, realm: string): boolean {
  const m = /\brealm\s*=\s*"([^"]*)"/i.exec(value)
  return m !== null && m[1]!.toLowerCase() === realm.toLowerCase()
}

/** The label of a trunk's branches (`pstn` for the first, as with a single trunk), and the trunk it names. */
const pstnLabel = (index: number) => (index === 0 ? 'pstn' : `pstn.${index}`)
function trunkIndexOf(label: string | undefined): number | undefined {
  if (label === 'pstn') return 0
  const m = label === undefined ? null : /^pstn\.(\d+)$/.exec(label)
  return m === null ? undefined : Number(m[1])
}

export class CallRouting {
  constructor(
    private readonly ctx: AgentContext,
    private readonly records: CallRecords,
    private readonly trunks: () => readonly PstnTrunk[],
    private readonly media: TrunkMedia,
  ) {}

  routeUserCall(req: SipRequest, conn: SipConnection, user: SipUser): void {
    const caller = user.number
    // The node says who calls, always: whatever P-Asserted-Identity a phone sent is dropped (a user without a
    // number is asserted by their SIP address).
    req.headers.remove('P-Asserted-Identity')
    const asserted =
      caller !== undefined ? `sip:${caller}@${this.ctx.config.domain}` : `sip:${user.name}@${this.ctx.config.domain}`
    req.headers.add('P-Asserted-Identity', `<${asserted}>`)
    // The user's answer to our own challenge goes no further (RFC 3261 section 22.3): not to a trunk, which would
    // take it for a wrong answer to its own, nor to anyone else.
    for (const name of ['Proxy-Authorization', 'Authorization']) {
      const kept = req.headers.getAll(name).filter((v) => !realmIs(v, this.ctx.config.domain))
      req.headers.remove(name)
      for (const v of kept) req.headers.add(name, v)
    }
    const target = parseSipUri(req.uri)
    if (!target.ok) return this.ctx.core.reply(req, conn, 416, 'Unsupported URI Scheme')
    const localUser = target.value.user === undefined ? undefined : this.ctx.config.directory.user(target.value.user)
    const number = numberIn(req.uri)
    const local = localUser ?? (number === undefined ? undefined : this.ctx.config.directory.userByNumber(number))
    req.headers.remove(LEG_HEADER)
    if (local !== undefined) {
      // The callee's phone (and, in the answers, the caller's) is told the path, to show "Internal".
      req.headers.remove('X-IME-Path')
      req.headers.add('X-IME-Path', 'internal')
      const called = number ?? local.number
      return this.forkToUser(req, conn, local, 'internal', {
        direction: 'inbound',
        caller,
        called,
        from: user,
      })
    }
    if (number === undefined) return this.ctx.core.reply(req, conn, 404, 'Not a local user or an E.164 number')
    req.headers.remove('X-IME-Ticket')
    req.headers.remove('Identity')
    const groups: ForwardTarget[][] = []
    // A softphone that tried IME itself and fell back (X-IME-Fallback: 1, decided by the shared policy) asks for
    // the PSTN: the learned route is not tried a second time.
    const softphoneFellBack = req.headers.get('X-IME-Fallback') === '1'
    const learned = softphoneFellBack ? undefined : this.ctx.config.routeTo(number)
    const vouched =
      learned === undefined ? undefined : this.ctx.config.vouchFor(learned, { caller, user: user.name, called: number })
    const route = vouched?.ok === true ? learned : undefined
    if (route !== undefined && vouched?.ok === true) {
      const proxy = this.ctx.config.outboundProxy
      const viaProxy = proxy === undefined ? undefined : addressOf(proxy)
      groups.push([
        {
          uri: route.sipUri,
          label: 'ime',
          answerTimeoutMs: this.ctx.config.imeTimeoutMs ?? 2_000,
          ...(viaProxy !== undefined && { address: viaProxy }),
          headers: [
            ...(viaProxy !== undefined ? [['Route', `<${proxy!.replace(/;lr\b/, '')};lr>`] as const] : []),
            ...vouched.value,
          ],
        },
      ])
    }
    req.headers.remove('X-IME-Path')
    // Each trunk in order of preference, each of its addresses in turn; each branch as its own trunk wants it.
    const trunks = this.trunks()
    for (const trunk of trunks) {
      const bridged = trunk.config.media === 'bridge'
      // Toward the trunk, the call is from the enterprise's number, in the provider's form (From keeps its tag).
      const callerId = trunkCallerHeaders({
        number: caller,
        form: trunk.config.numberForm ?? 'e164',
        domain: trunk.domain,
        fromTag: fromTagOf(req),
      })
      for (const pstn of trunk.targetsFor(number)) {
        groups.push([
          {
            ...pstn,
            label: pstnLabel(trunk.index),
            // A 401/407 from the trunk is answered with the trunk's account, never passed to the caller.
            credentials: { user: trunk.config.user, password: trunk.config.password },
            ...(callerId.ok && {
              setHeaders: [
                ['From', callerId.value.from],
                ['P-Asserted-Identity', callerId.value.pai],
              ],
            }),
            ...(bridged && { body: this.media.offerTowardTrunk(req) }),
          },
        ])
      }
    }
    const bridgedLabel = (label: string | undefined) => trunks[trunkIndexOf(label) ?? -1]?.config.media === 'bridge'
    if (groups.length === 0) return this.ctx.core.reply(req, conn, 503, 'No route and no PSTN gateway')
    this.ctx.counters.callsByPath[route !== undefined ? 'ime' : 'pstn']++
    // A softphone that tried IME itself first says so; a failover here is one too.
    const details = {
      direction: 'outbound' as const,
      caller,
      called: number,
      user: user.name,
      fallback: softphoneFellBack,
    }
    req.headers.remove('X-IME-Fallback')
    this.ctx.core.forward(req, conn, {
      groups,
      recordRoute: true,
      // The one fallback policy, shared with the softphone. The proxy core answers for a route it could not
      // reach with 503, and for one that did not answer within the IME timeout with 408: both fall back.
      failover: (best, label) =>
        label === 'ime'
          ? statusFallsBack(best.status)
          : trunkIndexOf(label) !== undefined && trunkFailsOver(best.status),
      onFailover: (best, from, to, detail) => {
        const failed = trunkIndexOf(from)
        if (failed !== undefined) {
          // One trunk address failed: the next one (of this trunk, or of the next trunk) is tried (not an IME
          // fallback). A bridged trunk's session goes when the next trunk's media is direct.
          const next = trunkIndexOf(to)
          if (bridgedLabel(from) && !bridgedLabel(to)) void this.media.end(callId(req) ?? '')
          const why = `${best.status} ${best.reason}${detail === undefined ? '' : `: ${detail}`}`
          const name = trunks[failed]?.config.name
          return this.ctx.emit({
            type: 'trunk',
            state: 'failover',
            detail: why,
            trunk: failed,
            ...(name !== undefined && { name }),
            ...(next !== undefined && next !== failed && { to: next }),
          })
        }
        details.fallback = true
        this.ctx.counters.fallbacks++
        this.ctx.counters.callsByPath.pstn++
        const reason = detail === undefined ? best.reason : `${best.reason}: ${detail}`
        this.ctx.emit({ type: 'fallback', number, status: best.status, reason, user: user.name })
      },
      onResponse: (res, label) => this.records.track(req, res, label === 'ime' ? 'ime' : 'pstn', [details]),
      ...(trunks.some((t) => t.config.media === 'bridge') && {
        rewriteResponse: this.media.responseRewriter(req, 'browser', bridgedLabel),
      }),
    })
  }

  /** A call in from `trunk`: its number form says who is called, its media mode whether the bridge is in it. */
  pstnInbound(req: SipRequest, conn: SipConnection, trunk: PstnTrunk): void {
    if (req.method !== 'INVITE') return this.ctx.core.reply(req, conn, 405, undefined, [['Allow', ALLOW]])
    const called = trunk.calledNumber(req.uri) ?? numberIn(req.uri)
    req.headers.remove(LEG_HEADER)
    req.headers.remove(OFFER_HEADER)
    // A call to a fallback DID continues a live IME call: it goes to the phone holding that call, which answers
    // it only when the digits that follow match (src/fallback); with no such call it is refused.
    const leg = called === undefined ? undefined : this.ctx.config.midcallFallback?.legFor(called, callerNumber(req))
    if (leg !== undefined && !leg.ok) return this.ctx.core.reply(req, conn, 404, leg.error)
    const legUser = leg === undefined ? undefined : this.ctx.config.directory.user(leg.value.user)
    const user = legUser ?? (called === undefined ? undefined : this.ctx.config.directory.userByNumber(called))
    if (user === undefined || called === undefined) return this.ctx.core.reply(req, conn, 404, 'No such number here')
    if (leg !== undefined) req.headers.add(LEG_HEADER, leg.value.callIds.join(', '))
    req.headers.remove('X-IME-Path')
    req.headers.add('X-IME-Path', 'pstn')
    const record = { direction: 'inbound' as const, caller: callerNumber(req), called }
    if (trunk.config.media !== 'bridge') return this.forkToUser(req, conn, user, 'pstn', record)
    if (sdpOf(req) === undefined) return this.ctx.core.reply(req, conn, 488, 'An INVITE without SDP cannot be bridged')
    void this.media.offerTowardBrowser(req).then((offer) => {
      if (!offer.ok) return this.ctx.core.reply(req, conn, 503, BRIDGE_UNAVAILABLE)
      req.body = offer.value
      this.forkToUser(
        req,
        conn,
        user,
        'pstn',
        record,
        this.media.responseRewriter(req, 'trunk', () => true),
      )
    })
  }

  /**
   * Forks a call to a local user's phones. `record` describes the callee's side of it; for an internal call
   * `record.from` is the calling user, whose side is recorded too.
   */
  forkToUser(
    req: SipRequest,
    conn: SipConnection,
    user: SipUser,
    path: CallPath,
    record: {
      direction: 'inbound'
      caller: E164 | undefined
      called: E164 | undefined
      from?: SipUser
      /** The mid-call fallback offer of an IME call: into its answer, released when it fails. */
      fallbackOffer?: string
    },
    rewriteResponse?: ForwardOptions['rewriteResponse'],
  ): void {
    const bindings = this.ctx.registrations.current(user.name, this.ctx.config.clock.now())
    const targets: ForwardTarget[] = []
    if (user.contact !== undefined) targets.push({ uri: user.contact, label: path })
    for (const b of bindings) {
      const c = this.ctx.hub.connection(b.connectionId)
      if (c !== undefined && c.isOpen) targets.push({ uri: b.contact, connection: c, label: path })
      // A flow-bound binding whose flow has gone cannot be reached (never dial a WebSocket client's .invalid host).
      else if (!b.flowBound) targets.push({ uri: b.contact, label: path })
    }
    if (targets.length === 0) return this.ctx.core.reply(req, conn, 480, 'Temporarily Unavailable: not registered')
    this.ctx.counters.callsByPath[path]++
    const { caller, called, from } = record
    const parties: Party[] = [{ direction: 'inbound', caller, called, user: user.name }]
    if (from !== undefined) parties.unshift({ direction: 'outbound', caller, called, user: from.name })
    this.ctx.core.forward(req, conn, {
      groups: [targets],
      recordRoute: true,
      onResponse: (res) => {
        if (record.fallbackOffer !== undefined && res.status >= 200) {
          const id = callId(req)
          res.headers.remove(OFFER_HEADER)
          if (res.status < 300) res.headers.add(OFFER_HEADER, record.fallbackOffer)
          else if (id !== undefined) this.ctx.config.midcallFallback?.release(id, false)
        }
        if (path === 'internal') {
          res.headers.remove('X-IME-Path')
          res.headers.add('X-IME-Path', 'internal')
        }
        this.records.track(req, res, path, parties)
      },
      ...(rewriteResponse !== undefined && { rewriteResponse }),
    })
  }
}
