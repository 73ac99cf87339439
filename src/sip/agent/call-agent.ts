/**
 * An enterprise's SIP call agent: registrar and proxy for its users, with two faces. The **internal** face
 * (TCP and WebSocket) serves the enterprise's own softphones: REGISTER and INVITE with digest authentication.
 * The **edge** face faces other enterprises: only INVITEs for local numbers that carry a valid X-IME-Ticket get
 * through (else 403 saying why), plus in-dialog requests of calls it let in. The PSTN trunk is a connection the
 * agent opens and registers to the PSTN gateway; calls arriving on it are inbound PSTN calls.
 *
 * Routing of a user's call: a local user or number -> that user's registrations (forked); a number with a learned
 * route (unless the softphone already tried it: X-IME-Fallback) -> the route's SIP URI with its ticket, and if that fails (unreachable within the timeout, 403, 404,
 * 408, 480, 5xx...: src/core/fallback-policy.ts) -> the PSTN, automatically; otherwise -> the PSTN gateway.
 * PSTN, IME and internal calls (between two users here: one record for each of them) are kept as call records;
 * only PSTN calls are ever validated.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Clock } from '../../core/clock.js'
import { isE164, type E164 } from '../../core/e164.js'
import { statusFallsBack } from '../../core/fallback-policy.js'
import type { Result } from '../../core/result.js'
import type { TicketRejection } from '../../tickets/mint.js'
import type { CallOutcome, CallPath, NewCallRecord } from '../../validation/call-record.js'
import {
  answerChallenge,
  challengeValues,
  NonceSource,
  offeredAlgorithms,
  readCredentials,
  responseMatches,
  type DigestAlgorithm,
  type DigestOffer,
} from '../auth/digest.js'
import { parseNameAddr } from '../message/header-values.js'
import {
  authValues,
  callId,
  contacts as contactsOf,
  cseq,
  decrementMaxForwards,
  expires as expiresOf,
  fromAddress,
  newRequest,
  toAddress,
  toTag,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/message.js'
import { SipHeaders } from '../message/headers.js'
import { addressOf, newBranch, newTag, SipProxyCore, type ForwardTarget } from '../proxy/core.js'
import { DEFAULT_EXPIRES_S, Registrations } from './registrar.js'
import {
  SipTransportHub,
  type SipConnection,
  type SipListener,
  type SipTransportName,
  type TlsFiles,
} from '../transport/hub.js'
import { parseSipUri } from '../message/uri.js'

export interface SipUser {
  readonly name: string
  readonly number?: E164
  /** A fixed contact (a desk phone, a test tool, a PBX): always called, besides the user's registrations. */
  readonly contact?: string
}

/** Users and their digest secrets (the node's user store). HA1 is a password equivalent for SIP only. */
export interface SipDirectory {
  ha1(user: string, realm: string, algorithm: DigestAlgorithm): string | undefined
  user(name: string): SipUser | undefined
  userByNumber(number: E164): SipUser | undefined
}

export interface RouteToNumber {
  readonly sipUri: string
  readonly ticket: string
  readonly domain: string
}

export interface CallAgentEvent {
  readonly type:
    'ticket-checked' | 'call-started' | 'call-ended' | 'fallback' | 'auth-failed' | 'trunk' | 'scan-detected'
  readonly [k: string]: unknown
}

export interface FaceConfig {
  /** 0 picks a free port; undefined: no listener of that transport. */
  readonly tcpPort?: number
  readonly wsPort?: number
  /** SIP over UDP, for phones and trunks that speak nothing else (and what scanners probe). */
  readonly udpPort?: number
  readonly tls?: TlsFiles
  /** The digest algorithms its listeners challenge with, in order (default: MD5 only; docs/interop.md). */
  readonly digest?: DigestOffer
}

export interface CallAgentConfig {
  readonly domain: string
  readonly host: string
  readonly edge: FaceConfig
  readonly internal: FaceConfig
  /** The PSTN gateway and this enterprise's trunk account there. */
  readonly pstn?: { readonly uri: string; readonly user: string; readonly password: string }
  readonly directory: SipDirectory
  /** The freshest learned route to a number, if any. */
  readonly routeTo: (number: E164) => RouteToNumber | undefined
  /** The ticket check (src/tickets verifyTicket with this domain's keys). */
  readonly checkTicket: (
    ticket: string | undefined,
    expected: { calledNumber: string; callingDomain: string },
  ) => Result<unknown, TicketRejection>
  /** Where call records go; `ended` finishes one. */
  readonly calls?: {
    /** A call record; `sipCallId` with a call in progress (answered, not yet ended). */
    started(record: NewCallRecord, sipCallId?: string): void
    ended(id: string, end: number, outcome: CallOutcome, sipCallId: string): void
    /**
     * The records of a call in progress this agent does not know (it was answered before a restart), if the
     * store kept them: its BYE then still ends them. None: not known.
     */
    inProgress?(sipCallId: string): readonly ActiveCall[]
  }
  readonly clock: Clock
  /** How long an IME route may take to connect and answer before the call falls back to the PSTN (ms). */
  readonly imeTimeoutMs?: number
  /**
   * An outbound proxy (an enterprise's SBC, e.g. Kamailio) that calls to other enterprises leave through:
   * sip:HOST:PORT;transport=tcp. The INVITE goes there with a Route to it; the Request-URI stays the route's.
   */
  readonly outboundProxy?: string
  /** The key of the Record-Route flow tokens (32 bytes), kept across restarts so calls outlive one. */
  readonly routeSecret?: Uint8Array
  readonly onEvent?: (e: CallAgentEvent) => void
  /**
   * Who a softphone's WebSocket upgrade is signed in as (the node's HTTP session): its REGISTER and INVITEs
   * on that connection are then that user's without a digest challenge (a softphone opened by a one-time
   * sign-in link does not know the password).
   */
  readonly sessionUser?: (req: IncomingMessage) => string | undefined
}

