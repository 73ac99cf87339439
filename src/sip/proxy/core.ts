/**
 * A transaction-stateful SIP proxy core (RFC 3261 section 16) over connection-oriented transports, shared by the
 * enterprise call agent and the PSTN gateway. The owner decides where an initial request goes (a policy); the
 * core forwards it: parallel forking within a group of targets, serial failover between groups, Record-Route,
 * CANCEL, ACK for non-2xx, best-response selection, timers. In-dialog requests follow the Record-Route this core
 * wrote: its URI carries the two connections of the dialog and the caller's tag under an HMAC, so a BYE from
 * either side goes down the right flow (a browser's WebSocket cannot be dialled) and no one can forge a route
 * through us to someone else's connection.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../../core/clock.js'
import { SipHeaders } from '../message/headers.js'
import {
  addRecordRoute,
  addVia,
  branch as branchOf,
  callId as callIdOf,
  cseq as cseqOf,
  fromTag as fromTagOf,
  newRequest,
  responseTo,
  routes as routesOf,
  toTag as toTagOf,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/message.js'
import type { SipConnection, SipTarget, SipTransportHub, SipTransportName } from '../transport/hub.js'
import { isBetterResponse } from './response-choice.js'
import { parseSipUri, uriParam } from '../message/uri.js'

export interface ForwardTarget {
  /** The Request-URI to send. */
  readonly uri: string
  /** Send down this connection (a registered flow) ... */
  readonly connection?: SipConnection
  /** ... or open (or reuse) a connection to this address. */
  readonly address?: SipTarget
  /** Header fields to add to this branch (e.g. X-IME-Ticket). */
  readonly headers?: readonly (readonly [string, string])[]
  /** Give up on this branch when it has not answered at all within this time (ms), e.g. an IME route's 2 s. */
  readonly answerTimeoutMs?: number
  /** A label the owner's callbacks get back (e.g. 'ime', 'pstn'). */
  readonly label?: string
}

export interface ForwardOptions {
  /** Groups tried in turn; the targets of one group are forked in parallel. */
  readonly groups: readonly (readonly ForwardTarget[])[]
  readonly recordRoute: boolean
  /** Whether a group's best final response should make the core try the next group (default: never). */
  readonly failover?: (best: SipResponse, label: string | undefined) => boolean
  /** Every response forwarded upstream (after the core's own checks), with the branch's label. */
  readonly onResponse?: (res: SipResponse, label: string | undefined) => void
  /**
   * Called when the core moves on to another group, with the response that made it; `detail` is the local error
   * behind a response the core made up (e.g. the connection error of an unreachable route), for logs only.
   */
  readonly onFailover?: (
    best: SipResponse,
    from: string | undefined,
    to: string | undefined,
    detail: string | undefined,
  ) => void
  /** Headers (name, value) to add to every forwarded response upstream. */
  readonly delayMs?: () => number
}

export interface ProxyCoreConfig {
  readonly hub: SipTransportHub
  readonly clock: Clock
  /**
   * Our URI on a face for a transport, for Record-Route (e.g. sip:127.0.0.1:5070;transport=tcp;lr): the listener
   * of that face and transport, so each side of a dialog gets a Record-Route it can use.
   */
  readonly recordRouteUri: (face: string, transport: SipTransportName) => string
  /** How long to wait for a TCP/WebSocket connection (ms). */
  readonly connectTimeoutMs: number
  /** In-dialog requests (BYE, re-INVITE, ACK...) as they pass, for call records. */
  readonly onInDialog?: (req: SipRequest, from: SipConnection) => void
  /** Delay before forwarding each message (the PSTN gateway's setup delay); 0 by default. */
  readonly delayMs?: (m: SipMessage) => number
  /**
   * The key of the Record-Route flow tokens (32 bytes). Kept across restarts, a call's BYE still finds its way
   * after the proxy restarted; random per start by default.
   */
  readonly routeSecret?: Uint8Array
}

/** Timer B / F: a request with no final response for this long is given up (ms). */
const NON_INVITE_TIMEOUT_MS = 32_000
/** Timer C: an INVITE ringing this long without an answer is cancelled (ms). */
const INVITE_RING_TIMEOUT_MS = 180_000
/** Dialog sides remembered as having moved to a new connection (a reconnected browser), at most. */
const MAX_REBOUND = 10_000
/** How long a finished server transaction is kept to absorb its ACK (ms). */
const LINGER_MS = 32_000

