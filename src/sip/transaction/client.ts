/**
 * Client transactions (RFC 3261 section 17.1): the INVITE machine (figure 5, with RFC 6026's Accepted state) and
 * the non-INVITE machine (figure 6). One implementation for everything here that sends a request and waits for
 * its answer: the proxy core's branches, the trunk's REGISTER, the scripted test phone.
 */
import type { SipRequest, SipResponse } from '../message/message.js'
import { isReliable, type TransactionConnection } from './connection.js'
import { ackOfFailure } from './requests.js'
import {
  INVITE_CLIENT_TRANSITIONS,
  InviteClientState,
  NON_INVITE_CLIENT_TRANSITIONS,
  NonInviteClientState,
  StateMachine,
} from './states.js'
import {
  T1_MS,
  T2_MS,
  T4_MS,
  TIMER_D_UNRELIABLE_MS,
  TRANSACTION_TIMEOUT_MS,
  type TimerHandle,
  type TimerSource,
} from './timers.js'

/** The transaction user's side of a client transaction: what it is told. */
export interface ClientTransactionUser {
  /** A provisional response (100 Trying included). */
  onProvisional?(res: SipResponse): void
  /** A final response: the first non-2xx one, and every 2xx (an INVITE's forks may each answer). */
  onFinal(res: SipResponse): void
  /** Timer B or F: no final response in time (the user acts as if it got 408, section 8.1.3.1). */
  onTimeout?(): void
  /** The transport refused the request or a retransmission (the user acts as if it got 503). */
  onTransportError?(): void
}

export type ClientState = InviteClientState | NonInviteClientState

/** The user of a released transaction: it hears nothing. */
const RELEASED: ClientTransactionUser = { onFinal: () => {} }

export class ClientTransaction {
  readonly isInvite: boolean
  private readonly machine: StateMachine<ClientState>
  private readonly reliable: boolean
  /** Timer A or E: the next retransmission. */
  private retransmit: TimerHandle | undefined
  /** Timer B or F: the transaction's timeout. */
  private timeout: TimerHandle | undefined
  /** Timer D, K or M: lingering before Terminated. */
  private linger: TimerHandle | undefined
  private interval = T1_MS
  private ack: SipRequest | undefined
  /** The request, kept while it may be retransmitted or cancelled (Calling, Trying, Proceeding). */
  private sent: SipRequest | undefined

  constructor(
    readonly key: string,
    request: SipRequest,
    readonly connection: TransactionConnection,
    private readonly timers: TimerSource,
    private user: ClientTransactionUser,
    /** The layer forgets the transaction once it is Terminated. */
    private readonly onTerminated: (t: ClientTransaction) => void = () => {},
  ) {
    if (request.method === 'ACK') throw new Error('an ACK is not sent in a client transaction (section 17.1)')
    this.sent = request
    this.isInvite = request.method === 'INVITE'
    this.reliable = isReliable(connection.transport)
    this.machine = this.isInvite
      ? new StateMachine<ClientState>('INVITE client transaction', INVITE_CLIENT_TRANSITIONS, 'Calling')
      : new StateMachine<ClientState>('non-INVITE client transaction', NON_INVITE_CLIENT_TRANSITIONS, 'Trying')
  }

  get state(): ClientState {
    return this.machine.state
  }

  /**
   * The request sent, while it may still be retransmitted or cancelled; undefined once a final response came
   * (a transaction lingering in Accepted or Completed holds no more than it needs).
   */
  get request(): SipRequest | undefined {
    return this.sent
  }

  /** Sends the request and starts Timers A and B (INVITE) or E and F (non-INVITE). */
  start(): void {
    if (this.sent === undefined || !this.connection.send(this.sent)) return this.transportError()
    if (!this.reliable) this.retransmit = this.timers.set(this.interval, () => this.onRetransmitTimer())
    this.timeout = this.timers.set(TRANSACTION_TIMEOUT_MS, () => this.onTimeoutTimer())
  }

  /** A response whose key is this transaction's. */
  receive(res: SipResponse): void {
    if (this.isInvite) this.receiveInvite(res)
    else this.receiveNonInvite(res)
  }