/** Failed digest answers per user and address before a lockout; the lockout's length (ms). */
const AUTH_FAILURES_BEFORE_LOCKOUT = 10
const AUTH_LOCKOUT_MS = 10 * 60_000
/** Refused tickets per source address per minute before it is rate-limited for a minute. */
const TICKET_REFUSALS_PER_MINUTE = 30

export interface CallAgentCounters {
  ticketsAccepted: number
  ticketsRefused: Record<string, number>
  rateLimited: number
  callsByPath: Record<CallPath, number>
  fallbacks: number
  authFailures: number
  scansBlocked: number
}

/** A call in progress: the record it started, and when. */
export interface ActiveCall {
  readonly recordId: string
  readonly start: number
}

const outcomeOf = (status: number): CallOutcome =>
  status === 486 || status === 600
    ? 'busy'
    : status === 408 || status === 480 || status === 487
      ? 'no-answer'
      : 'rejected'

export class CallAgent {
  readonly registrations = new Registrations()
  readonly counters: CallAgentCounters = {
    ticketsAccepted: 0,
    ticketsRefused: {},
    rateLimited: 0,
    callsByPath: { pstn: 0, ime: 0, internal: 0 },
    fallbacks: 0,
    authFailures: 0,
    scansBlocked: 0,
  }
  private readonly hub: SipTransportHub
  private readonly core: SipProxyCore
  private readonly nonces: NonceSource
  private readonly realm: string
  private edgeListeners: SipListener[] = []
  private internalListeners: SipListener[] = []
  private readonly authFailures = new Map<string, { count: number; until: number }>()
  private readonly refusals = new Map<string, { count: number; windowStart: number }>()
  /** Calls in progress by SIP Call-ID: the records each started (two for an internal call). */
  private readonly active = new Map<string, readonly ActiveCall[]>()
  private trunk: PstnTrunk | undefined
  private edgePorts: { tcp?: number; ws?: number; udp?: number } = {}
  private readonly scanners = new ScannerWatch()

  private constructor(private readonly config: CallAgentConfig) {
    this.realm = config.domain
    this.nonces = new NonceSource(randomBytes(32), this.realm)
    this.hub = new SipTransportHub((m, c) => this.onMessage(m, c))
    // A WebSocket client's bindings live and die with its flow (RFC 5626, RFC 7118).
    this.hub.onConnectionClosed((c) => this.registrations.dropConnection(c.id))
    this.core = new SipProxyCore({
      hub: this.hub,
      clock: config.clock,
      connectTimeoutMs: 5_000,
      recordRouteUri: (face, transport) => this.uriOf(face, transport),
      onInDialog: (req) => this.onInDialog(req),
      ...(config.routeSecret !== undefined && { routeSecret: config.routeSecret }),
    })
  }

  static async start(config: CallAgentConfig): Promise<CallAgent> {
    const agent = new CallAgent(config)
    try {
      agent.internalListeners = await agent.listenFace('internal', config.internal)
      await agent.edgeUp()
      if (config.pstn !== undefined) {
        agent.trunk = new PstnTrunk(agent.hub, config.pstn, config.host, (e) =>
          config.onEvent?.({ type: 'trunk', ...e }),
        )
        await agent.trunk.start()
      }
    } catch (e) {
      await agent.stop()
      throw e
    }
    return agent
  }

  private async listenFace(face: string, f: FaceConfig): Promise<SipListener[]> {
    const out: SipListener[] = []
    const host = this.config.host
    if (f.tcpPort !== undefined)
      out.push(await this.hub.listenStream({ face, host, port: f.tcpPort, ...(f.tls && { tls: f.tls }) }))
    const sessionUser = face === 'internal' ? this.config.sessionUser : undefined
    if (f.wsPort !== undefined) {
      out.push(
        await this.hub.listenWebSocket({
          face,
          host,
          port: f.wsPort,
          ...(f.tls && { tls: f.tls }),
          ...(sessionUser !== undefined && { authenticateUpgrade: sessionUser }),
        }),
      )
    }
    if (f.udpPort !== undefined) out.push(await this.hub.listenDatagram({ face, host, port: f.udpPort }))
    return out
  }