interface ClientBranch {
  readonly id: string
  readonly request: SipRequest
  readonly conn: SipConnection
  readonly label: string | undefined
  provisional: boolean
  final: SipResponse | undefined
  cancelPending: boolean
  timer: NodeJS.Timeout | undefined
}

interface ServerTransaction {
  readonly key: string
  readonly request: SipRequest
  readonly conn: SipConnection
  readonly options: ForwardOptions
  group: number
  branches: ClientBranch[]
  best: SipResponse | undefined
  answered: boolean
  finalSent: boolean
  cancelled: boolean
  pendingDials: number
}

// Branches and tags must be unique, not secret: a random per-process prefix and a counter (no syscall each).
const UNIQUE_PREFIX = randomBytes(6).toString('hex')
let uniqueCounter = 0
const unique = () => UNIQUE_PREFIX + (++uniqueCounter).toString(36)
export const newBranch = () => 'z9hG4bK' + unique()
export const newTag = () => unique()

export function cloneRequest(req: SipRequest, uri = req.uri): SipRequest {
  const h = new SipHeaders()
  for (const f of req.headers.fields()) h.appendChecked(f.name, f.value)
  return newRequest(req.method, uri, h, req.body)
}

function cloneResponse(res: SipResponse): SipResponse {
  const h = new SipHeaders()
  for (const f of res.headers.fields()) h.appendChecked(f.name, f.value)
  return { kind: 'response', status: res.status, reason: res.reason, headers: h, body: res.body }
}

export function transportParam(t: SipTransportName): string {
  return t.toLowerCase()
}

/** Where a SIP URI points: its host, port and transport (default TCP; no DNS SRV lookups here); none for `.invalid`. */
export function addressOf(uri: string): SipTarget | undefined {
  const u = parseSipUri(uri)
  // RFC 7118 section 5: a WebSocket client's .invalid host is a name for its flow, never looked up.
  if (!u.ok || /(^|\.)invalid\.?$/i.test(u.value.host)) return undefined
  const t = (uriParam(u.value, 'transport') ?? (u.value.scheme === 'sips' ? 'tls' : 'tcp')).toUpperCase()
  const transport: SipTransportName | undefined =
    t === 'TCP' || t === 'TLS' || t === 'WS' || t === 'WSS' ? t : t === 'UDP' ? 'TCP' : undefined
  if (transport === undefined) return undefined
  const port = u.value.port ?? (transport === 'TLS' ? 5061 : transport === 'WS' ? 80 : transport === 'WSS' ? 443 : 5060)
  return { transport, host: u.value.host, port }
}

export class SipProxyCore {
  private readonly servers = new Map<string, ServerTransaction>()
  private readonly clients = new Map<string, { txn: ServerTransaction; branch: ClientBranch }>()
  /** Branches of requests we answered ourselves or finished: their ACK is absorbed (and, over UDP, a retransmitted
   * request gets our answer again). */
  private readonly finished = new Map<string, number>()
  private readonly answers = new Map<string, SipResponse>()
  private readonly rrSecret: Uint8Array
  /** Responses this core made up, with the local error behind each (never sent). */
  private readonly local = new WeakMap<SipResponse, string | undefined>()
  /**
   * A dialog side's closed connection -> the connection it came back on (a browser whose WebSocket dropped and
   * reconnected sends an in-dialog request on the new one). Bounded: the oldest entries go first.
   */
  private readonly rebound = new Map<string, string>()
  private readonly sweep: NodeJS.Timeout

  constructor(private readonly config: ProxyCoreConfig) {
    this.rrSecret = config.routeSecret ?? randomBytes(32)
    if (this.rrSecret.length < 32) throw new Error('the Record-Route token key must have at least 32 bytes')
    this.sweep = setInterval(() => {
      const now = Date.now()
      for (const [k, t] of this.finished) {
        if (t >= now) continue
        this.finished.delete(k)
        this.answers.delete(k)
      }
    }, 5_000)
    this.sweep.unref()
  }

  stop(): void {
    clearInterval(this.sweep)
    for (const { branch } of this.clients.values()) clearTimeout(branch.timer)
    this.clients.clear()
    this.servers.clear()
  }

  get transactionCount(): number {
    return this.servers.size
  }

  private send(conn: SipConnection, m: SipMessage): void {
    const delay = this.config.delayMs?.(m) ?? 0
    if (delay <= 0) conn.send(m)
    else setTimeout(() => conn.send(m), delay).unref()
  }

