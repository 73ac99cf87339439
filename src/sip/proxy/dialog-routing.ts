/**
 * In-dialog requests along the Record-Route this proxy wrote (RFC 3261 section 16.12 with RFC 5626's flows): the
 * route token names the dialog's two connections; a request goes down the other one, or, if it has gone, to the
 * next Route or a registered contact's current flow. A side that comes back on a new connection (a reconnected
 * browser) is followed there.
 */
import { routeUris, type SipRequest } from '../message/index.js'
import type { SipConnection, SipTransportHub } from '../transport/index.js'
import { addressOf } from './address.js'
import type { ForwardOptions, ForwardTarget, InDialogForward } from './types.js'
import { routeSetDigest, type RouteTokens } from './route-token.js'

/** Dialog sides remembered as having moved to a new connection (a reconnected browser), at most. */
const MAX_REBOUND = 10_000

/** What dialog routing needs of the proxy core. */
export interface DialogRoutingHost {
  readonly hub: SipTransportHub
  readonly tokens: RouteTokens
  reply(req: SipRequest, conn: SipConnection, status: number, reason?: string): void
  forward(req: SipRequest, conn: SipConnection, options: ForwardOptions): void
  /** Sends without a transaction (the ACK of a 2xx, section 16.10). */
  forwardStateless(req: SipRequest, target: ForwardTarget): Promise<void>
  onInDialog?(req: SipRequest, from: SipConnection): void
  inDialogForward?(req: SipRequest, from: SipConnection): InDialogForward | undefined
}

export class DialogRouting {
  /**
   * A dialog side's closed connection -> the connection it came back on (a browser whose WebSocket dropped and
   * reconnected sends an in-dialog request on the new one). Bounded: the oldest entries go first.
   */
  private readonly rebound = new Map<string, string>()

  constructor(private readonly host: DialogRoutingHost) {}

  /**
   * Routes an in-dialog request along our Record-Route: down the other connection of the dialog, or, if it has
   * gone, to the next Route or the Request-URI via `resolve` (e.g. a registered contact's current flow).
   */
  route(req: SipRequest, conn: SipConnection, resolve: (uri: string) => ForwardTarget | undefined): void {
    const route = this.host.tokens.read(req)
    if (route === undefined) {
      if (req.method !== 'ACK') this.host.reply(req, conn, 481, 'Call/Transaction Does Not Exist')
      return
    }
    req.headers.removeFirstValue('Route')
    // A double Record-Route: the next Route is ours too (the same token), for the other side's transport.
    if (this.host.tokens.read(req)?.a === route.a) req.headers.removeFirstValue('Route')
    // The rest of the route set must be the one recorded for this dialog: a Route a party added is never followed.
    const next = routeUris(req, 'Route')
    if (!next.ok || routeSetDigest(next.value) !== route.next) {
      if (req.method !== 'ACK') this.host.reply(req, conn, 403, 'Route set not recorded for this dialog')
      return
    }
    this.host.onInDialog?.(req, conn)
    // The token says whose it is: the callee's came in the request, the caller's in the response.
    const fromCaller = route.side === 'a'
    const ownId = fromCaller ? route.a : route.b
    if (conn.id !== ownId && this.flow(ownId) === undefined) this.rebind(ownId, conn.id)
    const other = this.flow(fromCaller ? route.b : route.a)
    let target: ForwardTarget | undefined
    const hop = next.value[0]
    if (hop !== undefined) {
      const address = addressOf(hop)
      if (address !== undefined) target = { uri: req.uri, address }
    } else if (other !== undefined && other.isOpen) target = { uri: req.uri, connection: other }
    else target = resolve(req.uri)
    if (target === undefined) {
      if (req.method !== 'ACK') this.host.reply(req, conn, 480, 'The other party is not connected')
      return
    }
    // The ACK of a 2xx is a transaction of its own that has no response: forwarded without one (section 16.10).
    if (req.method === 'ACK') return void this.host.forwardStateless(req, target)
    const extra = this.host.inDialogForward?.(req, conn)
    this.host.forward(req, conn, {
      groups: [[extra?.body === undefined ? target : { ...target, body: extra.body }]],
      recordRoute: false,
      ...(extra?.rewriteResponse !== undefined && { rewriteResponse: extra.rewriteResponse }),
    })
  }

  /** A dialog side's open connection: the one in the route token, or the one that side came back on. */
  private flow(id: string): SipConnection | undefined {
    const conn = this.host.hub.connection(id)
    if (conn !== undefined && conn.isOpen) return conn
    const again = this.rebound.get(id)
    const next = again === undefined ? undefined : this.host.hub.connection(again)
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
}