  /** Where each face listens. */
  get addresses() {
    const of = (ls: SipListener[], t: string) => ls.find((l) => l.transport === t)?.port
    return {
      edge: {
        tcp: of(this.edgeListeners, 'TCP') ?? of(this.edgeListeners, 'TLS'),
        ws: of(this.edgeListeners, 'WS') ?? of(this.edgeListeners, 'WSS'),
        udp: of(this.edgeListeners, 'UDP'),
      },
      internal: {
        tcp: of(this.internalListeners, 'TCP') ?? of(this.internalListeners, 'TLS'),
        ws: of(this.internalListeners, 'WS') ?? of(this.internalListeners, 'WSS'),
        udp: of(this.internalListeners, 'UDP'),
      },
    }
  }

  get edgeIsUp(): boolean {
    return this.edgeListeners.length > 0
  }

  get trunkRegistered(): boolean {
    return this.trunk?.registered ?? false
  }

  /** Takes the edge down (stands in for an Internet failure): listeners and their connections close. */
  async edgeDown(): Promise<void> {
    const ls = this.edgeListeners
    this.edgeListeners = []
    for (const l of ls) await l.close()
  }

  /** Brings the edge up again, on the same ports as before. */
  async edgeUp(): Promise<void> {
    if (this.edgeListeners.length > 0) return
    const f = this.config.edge
    this.edgeListeners = await this.listenFace('edge', {
      ...f,
      ...(f.tcpPort !== undefined && { tcpPort: this.edgePorts.tcp ?? f.tcpPort }),
      ...(f.wsPort !== undefined && { wsPort: this.edgePorts.ws ?? f.wsPort }),
      ...(f.udpPort !== undefined && { udpPort: this.edgePorts.udp ?? f.udpPort }),
    })
    const a = this.addresses.edge
    this.edgePorts = {
      ...(a.tcp !== undefined && { tcp: a.tcp }),
      ...(a.ws !== undefined && { ws: a.ws }),
      ...(a.udp !== undefined && { udp: a.udp }),
    }
  }

  async stop(): Promise<void> {
    this.trunk?.stop()
    this.core.stop()
    await this.hub.close()
  }

  /** Our URI on a face for a transport: that listener, else the face's first (e.g. UDP phones get TCP). */
  private uriOf(face: string, transport: SipTransportName): string {
    const ls = face === 'edge' ? this.edgeListeners : this.internalListeners
    const l = ls.find((x) => x.transport === transport) ?? ls[0] ?? this.internalListeners[0]
    return `sip:${this.config.host}:${l?.port ?? 5060};transport=${(l?.transport ?? 'TCP').toLowerCase()};lr`
  }

  private emit(e: CallAgentEvent): void {
    this.config.onEvent?.(e)
  }

  // ---- dispatch ------------------------------------------------------------------------------------------------

  private onMessage(m: SipMessage, conn: SipConnection): void {
    if (m.kind === 'response') {
      if (this.trunk?.onResponse(m, conn) === true) return
      return this.core.onResponse(m)
    }
    const req = m
    if (conn.face === 'edge' || conn.face === 'internal') {
      // Scanners (sipvicious and the like) are noticed, logged once, and then not answered at all for a while.
      const seen = this.scanners.check(req, conn.remoteAddress, this.config.clock.now())
      // Calls set up before the block go on: an in-dialog request with our own untampered flow token is no scan
      // (someone behind the same address may be in a call; hanging it up must still work).
      if (seen.blocked && !(toTag(req) !== undefined && this.core.isOurDialog(req))) {
        this.counters.scansBlocked++
        if (seen.first) this.emit({ type: 'scan-detected', source: conn.remoteAddress, face: conn.face, why: seen.why })
        return
      }
    }
    if (this.core.absorbs(req, conn)) return
    const hops = decrementMaxForwards(req)
    if (!hops.ok) return this.core.reply(req, conn, 483, 'Too Many Hops')
    if (req.method === 'CANCEL') return this.core.onCancel(req, conn)
    if (req.method === 'ACK' || toTag(req) !== undefined) {
      return this.core.inDialog(req, conn, (uri) => this.resolveContact(uri))
    }
    if (req.method === 'OPTIONS') return this.core.reply(req, conn, 200, 'OK', [['Allow', ALLOW]])
    if (conn.face === 'edge') return this.onEdge(req, conn)
    if (conn.face === 'internal') return this.onInternal(req, conn)
    if (this.trunk?.isTrunk(conn) === true) return this.onPstnInbound(req, conn)
    this.core.reply(req, conn, 403, 'Requests are not accepted on this connection')
  }

  private resolveContact(uri: string): ForwardTarget | undefined {
    const found = this.registrations.findContact(uri, this.config.clock.now())
    const conn = found === undefined ? undefined : this.hub.connection(found.binding.connectionId)
    return conn === undefined ? undefined : { uri, connection: conn }
  }

  private onInDialog(req: SipRequest): void {
    if (req.method !== 'BYE') return
    const id = callId(req)
    const records = id === undefined ? undefined : (this.active.get(id) ?? this.config.calls?.inProgress?.(id))
    if (records === undefined || records.length === 0 || id === undefined) return
    this.active.delete(id)
    const now = this.config.clock.now()
    for (const call of records) this.config.calls?.ended(call.recordId, Math.max(call.start, now), 'answered', id)
    this.emit({ type: 'call-ended', callId: id })
  }

