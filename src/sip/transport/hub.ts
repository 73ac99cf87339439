/**
 * SIP transports on real sockets: TCP and TLS (RFC 3261 section 18, framed by Content-Length) and WebSocket and
 * secure WebSocket (RFC 7118, subprotocol `sip`, one message per frame). Listeners accept connections; the hub
 * also opens outbound connections and reuses them per destination. Every connection, whichever way it was
 * opened, delivers what it reads to one handler with the connection it came on, so responses and in-dialog
 * requests can be sent back on the same flow (browsers cannot be connected to; RFC 5626's idea).
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import {
  connect as netConnect,
  createServer as createNetServer,
  isIP,
  type Server as NetServer,
  type Socket,
} from 'node:net'
import { lookup } from 'node:dns/promises'
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls'
import { WebSocket, WebSocketServer } from 'ws'
import type { AdmissionCounters, AdmissionLimits } from '../../core/connection-admission.js'
import { SocketAdmission, socketKey } from '../../core/socket-admission.js'
import { MAX_MESSAGE_BYTES } from '../message/constants.js'
import { DatagramEndpoint } from './datagram.js'
import {
  StreamConnection,
  WsConnection,
  type ListenOptions,
  type MessageHandler,
  type SipConnection,
  type SipListener,
  type SipTarget,
  type SipTransportName,
} from './connections.js'

export type {
  ListenOptions,
  MessageHandler,
  SipConnection,
  SipListener,
  SipTarget,
  SipTransportName,
  TlsFiles,
} from './connections.js'

/**
 * Inbound connections over all of a hub's listeners (docs/security.md, "Floods of connections"): a source holds at
 * most 256, of which 32 may not have sent a complete SIP message yet; each has 5 s for that first message; 10,000
 * in all, of which pending ones take at most 9,000 (the oldest pending one is closed for a newcomer beyond).
 */
export const DEFAULT_SIP_INBOUND_LIMITS: AdmissionLimits = {
  perSource: 256,
  perSourcePending: 32,
  max: 10_000,
  reserve: 1_000,
  firstMessageMs: 5_000,
}

/** Owns every connection of one SIP endpoint: its listeners and its outbound pool. */
export class SipTransportHub {
  private readonly connections = new Map<string, SipConnection>()
  private readonly outbound = new Map<string, Promise<SipConnection>>()
  private readonly listeners = new Set<SipListener>()
  private readonly closeWatchers = new Set<(c: SipConnection) => void>()
  /** The hub's own UDP sockets for outbound UDP, by local address ('' : any). */
  private readonly datagramClients = new Map<string, Promise<DatagramEndpoint>>()
  private readonly admission: SocketAdmission

  constructor(
    private readonly onMessage: MessageHandler,
    /** How outbound TLS/WSS connections check the server: certificates are verified unless told otherwise. */
    private readonly tlsClient: { ca?: string | Buffer; rejectUnauthorized?: boolean } = {},
    inbound: Partial<AdmissionLimits> = {},
  ) {
    this.admission = new SocketAdmission({ ...DEFAULT_SIP_INBOUND_LIMITS, ...inbound })
  }

  /** Inbound connections accepted, refused and closed by the limits, by reason. */
  get admissionCounters(): Readonly<AdmissionCounters> {
    return this.admission.counters
  }

  /** Inbound connections held now, and how many of them have not sent a complete message yet. */
  get inbound(): { held: number; pending: number } {
    return this.admission.held
  }

  /** A socket a listener accepted, before any handshake or upgrade: admitted under the limits or destroyed. */
  private admit(raw: Socket): string | undefined {
    return this.admission.admit(raw)
  }

  /** A complete message (parsed or answered 400) on an admitted connection makes it established. */
  private framed(key: string): () => void {
    return () => this.admission.established(key)
  }

  connection(id: string): SipConnection | undefined {
    return this.connections.get(id)
  }

  get connectionCount(): number {
    return this.connections.size
  }

  private track(c: SipConnection, owned?: Set<SipConnection>): SipConnection {
    this.connections.set(c.id, c)
    owned?.add(c)
    return c
  }

  /** Calls `watch` with every connection that closes (accepted or opened), once each. */
  onConnectionClosed(watch: (c: SipConnection) => void): void {
    this.closeWatchers.add(watch)
  }

  private notifyClosed(c: SipConnection): void {
    for (const w of this.closeWatchers) w(c)
  }

  private readonly closed = (owned?: Set<SipConnection>) => (c: SipConnection) => {
    this.connections.delete(c.id)
    owned?.delete(c)
    this.notifyClosed(c)
  }

