/**
 * Chord over libp2p: each request opens a stream (protocol /ime/chord/1.0.0) on the connection to the peer,
 * reused when one exists, writes one length-prefixed protobuf Request and reads one Response. Every request
 * has a timeout; any failure becomes PeerUnreachableError (marked timedOut when the time ran out) so that Chord
 * repairs around the peer.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { DEFAULT_CHORD_CONFIG } from '../dht/constants.js'
import {
  PeerUnreachableError,
  type ChordRequest,
  type ChordRequestHandler,
  type ChordTransport,
  type NodeRef,
} from '../dht/messages.js'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, ringIdForPeer } from './chord-codec.js'
import { TokenBuckets } from '../core/token-bucket.js'
import {
  CHORD_DIAL_ALLOWANCE_MS,
  CHORD_PROTOCOL,
  MAX_ADDRS_PER_NODE,
  MAX_CHORD_MESSAGE_BYTES,
  MAX_INBOUND_STREAMS,
  MAX_OUTBOUND_STREAMS,
  CHORD_REQUESTS_BURST_PER_PEER,
  CHORD_REQUESTS_PER_SECOND_PER_PEER,
} from './constants.js'
import { openStream } from './dial.js'
import type { ImeLibp2p } from './libp2p-node.js'

/** This node as other nodes should know it: ring id from its key, its peer id and listen addresses. */
export function selfNodeRef(libp2p: ImeLibp2p): NodeRef {
  const peer = libp2p.peerId.toString()
  const id = ringIdForPeer(peer)
  if (!id.ok) throw new Error(id.error)
  return { id: id.value, peer, addrs: libp2p.getMultiaddrs().map((a) => a.toString()) }
}

/** A NodeRef for a peer known only by a multiaddr that ends in /p2p/PEER-ID (e.g. a bootstrap address). */
export function nodeRefFromMultiaddr(address: string): NodeRef {
  let ma: Multiaddr
  try {
    ma = multiaddr(address)
  } catch (e) {
    throw new Error(`${JSON.stringify(address)} is not a multiaddr: ${(e as Error).message}`, { cause: e })
  }
  const peer = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
  if (peer === undefined) throw new Error(`${address} does not end in /p2p/PEER-ID, so the peer cannot be checked`)
  const id = ringIdForPeer(peer)
  if (!id.ok) throw new Error(id.error)
  return { id: id.value, peer, addrs: [address] }
}

/** How one outbound Chord request went, for benchmarks and diagnostics (times in milliseconds). */
export interface ChordRequestTiming {
  type: ChordRequest['type']
  /** A connection had to be dialled first (no open one to the peer). */
  dialled: boolean
  /** Until the stream was open and its protocol agreed (includes the dial, if any). */
  openMs: number
  /** Until the answer was read (or the request failed). */
  totalMs: number
  ok: boolean
  /** Why it failed (the transport's or libp2p's message). */
  error?: string
}

export class Libp2pChordTransport implements ChordTransport {
  /** Per-peer limits on inbound requests: answered with an error past the first, cut past the second. */
  private readonly limits = new TokenBuckets(CHORD_REQUESTS_BURST_PER_PEER, CHORD_REQUESTS_PER_SECOND_PER_PEER)
  private readonly hardLimits = new TokenBuckets(
    2 * CHORD_REQUESTS_BURST_PER_PEER,
    2 * CHORD_REQUESTS_PER_SECOND_PER_PEER,
  )
  /** Inbound requests refused per peer since start (for tests and logs). */
  readonly refused = new Map<string, number>()

  constructor(
    private readonly libp2p: ImeLibp2p,
    private readonly timeoutMs = DEFAULT_CHORD_CONFIG.requestTimeoutMs,
    private readonly observe?: (timing: ChordRequestTiming) => void,
  ) {}

  /** Answers inbound Chord requests with `handler`; `from` is the authenticated remote peer. */
  async serve(handler: ChordRequestHandler): Promise<void> {
    await this.libp2p.handle(CHORD_PROTOCOL, (stream, connection) => this.answer(stream, connection, handler), {
      maxInboundStreams: MAX_INBOUND_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS,
      runOnLimitedConnection: true, // a ring member behind NAT, through its relay (relay.ts)
    })
  }