  // ---- edge: the ticket gate -----------------------------------------------------------------------------------

  private onEdge(req: SipRequest, conn: SipConnection): void {
    if (req.method !== 'INVITE') {
      return this.core.reply(req, conn, 405, 'Only INVITE is accepted at the edge', [
        ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS'],
      ])
    }
    const now = this.config.clock.now()
    const source = conn.remoteAddress
    const r = this.refusals.get(source)
    if (r !== undefined && now - r.windowStart < 60_000 && r.count >= TICKET_REFUSALS_PER_MINUTE) {
      this.counters.rateLimited++
      return this.core.reply(req, conn, 403, 'Too many refused tickets from this address; try later')
    }
    const called = numberIn(req.uri)
    const from = fromAddress(req)
    const callingDomain = from.ok ? hostOf(from.value.uri) : undefined
    const verdict =
      called === undefined || callingDomain === undefined
        ? undefined
        : this.config.checkTicket(req.headers.get('X-IME-Ticket'), { calledNumber: called, callingDomain })
    if (verdict === undefined || !verdict.ok) {
      const code = verdict === undefined ? 'malformed' : verdict.error.code
      const reason = verdict === undefined ? 'Request-URI or From is not a number at a domain' : verdict.error.reason
      this.counters.ticketsRefused[code] = (this.counters.ticketsRefused[code] ?? 0) + 1
      const w = r === undefined || now - r.windowStart >= 60_000 ? { count: 0, windowStart: now } : r
      w.count++
      this.refusals.set(source, w)
      if (this.refusals.size > 50_000) this.refusals.clear()
      this.scanners.noteRefusal(source, now)
      this.emit({ type: 'ticket-checked', ok: false, code, reason, source, called })
      return this.core.reply(req, conn, 403, reason)
    }
    this.counters.ticketsAccepted++
    // The ticket has done its work here: it is a bearer credential, and the callee's phone has no use for it.
    // The phone is told the path instead, to show "IME" (a header it may use; nothing trusts it).
    req.headers.remove('X-IME-Ticket')
    req.headers.remove('X-IME-Path')
    req.headers.add('X-IME-Path', 'ime')
    this.emit({ type: 'ticket-checked', ok: true, called, callingDomain, source })
    const user = this.config.directory.userByNumber(called!)
    if (user === undefined) return this.core.reply(req, conn, 404, 'No such number here')
    this.forkToUser(req, conn, user, 'ime', { direction: 'inbound', caller: callerNumber(req), called: called! })
  }

  // ---- internal: registrar and the enterprise's own calls ------------------------------------------------------

  private onInternal(req: SipRequest, conn: SipConnection): void {
    if (req.method === 'REGISTER') {
      const user = this.authenticate(req, conn, 'Authorization')
      if (user !== undefined) this.register(req, conn, user)
      return
    }
    if (req.method !== 'INVITE') return this.core.reply(req, conn, 405, undefined, [['Allow', ALLOW]])
    const user = this.authenticate(req, conn, 'Proxy-Authorization')
    if (user === undefined) return
    this.routeUserCall(req, conn, user)
  }