  async listenStream(options: ListenOptions): Promise<SipListener> {
    const owned = new Set<SipConnection>()
    const transport = options.tls === undefined ? 'TCP' : 'TLS'
    const accept = (socket: Socket, key: string) =>
      this.track(
        new StreamConnection(transport, options.face, socket, this.onMessage, this.closed(owned), this.framed(key)),
        owned,
      )
    let server: NetServer
    if (options.tls === undefined) {
      server = createNetServer((socket) => {
        const key = this.admit(socket)
        if (key !== undefined) accept(socket, key)
      })
    } else {
      // Admitted as a TCP connection, before its handshake: the first-message timer covers the handshake (TLS's own
      // timeout is only a backstop).
      const tls = createTlsServer({ ...options.tls, handshakeTimeout: this.admission.limits.firstMessageMs + 1_000 })
      tls.on('connection', (raw: Socket) => void this.admit(raw))
      tls.on('secureConnection', (socket) => {
        accept(socket, socketKey(socket))
      })
      tls.on('tlsClientError', (_e, socket) => socket.destroy())
      server = tls
    }
    const port = await listen(server, options.host, options.port)
    return this.listener(options, transport, port, owned, () => closeServer(server))
  }

  /**
   * SIP over UDP (RFC 3261 section 18), for the phones, trunks and scanners that speak nothing else. Each
   * datagram is one message; answers go to the sender's address. The transaction layer above retransmits
   * requests (Timers A, E) and final responses to INVITEs (Timer G), and answers retransmitted requests again
   * (src/sip/transaction). Outbound UDP (a trunk over UDP) goes from a socket of the hub's own (connect()).
   */
  async listenDatagram(options: ListenOptions): Promise<SipListener> {
    const owned = new Set<SipConnection>()
    const endpoint = await DatagramEndpoint.bind(
      'listener',
      options.face,
      options.host,
      options.port,
      this.onMessage,
      (p) => this.track(p, owned),
      this.closed(owned),
    )
    return this.listener(options, 'UDP', endpoint.port, owned, () => endpoint.close())
  }

