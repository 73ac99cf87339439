/**
 * The PSTN gateway: stands in for the telephone network. Each enterprise's call agent registers a trunk with it
 * (digest authentication, one account per enterprise); the gateway routes each INVITE to the enterprise that
 * owns the dialled number (its directory), presents the caller's number as caller ID (P-Asserted-Identity,
 * only a number the calling enterprise owns), and delays messages by a realistic setup delay, so the two ends
 * keep slightly different call records, as in life. Unknown numbers get 404; an enterprise whose trunk is down
 * 480; a busy callee's 486 passes through. Session descriptions pass unchanged (media stays end to end).
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import { numberIn } from '../sip/message/numbers.js'
import { challengeValues, digestHa1, NonceSource, readCredentials, responseMatches } from '../sip/auth/index.js'
import { parseNameAddr } from '../sip/message/header-values.js'
import {
  authValues,
  callId,
  contacts,
  cseq,
  decrementMaxForwards,
  fromAddress,
  toTag,
  type SipMessage,
  type SipRequest,
} from '../sip/message/message.js'
import { SipProxyCore } from '../sip/proxy/index.js'
import { Registrations } from '../sip/agent/index.js'
import { SipTransportHub, type SipConnection, type SipListener } from '../sip/transport/index.js'

export interface PstnSubscriber {
  /** The trunk account (digest user name) of the enterprise. */
  readonly account: string
  readonly password: string
  readonly numbers: readonly E164[]
}

export interface PstnGatewayConfig {
  readonly host: string
  readonly tcpPort: number
  readonly wsPort?: number
  readonly subscribers: readonly PstnSubscriber[]
  /** Setup delay added to each forwarded INVITE, answer and BYE (ms): uniform in [min, max]. */
  readonly setupDelayMs?: { readonly min: number; readonly max: number }
  readonly clock: Clock
  readonly random?: () => number
}

export interface PstnCallRecord {
  readonly callId: string
  readonly caller: E164
  readonly called: E164
  readonly start: number
  end: number | null
  outcome: 'answered' | 'busy' | 'no-answer' | 'rejected' | null
  readonly path: 'pstn'
}

const REALM = 'pstn.invalid'
/** Calls the gateway remembers (the newest). */
const MAX_RECORDS = 10_000

export class PstnGateway {
  readonly records: PstnCallRecord[] = []
  private readonly hub: SipTransportHub
  private readonly core: SipProxyCore
  private readonly trunks = new Registrations()
  private readonly nonces = new NonceSource(randomBytes(32), REALM)
  private readonly byNumber = new Map<string, PstnSubscriber>()
  private readonly byAccount = new Map<string, PstnSubscriber>()
  private readonly live = new Map<string, PstnCallRecord>()
  private listeners: SipListener[] = []

  private constructor(private readonly config: PstnGatewayConfig) {
    for (const s of config.subscribers) {
      this.byAccount.set(s.account, s)
      for (const n of s.numbers) this.byNumber.set(n, s)
    }
    const random = config.random ?? Math.random
    const delay = config.setupDelayMs ?? { min: 150, max: 400 }
    this.hub = new SipTransportHub((m, c) => this.onMessage(m, c))
    this.core = new SipProxyCore({
      hub: this.hub,
      connectTimeoutMs: 5_000,
      recordRouteUri: (_face, transport) =>
        transport === 'WS' && this.wsPort !== undefined
          ? `sip:${config.host}:${this.wsPort};transport=ws;lr`
          : `sip:${config.host}:${this.tcpPort};transport=tcp;lr`,
      onInDialog: (req) => this.onInDialog(req),
      delayMs: (m) => (delaysThis(m) ? delay.min + random() * (delay.max - delay.min) : 0),
    })
  }

  static async start(config: PstnGatewayConfig): Promise<PstnGateway> {
    const gw = new PstnGateway(config)
    gw.listeners.push(await gw.hub.listenStream({ face: 'pstn', host: config.host, port: config.tcpPort }))
    if (config.wsPort !== undefined) {
      gw.listeners.push(await gw.hub.listenWebSocket({ face: 'pstn', host: config.host, port: config.wsPort }))
    }
    return gw
  }

  get tcpPort(): number {
    return this.listeners.find((l) => l.transport === 'TCP')?.port ?? 0
  }

  get wsPort(): number | undefined {
    return this.listeners.find((l) => l.transport === 'WS')?.port
  }

  /** Whether an enterprise's trunk is registered now. */
  trunkUp(account: string): boolean {
    return this.trunks
      .current(account, this.config.clock.now())
      .some((b) => this.hub.connection(b.connectionId)?.isOpen)
  }

  async stop(): Promise<void> {
    this.core.stop()
    await this.hub.close()
  }

  private onMessage(m: SipMessage, conn: SipConnection): void {
    if (m.kind === 'response') return this.core.onResponse(m)
    const req = m
    if (this.core.absorbs(req)) return
    if (!decrementMaxForwards(req).ok) return this.core.reply(req, conn, 483)
    if (req.method === 'CANCEL') return this.core.onCancel(req, conn)
    if (req.method === 'ACK' || toTag(req) !== undefined) return this.core.inDialog(req, conn, () => undefined)
    if (req.method === 'OPTIONS') return this.core.reply(req, conn, 200)
    if (req.method === 'REGISTER') return this.register(req, conn)
    if (req.method !== 'INVITE')
      return this.core.reply(req, conn, 405, undefined, [['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER']])
    this.invite(req, conn)
  }

