/**
 * A transaction-stateful SIP proxy core (RFC 3261 section 16), shared by the enterprise call agent and the PSTN
 * gateway, and a user of the transaction layer: each request it forwards has a server transaction upstream and a
 * client transaction per branch downstream. The owner decides where an initial request goes (a policy); the
 * core forwards it: parallel forking within a group of targets, serial failover between groups, Record-Route,
 * CANCEL, best-response selection, Timer C. In-dialog requests follow the Record-Route this core wrote: its URI
 * carries the two connections of the dialog and the caller's tag under an HMAC (route-token.ts), so a BYE from
 * either side goes down the right flow (a browser's WebSocket cannot be dialled).
 */
import { randomBytes } from 'node:crypto'
import { answerChallenge } from '../auth/index.js'
import {
  addRecordRoute,
  addVia,
  authValues,
  branch as branchOf,
  callId as callIdOf,
  cseq,
  fromTag as fromTagOf,
  toTag as toTagOf,
  newBranch,
  newTag,
  routeUris,
  responseTo,
  type SipRequest,
  type SipResponse,
} from '../message/index.js'
import {
  cancelOf,
  systemTimers,
  TransactionLayer,
  type ClientTransaction,
  type ClientTransactionUser,
  type ServerTransaction,
  type TimerHandle,
  type TimerSource,
  type TransactionConnection,
} from '../transaction/index.js'
import type { SipConnection } from '../transport/index.js'
import { addressOf, cloneRequest, cloneResponse } from './address.js'
import type { ForwardOptions, ForwardTarget, ProxyCoreConfig } from './types.js'
import { isBetterResponse } from './response-choice.js'
import { CseqShifts } from './cseq-shift.js'
import { DialogRouting } from './dialog-routing.js'
import { RouteTokens, tokenIn } from './route-token.js'

export type { BranchRefusal, ForwardOptions, ForwardTarget, InDialogForward, ProxyCoreConfig } from './types.js'

/** Timer C (section 16.6 step 11): an INVITE ringing this long without an answer is cancelled (ms). */
const INVITE_RING_TIMEOUT_MS = 180_000
/** How long a call whose fork answered waits for its other forks' answers (their 2xx go upstream too) (ms). */
const FORK_LINGER_MS = 32_000
/**
 * A 100 Trying goes upstream only if no other answer has within this time (RFC 3261 section 17.2.1: the server
 * transaction sends 100 "unless it knows that the TU will generate a provisional or final response within 200
 * ms"). A callee that rings at once makes it needless, and each one sent is a message and a write on both ends.
 */
export const TRYING_AFTER_MS = 200

/** One forwarded copy of a request: the core's record of its client transaction (section 16.6). */
interface Branch {
  /** The forwarding it belongs to, until that is done (a transaction lingering after it then holds nothing). */
  forwarding: Forwarding | undefined
  readonly label: string | undefined
  /** The callee's Record-Route token, when the request was record-routed: the caller's is made from it. */
  readonly token: string | undefined
  txn: ClientTransaction | undefined
  conn: TransactionConnection | undefined
  provisional: boolean
  final: SipResponse | undefined
  cancelPending: boolean
  cancelSent: boolean
  /** The answer timeout, then Timer C. */
  timer: TimerHandle | undefined
  /** What the branch was sent to (for a retry with credentials). */
  readonly target: ForwardTarget
  /** How much higher this branch's CSeq is than the caller's (1 after a retry with credentials). */
  readonly cseqShift: number
  /** The branch's 2xx as sent upstream: sent again for each retransmission of it while the call is set up. */
  answer: SipResponse | undefined
}

/** A request being forwarded: its server transaction and its branches (the response context of section 16.7). */
interface Forwarding {
  readonly request: SipRequest
  readonly conn: SipConnection
  readonly server: ServerTransaction
  readonly options: ForwardOptions
  group: number
  branches: Branch[]
  best: SipResponse | undefined
  lastLabel: string | undefined
  answered: boolean
  finalSent: boolean
  cancelled: boolean
  pendingDials: number
  linger: TimerHandle | undefined
  /** Until the 100 Trying, if nothing else has gone upstream by then (INVITE only). */
  trying: TimerHandle | undefined
  /** Responses on their way upstream through the owner's rewriteResponse, in order. */
  sending: Promise<void>
}

