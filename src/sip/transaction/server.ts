/**
 * Server transactions (RFC 3261 section 17.2): the INVITE machine (figure 7, with RFC 6026's Accepted state) and
 * the non-INVITE machine (figure 8). The transaction user answers through `respond`; the transaction sends,
 * retransmits over unreliable transports, answers retransmitted requests with its last response, and absorbs the
 * ACK of a failure.
 */
import type { SipRequest, SipResponse } from '../message/message.js'
import { isReliable, type TransactionConnection } from './connection.js'
import {
  INVITE_SERVER_TRANSITIONS,
  InviteServerState,
  NON_INVITE_SERVER_TRANSITIONS,
  NonInviteServerState,
  StateMachine,
} from './states.js'
import { T1_MS, T2_MS, T4_MS, TRANSACTION_TIMEOUT_MS, type TimerHandle, type TimerSource } from './timers.js'

export interface ServerTransactionUser {
  /** Timer H: the failure response was never acknowledged. */
  onTimeout?(): void
  /** The transport refused a response. */
  onTransportError?(): void
}

export type ServerState = InviteServerState | NonInviteServerState

const NO_USER: ServerTransactionUser = {}

/** What became of a request that matched an existing server transaction. */
export type Matched =
  /** A retransmission or the ACK of a failure: the transaction dealt with it. */
  | 'absorbed'
  /** An ACK of a 2xx that reused the INVITE's branch (RFC 6026 section 8.5): it is the transaction user's. */
  | 'to-user'

export class ServerTransaction {
  readonly isInvite: boolean
  private readonly machine: StateMachine<ServerState>
  /** Over a reliable transport (TCP, TLS, WebSocket): nothing sent is lost on the way. */
  readonly reliable: boolean
  private last: SipResponse | undefined
  /** Timer G: the next retransmission of a failure. */
  private retransmit: TimerHandle | undefined
  /** Timers H, I, J and L. */
  private timeout: TimerHandle | undefined
  private interval = T1_MS

  constructor(
    readonly key: string,
    readonly method: string,
    readonly connection: TransactionConnection,
    private readonly timers: TimerSource,
    private readonly user: ServerTransactionUser = NO_USER,
    private readonly onTerminated: (t: ServerTransaction) => void = () => {},
  ) {
    if (method === 'ACK') throw new Error('an ACK creates no server transaction (section 17.2.3)')
    this.isInvite = method === 'INVITE'
    this.reliable = isReliable(connection.transport)
    this.machine = this.isInvite
      ? new StateMachine<ServerState>('INVITE server transaction', INVITE_SERVER_TRANSITIONS, 'Proceeding')
      : new StateMachine<ServerState>('non-INVITE server transaction', NON_INVITE_SERVER_TRANSITIONS, 'Trying')
  }

  get state(): ServerState {
    return this.machine.state
  }

  /** The last response sent, if any. */
  get lastResponse(): SipResponse | undefined {
    return this.last
  }

  /**
   * Sends the transaction user's response. False when the state takes no response any more (a second final
   * response to a non-INVITE, anything once Terminated) or the transport refused it.
   */
  respond(res: SipResponse): boolean {
    return this.isInvite ? this.respondInvite(res) : this.respondNonInvite(res)
  }

  /** A request whose key is this transaction's: a retransmission, or (INVITE) an ACK. */
  receive(req: SipRequest): Matched {
    const s = this.state
    if (req.method === 'ACK') {
      if (s === 'Accepted') return 'to-user'
      if (s === 'Completed') {
        this.machine.to('Confirmed')
        this.stopTimers()
        if (this.reliable) this.end()
        else this.timeout = this.timers.set(T4_MS, () => this.end()) // Timer I
      }
      return 'absorbed'
    }
    // A retransmitted request gets the last response again: a provisional one while Proceeding, the final one
    // while Completed (an INVITE's 2xx is retransmitted by its user, not here).
    const resend = s === 'Proceeding' || s === 'Completed'
    if (resend && this.last !== undefined) this.send(this.last)
    return 'absorbed'
  }

  /** Ends the transaction now, without telling its user. */
  terminate(): void {
    if (this.state !== 'Terminated') this.end()
  }

  private respondInvite(res: SipResponse): boolean {
    const s = this.state
    if (s === 'Accepted') return res.status >= 200 && res.status < 300 && this.send(res) // another fork's 2xx
    if (s !== 'Proceeding') return false
    if (res.status < 200) {
      this.last = res
      return this.send(res)
    }
    if (res.status < 300) {
      this.machine.to('Accepted')
      this.last = undefined
      this.timeout = this.timers.set(TRANSACTION_TIMEOUT_MS, () => this.end()) // Timer L
      return this.send(res)
    }
    this.machine.to('Completed')
    this.last = res
    if (!this.reliable) this.retransmit = this.timers.set(this.interval, () => this.onTimerG())
    this.timeout = this.timers.set(TRANSACTION_TIMEOUT_MS, () => this.onTimerH())
    return this.send(res)
  }

  private respondNonInvite(res: SipResponse): boolean {
    const s = this.state
    if (s !== 'Trying' && s !== 'Proceeding') return false
    this.last = res
    if (res.status < 200) {
      if (s === 'Trying') this.machine.to('Proceeding')
      return this.send(res)
    }
    this.machine.to('Completed')
    const sent = this.send(res)
    if (this.state !== 'Completed') return sent
    if (this.reliable) this.end()
    else this.timeout = this.timers.set(TRANSACTION_TIMEOUT_MS, () => this.end()) // Timer J
    return sent
  }

  private onTimerG(): void {
    this.retransmit = undefined
    if (this.state !== 'Completed' || this.last === undefined) return
    if (!this.send(this.last)) return
    this.interval = Math.min(this.interval * 2, T2_MS)
    this.retransmit = this.timers.set(this.interval, () => this.onTimerG())
  }

  private onTimerH(): void {
    this.timeout = undefined
    if (this.state !== 'Completed') return
    this.end()
    this.user.onTimeout?.()
  }

  private send(res: SipResponse): boolean {
    if (this.connection.send(res)) return true
    if (this.state !== 'Terminated') {
      this.end()
      this.user.onTransportError?.()
    }
    return false
  }

  private stopTimers(): void {
    this.timers.clear(this.retransmit)
    this.timers.clear(this.timeout)
    this.retransmit = undefined
    this.timeout = undefined
  }

  private end(): void {
    this.stopTimers()
    this.machine.to('Terminated')
    this.last = undefined
    this.onTerminated(this)
  }
}