  private register(req: SipRequest, conn: SipConnection): void {
    const now = this.config.clock.now()
    const values = authValues(req, 'Authorization')
    const v = values.ok ? values.value[0] : undefined
    const challenge = () =>
      this.core.reply(
        req,
        conn,
        401,
        undefined,
        challengeValues(REALM, this.nonces.issue(now)).map((x) => ['WWW-Authenticate', x] as [string, string]),
      )
    if (v === undefined) return challenge()
    const c = readCredentials(v)
    if (!c.ok) return this.core.reply(req, conn, 400, `Bad credentials: ${c.error}`)
    const sub = this.byAccount.get(c.value.user)
    const ha1 =
      sub === undefined
        ? randomBytes(16).toString('hex')
        : digestHa1(c.value.algorithm, sub.account, REALM, sub.password)
    if (
      this.nonces.check(c.value.nonce, now) !== 'fresh' ||
      !responseMatches(c.value, ha1, 'REGISTER') ||
      sub === undefined
    ) {
      return challenge()
    }
    const cs = contacts(req)
    const seq = cseq(req)
    if (!cs.ok || cs.value === '*') return this.core.reply(req, conn, 400, 'A trunk registers one Contact')
    const result = this.trunks.update(
      sub.account,
      cs.value.map((x) => ({ contact: x.uri, expires: 300 })),
      { connectionId: conn.id, callId: callId(req) ?? '', cseq: seq.ok ? seq.value.seq : 0 },
      now,
    )
    if (!result.ok) return this.core.reply(req, conn, result.error.status, result.error.reason)
    this.core.reply(req, conn, 200, 'OK', [['Contact', `<${cs.value[0]!.uri}>;expires=300`]])
  }

  /** The subscriber whose registered trunk is this connection. */
  private subscriberOn(conn: SipConnection): PstnSubscriber | undefined {
    for (const s of this.byAccount.values()) {
      if (this.trunks.current(s.account, this.config.clock.now()).some((b) => b.connectionId === conn.id)) return s
    }
    return undefined
  }

  private invite(req: SipRequest, conn: SipConnection): void {
    const caller = this.subscriberOn(conn)
    if (caller === undefined) return this.core.reply(req, conn, 403, 'Register your trunk first')
    const called = numberIn(req.uri)
    if (called === undefined) return this.core.reply(req, conn, 484, 'Address Incomplete: dial an E.164 number')
    const callee = this.byNumber.get(called)
    if (callee === undefined) return this.core.reply(req, conn, 404, 'The number you have dialled is not in service')
    const pai = req.headers.get('P-Asserted-Identity')
    const paiNumber = pai === undefined ? undefined : parseNameAddr(pai)
    const from = fromAddress(req)
    const claimed =
      (paiNumber?.ok === true ? numberIn(paiNumber.value.uri) : undefined) ??
      (from.ok ? numberIn(from.value.uri) : undefined)
    // Caller ID: only a number the calling enterprise owns; otherwise its first number, as a carrier would.
    const callerId = claimed !== undefined && caller.numbers.includes(claimed) ? claimed : caller.numbers[0]
    if (callerId === undefined) return this.core.reply(req, conn, 403, 'This trunk has no numbers to present')
    req.headers.remove('P-Asserted-Identity')
    req.headers.add('P-Asserted-Identity', `<sip:${callerId}@${REALM}>`)
    req.headers.remove('X-IME-Ticket')
    const bindings = this.trunks.current(callee.account, this.config.clock.now())
    const targets = bindings
      .map((b) => ({ b, c: this.hub.connection(b.connectionId) }))
      .filter((x) => x.c?.isOpen === true)
      .map((x) => ({ uri: `sip:${called}@${REALM}`, connection: x.c! }))
    if (targets.length === 0) return this.core.reply(req, conn, 480, 'The called network is not reachable')
    const id = callId(req) ?? ''
    this.core.forward(req, conn, {
      groups: [targets],
      recordRoute: true,
      onResponse: (res) => {
        if (res.status < 200) return
        const now = this.config.clock.now()
        if (res.status < 300) {
          if (this.live.has(id)) return
          const r: PstnCallRecord = {
            callId: id,
            caller: callerId,
            called,
            start: now,
            end: null,
            outcome: null,
            path: 'pstn',
          }
          this.live.set(id, r)
          this.keep(r)
        } else {
          const outcome =
            res.status === 486
              ? 'busy'
              : res.status === 487 || res.status === 408 || res.status === 480
                ? 'no-answer'
                : 'rejected'
          this.keep({ callId: id, caller: callerId, called, start: now, end: now, outcome, path: 'pstn' })
        }
      },
    })
  }

  private keep(r: PstnCallRecord): void {
    this.records.push(r)
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS)
  }

  private onInDialog(req: SipRequest): void {
    if (req.method !== 'BYE') return
    const r = this.live.get(callId(req) ?? '')
    if (r === undefined) return
    this.live.delete(r.callId)
    r.end = this.config.clock.now()
    r.outcome = 'answered'
  }
}

/** Which messages carry the network's delay: the call's setup, its answer, and its teardown. */
function delaysThis(m: SipMessage): boolean {
  if (m.kind === 'request') return m.method === 'INVITE' || m.method === 'BYE'
  const c = cseq(m)
  return c.ok && c.value.method === 'INVITE' && m.status >= 180 && m.status < 300
}