export class SipProxyCore {
  readonly transactions: TransactionLayer
  private readonly timers: TimerSource
  private readonly forwarding = new Map<ServerTransaction, Forwarding>()
  readonly tokens: RouteTokens
  /** Responses this core made up, with the local error behind each (never sent). */
  private readonly local = new WeakMap<SipResponse, string | undefined>()
  private readonly dialogs: DialogRouting
  /** Dialogs whose INVITE we sent again with credentials, with a higher CSeq. */
  private readonly shifted = new CseqShifts()

  constructor(private readonly config: ProxyCoreConfig) {
    this.timers = config.timers ?? systemTimers
    this.transactions = new TransactionLayer(this.timers)
    this.tokens = new RouteTokens(config.routeSecret, config.now)
    this.dialogs = new DialogRouting({
      hub: config.hub,
      tokens: this.tokens,
      reply: (req, conn, status, reason) => this.reply(req, conn, status, reason),
      forward: (req, conn, options) => this.forward(req, conn, options),
      forwardStateless: (req, target) => this.forwardStateless(req, target),
      onInDialog: (req, from) => {
        this.shifted.apply(req)
        config.onInDialog?.(req, from)
      },
      ...(config.inDialogForward !== undefined && { inDialogForward: config.inDialogForward }),
    })
  }

  stop(): void {
    for (const f of this.forwarding.values()) this.release(f)
    this.forwarding.clear()
    this.transactions.stop()
  }

  /** Requests being forwarded now. */
  get transactionCount(): number {
    return this.forwarding.size
  }

  /** The connection the transactions use: the owner's delay (if any) in front of the real one. */
  private viaDelay(conn: SipConnection): TransactionConnection {
    const delayMs = this.config.delayMs
    if (delayMs === undefined) return conn
    return {
      transport: conn.transport,
      send: (m) => {
        const delay = delayMs(m)
        if (delay <= 0) return conn.send(m)
        this.timers.set(delay, () => conn.send(m))
        return conn.isOpen
      },
    }
  }

  /** Answers a request ourselves, in its server transaction (which absorbs the ACK of a failure). */
  reply(req: SipRequest, conn: SipConnection, status: number, reason?: string, extra?: [string, string][]): void {
    const res = responseTo(req, status, reason, { toTag: newTag() })
    if (!res.ok) return
    for (const [n, v] of extra ?? []) res.value.headers.add(n, v)
    this.transactions.answer(req, conn, res.value)
  }

  /**
   * True when a server transaction took the request (a retransmission, answered again over UDP, or the ACK of a
   * failure): it goes no further.
   */
  absorbs(req: SipRequest): boolean {
    return this.transactions.match(req) === 'absorbed'
  }

  // ---- initial requests ----------------------------------------------------------------------------------------

  /** Forwards a request the owner has accepted (Max-Forwards already checked) to the policy's targets. */
  forward(req: SipRequest, conn: SipConnection, options: ForwardOptions): void {
    if (branchOf(req) === undefined) return this.reply(req, conn, 400, 'Missing Via branch')
    const server = this.transactions.serve(req, this.viaDelay(conn))
    if (!server.ok) return this.reply(req, conn, 400, server.error)
    if (this.forwarding.has(server.value) || server.value.lastResponse !== undefined) return
    const f: Forwarding = {
      request: req,
      conn,
      server: server.value,
      options,
      group: -1,
      branches: [],
      best: undefined,
      lastLabel: undefined,
      answered: false,
      finalSent: false,
      cancelled: false,
      pendingDials: 0,
      linger: undefined,
      trying: undefined,
      sending: Promise.resolve(),
    }
    this.forwarding.set(f.server, f)
    if (req.method === 'INVITE') f.trying = this.timers.set(TRYING_AFTER_MS, () => this.sendTrying(f))
    this.nextGroup(f)
  }

  private sendTrying(f: Forwarding): void {
    f.trying = undefined
    if (f.finalSent || f.server.lastResponse !== undefined) return
    const trying = responseTo(f.request, 100, 'Trying')
    if (trying.ok) f.server.respond(trying.value)
  }