  /** Answers a request ourselves; remembers it so that the ACK of a final answer to an INVITE is absorbed. */
  reply(req: SipRequest, conn: SipConnection, status: number, reason?: string, extra?: [string, string][]): void {
    const res = responseTo(req, status, reason, { toTag: newTag() })
    if (!res.ok) return
    for (const [n, v] of extra ?? []) res.value.headers.add(n, v)
    conn.send(res.value)
    const b = branchOf(req)
    if (b !== undefined && req.method === 'INVITE' && status >= 200) {
      this.finished.set(b, Date.now() + LINGER_MS)
      if (conn.transport === 'UDP' && this.answers.size < 50_000) this.answers.set(b, res.value)
    }
  }

  /**
   * True when the request belongs to a transaction we know (a retransmission, or an ACK to absorb). Over UDP a
   * retransmitted INVITE we answered ourselves gets that answer again (RFC 3261 section 17.2.1).
   */
  absorbs(req: SipRequest, conn?: SipConnection): boolean {
    const b = branchOf(req)
    if (b === undefined || req.method === 'CANCEL') return false // a CANCEL shares its INVITE's branch
    if (req.method === 'ACK') return this.finished.has(b) || this.servers.has(b)
    if (req.method === 'INVITE' && this.finished.has(b)) {
      const again = this.answers.get(b)
      if (again !== undefined && conn?.transport === 'UDP') conn.send(again)
      return true
    }
    return this.servers.get(b)?.request.method === req.method
  }

  // ---- initial requests ----------------------------------------------------------------------------------------

  /** Forwards a request the owner has accepted (Max-Forwards already checked) to the policy's targets. */
  forward(req: SipRequest, conn: SipConnection, options: ForwardOptions): void {
    const key = branchOf(req)
    if (key === undefined) return this.reply(req, conn, 400, 'Missing Via branch')
    if (this.servers.has(key)) return
    const txn: ServerTransaction = {
      key,
      request: req,
      conn,
      options,
      group: -1,
      branches: [],
      best: undefined,
      answered: false,
      finalSent: false,
      cancelled: false,
      pendingDials: 0,
    }
    this.servers.set(key, txn)
    if (req.method === 'INVITE') {
      const trying = responseTo(req, 100, 'Trying')
      if (trying.ok) conn.send(trying.value)
    }
    this.nextGroup(txn)
  }

  private nextGroup(txn: ServerTransaction): void {
    txn.group++
    const group = txn.options.groups[txn.group]
    if (group === undefined || group.length === 0 || txn.cancelled) {
      return this.finish(txn, txn.best ?? this.synth(txn.request, txn.cancelled ? 487 : 480))
    }
    txn.best = undefined
    txn.pendingDials = group.length
    for (const target of group) void this.startBranch(txn, target, txn.group)
  }

  private async startBranch(txn: ServerTransaction, target: ForwardTarget, group: number): Promise<void> {
    let conn: SipConnection
    try {
      conn = await this.connectionFor(target)
    } catch (e) {
      txn.pendingDials--
      return this.branchFailed(
        txn,
        group,
        this.synth(txn.request, 503, 'Unreachable', (e as Error).message),
        target.label,
      )
    }
    txn.pendingDials--
    if (txn.group !== group || txn.finalSent || txn.cancelled) {
      if (txn.cancelled && !txn.finalSent) this.groupMaybeDone(txn)
      return
    }
    const req = cloneRequest(txn.request, target.uri)
    const id = newBranch()
    if (txn.options.recordRoute) {
      const token = this.routeToken(txn.conn.id, conn.id, fromTagOf(txn.request) ?? '')
      // The caller's side names the listener it came in on; the callee's side the one for the transport (and
      // face) it is reached on. When they differ, both go in (double Record-Route, RFC 5658): the callee uses the
      // top one, the caller the bottom one.
      const inbound = this.config.recordRouteUri(txn.conn.face, txn.conn.transport)
      const outbound = this.config.recordRouteUri(conn.face === 'outbound' ? txn.conn.face : conn.face, conn.transport)
      addRecordRoute(req, `${inbound};ime=${token}`)
      if (outbound !== inbound) addRecordRoute(req, `${outbound};ime=${token}`)
    }
    // rport (RFC 3581): a UA that answers over a new connection to the Via rather than on this one (belle-sip,
    // Linphone's stack, does) finds this connection again by the port it came from.
    addVia(req, {
      transport: conn.transport,
      host: 'ime.invalid',
      port: undefined,
      params: [
        { name: 'branch', value: id },
        { name: 'rport', value: undefined },
      ],
    })
    for (const [n, v] of target.headers ?? []) req.headers.add(n, v)
    const branch: ClientBranch = {
      id,
      request: req,
      conn,
      label: target.label,
      provisional: false,
      final: undefined,
      cancelPending: false,
      timer: undefined,
    }
    txn.branches.push(branch)
    this.clients.set(id, { txn, branch })
    const firstWait = target.answerTimeoutMs ?? NON_INVITE_TIMEOUT_MS
    branch.timer = setTimeout(() => this.branchTimeout(txn, branch), firstWait)
    branch.timer.unref()
    this.send(conn, req)
  }

