/**
 * A scripted SIP phone for tests, the soak and the flood benchmarks, on a real TCP or WebSocket connection: registers
 * (answering digest challenges), places calls (answering 407), answers or refuses incoming calls, hangs up. Written
 * from RFC 3261 on the project's layers: its requests are client transactions and its answers server transactions
 * of its own transaction layer (which ACKs failures, absorbs retransmissions and matches CANCEL to its INVITE);
 * it does only what the tests need, and checks what it receives.
 */
import { randomBytes } from 'node:crypto'
import { answerChallenge } from '../sip/auth/index.js'
import { SipHeaders } from '../sip/message/headers.js'
import {
  authValues,
  callId,
  newRequest,
  recordRoutes,
  responseTo,
  toTag,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../sip/message/message.js'
import {
  cancelOf,
  T1_MS,
  T2_MS,
  TRANSACTION_TIMEOUT_MS,
  TransactionLayer,
  type ServerTransaction,
} from '../sip/transaction/index.js'
import { SipTransportHub, type SipConnection, type SipTransportName } from '../sip/transport/index.js'

export interface PhoneOptions {
  readonly transport: SipTransportName
  readonly port: number
  readonly user: string
  readonly password: string
  readonly domain: string
  /** The address of record's user part (default: user). */
  readonly fromUser?: string
  /** For TLS and WSS: the CA that signed the server's certificate. */
  readonly ca?: string
  /** Which digest challenge to answer (default MD5). */
  readonly digest?: 'MD5' | 'SHA-256'
  /** The local address to connect from, e.g. 127.0.0.2 (default: the system's choice). */
  readonly localAddress?: string
}

export interface Dialog {
  readonly callId: string
  readonly localTag: string
  remoteTag: string
  readonly localUri: string
  remoteUri: string
  remoteTarget: string
  routeSet: string[]
  cseq: number
}

export type IncomingPolicy =
  /**
   * `resendUntilAck`: the 200 is sent again at T1, doubling up to T2, until its ACK comes or 64 T1 pass, as a UAS
   * core does (RFC 3261 section 13.3.1.4; the scripted phone otherwise sends it once).
   */
  | { answer: true; delayMs?: number; resendUntilAck?: boolean }
  | { answer: false; status: number }
  /** Rings and never answers (until CANCEL, answered 200 then 487). */
  | { answer: 'ring' }

const rid = () => randomBytes(6).toString('hex')

/** How many received requests a phone keeps (the soak runs phones for hours). */
const RECEIVED_KEPT = 50

export class SipPhone {
  /** The last requests received (at most RECEIVED_KEPT), oldest first. */
  readonly received: SipRequest[] = []
  incoming: IncomingPolicy = { answer: true }
  readonly dialogs = new Map<string, Dialog>()
  private readonly ringing = new Map<string, { req: SipRequest; tag: string; txn: ServerTransaction }>()
  private readonly hub: SipTransportHub
  private readonly transactions = new TransactionLayer()
  private conn!: SipConnection
  private readonly requestWaiters: { method: string; resolve: (r: SipRequest) => void }[] = []
  /** Answered calls whose 200 is sent again until their ACK (IncomingPolicy resendUntilAck), by Call-ID. */
  private readonly resending = new Map<string, ReturnType<typeof setTimeout>>()
  private seq = 1
  readonly contact: string

  private constructor(readonly options: PhoneOptions) {
    this.hub = new SipTransportHub((m, c) => this.onMessage(m, c), options.ca === undefined ? {} : { ca: options.ca })
    this.contact = `sip:${options.user}-${rid()}@phone.invalid;transport=${options.transport.toLowerCase()}`
  }

  static async connect(options: PhoneOptions): Promise<SipPhone> {
    const p = new SipPhone(options)
    const from = options.localAddress === undefined ? {} : { localAddress: options.localAddress }
    p.conn = await p.hub.connect(
      { transport: options.transport, host: '127.0.0.1', port: options.port, ...from },
      2_000,
    )
    return p
  }

  get aor(): string {
    return `sip:${this.options.fromUser ?? this.options.user}@${this.options.domain}`
  }

  get isOpen(): boolean {
    return this.conn.isOpen
  }

  async close(): Promise<void> {
    for (const timer of this.resending.values()) clearTimeout(timer)
    this.resending.clear()
    this.transactions.stop()
    await this.hub.close()
  }

  private headers(method: string, to: string, id: string, tag: string, seq: number): SipHeaders {
    const h = new SipHeaders()
    h.add('Via', `SIP/2.0/${this.options.transport} phone.invalid;branch=z9hG4bK${rid()}`)
    h.add('Max-Forwards', '70')
    h.add('From', `<${this.aor}>;tag=${tag}`)
    h.add('To', `<${to}>`)
    h.add('Call-ID', id)
    h.add('CSeq', `${seq} ${method}`)
    h.add('Contact', `<${this.contact}>`)
    return h
  }

  /** Sends a request in a client transaction; resolves with its final response (provisional ones collected). */
  send(req: SipRequest): Promise<{ final: SipResponse; provisional: SipResponse[] }> {
    return new Promise((resolve, reject) => {
      const provisional: SipResponse[] = []
      let done = false
      const finish = (f: () => void) => {
        if (done) return
        done = true
        clearTimeout(timer)
        f()
      }
      const timer = setTimeout(() => {
        if (txn.ok) txn.value.terminate()
        finish(() => reject(new Error(`no final response to ${req.method} within 10 s`)))
      }, 10_000)
      const txn = this.transactions.send(req, this.conn, {
        onProvisional: (r) => provisional.push(r),
        onFinal: (r) => finish(() => resolve({ final: r, provisional })),
        onTimeout: () => finish(() => reject(new Error(`no final response to ${req.method} (Timer B/F)`))),
        onTransportError: () => finish(() => reject(new Error('connection closed'))),
      })
      if (!txn.ok) finish(() => reject(new Error(txn.error)))
    })
  }

  private async withAuth(
    build: (auth?: [string, string]) => SipRequest,
  ): Promise<{ final: SipResponse; provisional: SipResponse[]; request: SipRequest }> {
    let req = build()
    let res = await this.send(req)
    if (res.final.status === 401 || res.final.status === 407) {
      const name = res.final.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate'
      const ch = authValues(res.final, name)
      if (!ch.ok || ch.value.length === 0) throw new Error(`challenge without ${name}`)
      const c = ch.value.find((v) => v.params.get('algorithm') === (this.options.digest ?? 'MD5')) ?? ch.value[0]!
      const a = answerChallenge(
        c,
        { user: this.options.user, password: this.options.password },
        req.method,
        req.uri,
        rid(),
      )
      if (!a.ok) throw new Error(a.error)
      req = build([res.final.status === 401 ? 'Authorization' : 'Proxy-Authorization', a.value])
      res = await this.send(req)
    }
    return { ...res, request: req }
  }

  register(expires = 600): Promise<SipResponse> {
    const id = `reg-${rid()}`
    const tag = rid()
    return this.withAuth((auth) => {
      const h = this.headers('REGISTER', this.aor, id, tag, this.seq++)
      h.add('Expires', String(expires))
      if (auth) h.add(auth[0], auth[1])
      h.add('Content-Length', '0')
      return newRequest('REGISTER', `sip:${this.options.domain}`, h)
    }).then((r) => r.final)
  }

  /** Registers with a given Authorization value (for failure tests). */
  async registerWith(authorization: string): Promise<SipResponse> {
    const h = this.headers('REGISTER', this.aor, `reg-${rid()}`, rid(), this.seq++)
    h.add('Authorization', authorization)
    h.add('Content-Length', '0')
    return (await this.send(newRequest('REGISTER', `sip:${this.options.domain}`, h))).final
  }

  /** Places a call; on 2xx sends ACK and returns the dialog. `auth: false` sends it without credentials. */
  async call(
    uri: string,
    extra: [string, string][] = [],
    auth = true,
  ): Promise<{ final: SipResponse; provisional: SipResponse[]; dialog?: Dialog }> {
    const id = `call-${rid()}`
    const tag = rid()
    const seq = this.seq++
    const build = (a?: [string, string]) => {
      const h = this.headers('INVITE', uri, id, tag, seq)
      for (const [n, v] of extra) h.add(n, v)
      if (a) h.add(a[0], a[1])
      h.add('Content-Type', 'application/sdp')
      return newRequest('INVITE', uri, h, new TextEncoder().encode(SDP))
    }
    const res = auth ? await this.withAuth(build) : { ...(await this.send(build())), request: build() }
    // A failure's ACK is the INVITE client transaction's (RFC 3261 section 17.1.1.3).
    if (res.final.status >= 300) return res
    const rr = recordRoutes(res.final)
    const contact = /<([^>]+)>/.exec(res.final.headers.get('Contact') ?? '')?.[1] ?? uri
    const dialog: Dialog = {
      callId: id,
      localTag: tag,
      remoteTag: toTag(res.final)!,
      localUri: this.aor,
      remoteUri: uri,
      remoteTarget: contact,
      routeSet: rr.ok ? rr.value.map((r) => `<${r.uri}>`).reverse() : [],
      cseq: seq,
    }
    this.dialogs.set(id, dialog)
    this.inDialog(dialog, 'ACK', seq)
    return { ...res, dialog }
  }

  private inDialog(d: Dialog, method: string, seq: number): SipRequest {
    const h = new SipHeaders()
    h.add('Via', `SIP/2.0/${this.options.transport} phone.invalid;branch=z9hG4bK${rid()}`)
    h.add('Max-Forwards', '70')
    h.add('From', `<${d.localUri}>;tag=${d.localTag}`)
    h.add('To', `<${d.remoteUri}>;tag=${d.remoteTag}`)
    h.add('Call-ID', d.callId)
    h.add('CSeq', `${seq} ${method}`)
    for (const r of d.routeSet) h.add('Route', r)
    h.add('Content-Length', '0')
    const req = newRequest(method, d.remoteTarget, h)
    if (method === 'ACK') this.conn.send(req)
    return req
  }

  /** Sends an INVITE without waiting (no credentials: for the edge or after a 407 the caller handles). */
  startCall(
    uri: string,
    extra: [string, string][] = [],
  ): { request: SipRequest; done: Promise<{ final: SipResponse; provisional: SipResponse[] }> } {
    const h = this.headers('INVITE', uri, `call-${rid()}`, rid(), this.seq++)
    for (const [n, v] of extra) h.add(n, v)
    h.add('Content-Type', 'application/sdp')
    const request = newRequest('INVITE', uri, h, new TextEncoder().encode(SDP))
    return { request, done: this.send(request) }
  }

  /** CANCELs an INVITE sent with startCall (RFC 3261 section 9.1), in a client transaction of its own. */
  async cancel(invite: SipRequest): Promise<{ final: SipResponse }> {
    return { final: (await this.send(cancelOf(invite))).final }
  }

  /** A re-INVITE in the dialog (e.g. hold: a=sendonly), answered and ACKed. */
  async reInvite(d: Dialog, sdp = SDP.replace('RTP/AVP 0', 'RTP/AVP 0\r\na=sendonly')): Promise<SipResponse> {
    d.cseq++
    const req = this.inDialog(d, 'INVITE', d.cseq)
    req.headers.set('Content-Type', 'application/sdp')
    const withBody = newRequest('INVITE', req.uri, req.headers, new TextEncoder().encode(sdp))
    const res = (await this.send(withBody)).final
    if (res.status < 300) this.inDialog(d, 'ACK', d.cseq)
    return res
  }

  /** Ends the dialog (forgotten once the BYE has its final response, whatever it is). */
  async bye(d: Dialog): Promise<SipResponse> {
    d.cseq++
    const final = (await this.send(this.inDialog(d, 'BYE', d.cseq))).final
    if (this.dialogs.get(d.callId) === d) this.dialogs.delete(d.callId)
    return final
  }

  /** Resolves with the next request of this method the phone receives. */
  nextRequest(method: string, timeoutMs = 5_000): Promise<SipRequest> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs)
      this.requestWaiters.push({
        method,
        resolve: (r) => {
          clearTimeout(timer)
          resolve(r)
        },
      })
    })
  }

  private onMessage(m: SipMessage, conn: SipConnection): void {
    if (m.kind === 'response') {
      this.transactions.receive(m) // a stray (no transaction of ours) is dropped
      return
    }
    this.received.push(m)
    if (this.received.length > RECEIVED_KEPT) this.received.splice(0, this.received.length - RECEIVED_KEPT)
    const i = this.requestWaiters.findIndex((w) => w.method === m.method)
    if (i >= 0) this.requestWaiters.splice(i, 1)[0]!.resolve(m)
    // A retransmission or the ACK of a failure: its transaction deals with it.
    if (this.transactions.match(m) === 'absorbed') return
    if (m.method === 'ACK') {
      clearTimeout(this.resending.get(callId(m) ?? ''))
      this.resending.delete(callId(m) ?? '')
      return
    }
    if (m.method === 'INVITE' && toTag(m) === undefined) return this.answer(m, conn)
    if (m.method === 'CANCEL') {
      const invite = this.transactions.inviteFor(m)
      const ok = responseTo(m, invite === undefined ? 481 : 200)
      if (ok.ok) this.transactions.answer(m, conn, ok.value)
      const r = this.ringing.get(callId(m) ?? '')
      if (r !== undefined && r.txn === invite) {
        this.ringing.delete(callId(m) ?? '')
        const terminated = responseTo(r.req, 487, undefined, { toTag: r.tag })
        if (terminated.ok) r.txn.respond(terminated.value)
      }
      return
    }
    const tag = toTag(m) === undefined ? rid() : undefined
    const r = responseTo(m, 200, 'OK', tag === undefined ? {} : { toTag: tag })
    if (r.ok) this.transactions.answer(m, conn, r.value)
    if (m.method === 'BYE') this.dialogs.delete(callId(m) ?? '')
  }

  private answer(req: SipRequest, conn: SipConnection): void {
    const txn = this.transactions.serve(req, conn)
    if (!txn.ok) return
    const t = txn.value
    const policy = this.incoming
    const tag = rid()
    if (policy.answer === 'ring') {
      const ringing = responseTo(req, 180, 'Ringing', { toTag: tag })
      if (ringing.ok) t.respond(ringing.value)
      this.ringing.set(callId(req)!, { req, tag, txn: t })
      return
    }
    if (!policy.answer) {
      const r = responseTo(req, policy.status, undefined, { toTag: tag })
      if (r.ok) t.respond(r.value)
      return
    }
    const ringing = responseTo(req, 180, 'Ringing', { toTag: tag, copyRecordRoute: true })
    if (ringing.ok) t.respond(ringing.value)
    const ok = responseTo(req, 200, 'OK', { toTag: tag, copyRecordRoute: true, body: new TextEncoder().encode(SDP) })
    if (!ok.ok) return
    ok.value.headers.add('Contact', `<${this.contact}>`)
    ok.value.headers.add('Content-Type', 'application/sdp')
    const rr = recordRoutes(req)
    const from = /<([^>]+)>/.exec(req.headers.get('From') ?? '')?.[1] ?? ''
    const contact = /<([^>]+)>/.exec(req.headers.get('Contact') ?? '')?.[1] ?? from
    this.dialogs.set(callId(req)!, {
      callId: callId(req)!,
      localTag: tag,
      remoteTag: /tag=([^;>\s]+)/.exec(req.headers.get('From') ?? '')?.[1] ?? '',
      localUri: this.aor,
      remoteUri: from,
      remoteTarget: contact,
      routeSet: rr.ok ? rr.value.map((r) => `<${r.uri}>`) : [],
      cseq: 100,
    })
    setTimeout(() => {
      t.respond(ok.value)
      if (policy.resendUntilAck === true) this.resendUntilAck(callId(req)!, () => t.respond(ok.value))
    }, policy.delayMs ?? 0)
  }

  /**
   * Calls `resend` at T1, then doubling up to T2 (0.5, 1.5, 3.5, 7.5, 11.5... s) until an ACK in the call comes, for
   * 64 T1 at most.
   */
  private resendUntilAck(id: string, resend: () => void): void {
    const started = Date.now()
    let interval = T1_MS
    const next = () => {
      this.resending.set(
        id,
        setTimeout(() => {
          if (Date.now() - started >= TRANSACTION_TIMEOUT_MS) return void this.resending.delete(id)
          resend()
          interval = Math.min(interval * 2, T2_MS)
          next()
        }, interval),
      )
    }
    next()
  }
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'