  private nextGroup(f: Forwarding): void {
    f.group++
    const group = f.options.groups[f.group]
    if (group === undefined || group.length === 0 || f.cancelled) {
      return this.finish(f, f.best ?? this.synth(f.request, f.cancelled ? 487 : 480))
    }
    f.best = undefined
    f.pendingDials = group.length
    for (const target of group) void this.startBranch(f, target, f.group)
  }

  private async startBranch(f: Forwarding, target: ForwardTarget, group: number, cseqShift = 0): Promise<void> {
    let body: Uint8Array | undefined
    if (target.body !== undefined) {
      const made = await target.body()
      if (!made.ok) {
        f.pendingDials--
        const { status, reason, detail } = made.error
        return this.branchFailed(f, group, this.synth(f.request, status, reason, detail), target.label)
      }
      body = made.value
    }
    let conn: SipConnection
    try {
      conn = await this.connectionFor(target)
    } catch (e) {
      f.pendingDials--
      return this.branchFailed(f, group, this.synth(f.request, 503, 'Unreachable', (e as Error).message), target.label)
    }
    f.pendingDials--
    if (f.group !== group || f.finalSent || f.cancelled) {
      if (f.cancelled && !f.finalSent) this.groupMaybeDone(f)
      return
    }
    const req = cloneRequest(f.request, target.uri)
    if (body !== undefined) req.body = body
    if (cseqShift > 0) {
      const c = cseq(req)
      if (c.ok) req.headers.set('CSeq', `${c.value.seq + cseqShift} ${c.value.method}`)
    }
    let token: string | undefined
    if (f.options.recordRoute) {
      const upstream = routeUris(f.request, 'Record-Route')
      const flows = { a: f.conn.id, b: conn.id, tag: fromTagOf(f.request) ?? '' }
      token = this.tokens.issue(flows, callIdOf(f.request) ?? '', upstream.ok ? upstream.value : [])
      // The caller's side names the listener it came in on; the callee's side the one for the transport (and
      // face) it is reached on. When they differ, both go in (double Record-Route, RFC 5658): the callee uses the
      // top one, the caller the bottom one.
      const inbound = this.config.recordRouteUri(f.conn.face, f.conn.transport, f.conn)
      const outbound =
        target.recordRouteUri ??
        (conn.face === 'outbound'
          ? this.config.recordRouteUri(f.conn.face, conn.transport, f.conn)
          : this.config.recordRouteUri(conn.face, conn.transport, conn))
      addRecordRoute(req, `${inbound};ime=${token}`)
      if (outbound !== inbound) addRecordRoute(req, `${outbound};ime=${token}`)
    }
    // rport (RFC 3581): a UA that answers over a new connection to the Via rather than on this one (belle-sip,
    // Linphone's stack, does) finds this connection again by the port it came from.
    const branch = newBranch()
    addVia(req, {
      transport: conn.transport,
      host: 'ime.invalid',
      port: undefined,
      params: [
        { name: 'branch', value: branch },
        { name: 'rport', value: undefined },
      ],
    })
    for (const [n, v] of target.headers ?? []) req.headers.add(n, v)
    for (const [n, v] of target.setHeaders ?? []) req.headers.set(n, v)
    const b: Branch = {
      forwarding: f,
      label: target.label,
      token,
      txn: undefined,
      conn: this.viaDelay(conn),
      provisional: false,
      final: undefined,
      cancelPending: false,
      cancelSent: false,
      timer: undefined,
      target,
      cseqShift,
      answer: undefined,
    }
    f.branches.push(b)
    if (target.answerTimeoutMs !== undefined) {
      b.timer = this.timers.set(target.answerTimeoutMs, () => this.branchTimeout(f, b))
    }
    const txn = this.transactions.send(req, b.conn!, this.branchUser(b), branch)
    if (!txn.ok) return this.onBranchFinal(f, b, this.synth(f.request, 500, undefined, txn.error))
    if (b.final === undefined) b.txn = txn.value
  }

