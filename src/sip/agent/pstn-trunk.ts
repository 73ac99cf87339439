/**
 * This enterprise's trunk to the PSTN: a provider's SIP trunk, an existing PBX, or the stand-in gateway
 * (src/pstn). A registering trunk keeps one connection (TCP or TLS) registered with digest authentication,
 * refreshes it, and moves on to the next address when one fails; calls arriving on that connection are PSTN calls.
 * An IP-authenticated trunk does not register: calls in are the trunk's when they come from its configured
 * addresses. OPTIONS keep-alives hold NAT bindings open and notice a trunk gone. Its requests are client
 * transactions of the agent's transaction layer, like every request the agent sends.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isIP, isIPv4 } from 'node:net'
import type { Clock } from '../../core/clock.js'
import type { E164 } from '../../core/e164.js'
import { formatNumber } from '../../trunks/caller-id.js'
import { trunkAddress, trunkUris, type TrunkConfig } from '../../trunks/trunk-config.js'
import { answerChallenge } from '../auth/index.js'
import {
  authValues,
  newBranch,
  newRequest,
  newTag,
  numberIn,
  parseSipUri,
  SipHeaders,
  type SipResponse,
} from '../message/index.js'
import type { ForwardTarget } from '../proxy/index.js'
import type { TimerHandle, TimerSource, TransactionLayer } from '../transaction/index.js'
import type { SipConnection, SipTarget, SipTransportHub } from '../transport/index.js'

/** How long the trunk waits for an answer to a REGISTER or an OPTIONS before it gives up (ms). */
const ANSWER_MS = 5_000
/** The registration's lifetime, and when it is refreshed (ms). */
const REGISTRATION_MS = 300_000
const REFRESH_MS = 120_000
/** The wait before trying again after a failure (ms). */
const RETRY_MS = 1_000

/** The name of the listeners an IP-authenticated trunk calls in on. */
export const TRUNK_FACE = 'trunk'

/** The trunk's account (the older name of the configuration; the stand-in gateway needs only these). */
export type PstnAccount = TrunkConfig

/** An IPv4 address as the socket reports it, without the IPv6-mapped prefix. */
const plainAddress = (a: string) => (a.startsWith('::ffff:') && isIPv4(a.slice(7)) ? a.slice(7) : a)

/** The PEM file of a TLS trunk's CA; an error naming the file and the setting when it cannot be read. */
function readCaFile(path: string, where: string): Buffer {
  try {
    const pem = readFileSync(path)
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it')
    return pem
  } catch (e) {
    throw new Error(`${where}.tlsCaFile ${path}: ${(e as Error).message}`, { cause: e })
  }
}

/** host:port as Via and Contact write it (an IPv6 address in brackets); the host alone when the port is unknown. */
const hostPort = (host: string, port: number | undefined) =>
  `${host.includes(':') ? `[${host}]` : host}${port === undefined ? '' : `:${port}`}`

export class PstnTrunk {
  private conn: SipConnection | undefined
  private registeredUntil = 0
  private timer: TimerHandle | undefined
  private keepalive: TimerHandle | undefined
  private stopped = false
  private cseqNo = 1
  /** The address (index into trunkUris) registered to, or tried next. */
  private active = 0
  private reachable = true
  private readonly callIdValue = `trunk-${randomBytes(8).toString('hex')}`
  private readonly fromTagValue = newTag()
  private readonly uris: string[]
  /** The CA a TLS trunk's certificate is checked against (tlsCaFile), when not the system's. */
  private readonly tls: { ca: Buffer } | undefined

  constructor(
    private readonly hub: SipTransportHub,
    private readonly transactions: TransactionLayer,
    private readonly timers: TimerSource,
    private readonly clock: Clock,
    readonly config: TrunkConfig,
    private readonly host: string,
    private readonly log: (e: { state: string; detail?: string }) => void,
    /** Its place in the `pstn` list (0 for a single trunk). */
    readonly index = 0,
    /** Where its config is, for errors: `pstn`, or `pstn.1` in a list of trunks. */
    private readonly where = 'pstn',
  ) {
    this.uris = trunkUris(config)
    this.tls = config.tlsCaFile === undefined ? undefined : { ca: readCaFile(config.tlsCaFile, where) }
  }

  /** What events and status call it: its `name`, else its index. */
  get name(): string {
    return this.config.name ?? String(this.index)
  }

  private get registers(): boolean {
    return this.config.register !== false
  }

  /** Registered (a registering trunk), or answering its keep-alives (an IP-authenticated one). */
  get registered(): boolean {
    if (!this.registers) return this.reachable
    return this.conn?.isOpen === true && this.registeredUntil > this.clock.now()
  }

  /** Whether a request on `conn` comes from the trunk. */
  isTrunk(conn: SipConnection): boolean {
    if (this.registers && this.conn !== undefined && conn.id === this.conn.id) return true
    return conn.face === TRUNK_FACE && this.allows(conn.remoteAddress)
  }

