/**
 * SIP transports on real sockets: TCP and TLS (RFC 3261 section 18, framed by Content-Length) and WebSocket and
 * secure WebSocket (RFC 7118, subprotocol `sip`, one message per frame). Listeners accept connections; the hub
 * also opens outbound connections and reuses them per destination. Every connection, whichever way it was
 * opened, delivers what it reads to one handler with the connection it came on, so responses and in-dialog
 * requests can be sent back on the same flow (browsers cannot be connected to; RFC 5626's idea).
 */
import { randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect as netConnect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { createSocket, type RemoteInfo, type Socket as DatagramSocket } from 'node:dgram'
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls'
import { WebSocket, WebSocketServer } from 'ws'
import { MAX_MESSAGE_BYTES } from '../message/constants.js'
import { responseTo, type SipMessage } from '../message/message.js'
import { parseMessage, type SipParseError } from '../message/parser.js'
import { serialiseMessage } from '../message/serialise.js'
import { SipStreamFramer } from './stream-framer.js'

export type SipTransportName = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS'

export interface SipConnection {
  readonly id: string
  readonly transport: SipTransportName
  /** Which listener accepted it ('edge', 'internal'...) or 'outbound' for connections we opened. */
  readonly face: string
  readonly remoteAddress: string
  readonly remotePort: number
  readonly isOpen: boolean
  /** The user a WebSocket's upgrade request was signed in as (the node's session cookie), if any. */
  readonly principal?: string | undefined
  /** Serialises and writes; false when the connection is closed or the message cannot be written. */
  send(m: SipMessage): boolean
  close(): void
}

export interface TlsFiles {
  readonly cert: string | Buffer
  readonly key: string | Buffer
}

export interface ListenOptions {
  readonly face: string
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly tls?: TlsFiles
  /** WebSocket only: who the upgrade request is signed in as (e.g. by the node's session cookie). */
  readonly authenticateUpgrade?: (req: IncomingMessage) => string | undefined
}

export interface SipListener {
  readonly face: string
  readonly transport: SipTransportName
  readonly host: string
  readonly port: number
  /** Stops accepting and closes every connection it accepted. */
  close(): Promise<void>
}

export interface SipTarget {
  readonly transport: SipTransportName
  readonly host: string
  readonly port: number
}

export type MessageHandler = (message: SipMessage, conn: SipConnection) => void

/** Connections a listener keeps at most; more are refused at accept. */
const MAX_CONNECTIONS_PER_LISTENER = 10_000
/** A connection that sends nothing (not even a keep-alive) for this long is closed (ms). */
const IDLE_TIMEOUT_MS = 10 * 60_000

let nextId = 0
/**
 * Connection ids are unique across processes too (a random part per process): a flow token written before a
 * restart must never name a different connection after it.
 */
const PROCESS_ID = randomBytes(3).toString('hex')
const newId = (prefix: string) => `${prefix}${PROCESS_ID}${(++nextId).toString(36)}`

function answerParseError(error: SipParseError, send: (m: SipMessage) => boolean): void {
  if (error.request === undefined) return
  const reply = responseTo(error.request, error.status, error.reason)
  if (reply.ok) send(reply.value)
}

class StreamConnection implements SipConnection {
  readonly id: string
  readonly remoteAddress: string
  readonly remotePort: number
  private readonly framer = new SipStreamFramer()
  private corked = false

  constructor(
    readonly transport: 'TCP' | 'TLS',
    readonly face: string,
    private readonly socket: Socket,
    onMessage: MessageHandler,
    onClose: (c: SipConnection) => void,
  ) {
    this.id = newId('t')
    this.remoteAddress = socket.remoteAddress ?? '?'
    this.remotePort = socket.remotePort ?? 0
    socket.setNoDelay(true)
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy())
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.framer.push(chunk)) {
        if (item.kind === 'message') onMessage(item.message, this)
        else if (item.kind === 'ping') socket.write('\r\n')
        else {
          answerParseError(item.error, (m) => this.send(m))
          if (item.error.close) socket.end()
        }
      }
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => onClose(this))
  }

  get isOpen(): boolean {
    return !this.socket.destroyed && this.socket.writable
  }

  send(m: SipMessage): boolean {
    if (!this.isOpen) return false
    const bytes = serialiseMessage(m)
    if (!bytes.ok) return false
    // Writes within one tick go out in one system call: under load, many messages share a connection.
    if (!this.corked) {
      this.corked = true
      this.socket.cork()
      process.nextTick(() => {
        this.corked = false
        this.socket.uncork()
      })
    }
    this.socket.write(bytes.value)
    return true
  }

  close(): void {
    this.socket.destroy()
  }
}

class WsConnection implements SipConnection {
  readonly id: string
  principal: string | undefined

  constructor(
    readonly transport: 'WS' | 'WSS',
    readonly face: string,
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
    readonly remotePort: number,
    onMessage: MessageHandler,
    onClose: (c: SipConnection) => void,
  ) {
    this.id = newId('w')
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
      const parsed = parseMessage(bytes)
      if (parsed.ok) onMessage(parsed.value, this)
      else {
        answerParseError(parsed.error, (m) => this.send(m))
        if (parsed.error.close) ws.close(1002, 'not SIP')
      }
    })
    ws.on('error', () => ws.terminate())
    ws.on('close', () => onClose(this))
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  send(m: SipMessage): boolean {
    if (!this.isOpen) return false
    const bytes = serialiseMessage(m)
    if (!bytes.ok) return false
    // Text frames: SIP over WebSocket peers (JsSIP, Kamailio) expect UTF-8 text (RFC 7118 section 5.2).
    this.ws.send(Buffer.from(bytes.value).toString('utf8'))
    return true
  }

  close(): void {
    this.ws.terminate()
  }
}