  /**
   * The branch transaction's callbacks. They reach the forwarding through the branch only: once it is done, a late
   * answer finds nothing, and a transaction that lingers (Accepted, Completed: up to 32 s) keeps the empty branch
   * reachable, not the request and the call. Made here, apart from startBranch, whose closures would share its
   * context (and its forwarding) with them.
   */
  private branchUser(b: Branch): ClientTransactionUser {
    return {
      onProvisional: (res) => b.forwarding && this.onProvisional(b.forwarding, b, res),
      onFinal: (res) => b.forwarding && this.onBranchFinal(b.forwarding, b, this.callerCseq(b, stripVia(res))),
      // Timer B or F: the RFC's 408 (section 16.7 step 2 says a proxy acts as if it got one).
      onTimeout: () => {
        const g = b.forwarding
        if (g !== undefined) this.onBranchFinal(g, b, this.synth(g.request, 408, 'No answer in time'))
      },
      onTransportError: () => {
        const g = b.forwarding
        if (g === undefined) return
        this.onBranchFinal(g, b, this.synth(g.request, 503, 'Unreachable', 'the connection refused the request'))
      },
    }
  }

  /** The owner's answer timeout (no response at all) or Timer C (ringing too long). */
  private branchTimeout(f: Forwarding, b: Branch): void {
    b.timer = undefined
    if (b.final !== undefined) return
    // A ringing INVITE is cancelled; its transaction stays to acknowledge the 487. Otherwise it is abandoned.
    if (b.provisional && f.request.method === 'INVITE') this.sendCancel(b)
    else b.txn?.terminate()
    this.onBranchFinal(f, b, this.synth(f.request, 408, 'No answer in time'))
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

  private branchFailed(f: Forwarding, group: number, res: SipResponse, label: string | undefined): void {
    if (f.group !== group || f.finalSent) return
    if (!f.cancelled && this.better(res, f.best)) f.best = res
    f.lastLabel = label
    this.groupMaybeDone(f)
  }

  private groupMaybeDone(f: Forwarding): void {
    if (f.finalSent || f.pendingDials > 0) return
    if (f.branches.some((b) => b.final === undefined)) return
    if (f.answered) return this.cleanup(f)
    const best = f.best ?? this.synth(f.request, 480)
    const label = f.branches.at(-1)?.label ?? f.lastLabel
    const hasNext = f.group + 1 < f.options.groups.length
    if (!f.cancelled && hasNext && (f.options.failover?.(best, label) ?? false)) {
      f.options.onFailover?.(best, label, f.options.groups[f.group + 1]?.[0]?.label, this.local.get(best))
      this.release(f)
      f.branches = []
      return this.nextGroup(f)
    }
    this.finish(f, best)
  }

  private finish(f: Forwarding, res: SipResponse): void {
    if (f.finalSent) return
    f.finalSent = true
    this.upstream(f, res, f.branches.at(-1)?.label)
    this.cleanup(f)
  }

  /** Stops the core's timers of a forwarding and abandons its branches still waiting (their answers are dropped). */
  private release(f: Forwarding): void {
    this.timers.clear(f.linger)
    this.timers.clear(f.trying)
    f.trying = undefined
    for (const b of f.branches) {
      this.timers.clear(b.timer)
      b.timer = undefined
      // A branch still waiting is abandoned, unless it was cancelled: its transaction then acknowledges the 487.
      if (b.final === undefined && !b.cancelSent) b.txn?.terminate()
    }
  }

  private cleanup(f: Forwarding): void {
    this.release(f)
    // A branch's transaction may linger (Accepted, Completed): what it keeps reachable is the branch, now empty.
    for (const b of f.branches) {
      // A 2xx sent upstream over UDP may be lost on its way: the callee then retransmits it until the caller's ACK
      // (RFC 3261 section 13.3.1.4), and each copy must reach the caller (RFC 6026 section 8.7: they match the
      // branch's transaction, Accepted until Timer M, and go out through the server transaction, Accepted until
      // Timer L). The copy sent is the first one as it went upstream (its Record-Route rewritten): the branch
      // keeps that and the server transaction, nothing of the request. Over a reliable transport nothing is lost
      // and the transaction ends at once, as do those of branches that did not answer 2xx.
      const answered = b.final !== undefined && b.final.status < 300
      const server = f.server
      const tag = answered ? toTagOf(b.final!) : undefined
      b.forwarding = undefined
      b.final = undefined
      if (answered && !server.reliable) {
        b.txn?.release((res) => {
          if (b.answer !== undefined && toTagOf(res) === tag) server.respond(b.answer)
        })
      } else {
        // Its callbacks now do nothing: released, the lingering transaction no longer keeps the branch reachable.
        b.txn?.release()
      }
      b.txn = undefined
      b.conn = undefined
    }
    this.forwarding.delete(f.server)
  }

  /** `answered`: the branch whose 2xx this is (kept, to be sent again, see cleanup). */
  private upstream(f: Forwarding, res: SipResponse, label: string | undefined, answered?: Branch): void {
    const rewrite = f.options.rewriteResponse
    if (rewrite === undefined) {
      if (answered !== undefined) answered.answer = res
      f.options.onResponse?.(res, label)
      f.server.respond(res)
      return
    }
    // The server transaction outlives the forwarding; a rewrite that throws lets the response through unchanged.
    f.sending = f.sending.then(async () => {
      const out = await rewrite(res, label).catch(() => res)
      if (answered !== undefined) answered.answer = out
      f.options.onResponse?.(out, label)
      f.server.respond(out)
    })
  }

  // ---- responses -----------------------------------------------------------------------------------------------

  /** A response from downstream: to its client transaction, or dropped (section 16.7 step 2, a stateful proxy). */
  onResponse(res: SipResponse): void {
    this.transactions.receive(res)
  }

  private onProvisional(f: Forwarding, b: Branch, res: SipResponse): void {
    if (res.status === 100 || b.final !== undefined) return
    b.provisional = true
    if (f.request.method === 'INVITE') {
      this.timers.clear(b.timer)
      b.timer = this.timers.set(INVITE_RING_TIMEOUT_MS, () => this.branchTimeout(f, b))
    }
    if (b.cancelPending) this.sendCancel(b)
    if (!f.finalSent && !f.cancelled) this.upstream(f, this.callerRoute(b, this.callerCseq(b, stripVia(res))), b.label)
  }

  private onBranchFinal(f: Forwarding, b: Branch, out: SipResponse): void {
    if (b.final !== undefined && out.status >= 300) return
    const first = b.final === undefined
    b.final = out
    this.timers.clear(b.timer)
    b.timer = undefined
    if (out.status < 300) {
      // Every 2xx goes upstream (RFC 3261 16.7 step 5); the other branches are cancelled.
      f.answered = true
      this.upstream(f, this.callerRoute(b, out), b.label, b)
      f.finalSent = true
      for (const other of f.branches) if (other !== b && other.final === undefined) this.sendCancel(other)
      // Once every branch has answered the forwarding is done; otherwise it waits a while for the other forks'
      // answers (their 2xx too go upstream).
      if (f.branches.every((x) => x.final !== undefined)) this.cleanup(f)
      else if (first && f.linger === undefined) f.linger = this.timers.set(FORK_LINGER_MS, () => this.cleanup(f))
      return
    }
    if (f.finalSent) return this.groupMaybeDone(f)
    if (this.retryWithCredentials(f, b, out)) return
    if (!f.cancelled && this.better(out, f.best)) f.best = out
    this.groupMaybeDone(f)
  }

  /**
   * A 401/407 to a branch that has credentials (a trunk's): the INVITE goes again, once, with them and its CSeq one
   * higher (RFC 3261 section 22.2). True when a retry started; the challenge then goes no further.
   */
  private retryWithCredentials(f: Forwarding, b: Branch, res: SipResponse): boolean {
    const who = b.target.credentials
    if (who === undefined || b.cseqShift > 0 || f.cancelled || (res.status !== 401 && res.status !== 407)) return false
    const challenges = authValues(res, res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate')
    if (!challenges.ok) return false
    const challenge = challenges.value.find((c) => c.params.get('algorithm') === 'MD5') ?? challenges.value[0]
    if (challenge === undefined) return false
    const answer = answerChallenge(challenge, who, f.request.method, b.target.uri, randomBytes(8).toString('hex'))
    if (!answer.ok) return false
    const header = res.status === 401 ? 'Authorization' : 'Proxy-Authorization'
    const { credentials: _used, ...rest } = b.target
    f.pendingDials++
    void this.startBranch(f, { ...rest, headers: [...(rest.headers ?? []), [header, answer.value]] }, f.group, 1)
    return true
  }

  /** A response to a branch whose CSeq we raised, with the caller's CSeq again (its transaction matches on it). */
  private callerCseq(b: Branch, res: SipResponse): SipResponse {
    if (b.cseqShift === 0) return res
    const c = cseq(res)
    if (!c.ok) return res
    res.headers.set('CSeq', `${c.value.seq - b.cseqShift} ${c.value.method}`)
    if (res.status >= 200 && res.status < 300) this.shifted.remember(callIdOf(res) ?? '', c.value.seq, b.cseqShift)
    return res
  }

  /**
   * A dialog-forming response on its way to the caller: our Record-Route entries get the caller's token, bound to
   * the caller's route set after ours (the entries above ours, reversed: RFC 3261 section 12.1.2). Section 16.7
   * step 4 lets a proxy rewrite its own Record-Route in responses.
   */
  private callerRoute(b: Branch, res: SipResponse): SipResponse {
    const token = b.token
    const rr = routeUris(res, 'Record-Route')
    if (token === undefined || !rr.ok) return res
    const ours = rr.value.findIndex((uri) => tokenIn(uri) === token)
    if (ours < 0) return res
    const callerToken = this.tokens.forCaller(token, rr.value.slice(0, ours).reverse())
    if (callerToken === undefined) return res
    res.headers.replaceInValues('Record-Route', `;ime=${token}`, `;ime=${callerToken}`)
    return res
  }

  /** CANCELs a branch (section 16.10): at once if it has rung, else as soon as it does (section 9.1). */
  private sendCancel(b: Branch): void {
    if (b.cancelSent || b.txn === undefined || b.conn === undefined) return
    if (!b.provisional) {
      b.cancelPending = true
      return
    }
    const invite = b.txn.request
    if (invite === undefined) return // answered meanwhile: nothing to cancel
    b.cancelPending = false
    b.cancelSent = true
    this.transactions.send(cancelOf(invite), b.conn, { onFinal: () => {} })
  }

  /** An upstream CANCEL: 200 to it, CANCEL to every pending branch; the INVITE then ends with 487. */
  onCancel(req: SipRequest, conn: SipConnection): void {
    const invite = this.transactions.inviteFor(req)
    const f = invite === undefined ? undefined : this.forwarding.get(invite)
    if (f === undefined) return this.reply(req, conn, 481)
    const ok = responseTo(req, 200)
    if (ok.ok) this.transactions.answer(req, conn, ok.value)
    if (f.finalSent) return
    f.cancelled = true
    f.best = this.synth(f.request, 487)
    let pending = false
    for (const b of f.branches) {
      if (b.final !== undefined) continue
      pending = true
      this.sendCancel(b)
    }
    if (!pending) this.groupMaybeDone(f)
  }

  // ---- in-dialog requests --------------------------------------------------------------------------------------

  /** Whether a request is in a dialog we record-routed (its top Route is ours with a valid token). */
  isOurDialog(req: SipRequest): boolean {
    return this.tokens.read(req) !== undefined
  }

  /**
   * Routes an in-dialog request along our Record-Route: down the other connection of the dialog, or, if it has
   * gone, to the next Route or the Request-URI via `resolve` (e.g. a registered contact's current flow).
   */
  inDialog(req: SipRequest, conn: SipConnection, resolve: (uri: string) => ForwardTarget | undefined): void {
    this.dialogs.route(req, conn, resolve)
  }

  private async connectionFor(target: ForwardTarget): Promise<SipConnection> {
    if (target.connection !== undefined && target.connection.isOpen) return target.connection
    const address = target.address ?? addressOf(target.uri)
    if (address === undefined) throw new Error(`cannot reach ${target.uri}`)
    return this.config.hub.connect(address, Math.min(this.config.connectTimeoutMs, target.answerTimeoutMs ?? Infinity))
  }

  async forwardStateless(req: SipRequest, target: ForwardTarget): Promise<void> {
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
    this.viaDelay(conn).send(out)
  }
}

/** A downstream response as it goes upstream: a copy without our Via (section 16.7 step 3). */
function stripVia(res: SipResponse): SipResponse {
  const out = cloneResponse(res)
  out.headers.removeFirstValue('Via')
  return out
}
