/**
 * The transaction layer (RFC 3261 section 17): the transactions of one SIP endpoint, by key. Requests from the
 * transport come here first: a retransmission or the ACK of a failure is dealt with by its transaction and goes
 * no further; anything else goes up to the transaction user, which opens a server transaction to answer it.
 * Responses come here too and go to their client transaction, or are reported as strays.
 */
import { ownString } from '../../core/own-string.js'
import { err, ok, type Result } from '../../core/result.js'
import type { SipRequest, SipResponse } from '../message/message.js'
import { ClientTransaction, type ClientTransactionUser } from './client.js'
import type { TransactionConnection } from './connection.js'
import { clientKeyOfRequest, clientKeyOfResponse, inviteKeyOf, serverKey } from './keys.js'
import { ServerTransaction, type Matched, type ServerTransactionUser } from './server.js'
import { systemTimers, type TimerSource } from './timers.js'

export class TransactionLayer {
  private readonly servers = new Map<string, ServerTransaction>()
  private readonly clients = new Map<string, ClientTransaction>()
  private readonly forgetServer = (t: ServerTransaction) => {
    if (this.servers.get(t.key) === t) this.servers.delete(t.key)
  }
  private readonly forgetClient = (t: ClientTransaction) => {
    if (this.clients.get(t.key) === t) this.clients.delete(t.key)
  }

  constructor(readonly timers: TimerSource = systemTimers) {}

  get serverCount(): number {
    return this.servers.size
  }

  get clientCount(): number {
    return this.clients.size
  }

  // ---- server side ---------------------------------------------------------------------------------------------

  /**
   * Gives a request to the server transaction it belongs to, if there is one: `absorbed` when that transaction
   * dealt with it (a retransmission, the ACK of a failure), `to-user` for an ACK the user must route, undefined
   * when it starts something new (or, for an ACK, matches nothing: the ACK of a 2xx, routed by the user).
   */
  match(req: SipRequest): Matched | undefined {
    const key = serverKey(req)
    if (!key.ok) return undefined
    return this.servers.get(key.value)?.receive(req)
  }

  /** Opens the server transaction that answers `req` (not an ACK); an error if it has no usable Via. */
  serve(req: SipRequest, conn: TransactionConnection, user?: ServerTransactionUser): Result<ServerTransaction> {
    if (req.method === 'ACK') return err('an ACK opens no server transaction')
    const key = serverKey(req)
    if (!key.ok) return key
    const existing = this.servers.get(key.value)
    if (existing !== undefined) return ok(existing)
    // The key is made of slices of the request's text: kept as they are, they would keep that whole text alive for
    // as long as the transaction lingers (an accepted INVITE: 32 s). A copy of its own costs one short string.
    const own = ownString(key.value)
    const t = new ServerTransaction(own, req.method, conn, this.timers, user, this.forgetServer)
    this.servers.set(own, t)
    return ok(t)
  }

  /** The INVITE server transaction a CANCEL names (same branch and sent-by, section 9.2), if it is still open. */
  inviteFor(cancel: SipRequest): ServerTransaction | undefined {
    const key = inviteKeyOf(cancel)
    return key.ok ? this.servers.get(key.value) : undefined
  }

  /**
   * Answers a request in its own server transaction (opened here when needed): the usual way for a transaction
   * user to answer a request it does not forward. False when it could not be sent.
   */
  answer(req: SipRequest, conn: TransactionConnection, res: SipResponse): boolean {
    if (req.method === 'ACK') return false
    const t = this.serve(req, conn)
    // No usable Via: the transport layer's checks let it through; answer without a transaction.
    return t.ok ? t.value.respond(res) : conn.send(res)
  }

  // ---- client side ---------------------------------------------------------------------------------------------

  /**
   * Opens and starts a client transaction sending `req` (its top Via's branch must be new) down `conn`. A caller
   * that has just written the branch may pass it, which spares reading the Via back.
   */
  send(
    req: SipRequest,
    conn: TransactionConnection,
    user: ClientTransactionUser,
    branch?: string,
  ): Result<ClientTransaction> {
    const key = branch === undefined ? clientKeyOfRequest(req) : ok(`${branch}|${req.method}`)
    if (!key.ok) return key
    if (this.clients.has(key.value)) return err(`a client transaction ${key.value} is already open`)
    const t = new ClientTransaction(key.value, req, conn, this.timers, user, this.forgetClient)
    this.clients.set(key.value, t)
    t.start()
    return ok(t)
  }

  /** Gives a response to its client transaction; false when none has its key (a stray, for the caller to drop). */
  receive(res: SipResponse): boolean {
    const key = clientKeyOfResponse(res)
    const t = key === undefined ? undefined : this.clients.get(key)
    if (t === undefined) return false
    t.receive(res)
    return true
  }

  /** Ends every transaction (the endpoint is stopping): timers stop, no user is told. */
  stop(): void {
    for (const t of [...this.clients.values()]) t.terminate()
    for (const t of [...this.servers.values()]) t.terminate()
    this.clients.clear()
    this.servers.clear()
  }
}
