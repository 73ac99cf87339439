/**
 * One UDP socket and the remote addresses it talks to (RFC 3261 section 18, RFC 3581): each datagram is one
 * message, delivered with the UdpPeer of the address it came from; a peer is forgotten when idle. Both a UDP
 * listener and the hub's own outbound UDP socket (trunks over UDP) are one of these, so a trunk's calls in, sent to
 * the address it registered from, arrive on the very peer its REGISTER went out on.
 */
import { createSocket, type RemoteInfo, type Socket as DatagramSocket } from 'node:dgram'
import { parseMessage } from '../message/parser.js'
import { answerParseError, MAX_UDP_PEERS, UDP_PEER_IDLE_MS, UdpPeer, type MessageHandler } from './connections.js'

/** RFC 5626 section 3.5.1 and common practice: an empty datagram or a few CR/LF bytes keep a NAT binding open. */
const isKeepalive = (data: Buffer) => data.length === 0 || (data.length <= 4 && data.toString('latin1').trim() === '')

/**
 * 'listener': anyone may send (a UDP face); peers idle for UDP_PEER_IDLE_MS are forgotten. 'client': only the
 * addresses this side sent to first are heard (a stranger's datagrams to the hub's outbound socket are dropped,
 * unanswered), and they are kept while the endpoint lives (a trunk's few addresses: a long quiet call keeps its
 * flow).
 */
export type DatagramRole = 'listener' | 'client'

export class DatagramEndpoint {
  private readonly peers = new Map<string, UdpPeer>()
  private readonly sweep: NodeJS.Timeout | undefined

  private constructor(
    private readonly role: DatagramRole,
    private readonly face: string,
    private readonly socket: DatagramSocket,
    readonly port: number,
    onMessage: MessageHandler,
    private readonly tracked: (p: UdpPeer) => void,
    private readonly closed: (p: UdpPeer) => void,
  ) {
    socket.on('message', (data: Buffer, rinfo: RemoteInfo) => {
      const peer =
        role === 'client' ? this.peers.get(`${rinfo.address}|${rinfo.port}`) : this.peer(rinfo.address, rinfo.port)
      // A flood of new source addresses at a listener, or a stranger at a client socket: drop, answer nothing.
      if (peer === undefined) return
      peer.lastSeen = Date.now()
      if (isKeepalive(data)) return
      const parsed = parseMessage(data)
      if (parsed.ok) onMessage(parsed.value, peer)
      else answerParseError(parsed.error, (m) => peer.send(m))
    })
    socket.on('error', () => undefined)
    if (role === 'listener') {
      this.sweep = setInterval(() => {
        const old = Date.now() - UDP_PEER_IDLE_MS
        for (const p of [...this.peers.values()]) if (p.lastSeen < old) p.close()
      }, 60_000)
      this.sweep.unref()
    }
  }

  /** Binds a UDP socket on host:port (0: a free port). */
  static async bind(
    role: DatagramRole,
    face: string,
    host: string,
    port: number,
    onMessage: MessageHandler,
    tracked: (p: UdpPeer) => void,
    closed: (p: UdpPeer) => void,
  ): Promise<DatagramEndpoint> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    const bound = await new Promise<number>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, host, () => {
        socket.off('error', reject)
        resolve(socket.address().port)
      })
    })
    return new DatagramEndpoint(role, face, socket, bound, onMessage, tracked, closed)
  }

  /** The peer for a remote address (made on first use); undefined when the endpoint holds too many already. */
  peer(address: string, port: number): UdpPeer | undefined {
    const key = `${address}|${port}`
    let peer = this.peers.get(key)
    if (peer === undefined) {
      if (this.peers.size >= MAX_UDP_PEERS) return undefined
      peer = new UdpPeer(this.face, this.socket, address, port, (p) => {
        this.peers.delete(key)
        this.closed(p)
      })
      this.peers.set(key, peer)
      this.tracked(peer)
    }
    return peer
  }

  async close(): Promise<void> {
    clearInterval(this.sweep)
    for (const p of [...this.peers.values()]) p.close()
    await new Promise<void>((resolve) => this.socket.close(() => resolve()))
  }
}
