/**
 * Carriers as bare sockets, to see what a trunk puts on the wire: a UDP socket and a TCP server that record every
 * request (and every CRLF keep-alive) with when and where it came from, and answer each REGISTER 200 after the
 * first `ignore` ones; the TCP one can answer INVITEs with another status (`InviteAnswers`). Nothing else: no
 * transactions, no retransmissions of their own.
 */
import { createSocket, type RemoteInfo } from 'node:dgram'
import { createServer, type Socket } from 'node:net'
import { responseTo, type SipRequest, type SipResponse } from '../../../src/sip/message/message.js'
import { parseMessage } from '../../../src/sip/message/parser.js'
import { serialiseMessage } from '../../../src/sip/message/serialise.js'
import { SipStreamFramer } from '../../../src/sip/transport/stream-framer.js'

export interface Heard {
  readonly at: number
  readonly from: { readonly address: string; readonly port: number }
  /** A request, or 'crlf' for a keep-alive (a CRLFCRLF datagram, or a double CRLF between messages). */
  readonly request: SipRequest | 'crlf'
}

export interface BareCarrier {
  readonly port: number
  readonly heard: Heard[]
  /** TCP: closes every connection it holds (as a NAT that forgot them would). */
  dropConnections(): void
  /** UDP: sends `text` from the carrier's socket to host:port. */
  send(text: string, host: string, port: number): void
  /** The responses it got. */
  readonly responses: SipResponse[]
  close(): Promise<void>
}

/** How a TCP carrier answers INVITEs (by default it answers them 200, like every request). */
export interface InviteAnswers {
  /** The final status of every INVITE (e.g. 503: a carrier that is down, 486). */
  readonly status: number
  /** First a 407 challenge (realm "carrier") to each INVITE without Proxy-Authorization. */
  readonly challenge?: boolean
}

function answer(req: SipRequest, invites?: InviteAnswers): Uint8Array | undefined {
  if (invites !== undefined && req.method === 'ACK') return undefined
  if (invites !== undefined && req.method === 'INVITE') {
    const challenge = invites.challenge === true && req.headers.get('Proxy-Authorization') === undefined
    const r = responseTo(req, challenge ? 407 : invites.status, undefined, { toTag: 'carrier1' })
    if (!r.ok) return undefined
    if (challenge) r.value.headers.add('Proxy-Authenticate', 'Digest realm="carrier", nonce="n1", algorithm=MD5')
    const bytes = serialiseMessage(r.value)
    return bytes.ok ? bytes.value : undefined
  }
  const r = responseTo(req, 200, 'OK', { toTag: 'carrier1' })
  if (!r.ok) return undefined
  if (req.method === 'REGISTER') r.value.headers.add('Contact', `${req.headers.get('Contact') ?? ''};expires=300`)
  const bytes = serialiseMessage(r.value)
  return bytes.ok ? bytes.value : undefined
}

export async function udpCarrier(host: string, ignore = 0): Promise<BareCarrier> {
  const socket = createSocket('udp4')
  const heard: Heard[] = []
  const responses: SipResponse[] = []
  let registers = 0
  socket.on('message', (data: Buffer, rinfo: RemoteInfo) => {
    const from = { address: rinfo.address, port: rinfo.port }
    if (data.toString('latin1') === '\r\n\r\n') return void heard.push({ at: Date.now(), from, request: 'crlf' })
    const m = parseMessage(data)
    if (m.ok && m.value.kind === 'response') responses.push(m.value)
    if (!m.ok || m.value.kind !== 'request') return
    heard.push({ at: Date.now(), from, request: m.value })
    if (m.value.method === 'REGISTER' && ++registers <= ignore) return
    const bytes = answer(m.value)
    if (bytes !== undefined) socket.send(bytes, from.port, from.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, host, resolve))
  return {
    port: socket.address().port,
    heard,
    responses,
    dropConnections: () => undefined,
    send: (text, toHost, port) => socket.send(Buffer.from(text, 'latin1'), port, toHost),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  }
}

export async function tcpCarrier(host: string, invites?: InviteAnswers): Promise<BareCarrier> {
  const heard: Heard[] = []
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    const framer = new SipStreamFramer()
    const from = { address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 }
    socket.on('data', (chunk: Buffer) => {
      for (const item of framer.push(chunk)) {
        if (item.kind === 'ping') {
          heard.push({ at: Date.now(), from, request: 'crlf' })
          socket.write('\r\n') // the pong (RFC 5626 section 4.4.1)
        } else if (item.kind === 'message' && item.message.kind === 'request') {
          heard.push({ at: Date.now(), from, request: item.message })
          const bytes = answer(item.message, invites)
          if (bytes !== undefined) socket.write(bytes)
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    heard,
    responses: [],
    send: () => {
      throw new Error('send() is for the UDP carrier')
    },
    dropConnections: () => {
      for (const s of sockets) s.destroy()
    },
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** The requests heard (keep-alives left out). */
export function requestsHeard(heard: readonly Heard[]): (Heard & { readonly request: SipRequest })[] {
  return heard.filter((h): h is Heard & { request: SipRequest } => h.request !== 'crlf')
}
