/**
 * This enterprise's trunk to the PSTN gateway: one TCP connection, registered with digest authentication and
 * kept registered; reconnects when it drops. Calls arriving on it are PSTN calls. Its REGISTERs are client
 * transactions of the agent's transaction layer, like every request the agent sends.
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../../core/clock.js'
import type { E164 } from '../../core/e164.js'
import { answerChallenge } from '../auth/index.js'
import {
  authValues,
  newBranch,
  newRequest,
  newTag,
  parseSipUri,
  SipHeaders,
  type SipResponse,
} from '../message/index.js'
import type { ForwardTarget } from '../proxy/index.js'
import type { TimerHandle, TimerSource, TransactionLayer } from '../transaction/index.js'
import type { SipConnection, SipTransportHub } from '../transport/index.js'

/** How long the trunk waits for the gateway's answer to a REGISTER before it reconnects (ms). */
const REGISTER_ANSWER_MS = 5_000
/** The registration's lifetime, and when it is refreshed (ms). */
const REGISTRATION_MS = 300_000
const REFRESH_MS = 120_000
/** The wait before trying again after a failure (ms). */
const RETRY_MS = 1_000

export interface PstnAccount {
  readonly uri: string
  readonly user: string
  readonly password: string
}

export class PstnTrunk {
  private conn: SipConnection | undefined
  private registeredUntil = 0
  private timer: TimerHandle | undefined
  private stopped = false
  private cseqNo = 1
  private readonly callIdValue = `trunk-${randomBytes(8).toString('hex')}`
  private readonly fromTagValue = newTag()

  constructor(
    private readonly hub: SipTransportHub,
    private readonly transactions: TransactionLayer,
    private readonly timers: TimerSource,
    private readonly clock: Clock,
    private readonly account: PstnAccount,
    private readonly host: string,
    private readonly log: (e: { state: string; detail?: string }) => void,
  ) {}

  get registered(): boolean {
    return this.conn?.isOpen === true && this.registeredUntil > this.clock.now()
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
    this.timers.clear(this.timer)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timers.clear(this.timer)
    this.timer = this.timers.set(
      ms,
      () => void this.refresh().catch((e: Error) => this.log({ state: 'down', detail: e.message })),
    )
  }

  private async refresh(): Promise<void> {
    const gw = parseSipUri(this.account.uri)
    if (!gw.ok) throw new Error(`PSTN gateway URI: ${gw.error}`)
    try {
      this.conn = await this.hub.connect({ transport: 'TCP', host: gw.value.host, port: gw.value.port ?? 5060 }, 5_000)
      let res = await this.sendRegister(this.conn, undefined)
      if (res.status === 401) {
        const challenge = authValues(res, 'WWW-Authenticate')
        const md5 = challenge.ok
          ? (challenge.value.find((c) => c.params.get('algorithm') === 'MD5') ?? challenge.value[0])
          : undefined
        if (md5 === undefined) throw new Error('the gateway sent 401 without a challenge')
        const auth = answerChallenge(md5, this.account, 'REGISTER', this.registerUri(), randomBytes(8).toString('hex'))
        if (!auth.ok) throw new Error(auth.error)
        res = await this.sendRegister(this.conn, auth.value)
      }
      if (res.status !== 200) throw new Error(`the gateway answered ${res.status} ${res.reason} to REGISTER`)
      this.registeredUntil = this.clock.now() + REGISTRATION_MS
      this.log({ state: 'registered' })
      this.schedule(REFRESH_MS)
    } catch (e) {
      this.registeredUntil = 0
      this.schedule(RETRY_MS)
      throw e
    }
  }

  private registerUri(): string {
    const gw = parseSipUri(this.account.uri)
    return gw.ok ? `sip:${gw.value.host}${gw.value.port !== undefined ? ':' + gw.value.port : ''}` : this.account.uri
  }

  /** One REGISTER in its client transaction; its final response, or an error a person can act on. */
  private sendRegister(conn: SipConnection, authorization: string | undefined): Promise<SipResponse> {
    const h = new SipHeaders()
    h.add('Via', `SIP/2.0/TCP ${this.host};branch=${newBranch()}`)
    h.add('Max-Forwards', '70')
    h.add('From', `<sip:${this.account.user}@${this.registerUri().slice(4)}>;tag=${this.fromTagValue}`)
    h.add('To', `<sip:${this.account.user}@${this.registerUri().slice(4)}>`)
    h.add('Call-ID', this.callIdValue)
    h.add('CSeq', `${this.cseqNo++} REGISTER`)
    h.add('Contact', `<sip:${this.account.user}@${this.host};transport=tcp>`)
    h.add('Expires', String(REGISTRATION_MS / 1000))
    if (authorization !== undefined) h.add('Authorization', authorization)
    h.add('Content-Length', '0')
    return new Promise((resolve, reject) => {
      const deadline = this.timers.set(REGISTER_ANSWER_MS, () => {
        if (txn.ok) txn.value.terminate()
        reject(new Error(`no answer to REGISTER within ${REGISTER_ANSWER_MS / 1000} s`))
      })
      const fail = (why: string) => {
        this.timers.clear(deadline)
        reject(new Error(why))
      }
      const txn = this.transactions.send(newRequest('REGISTER', this.registerUri(), h), conn, {
        onFinal: (r) => {
          this.timers.clear(deadline)
          resolve(r)
        },
        onTimeout: () => fail('no answer to REGISTER'),
        onTransportError: () => fail('the trunk connection is closed'),
      })
      if (!txn.ok) fail(txn.error)
    })
  }
}