  /** The authenticated user, or undefined after answering 401/407/403. Unknown users fail like wrong passwords. */
  private authenticate(req: SipRequest, conn: SipConnection, header: 'Authorization' | 'Proxy-Authorization') {
    if (conn.principal !== undefined) {
      // Signed in by the upgrade's session: only as that user (a REGISTER's To must be theirs).
      const to = toAddress(req)
      const aor = to.ok ? parseSipUri(to.value.uri) : undefined
      const user = this.config.directory.user(conn.principal)
      if (user === undefined) return this.core.reply(req, conn, 403, 'Signed-in user is not a SIP user')
      if (
        req.method === 'REGISTER' &&
        aor?.ok === true &&
        aor.value.user !== user.name &&
        aor.value.user !== user.number
      ) {
        return this.core.reply(req, conn, 403, `Signed in as ${user.name}: cannot register ${aor.value.user ?? 'that'}`)
      }
      return user
    }
    const now = this.config.clock.now()
    const status = header === 'Authorization' ? 401 : 407
    const challengeHeader = header === 'Authorization' ? 'WWW-Authenticate' : 'Proxy-Authenticate'
    const face = conn.face === 'edge' ? this.config.edge : this.config.internal
    const algorithms = offeredAlgorithms(face.digest, conn.transport)
    const challenge = (stale = false) => {
      const to = toAddress(req)
      const target = to.ok ? parseSipUri(to.value.uri) : undefined
      this.scanners.noteChallenge(conn.remoteAddress, target?.ok === true ? (target.value.user ?? '') : '', now)
      return this.core.reply(
        req,
        conn,
        status,
        undefined,
        challengeValues(this.realm, this.nonces.issue(now), stale, algorithms).map(
          (v) => [challengeHeader, v] as [string, string],
        ),
      )
    }
    const values = authValues(req, header)
    const mine = values.ok ? values.value.find((v) => v.params.get('realm') === this.realm) : undefined
    if (mine === undefined) return challenge()
    const creds = readCredentials(mine)
    if (!creds.ok) return this.core.reply(req, conn, 400, `Bad credentials: ${creds.error}`)
    const c = creds.value
    // Only an algorithm this listener offers is taken (no downgrade to one the operator turned off).
    if (!algorithms.includes(c.algorithm)) return challenge()
    const lockKey = `${c.user}|${conn.remoteAddress}`
    const lock = this.authFailures.get(lockKey)
    if (lock !== undefined && lock.until > now) {
      return this.core.reply(req, conn, 403, 'Too many failed attempts; try later')
    }
    const nonce = this.nonces.check(c.nonce, now)
    if (nonce === 'invalid') return challenge()
    const ha1 = this.config.directory.ha1(c.user, this.realm, c.algorithm) ?? randomBytes(32).toString('hex')
    if (!responseMatches(c, ha1, req.method)) {
      this.counters.authFailures++
      this.scanners.noteRefusal(conn.remoteAddress, now)
      const f = lock !== undefined && lock.until <= now && lock.count >= AUTH_FAILURES_BEFORE_LOCKOUT ? undefined : lock
      const count = (f?.count ?? 0) + 1
      this.authFailures.set(lockKey, {
        count,
        until: count >= AUTH_FAILURES_BEFORE_LOCKOUT ? now + AUTH_LOCKOUT_MS : 0,
      })
      if (this.authFailures.size > 50_000) this.authFailures.clear()
      this.emit({ type: 'auth-failed', user: c.user, source: conn.remoteAddress })
      return challenge()
    }
    if (nonce === 'stale') return challenge(true)
    this.authFailures.delete(lockKey)
    return this.config.directory.user(c.user)
  }