  /** Whether `address` is one of the trunk's (allowFrom). */
  allows(address: string): boolean {
    const from = plainAddress(address)
    return (this.config.allowFrom ?? []).some((a) => plainAddress(a) === from)
  }

  /** Where a PSTN call to a number goes: each address of the trunk in turn (failover), the registered one first. */
  targetsFor(number: E164): ForwardTarget[] {
    const dialled = formatNumber(number, this.config.numberForm ?? 'e164')
    const order = [...this.uris.slice(this.active), ...this.uris.slice(0, this.active)]
    const out: ForwardTarget[] = []
    for (const uri of order) {
      const address = this.addressOf(uri)
      const parsed = parseSipUri(uri)
      if (address === undefined || !parsed.ok) continue
      const port = parsed.value.port !== undefined ? `:${parsed.value.port}` : ''
      const target = `sip:${dialled}@${parsed.value.host}${port};transport=${address.transport.toLowerCase()}`
      const registeredHere = this.registers && uri === this.uris[this.active] && this.conn?.isOpen === true
      const recordRouteUri = this.recordRouteUri(address.transport)
      out.push({
        uri: target,
        ...(registeredHere ? { connection: this.conn! } : { address }),
        ...(recordRouteUri !== undefined && { recordRouteUri }),
      })
    }
    return out
  }

  /**
   * Our Record-Route toward the trunk when it is told our public address (across NAT): the trunk then sends the
   * requests within a call (ACK, BYE, re-INVITE) there, as it sends calls in, rather than to a private address.
   */
  recordRouteUri(transport: string): string | undefined {
    const pub = this.config.publicAddress
    return pub === undefined ? undefined : `sip:${pub};transport=${transport.toLowerCase()};lr`
  }

  /** The number a call in from the trunk is for (a trunk that writes digits without the + gets one). */
  calledNumber(uri: string): E164 | undefined {
    const n = numberIn(uri)
    if (n !== undefined || this.config.numberForm !== 'digits') return n
    return numberIn(uri.replace(/^(sips?:)(\d)/, '$1+$2'))
  }

  /** The trunk's first address's host: the default host part of our From toward it. */
  get domain(): string {
    const u = parseSipUri(this.uris[this.active]!)
    return this.config.callerDomain ?? (u.ok ? u.value.host : this.host)
  }

  async start(): Promise<void> {
    if (this.registers) await this.refresh().catch((e: Error) => this.log({ state: 'down', detail: e.message }))
    this.scheduleKeepalive()
  }

  stop(): void {
    this.stopped = true
    this.timers.clear(this.timer)
    this.timers.clear(this.keepalive)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timers.clear(this.timer)
    this.timer = this.timers.set(
      ms,
      () => void this.refresh().catch((e: Error) => this.log({ state: 'down', detail: e.message })),
    )
  }

  private scheduleKeepalive(): void {
    const seconds = this.config.keepaliveS ?? 0
    if (this.stopped || seconds <= 0) return
    this.keepalive = this.timers.set(seconds * 1000, () => void this.ping().finally(() => this.scheduleKeepalive()))
  }

  /** One keep-alive (OPTIONS or CRLF) to the trunk's current address; a change of reachability is logged. */
  private async ping(): Promise<void> {
    if (this.config.keepalive === 'crlf') return this.crlfPing()
    const uri = this.uris[this.active]!
    let up: boolean
    let detail: string | undefined
    try {
      const conn = this.registers && this.conn?.isOpen ? this.conn : await this.connect(uri)
      const res = await this.request(conn, 'OPTIONS', this.requestUri(uri), undefined)
      // Any answer at all (even 404 or 405) says the trunk is there.
      up = true
      detail = `${res.status} ${res.reason}`
    } catch (e) {
      up = false
      detail = (e as Error).message
    }
    if (up !== this.reachable) this.log({ state: up ? 'reachable' : 'unreachable', detail: `${uri}: ${detail}` })
    this.reachable = up
    if (!up && !this.registers && this.uris.length > 1) this.active = (this.active + 1) % this.uris.length
  }

  /** Where a trunk URI points; UDP goes from the node's host (its own UDP socket there). */
  private addressOf(uri: string): SipTarget | undefined {
    const address = trunkAddress(uri)
    if (address?.transport === 'TLS' && this.tls !== undefined) return { ...address, tls: this.tls }
    if (address?.transport !== 'UDP' || isIP(this.host) === 0 || this.host === '0.0.0.0' || this.host === '::') {
      return address
    }
    return { ...address, localAddress: this.host }
  }