  /** Ends the transaction now (its user gave up on it), without telling the user. */
  terminate(): void {
    if (this.state === 'Terminated') return
    this.end()
  }

  /**
   * The transaction user has nothing more to hear: what it lets go of is no longer kept reachable by a transaction
   * that lingers. One in Completed goes on acknowledging retransmitted failures until Timer D. One in Accepted ends
   * at once, since all it would do for its 32 s is pass retransmitted 2xx to a user that no longer hears them (one
   * that arrives then is dropped as a stray response, the same outcome), unless `retransmitted2xx` is given: it
   * then lingers until Timer M and hands each retransmitted 2xx to that function alone.
   */
  release(retransmitted2xx?: (res: SipResponse) => void): void {
    if (retransmitted2xx !== undefined && this.state === 'Accepted') {
      this.user = { onFinal: retransmitted2xx }
      return
    }
    this.user = RELEASED
    if (this.state === 'Accepted') this.end()
  }

  private receiveInvite(res: SipResponse): void {
    const s = this.state
    if (s === 'Calling' || s === 'Proceeding') {
      if (res.status < 200) {
        if (s === 'Calling') {
          this.machine.to('Proceeding')
          this.stopTimers()
        }
        return this.user.onProvisional?.(res)
      }
      this.stopTimers()
      const request = this.sent!
      this.sent = undefined
      if (res.status < 300) {
        this.machine.to('Accepted')
        this.linger = this.timers.set(TRANSACTION_TIMEOUT_MS, () => this.end())
        return this.user.onFinal(res)
      }
      this.machine.to('Completed')
      this.ack = ackOfFailure(request, res)
      this.connection.send(this.ack)
      this.user.onFinal(res)
      if (this.reliable) return this.end()
      this.linger = this.timers.set(TIMER_D_UNRELIABLE_MS, () => this.end())
      return
    }
    if (s === 'Accepted' && res.status >= 200 && res.status < 300) return this.user.onFinal(res)
    // A retransmitted failure: acknowledged again, not passed up.
    if (s === 'Completed' && res.status >= 300 && this.ack !== undefined) this.connection.send(this.ack)
  }

  private receiveNonInvite(res: SipResponse): void {
    const s = this.state
    if (s !== 'Trying' && s !== 'Proceeding') return // Completed absorbs retransmissions
    if (res.status < 200) {
      if (s === 'Trying') this.machine.to('Proceeding')
      return this.user.onProvisional?.(res)
    }
    this.machine.to('Completed')
    this.stopTimers()
    this.sent = undefined
    this.user.onFinal(res)
    if (this.reliable) return this.end()
    this.linger = this.timers.set(T4_MS, () => this.end())
  }

  private onRetransmitTimer(): void {
    this.retransmit = undefined
    const s = this.state
    if (s !== 'Calling' && s !== 'Trying' && s !== 'Proceeding') return
    if (this.isInvite && s === 'Proceeding') return
    if (this.sent === undefined || !this.connection.send(this.sent)) return this.transportError()
    // Timer A doubles each time; Timer E doubles up to T2, and stays at T2 once a provisional came.
    this.interval = this.isInvite ? this.interval * 2 : s === 'Proceeding' ? T2_MS : Math.min(this.interval * 2, T2_MS)
    this.retransmit = this.timers.set(this.interval, () => this.onRetransmitTimer())
  }

  private onTimeoutTimer(): void {
    this.timeout = undefined
    const s = this.state
    if (s !== 'Calling' && s !== 'Trying' && s !== 'Proceeding') return
    this.end()
    this.user.onTimeout?.()
  }

  private transportError(): void {
    this.end()
    this.user.onTransportError?.()
  }

  private stopTimers(): void {
    this.timers.clear(this.retransmit)
    this.timers.clear(this.timeout)
    this.retransmit = undefined
    this.timeout = undefined
  }

  private end(): void {
    this.sent = undefined
    this.stopTimers()
    this.timers.clear(this.linger)
    this.linger = undefined
    this.machine.to('Terminated')
    this.onTerminated(this)
  }
}