/**
 * A remote address on a UDP listener, seen as a connection: what it sends is delivered with it, and answers go
 * back to the address the datagram came from (RFC 3581 symmetric response routing). Forgotten when idle.
 */
class UdpPeer implements SipConnection {
  readonly id: string
  readonly transport = 'UDP' as const
  lastSeen = Date.now()
  private closed = false

  constructor(
    readonly face: string,
    private readonly socket: DatagramSocket,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly onClose: (c: UdpPeer) => void,
  ) {
    this.id = newId('u')
  }

  get isOpen(): boolean {
    return !this.closed
  }

  send(m: SipMessage): boolean {
    if (this.closed) return false
    const bytes = serialiseMessage(m)
    if (!bytes.ok || bytes.value.length > MAX_DATAGRAM_BYTES) return false
    this.socket.send(bytes.value, this.remotePort, this.remoteAddress)
    return true
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.onClose(this)
  }
}

/** The largest SIP message sent or taken over UDP (an IPv4 datagram's payload). */
const MAX_DATAGRAM_BYTES = 65_507
/** Remote UDP addresses a listener remembers at most, and for how long without traffic (ms). */
const MAX_UDP_PEERS = 10_000
const UDP_PEER_IDLE_MS = 5 * 60_000

/** Owns every connection of one SIP endpoint: its listeners and its outbound pool. */
export class SipTransportHub {
  private readonly connections = new Map<string, SipConnection>()
  private readonly outbound = new Map<string, Promise<SipConnection>>()
  private readonly listeners = new Set<SipListener>()
  private readonly closeWatchers = new Set<(c: SipConnection) => void>()

  constructor(
    private readonly onMessage: MessageHandler,
    /** How outbound TLS/WSS connections check the server: certificates are verified unless told otherwise. */
    private readonly tlsClient: { ca?: string | Buffer; rejectUnauthorized?: boolean } = {},
  ) {}

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
    const accept = (socket: Socket) => {
      if (owned.size >= MAX_CONNECTIONS_PER_LISTENER) return socket.destroy()
      this.track(new StreamConnection(transport, options.face, socket, this.onMessage, this.closed(owned)), owned)
    }
    const server: NetServer =
      options.tls === undefined ? createNetServer(accept) : createTlsServer({ ...options.tls }, accept)
    server.maxConnections = MAX_CONNECTIONS_PER_LISTENER
    const port = await listen(server, options.host, options.port)
    return this.listener(options, transport, port, owned, () => closeServer(server))
  }

  /**
   * SIP over UDP (RFC 3261 section 18), for the phones, trunks and scanners that speak nothing else. Each
   * datagram is one message; answers go to the sender's address. The transaction layer above retransmits
   * final responses to INVITEs (Timer G) and answers retransmitted requests again (src/sip/transaction); this
   * endpoint opens no UDP flows of its own (it forwards over TCP and WebSocket).
   */
  async listenDatagram(options: ListenOptions): Promise<SipListener> {
    const owned = new Set<SipConnection>()
    const peers = new Map<string, UdpPeer>()
    const socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4')
    const forget = (p: UdpPeer) => {
      peers.delete(`${p.remoteAddress}|${p.remotePort}`)
      this.closed(owned)(p)
    }
    socket.on('message', (data: Buffer, rinfo: RemoteInfo) => {
      const key = `${rinfo.address}|${rinfo.port}`
      let peer = peers.get(key)
      if (peer === undefined) {
        if (peers.size >= MAX_UDP_PEERS) return // a flood of new source addresses: drop, answer nothing
        peer = new UdpPeer(options.face, socket, rinfo.address, rinfo.port, forget)
        peers.set(key, peer)
        this.track(peer, owned)
      }
      peer.lastSeen = Date.now()
      if (data.length === 0 || (data.length <= 4 && data.toString('latin1').trim() === '')) return // keep-alive
      const parsed = parseMessage(data)
      if (parsed.ok) this.onMessage(parsed.value, peer)
      else answerParseError(parsed.error, (m) => peer.send(m))
    })
    socket.on('error', () => undefined)
    const sweep = setInterval(() => {
      const old = Date.now() - UDP_PEER_IDLE_MS
      for (const p of [...peers.values()]) if (p.lastSeen < old) p.close()
    }, 60_000)
    sweep.unref()
    const port = await new Promise<number>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(options.port, options.host, () => {
        socket.off('error', reject)
        resolve(socket.address().port)
      })
    })
    return this.listener(options, 'UDP', port, owned, async () => {
      clearInterval(sweep)
      await new Promise<void>((resolve) => socket.close(() => resolve()))
    })
  }

  async listenWebSocket(options: ListenOptions): Promise<SipListener> {
    const owned = new Set<SipConnection>()
    const transport = options.tls === undefined ? 'WS' : 'WSS'
    const http: HttpServer =
      options.tls === undefined ? createHttpServer() : createHttpsServer({ ...options.tls }, undefined)
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
          .includes('sip') && owned.size < MAX_CONNECTIONS_PER_LISTENER,
    })
    wss.on('connection', (ws, req) => {
      const c = new WsConnection(
        transport,
        options.face,
        ws,
        req.socket.remoteAddress ?? '?',
        req.socket.remotePort ?? 0,
        this.onMessage,
        this.closed(owned),
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

  private dial(key: string, target: SipTarget, timeoutMs: number): Promise<SipConnection> {
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
          ...this.tlsClient,
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
        const socket =
          target.transport === 'TCP'
            ? netConnect({ host, port: target.port })
            : tlsConnect({ host, port: target.port, ...this.tlsClient })
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