  async listenWebSocket(options: ListenOptions): Promise<SipListener> {
    const owned = new Set<SipConnection>()
    const transport = options.tls === undefined ? 'WS' : 'WSS'
    const http: HttpServer =
      options.tls === undefined
        ? createHttpServer()
        : createHttpsServer(
            { ...options.tls, handshakeTimeout: this.admission.limits.firstMessageMs + 1_000 },
            undefined,
          )
    // Admitted as a TCP connection, before its upgrade: the upgrade and the first SIP message have the time.
    http.on('connection', (raw: Socket) => void this.admit(raw))
    // Backstops: the first-message timer closes a connection first.
    http.headersTimeout = this.admission.limits.firstMessageMs + 1_000
    http.requestTimeout = this.admission.limits.firstMessageMs + 1_000
    http.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('SIP over WebSocket: use subprotocol "sip"\n')
    })
    const wss = new WebSocketServer({
      server: http,
      maxPayload: MAX_MESSAGE_BYTES,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
      // RFC 7118 section 4: the subprotocol is required.
      verifyClient: (info: { req: { headers: Record<string, string | string[] | undefined> } }) =>
        String(info.req.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((p) => p.trim())
          .includes('sip'),
    })
    wss.on('connection', (ws, req) => {
      const s = req.socket
      const key = socketKey(s)
      const c = new WsConnection(
        transport,
        options.face,
        ws,
        s.remoteAddress ?? '?',
        s.remotePort ?? 0,
        this.onMessage,
        this.closed(owned),
        this.framed(key),
      )
      c.principal = options.authenticateUpgrade?.(req)
      this.track(c, owned)
    })
    // ws re-emits the HTTP server's errors; with no listener there, a port in use would throw out of the
    // emit (an uncaught exception) before listen() could reject.
    wss.on('error', () => undefined)
    const port = await listen(http, options.host, options.port).catch((e: unknown) => {
      wss.close()
      throw e
    })
    return this.listener(options, transport, port, owned, async () => {
      wss.close()
      await closeServer(http)
    })
  }

  private listener(
    options: ListenOptions,
    transport: SipTransportName,
    port: number,
    owned: Set<SipConnection>,
    stop: () => Promise<void>,
  ): SipListener {
    const l: SipListener = {
      face: options.face,
      transport,
      host: options.host,
      port,
      close: async () => {
        this.listeners.delete(l)
        for (const c of [...owned]) c.close()
        // Sockets still in their TLS handshake or WebSocket upgrade are no connection yet, but keep the server open.
        this.admission.destroyPending(port)
        await stop()
      },
    }
    this.listeners.add(l)
    return l
  }

  /** An open connection to the target, reusing one we opened before. Rejects after timeoutMs. */
  connect(target: SipTarget, timeoutMs: number): Promise<SipConnection> {
    const key = `${target.transport}:${target.host}:${target.port}`
    const existing = this.outbound.get(key)
    if (existing !== undefined) {
      return existing.then(
        (c) => (c.isOpen ? c : this.dial(key, target, timeoutMs)),
        () => this.dial(key, target, timeoutMs),
      )
    }
    return this.dial(key, target, timeoutMs)
  }

  /**
   * A remote UDP address as a connection, on the hub's own UDP socket (one per local address, bound on first use
   * to a free port): its answers and its requests to us (a trunk's calls in, sent to where its REGISTER came from)
   * come back on the same peer. Only addresses connected to are heard on that socket. A host name is looked up first: datagrams are matched by the address they come from.
   */
  private async datagramPeer(target: SipTarget): Promise<SipConnection> {
    const host = target.host.replace(/^\[|\]$/g, '')
    const address = isIP(host) !== 0 ? host : (await lookup(host)).address
    const local = target.localAddress ?? ''
    let client = this.datagramClients.get(local)
    if (client === undefined) {
      const bindTo = local !== '' ? local : address.includes(':') ? '::' : '0.0.0.0'
      client = DatagramEndpoint.bind(
        'client',
        'outbound',
        bindTo,
        0,
        this.onMessage,
        (p) => this.track(p),
        this.closed(),
      )
      this.datagramClients.set(local, client)
      client.catch(() => this.datagramClients.delete(local))
    }
    const endpoint = await client.catch((e: Error) => {
      throw new Error(`no UDP socket to reach ${target.host}:${target.port} from: ${e.message}`)
    })
    const peer = endpoint.peer(address, target.port)
    if (peer === undefined) throw new Error(`too many UDP peers to add ${target.host}:${target.port}`)
    return peer
  }

  private dial(key: string, target: SipTarget, timeoutMs: number): Promise<SipConnection> {
    if (target.transport === 'UDP') return this.datagramPeer(target)
    const dropped = (c: SipConnection) => {
      this.connections.delete(c.id)
      this.notifyClosed(c)
      void this.outbound.get(key)?.then((current) => current === c && this.outbound.delete(key))
    }
    const attempt = new Promise<SipConnection>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ${target.transport} connection to ${target.host}:${target.port} within ${timeoutMs} ms`))
        cancel()
      }, timeoutMs)
      let cancel = () => {}
      const host = target.host.replace(/^\[|\]$/g, '')
      if (target.transport === 'WS' || target.transport === 'WSS') {
        const scheme = target.transport === 'WS' ? 'ws' : 'wss'
        const ws = new WebSocket(`${scheme}://${target.host}:${target.port}`, 'sip', {
          maxPayload: MAX_MESSAGE_BYTES,
          handshakeTimeout: timeoutMs,
          ...(target.localAddress !== undefined && { localAddress: target.localAddress }),
          ...this.tlsClient,
          ...target.tls,
        })
        cancel = () => ws.terminate()
        ws.once('open', () => {
          clearTimeout(timer)
          resolve(
            this.track(
              new WsConnection(target.transport as 'WS', 'outbound', ws, host, target.port, this.onMessage, dropped),
            ),
          )
        })
        ws.once('error', (e) => {
          clearTimeout(timer)
          reject(new Error(`${target.transport} connection to ${target.host}:${target.port} failed: ${e.message}`))
        })
      } else {
        const local = target.localAddress === undefined ? {} : { localAddress: target.localAddress }
        const socket =
          target.transport === 'TCP'
            ? netConnect({ host, port: target.port, ...local })
            : tlsConnect({ host, port: target.port, ...local, ...this.tlsClient, ...target.tls })
        cancel = () => socket.destroy()
        socket.once(target.transport === 'TCP' ? 'connect' : 'secureConnect', () => {
          clearTimeout(timer)
          resolve(
            this.track(new StreamConnection(target.transport as 'TCP', 'outbound', socket, this.onMessage, dropped)),
          )
        })
        socket.once('error', (e) => {
          clearTimeout(timer)
          reject(new Error(`${target.transport} connection to ${target.host}:${target.port} failed: ${e.message}`))
        })
      }
    })
    this.outbound.set(key, attempt)
    attempt.catch(() => this.outbound.delete(key))
    return attempt
  }

  async close(): Promise<void> {
    for (const l of [...this.listeners]) await l.close()
    for (const c of [...this.connections.values()]) c.close()
    this.outbound.clear()
    for (const client of [...this.datagramClients.values()]) await (await client.catch(() => undefined))?.close()
    this.datagramClients.clear()
  }
}

function listen(server: NetServer | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}

function closeServer(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