  private register(req: SipRequest, conn: SipConnection, user: SipUser): void {
    const cs = contactsOf(req)
    if (!cs.ok) return this.core.reply(req, conn, 400, `Bad Contact: ${cs.error}`)
    const headerExpires = expiresOf(req)
    const defaultExpires =
      headerExpires.ok && headerExpires.value !== undefined ? headerExpires.value : DEFAULT_EXPIRES_S
    const seq = cseq(req)
    const updates =
      cs.value === '*'
        ? '*'
        : cs.value.map((c) => {
            const e = c.params.find((p) => p.name.toLowerCase() === 'expires')?.value
            return { contact: c.uri, expires: e !== undefined && /^\d+$/.test(e) ? Number(e) : defaultExpires }
          })
    const result = this.registrations.update(
      user.name,
      updates,
      {
        connectionId: conn.id,
        callId: callId(req) ?? '',
        cseq: seq.ok ? seq.value.seq : 0,
        flow: conn.transport === 'WS' || conn.transport === 'WSS',
      },
      this.config.clock.now(),
    )
    if (!result.ok) {
      const extra: [string, string][] = result.error.status === 423 ? [['Min-Expires', '30']] : []
      return this.core.reply(req, conn, result.error.status, result.error.reason, extra)
    }
    const now = this.config.clock.now()
    const contactsHeader = result.value.map(
      (b) =>
        ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`] as [
          string,
          string,
        ],
    )
    this.core.reply(req, conn, 200, 'OK', contactsHeader)
  }

  private routeUserCall(req: SipRequest, conn: SipConnection, user: SipUser): void {
    const target = parseSipUri(req.uri)
    if (!target.ok) return this.core.reply(req, conn, 416, 'Unsupported URI Scheme')
    const localUser = target.value.user === undefined ? undefined : this.config.directory.user(target.value.user)
    const number = numberIn(req.uri)
    const local = localUser ?? (number === undefined ? undefined : this.config.directory.userByNumber(number))
    if (local !== undefined) {
      // The callee's phone (and, in the answers, the caller's) is told the path, to show "Internal".
      req.headers.remove('X-IME-Path')
      req.headers.add('X-IME-Path', 'internal')
      const called = number ?? local.number
      return this.forkToUser(req, conn, local, 'internal', {
        direction: 'inbound',
        caller: user.number,
        called,
        from: user,
      })
    }
    if (number === undefined) return this.core.reply(req, conn, 404, 'Not a local user or an E.164 number')
    const caller = user.number
    if (caller !== undefined) {
      req.headers.remove('P-Asserted-Identity')
      req.headers.add('P-Asserted-Identity', `<sip:${caller}@${this.config.domain}>`)
    }
    req.headers.remove('X-IME-Ticket')
    const groups: ForwardTarget[][] = []
    // A softphone that tried IME itself and fell back (X-IME-Fallback: 1, decided by the shared policy) asks for
    // the PSTN: the learned route is not tried a second time.
    const softphoneFellBack = req.headers.get('X-IME-Fallback') === '1'
    const route = softphoneFellBack ? undefined : this.config.routeTo(number)
    if (route !== undefined) {
      const proxy = this.config.outboundProxy
      const viaProxy = proxy === undefined ? undefined : addressOf(proxy)
      groups.push([
        {
          uri: route.sipUri,
          label: 'ime',
          answerTimeoutMs: this.config.imeTimeoutMs ?? 2_000,
          ...(viaProxy !== undefined && { address: viaProxy }),
          headers: [
            ...(viaProxy !== undefined ? [['Route', `<${proxy!.replace(/;lr\b/, '')};lr>`] as const] : []),
            ['X-IME-Ticket', route.ticket],
          ],
        },
      ])
    }
    req.headers.remove('X-IME-Path')
    const pstn = this.trunk?.targetFor(number)
    if (pstn !== undefined) groups.push([{ ...pstn, label: 'pstn' }])
    if (groups.length === 0) return this.core.reply(req, conn, 503, 'No route and no PSTN gateway')
    this.counters.callsByPath[route !== undefined ? 'ime' : 'pstn']++
    // A softphone that tried IME itself first says so; a failover here is one too.
    const details = {
      direction: 'outbound' as const,
      caller,
      called: number,
      user: user.name,
      fallback: softphoneFellBack,
    }
    req.headers.remove('X-IME-Fallback')
    this.core.forward(req, conn, {
      groups,
      recordRoute: true,
      // The one fallback policy, shared with the softphone. The proxy core answers for a route it could not
      // reach with 503, and for one that did not answer within the IME timeout with 408: both fall back.
      failover: (best, label) => label === 'ime' && statusFallsBack(best.status),
      onFailover: (best, _from, _to, detail) => {
        details.fallback = true
        this.counters.fallbacks++
        this.counters.callsByPath.pstn++
        const reason = detail === undefined ? best.reason : `${best.reason}: ${detail}`
        this.emit({ type: 'fallback', number, status: best.status, reason, user: user.name })
      },
      onResponse: (res, label) => this.track(req, res, (label as 'ime' | 'pstn' | undefined) ?? 'pstn', [details]),
    })
  }

  private onPstnInbound(req: SipRequest, conn: SipConnection): void {
    if (req.method !== 'INVITE') return this.core.reply(req, conn, 405, undefined, [['Allow', ALLOW]])
    const called = numberIn(req.uri)
    const user = called === undefined ? undefined : this.config.directory.userByNumber(called)
    if (user === undefined || called === undefined) return this.core.reply(req, conn, 404, 'No such number here')
    req.headers.remove('X-IME-Path')
    req.headers.add('X-IME-Path', 'pstn')
    this.forkToUser(req, conn, user, 'pstn', { direction: 'inbound', caller: callerNumber(req), called })
  }

  /**
   * Forks a call to a local user's phones. `record` describes the callee's side of it; for an internal call
   * `record.from` is the calling user, whose side is recorded too.
   */
  private forkToUser(
    req: SipRequest,
    conn: SipConnection,
    user: SipUser,
    path: CallPath,
    record: { direction: 'inbound'; caller: E164 | undefined; called: E164 | undefined; from?: SipUser },
  ): void {
    const bindings = this.registrations.current(user.name, this.config.clock.now())
    const targets: ForwardTarget[] = []
    if (user.contact !== undefined) targets.push({ uri: user.contact, label: path })
    for (const b of bindings) {
      const c = this.hub.connection(b.connectionId)
      if (c !== undefined && c.isOpen) targets.push({ uri: b.contact, connection: c, label: path })
      // A flow-bound binding whose flow has gone cannot be reached (never dial a WebSocket client's .invalid host).
      else if (!b.flowBound) targets.push({ uri: b.contact, label: path })
    }
    if (targets.length === 0) return this.core.reply(req, conn, 480, 'Temporarily Unavailable: not registered')
    this.counters.callsByPath[path]++
    const { caller, called, from } = record
    const parties: Party[] = [{ direction: 'inbound', caller, called, user: user.name }]
    if (from !== undefined) parties.unshift({ direction: 'outbound', caller, called, user: from.name })
    this.core.forward(req, conn, {
      groups: [targets],
      recordRoute: true,
      onResponse: (res) => {
        if (path === 'internal') {
          res.headers.remove('X-IME-Path')
          res.headers.add('X-IME-Path', 'internal')
        }
        this.track(req, res, path, parties)
      },
    })
  }

  /**
   * Call records from the responses of a call's INVITE, one for each party here (two for an internal call):
   * answered -> started (ended by BYE); failed -> kept. Without both numbers nothing is recorded.
   */
  private track(req: SipRequest, res: SipResponse, path: CallPath, parties: readonly Party[]): void {
    const first = parties[0]
    if (res.status < 200 || this.config.calls === undefined || first === undefined) return
    const { caller, called } = first
    if (caller === undefined || called === undefined) return
    const id = callId(req)
    if (id === undefined || (res.status < 300 && this.active.has(id))) return
    const now = this.config.clock.now()
    const records = parties.map((d) => ({
      id: `${d.direction === 'inbound' ? 'in' : 'out'}-${randomBytes(8).toString('hex')}`,
      direction: d.direction,
      caller,
      called,
      start: now,
      path,
      user: d.user,
      ...(path === 'pstn' && d.fallback === true && { fallback: true }),
    }))
    if (res.status < 300) {
      for (const r of records) this.config.calls.started(r, id)
      this.active.set(
        id,
        records.map((r) => ({ recordId: r.id, start: now })),
      )
      this.emit({ type: 'call-started', callId: id, path, ...first })
    } else {
      for (const r of records) this.config.calls.started({ ...r, end: now, outcome: outcomeOf(res.status) })
    }
  }
}

/** One side of a call that this node keeps a record of: the local user's. */
interface Party {
  readonly direction: 'inbound' | 'outbound'
  readonly caller: E164 | undefined
  readonly called: E164 | undefined
  readonly user: string
  readonly fallback?: boolean
}

const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, UPDATE, REFER, NOTIFY, PRACK'

/** User-Agent values of well-known SIP scanners (sipvicious and its forks, sipcli, sundayddr...). */
const SCANNER_AGENTS = /friendly-scanner|sipvicious|sipcli|sip-scan|sundayddr|sipsak|vaxsipuseragent|pplsip|iWar|sivus/i
/**
 * One source is taken for a scanner when, within a minute, it is challenged for more distinct users than a real
 * office behind one address has phones (extension enumeration), or causes more refusals (wrong passwords,
 * refused tickets) than any honest client would.
 */
const DISTINCT_USERS_PER_SOURCE_PER_MINUTE = 30
const REFUSALS_PER_SOURCE_PER_MINUTE = 60
/** How long a scanner's address is ignored (ms). */
const SCANNER_BLOCK_MS = 10 * 60_000

/**
 * Notices scanners: a known scanner User-Agent, or one source probing many users or failing often. A noticed
 * source is not answered at all for a while: a scanner learns nothing, and costs nothing but a lookup.
 */
export class ScannerWatch {
  private readonly blocked = new Map<string, number>()
  private readonly window = new Map<string, { since: number; users: Set<string>; refusals: number }>()

  check(req: SipRequest, source: string, now: number): { blocked: boolean; first: boolean; why?: string } {
    const until = this.blocked.get(source)
    if (until !== undefined && until > now) return { blocked: true, first: false }
    const agent = req.headers.get('User-Agent') ?? ''
    if (SCANNER_AGENTS.test(agent))
      return this.block(source, now, `scanner user agent ${JSON.stringify(agent.slice(0, 60))}`)
    const w = this.window.get(source)
    if (w !== undefined && now - w.since < 60_000) {
      if (w.users.size > DISTINCT_USERS_PER_SOURCE_PER_MINUTE) {
        return this.block(source, now, `challenged for ${w.users.size} different users within a minute`)
      }
      if (w.refusals > REFUSALS_PER_SOURCE_PER_MINUTE) {
        return this.block(source, now, `${w.refusals} refusals within a minute`)
      }
    }
    return { blocked: false, first: false }
  }

  private current(source: string, now: number) {
    let w = this.window.get(source)
    if (w === undefined || now - w.since >= 60_000) {
      w = { since: now, users: new Set(), refusals: 0 }
      this.window.set(source, w)
      if (this.window.size > 50_000) this.window.clear()
    }
    return w
  }

  /** A digest challenge sent to this source for this user. */
  noteChallenge(source: string, user: string, now: number): void {
    const w = this.current(source, now)
    if (w.users.size <= DISTINCT_USERS_PER_SOURCE_PER_MINUTE) w.users.add(user)
  }

  /** A wrong password or a refused ticket from this source. */
  noteRefusal(source: string, now: number): void {
    this.current(source, now).refusals++
  }

  private block(source: string, now: number, why: string) {
    this.blocked.set(source, now + SCANNER_BLOCK_MS)
    this.window.delete(source)
    if (this.blocked.size > 50_000) this.blocked.clear()
    return { blocked: true, first: true, why }
  }
}

/** The E.164 number a SIP URI's user part holds ('+' and digits; visual separators allowed), if any. */
export function numberIn(uri: string): E164 | undefined {
  const u = parseSipUri(uri)
  if (!u.ok || u.value.user === undefined) {
    const tel = /^tel:(\+[0-9]{2,15})/.exec(uri)
    return tel !== null && isE164(tel[1]!) ? (tel[1] as E164) : undefined
  }
  const digits = u.value.user.split(';')[0]!.replace(/[-.() ]/g, '')
  return isE164(digits) ? digits : undefined
}

/** The caller's number: from P-Asserted-Identity (set by the PSTN or the caller's own proxy), else From. */
export function callerNumber(req: SipRequest): E164 | undefined {
  const pai = req.headers.get('P-Asserted-Identity')
  const paiAddr = pai === undefined ? undefined : parseNameAddr(pai)
  if (paiAddr?.ok === true) {
    const n = numberIn(paiAddr.value.uri)
    if (n !== undefined) return n
  }
  const from = fromAddress(req)
  return from.ok ? numberIn(from.value.uri) : undefined
}

function hostOf(uri: string): string | undefined {
  const u = parseSipUri(uri)
  return u.ok ? u.value.host.toLowerCase() : undefined
}

/**
 * This enterprise's trunk to the PSTN gateway: one TCP connection, registered with digest authentication and
 * kept registered; reconnects when it drops. Calls arriving on it are PSTN calls.
 */
export class PstnTrunk {
  private conn: SipConnection | undefined
  private registeredUntil = 0
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private pending: { branch: string; resolve: (r: SipResponse) => void } | undefined
  private cseqNo = 1
  private readonly callIdValue = `trunk-${randomBytes(8).toString('hex')}`
  private readonly fromTagValue = newTag()

  constructor(
    private readonly hub: SipTransportHub,
    private readonly account: { uri: string; user: string; password: string },
    private readonly host: string,
    private readonly log: (e: { state: string; detail?: string }) => void,
  ) {}

  get registered(): boolean {
    return this.conn?.isOpen === true && this.registeredUntil > Date.now()
  }

  isTrunk(conn: SipConnection): boolean {
    return this.conn !== undefined && conn.id === this.conn.id
  }

  /** Where a PSTN call to a number goes: over the trunk connection when it is up. */
  targetFor(number: E164): ForwardTarget | undefined {
    const gw = parseSipUri(this.account.uri)
    if (!gw.ok) return undefined
    const uri = `sip:${number}@${gw.value.host}${gw.value.port !== undefined ? ':' + gw.value.port : ''};transport=tcp`
    return this.conn?.isOpen === true ? { uri, connection: this.conn } : { uri }
  }

  async start(): Promise<void> {
    await this.refresh().catch((e: Error) => this.log({ state: 'down', detail: e.message }))
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    clearTimeout(this.timer)
    this.timer = setTimeout(
      () => void this.refresh().catch((e: Error) => this.log({ state: 'down', detail: e.message })),
      ms,
    )
    this.timer.unref()
  }

  private async refresh(): Promise<void> {
    const gw = parseSipUri(this.account.uri)
    if (!gw.ok) throw new Error(`PSTN gateway URI: ${gw.error}`)
    try {
      this.conn = await this.hub.connect({ transport: 'TCP', host: gw.value.host, port: gw.value.port ?? 5060 }, 5_000)
      let res = await this.sendRegister(undefined)
      if (res.status === 401) {
        const challenge = authValues(res, 'WWW-Authenticate')
        const md5 = challenge.ok
          ? (challenge.value.find((c) => c.params.get('algorithm') === 'MD5') ?? challenge.value[0])
          : undefined
        if (md5 === undefined) throw new Error('the gateway sent 401 without a challenge')
        const auth = answerChallenge(md5, this.account, 'REGISTER', this.registerUri(), randomBytes(8).toString('hex'))
        if (!auth.ok) throw new Error(auth.error)
        res = await this.sendRegister(auth.value)
      }
      if (res.status !== 200) throw new Error(`the gateway answered ${res.status} ${res.reason} to REGISTER`)
      this.registeredUntil = Date.now() + 300_000
      this.log({ state: 'registered' })
      this.schedule(120_000)
    } catch (e) {
      this.registeredUntil = 0
      this.schedule(1_000)
      throw e
    }
  }

  private registerUri(): string {
    const gw = parseSipUri(this.account.uri)
    return gw.ok ? `sip:${gw.value.host}${gw.value.port !== undefined ? ':' + gw.value.port : ''}` : this.account.uri
  }

  private sendRegister(authorization: string | undefined): Promise<SipResponse> {
    const conn = this.conn!
    const branch = newBranch()
    const h = new SipHeaders()
    h.add('Via', `SIP/2.0/TCP ${this.host};branch=${branch}`)
    h.add('Max-Forwards', '70')
    h.add(
      'From',
      `<sip:${this.account.user}@${parseSipUri(this.account.uri).ok ? this.registerUri().slice(4) : 'pstn'}>;tag=${this.fromTagValue}`,
    )
    h.add('To', `<sip:${this.account.user}@${this.registerUri().slice(4)}>`)
    h.add('Call-ID', this.callIdValue)
    h.add('CSeq', `${this.cseqNo++} REGISTER`)
    h.add('Contact', `<sip:${this.account.user}@${this.host};transport=tcp>`)
    h.add('Expires', '300')
    if (authorization !== undefined) h.add('Authorization', authorization)
    h.add('Content-Length', '0')
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer to REGISTER within 5 s')), 5_000)
      this.pending = {
        branch,
        resolve: (r) => {
          clearTimeout(timer)
          resolve(r)
        },
      }
      if (!conn.send(newRequest('REGISTER', this.registerUri(), h))) {
        clearTimeout(timer)
        reject(new Error('the trunk connection is closed'))
      }
    })
  }

  /** Responses to our REGISTERs. */
  onResponse(res: SipResponse, conn: SipConnection): boolean {
    if (!this.isTrunk(conn) || this.pending === undefined) return false
    const via = res.headers.get('Via') ?? ''
    if (!via.includes(this.pending.branch)) return false
    if (res.status < 200) return true
    const p = this.pending
    this.pending = undefined
    p.resolve(res)
    return true
  }
}