  private branchTimeout(txn: ServerTransaction, branch: ClientBranch): void {
    if (branch.final !== undefined) return
    if (branch.provisional && txn.request.method === 'INVITE') this.sendCancel(branch)
    this.onBranchFinal(txn, branch, this.synth(txn.request, 408, 'No answer in time'), false)
  }

  /**
   * A response the core makes up for a branch (unreachable, no answer in time) or a transaction. Its reason phrase
   * is generic: it may go to another enterprise, and local error text (host names, resolver errors) stays here,
   * in `detail`, for the owner's logs.
   */
  private synth(req: SipRequest, status: number, reason?: string, detail?: string): SipResponse {
    const r = responseTo(req, status, reason, { toTag: newTag() })
    if (!r.ok) throw new Error(r.error)
    this.local.set(r.value, detail)
    return r.value
  }

  /** Whether `res` should replace the transaction's best final response so far (RFC 3261 section 16.7). */
  private better(res: SipResponse, best: SipResponse | undefined): boolean {
    return isBetterResponse(
      { status: res.status, local: this.local.has(res) },
      best === undefined ? undefined : { status: best.status, local: this.local.has(best) },
    )
  }

  private branchFailed(txn: ServerTransaction, group: number, res: SipResponse, label: string | undefined): void {
    if (txn.group !== group || txn.finalSent) return
    if (!txn.cancelled && this.better(res, txn.best)) txn.best = res
    ;(txn as { lastLabel?: string | undefined }).lastLabel = label
    this.groupMaybeDone(txn)
  }

  private groupMaybeDone(txn: ServerTransaction): void {
    if (txn.finalSent || txn.pendingDials > 0) return
    if (txn.branches.some((b) => b.final === undefined && this.clients.has(b.id))) return
    if (txn.answered) return this.cleanup(txn)
    const best = txn.best ?? this.synth(txn.request, 480)
    const label = txn.branches.at(-1)?.label ?? (txn as { lastLabel?: string }).lastLabel
    const hasNext = txn.group + 1 < txn.options.groups.length
    if (!txn.cancelled && hasNext && (txn.options.failover?.(best, label) ?? false)) {
      txn.options.onFailover?.(best, label, txn.options.groups[txn.group + 1]?.[0]?.label, this.local.get(best))
      for (const b of txn.branches) this.clients.delete(b.id)
      txn.branches = []
      return this.nextGroup(txn)
    }
    this.finish(txn, best)
  }

  private finish(txn: ServerTransaction, res: SipResponse): void {
    if (txn.finalSent) return
    txn.finalSent = true
    this.upstream(txn, res, txn.branches.at(-1)?.label)
    this.cleanup(txn)
  }

  private cleanup(txn: ServerTransaction): void {
    for (const b of txn.branches) {
      clearTimeout(b.timer)
      this.clients.delete(b.id)
    }
    this.servers.delete(txn.key)
    this.finished.set(txn.key, Date.now() + LINGER_MS)
  }

  private upstream(txn: ServerTransaction, res: SipResponse, label: string | undefined): void {
    txn.options.onResponse?.(res, label)
    this.send(txn.conn, res)
  }

  // ---- responses -----------------------------------------------------------------------------------------------

  onResponse(res: SipResponse): void {
    const id = branchOf(res)
    const entry = id === undefined ? undefined : this.clients.get(id)
    if (entry === undefined) return // not ours, or late: dropped (RFC 3261 16.7 step 2 for a stateful proxy)
    const { txn, branch } = entry
    // Our CANCEL shares the branch of the INVITE it cancels: its answer ends nothing.
    const method = cseqOf(res)
    if (!method.ok || method.value.method !== branch.request.method) return
    const out = cloneResponse(res)
    out.headers.removeFirstValue('Via')
    if (res.status < 200) {
      if (res.status === 100) return
      branch.provisional = true
      clearTimeout(branch.timer)
      branch.timer = setTimeout(() => this.branchTimeout(txn, branch), INVITE_RING_TIMEOUT_MS)
      branch.timer.unref()
      if (branch.cancelPending) this.sendCancel(branch)
      if (!txn.finalSent && !txn.cancelled) this.upstream(txn, out, branch.label)
      return
    }
    this.onBranchFinal(txn, branch, out, true, res)
  }

