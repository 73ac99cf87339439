/**
 * SIP connections (RFC 3261 section 18, RFC 7118, RFC 3581): a TCP or TLS stream framed by Content-Length, a
 * WebSocket carrying one message per frame, and a remote address on a UDP socket seen as a connection. Each
 * delivers what it reads, with itself, to one handler, and answers what it cannot parse (400 and the like).
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Socket as DatagramSocket } from 'node:dgram'
import { WebSocket } from 'ws'
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
  /** The local port it is on (TCP, TLS, UDP), when known: a Contact or Via that must name where we are reached. */
  readonly localPort?: number | undefined
  readonly isOpen: boolean
  /** The user a WebSocket's upgrade request was signed in as (the node's session cookie), if any. */
  readonly principal?: string | undefined
  /** Serialises and writes; false when the connection is closed or the message cannot be written. */
  send(m: SipMessage): boolean
  /**
   * A CRLF keep-alive (RFC 5626 section 4.4.1: a double CRLF on TCP and TLS, which the other end answers with one
   * CRLF; RFC 5626 section 3.5.1 and common practice on UDP: a 4-byte CRLFCRLF datagram). False when closed.
   * WebSocket connections have none here (the WebSocket ping does it).
   */
  sendKeepalive?(): boolean
  close(): void
}

const CRLF_PING = Buffer.from('\r\n\r\n', 'latin1')

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
  /** The local address to connect from (default: the system's choice). */
  readonly localAddress?: string
  /** TLS and WSS: the CA certificates (PEM) the server's certificate is checked against, instead of the hub's. */
  readonly tls?: { readonly ca: string | Buffer }
}

export type MessageHandler = (message: SipMessage, conn: SipConnection) => void

/** A connection that sends nothing (not even a keep-alive) for this long is closed (ms). */
const IDLE_TIMEOUT_MS = 10 * 60_000

let nextId = 0
/**
 * Connection ids are unique across processes too (a random part per process): a flow token written before a
 * restart must never name a different connection after it.
 */
const PROCESS_ID = randomBytes(3).toString('hex')
const newId = (prefix: string) => `${prefix}${PROCESS_ID}${(++nextId).toString(36)}`

export function answerParseError(error: SipParseError, send: (m: SipMessage) => boolean): void {
  if (error.request === undefined) return
  const reply = responseTo(error.request, error.status, error.reason)
  if (reply.ok) send(reply.value)
}

export class StreamConnection implements SipConnection {
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
    /** Told of every complete message, parsed or refused (not keep-alives): a listener's first-message timer. */
    onFrame?: () => void,
  ) {
    this.id = newId('t')
    this.remoteAddress = socket.remoteAddress ?? '?'
    this.remotePort = socket.remotePort ?? 0
    socket.setNoDelay(true)
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy())
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.framer.push(chunk)) {
        if (item.kind !== 'ping') onFrame?.()
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

  get localPort(): number | undefined {
    return this.socket.localPort
  }

  send(m: SipMessage): boolean {
    if (!this.isOpen) return false
    const bytes = serialiseMessage(m)
    if (!bytes.ok) return false
    // Writes within one turn of the event loop go out in one system call: under load, the messages made from every
    // read of that turn (answers to one side, requests to the other) share the connection's write.
    if (!this.corked) {
      this.corked = true
      this.socket.cork()
      setImmediate(() => {
        this.corked = false
        this.socket.uncork()
      })
    }
    this.socket.write(bytes.value)
    return true
  }

  sendKeepalive(): boolean {
    if (!this.isOpen) return false
    this.socket.write(CRLF_PING)
    return true
  }

  close(): void {
    this.socket.destroy()
  }
}

export class WsConnection implements SipConnection {
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
    /** Told of every frame, parsed or refused: a listener's first-message timer. */
    onFrame?: () => void,
  ) {
    this.id = newId('w')
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      onFrame?.()
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
export class UdpPeer implements SipConnection {
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

  get localPort(): number | undefined {
    try {
      return this.socket.address().port
    } catch {
      return undefined // the socket is closed
    }
  }

  send(m: SipMessage): boolean {
    if (this.closed) return false
    const bytes = serialiseMessage(m)
    if (!bytes.ok || bytes.value.length > MAX_DATAGRAM_BYTES) return false
    this.socket.send(bytes.value, this.remotePort, this.remoteAddress)
    return true
  }

  sendKeepalive(): boolean {
    if (this.closed) return false
    this.socket.send(CRLF_PING, this.remotePort, this.remoteAddress)
    return true
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.onClose(this)
  }
}

/** The largest SIP message sent or taken over UDP (an IPv4 datagram's payload). */
export const MAX_DATAGRAM_BYTES = 65_507
/** Remote UDP addresses a listener remembers at most, and for how long without traffic (ms). */
export const MAX_UDP_PEERS = 10_000
export const UDP_PEER_IDLE_MS = 5 * 60_000