  async request(to: NodeRef, req: Parameters<ChordTransport['request']>[1], options?: { signal?: AbortSignal }) {
    // The request's time runs for the answer. A dial on its path (no open connection) has its own, longer
    // budget, and the answer's time starts once it is done: on a loaded host a TCP connect, Noise handshake and
    // Yamux set-up took seconds (128 nodes over 4 processes at load 10: cold stream open p99 over 3 s), and a
    // cold request that timed out made a live node suspected, its lookup try another cold node, and so on, up
    // to a minute per lookup (docs/chord.md).
    const caller = options?.signal
    const limit = (ms: number) => {
      const timeout = AbortSignal.timeout(ms)
      return { timeout, signal: AbortSignal.any([timeout, ...(caller ? [caller] : [])]) }
    }
    let answer = limit(this.timeoutMs)
    const dial = limit(this.timeoutMs + CHORD_DIAL_ALLOWANCE_MS)
    let signal = answer.signal
    let stream: Stream | undefined
    const started = performance.now()
    let dialled = false
    let dialDone = false
    let openMs = Number.NaN
    const report = (ok: boolean, error?: string) =>
      this.observe?.({
        type: req.type,
        dialled,
        openMs,
        totalMs: performance.now() - started,
        ok,
        ...(error !== undefined && { error }),
      })
    try {
      stream = await openStream(this.libp2p, to, CHORD_PROTOCOL, signal, () => (dialled = true), {
        dialSignal: dial.signal,
        afterDial: () => {
          dialDone = true
          answer = limit(this.timeoutMs)
          signal = answer.signal
          return signal
        },
      })
      openMs = performance.now() - started
      const lp = lpStream(stream, { maxDataLength: MAX_CHORD_MESSAGE_BYTES })
      await lp.write(encodeRequest(req), { signal })
      const bytes = await lp.read({ signal })
      await stream.close({ signal }).catch(() => undefined)
      const res = decodeResponse(bytes.subarray())
      if (!res.ok) throw new Error(`bad answer: ${res.error}`)
      report(true)
      return res.value
    } catch (e) {
      report(false, (e as Error).message)
      stream?.abort(e instanceof Error ? e : new Error(String(e)))
      // Out of time is not the same as refused: the peer may only be slow (or this event loop busy), so Chord
      // suspects it rather than forgets it (chord-node.ts).
      throw new PeerUnreachableError(to, (e as Error).message, {
        cause: e,
        timedOut: dialled && !dialDone ? dial.timeout.aborted : answer.timeout.aborted,
      })
    }
  }

  /**
   * Where the remote peer listens, as identify told our peer store (an inbound connection's own address is an
   * ephemeral port, useless for dialling back); empty until identify has run.
   */
  private async knownAddrs(connection: Connection): Promise<string[]> {
    try {
      const known = await this.libp2p.peerStore.get(connection.remotePeer)
      return known.addresses.slice(0, MAX_ADDRS_PER_NODE).map((a) => a.multiaddr.toString())
    } catch {
      return []
    }
  }

  private async answer(stream: Stream, connection: Connection, handler: ChordRequestHandler): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    try {
      const peer = connection.remotePeer.toString()
      const now = Date.now()
      if (!this.hardLimits.take(peer, now)) {
        this.refused.set(peer, (this.refused.get(peer) ?? 0) + 1)
        throw new Error('too many Chord requests from this peer')
      }
      const id = ringIdForPeer(peer)
      if (!id.ok) throw new Error(id.error)
      const lp = lpStream(stream, { maxDataLength: MAX_CHORD_MESSAGE_BYTES })
      const bytes = await lp.read({ signal })
      if (!this.limits.take(peer, now)) {
        this.refused.set(peer, (this.refused.get(peer) ?? 0) + 1)
        await lp.write(encodeResponse({ type: 'error', reason: 'rate limited: too many requests from this peer' }), {
          signal,
        })
        await stream.close({ signal })
        return
      }
      const req = decodeRequest(bytes.subarray())
      const res = req.ok
        ? await handler({ id: id.value, peer, addrs: await this.knownAddrs(connection) }, req.value)
        : { type: 'error' as const, reason: req.error }
      await lp.write(encodeResponse(res), { signal })
      await stream.close({ signal })
    } catch (e) {
      stream.abort(e instanceof Error ? e : new Error(String(e)))
    }
  }
}