  private onBranchFinal(
    txn: ServerTransaction,
    branch: ClientBranch,
    out: SipResponse,
    real: boolean,
    raw?: SipResponse,
  ): void {
    if (branch.final !== undefined && out.status >= 300) return
    const first = branch.final === undefined
    branch.final = out
    clearTimeout(branch.timer)
    if (out.status < 300) {
      // Every 2xx goes upstream (RFC 3261 16.7 step 5); the others are cancelled.
      txn.answered = true
      this.upstream(txn, out, branch.label)
      txn.finalSent = true
      for (const b of txn.branches) if (b !== branch && b.final === undefined) this.sendCancel(b)
      // On reliable transports nothing is retransmitted: once every branch has answered, the transaction is
      // done; otherwise it waits a while for the other forks' answers (their 2xx too go upstream).
      if (txn.branches.every((b) => b.final !== undefined)) this.cleanup(txn)
      else if (first) this.groupMaybeDoneLater(txn)
      return
    }
    if (real && raw !== undefined && txn.request.method === 'INVITE') this.ackNon2xx(branch, raw)
    this.clients.delete(branch.id)
    if (txn.finalSent) return this.groupMaybeDone(txn)
    if (!txn.cancelled && this.better(out, txn.best)) txn.best = out
    this.groupMaybeDone(txn)
  }

  private groupMaybeDoneLater(txn: ServerTransaction): void {
    // Keep the transaction a while so retransmitted 2xx from other forks still reach the caller.
    setTimeout(() => this.cleanup(txn), LINGER_MS).unref()
  }

  private ackNon2xx(branch: ClientBranch, res: SipResponse): void {
    const req = branch.request
    const h = new SipHeaders()
    h.add('Via', req.headers.get('Via')!)
    for (const name of ['Route', 'From', 'Call-ID']) for (const v of req.headers.getAll(name)) h.add(name, v)
    h.add('To', res.headers.get('To') ?? req.headers.get('To') ?? '')
    const seq = cseqOf(req)
    h.add('CSeq', `${seq.ok ? seq.value.seq : 1} ACK`)
    h.add('Max-Forwards', '70')
    h.add('Content-Length', '0')
    branch.conn.send(newRequest('ACK', req.uri, h))
  }

  private sendCancel(branch: ClientBranch): void {
    if (!branch.provisional) {
      branch.cancelPending = true
      return
    }
    branch.cancelPending = false
    const req = branch.request
    const h = new SipHeaders()
    h.add('Via', req.headers.get('Via')!)
    for (const name of ['Route', 'From', 'To', 'Call-ID']) for (const v of req.headers.getAll(name)) h.add(name, v)
    const seq = cseqOf(req)
    h.add('CSeq', `${seq.ok ? seq.value.seq : 1} CANCEL`)
    h.add('Max-Forwards', '70')
    h.add('Content-Length', '0')
    branch.conn.send(newRequest('CANCEL', req.uri, h))
  }

  /** An upstream CANCEL: 200 to it, CANCEL to every pending branch; the INVITE then ends with 487. */
  onCancel(req: SipRequest, conn: SipConnection): void {
    const key = branchOf(req)
    const txn = key === undefined ? undefined : this.servers.get(key)
    if (txn === undefined || txn.request.method !== 'INVITE') return this.reply(req, conn, 481)
    const ok = responseTo(req, 200)
    if (ok.ok) conn.send(ok.value)
    if (txn.finalSent) return
    txn.cancelled = true
    txn.best = this.synth(txn.request, 487)
    let pending = false
    for (const b of txn.branches) {
      if (b.final !== undefined) continue
      pending = true
      this.sendCancel(b)
    }
    if (!pending) this.groupMaybeDone(txn)
  }

  // ---- in-dialog requests --------------------------------------------------------------------------------------

  private routeToken(a: string, b: string, tag: string): string {
    const body = Buffer.from(`${a}|${b}|${tag}`).toString('base64url')
    return `${body}.${this.mac(body)}`
  }

  private mac(body: string): string {
    return createHmac('sha256', this.rrSecret).update(body).digest().subarray(0, 12).toString('base64url')
  }