  /**
   * A CRLF keep-alive on the registered connection (or, for an IP-authenticated trunk, the one to its address). A
   * registration whose connection has closed (a NAT forgot it, the trunk restarted) is made again at once.
   */
  private async crlfPing(): Promise<void> {
    if (this.registers && this.conn?.isOpen !== true) {
      if (this.reachable)
        this.log({ state: 'unreachable', detail: 'the registered connection closed: registering again' })
      this.reachable = false
      this.schedule(0)
      return
    }
    const uri = this.uris[this.active]!
    try {
      const conn = this.registers && this.conn !== undefined ? this.conn : await this.connect(uri)
      if (conn.sendKeepalive?.() !== true) throw new Error(`no CRLF keep-alive on ${conn.transport}`)
      if (!this.reachable) this.log({ state: 'reachable', detail: uri })
      this.reachable = true
    } catch (e) {
      if (this.reachable) this.log({ state: 'unreachable', detail: `${uri}: ${(e as Error).message}` })
      this.reachable = false
    }
  }

  private connect(uri: string): Promise<SipConnection> {
    const address = this.addressOf(uri)
    if (address === undefined) return Promise.reject(new Error(`trunk URI ${uri} names no address we can reach`))
    return this.hub.connect(address, 5_000).catch((e: Error) => {
      if (address.transport !== 'TLS' || !/certificate|self.signed|altnames|verify/i.test(e.message)) throw e
      const against = this.config.tlsCaFile ?? `the system's CAs (set ${this.where}.tlsCaFile for a private CA)`
      throw new Error(`${e.message}: the trunk's certificate was checked against ${against} and refused`, { cause: e })
    })
  }

  private async refresh(): Promise<void> {
    const uri = this.uris[this.active]!
    try {
      this.conn = await this.connect(uri)
      const target = this.requestUri(uri)
      let res = await this.request(this.conn, 'REGISTER', target, undefined)
      if (res.status === 401 || res.status === 407) {
        const header = res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate'
        const challenge = authValues(res, header)
        const md5 = challenge.ok
          ? (challenge.value.find((c) => c.params.get('algorithm') === 'MD5') ?? challenge.value[0])
          : undefined
        if (md5 === undefined) throw new Error(`the trunk sent ${res.status} without a challenge`)
        const auth = answerChallenge(md5, this.config, 'REGISTER', target, randomBytes(8).toString('hex'))
        if (!auth.ok) throw new Error(auth.error)
        const as = res.status === 401 ? 'Authorization' : 'Proxy-Authorization'
        res = await this.request(this.conn, 'REGISTER', target, [as, auth.value])
      }
      if (res.status !== 200) throw new Error(`the trunk at ${uri} answered ${res.status} ${res.reason} to REGISTER`)
      this.registeredUntil = this.clock.now() + REGISTRATION_MS
      this.log({ state: 'registered', detail: uri })
      this.schedule(REFRESH_MS)
    } catch (e) {
      this.registeredUntil = 0
      // The next attempt goes to the next address, if there is one.
      this.active = (this.active + 1) % this.uris.length
      this.schedule(RETRY_MS)
      throw e
    }
  }

  /** sip:HOST[:PORT] of a trunk address (the Request-URI of REGISTER and OPTIONS). */
  private requestUri(uri: string): string {
    const u = parseSipUri(uri)
    return u.ok ? `sip:${u.value.host}${u.value.port !== undefined ? ':' + u.value.port : ''}` : uri
  }

  /** One REGISTER or OPTIONS in its client transaction; its final response, or an error a person can act on. */
  private request(
    conn: SipConnection,
    method: 'REGISTER' | 'OPTIONS',
    target: string,
    authorization: [string, string] | undefined,
  ): Promise<SipResponse> {
    const sentBy = this.config.publicAddress ?? hostPort(this.host, conn.localPort)
    const aor = `sip:${this.config.user}@${target.slice(4)}`
    const h = new SipHeaders()
    h.add('Via', `SIP/2.0/${conn.transport} ${sentBy};branch=${newBranch()};rport`)
    h.add('Max-Forwards', '70')
    h.add('From', `<${aor}>;tag=${this.fromTagValue}`)
    h.add('To', `<${aor}>`)
    h.add('Call-ID', method === 'REGISTER' ? this.callIdValue : `options-${randomBytes(8).toString('hex')}`)
    h.add('CSeq', `${this.cseqNo++} ${method}`)
    h.add('Contact', `<sip:${this.config.user}@${sentBy};transport=${conn.transport.toLowerCase()}>`)
    if (method === 'REGISTER') h.add('Expires', String(REGISTRATION_MS / 1000))
    if (authorization !== undefined) h.add(authorization[0], authorization[1])
    h.add('Content-Length', '0')
    return new Promise((resolve, reject) => {
      const deadline = this.timers.set(ANSWER_MS, () => {
        if (txn.ok) txn.value.terminate()
        reject(new Error(`no answer to ${method} within ${ANSWER_MS / 1000} s`))
      })
      const fail = (why: string) => {
        this.timers.clear(deadline)
        reject(new Error(why))
      }
      const txn = this.transactions.send(newRequest(method, target, h), conn, {
        onFinal: (r) => {
          this.timers.clear(deadline)
          resolve(r)
        },
        onTimeout: () => fail(`no answer to ${method}`),
        onTransportError: () => fail('the trunk connection is closed'),
      })
      if (!txn.ok) fail(txn.error)
    })
  }
}