  /** The dialog's two connections, if the top Route is ours and untampered. */
  private readRoute(req: SipRequest): { a: string; b: string; tag: string } | undefined {
    const r = routesOf(req)
    if (!r.ok || r.value.length === 0) return undefined
    const token = r.value[0]!.uri.match(/;ime=([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)/)
    if (token === null) return undefined
    const want = Buffer.from(this.mac(token[1]!))
    const got = Buffer.from(token[2]!)
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined
    const [a, b, tag] = Buffer.from(token[1]!, 'base64url').toString('utf8').split('|')
    if (a === undefined || b === undefined || tag === undefined) return undefined
    return { a, b, tag }
  }

  /** Whether a request is in a dialog we record-routed (its top Route is ours with a valid token). */
  isOurDialog(req: SipRequest): boolean {
    return this.readRoute(req) !== undefined
  }

  /**
   * Routes an in-dialog request along our Record-Route: down the other connection of the dialog, or, if it has
   * gone, to the next Route or the Request-URI via `resolve` (e.g. a registered contact's current flow).
   */
  inDialog(req: SipRequest, conn: SipConnection, resolve: (uri: string) => ForwardTarget | undefined): void {
    const route = this.readRoute(req)
    if (route === undefined) {
      if (req.method !== 'ACK') this.reply(req, conn, 481, 'Call/Transaction Does Not Exist')
      return
    }
    this.config.onInDialog?.(req, conn)
    req.headers.removeFirstValue('Route')
    // A double Record-Route: the next Route is ours too (the same token), for the other side's transport.
    if (this.readRoute(req)?.a === route.a) req.headers.removeFirstValue('Route')
    const fromCaller = conn.id === route.a || (conn.id !== route.b && fromTagOf(req) === route.tag)
    const ownId = fromCaller ? route.a : route.b
    if (conn.id !== ownId && this.flow(ownId) === undefined) this.rebind(ownId, conn.id)
    const other = this.flow(fromCaller ? route.b : route.a)
    const next = routesOf(req)
    let target: ForwardTarget | undefined
    if (next.ok && next.value.length > 0) target = { uri: req.uri, address: addressOf(next.value[0]!.uri)! }
    else if (other !== undefined && other.isOpen) target = { uri: req.uri, connection: other }
    else target = resolve(req.uri)
    if (target === undefined) {
      if (req.method !== 'ACK') this.reply(req, conn, 480, 'The other party is not connected')
      return
    }
    if (req.method === 'ACK') return void this.forwardStateless(req, target)
    this.forward(req, conn, { groups: [[target]], recordRoute: false })
  }

  /** A dialog side's open connection: the one in the route token, or the one that side came back on. */
  private flow(id: string): SipConnection | undefined {
    const conn = this.config.hub.connection(id)
    if (conn !== undefined && conn.isOpen) return conn
    const again = this.rebound.get(id)
    const next = again === undefined ? undefined : this.config.hub.connection(again)
    return next !== undefined && next.isOpen ? next : undefined
  }

  /**
   * A dialog side whose connection has closed sent an in-dialog request on another one (its from-tag and the
   * route token, which only the dialog's parties have seen, say which side it is): later requests to that side
   * take the new connection. A side whose connection is still open is never moved.
   */
  private rebind(closedId: string, nowId: string): void {
    this.rebound.delete(closedId)
    this.rebound.set(closedId, nowId)
    if (this.rebound.size > MAX_REBOUND) this.rebound.delete(this.rebound.keys().next().value!)
  }

  /** The target's open flow, or a connection to its address (within its answer time, if shorter). */
  private async connectionFor(target: ForwardTarget): Promise<SipConnection> {
    if (target.connection !== undefined && target.connection.isOpen) return target.connection
    const address = target.address ?? addressOf(target.uri)
    if (address === undefined) throw new Error(`cannot reach ${target.uri}`)
    return this.config.hub.connect(address, Math.min(this.config.connectTimeoutMs, target.answerTimeoutMs ?? Infinity))
  }

  private async forwardStateless(req: SipRequest, target: ForwardTarget): Promise<void> {
    let conn: SipConnection
    try {
      conn = await this.connectionFor(target)
    } catch {
      return
    }
    const out = cloneRequest(req, target.uri)
    addVia(out, {
      transport: conn.transport,
      host: 'ime.invalid',
      port: undefined,
      params: [
        { name: 'branch', value: newBranch() },
        { name: 'rport', value: undefined },
      ],
    })
    this.send(conn, out)
  }
}

export { callIdOf as callId, toTagOf as toTag }
