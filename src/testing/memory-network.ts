/**
 * An in-memory network of Chord nodes: requests are function calls, so tests and simulations can run
 * thousands of nodes in one process. A killed node's requests fail at once with PeerUnreachableError, as a
 * real transport's would after its timeout.
 */
import {
  PeerUnreachableError,
  type ChordRequest,
  type ChordRequestHandler,
  type ChordTransport,
  type NodeRef,
} from '../dht/messages.js'

export interface NetworkStats {
  /** Requests sent, answered or not. */
  requests: number
  /** Requests whose target was dead or unknown (each would have cost a timeout on a real network). */
  unreachable: number
  /** Requests sent, by message type. */
  byType: Partial<Record<ChordRequest['type'], number>>
}

export class InMemoryNetwork {
  private readonly handlers = new Map<string, { node: NodeRef; handler: ChordRequestHandler }>()
  private readonly dead = new Set<string>()
  /** While partitioned: each peer's side; requests across sides fail. */
  private sides: Map<string, number> | undefined
  readonly stats: NetworkStats = { requests: 0, unreachable: 0, byType: {} }

  /** @param latencyMs optional delay before each request is delivered, to model a network. */
  constructor(private readonly latencyMs = 0) {}

  /** Attaches a node; returns the transport it sends through. */
  attach(node: NodeRef, handler: ChordRequestHandler): ChordTransport {
    this.handlers.set(node.peer, { node, handler })
    this.dead.delete(node.peer)
    return {
      request: async (to, req) => {
        this.stats.requests++
        this.stats.byType[req.type] = (this.stats.byType[req.type] ?? 0) + 1
        if (this.dead.has(node.peer)) throw new PeerUnreachableError(to, 'the sender has been killed')
        const target = this.handlers.get(to.peer)
        if (target === undefined || this.dead.has(to.peer)) {
          this.stats.unreachable++
          throw new PeerUnreachableError(to, 'no such node on the network, or it was killed')
        }
        if (this.sides !== undefined && this.sides.get(node.peer) !== this.sides.get(to.peer)) {
          this.stats.unreachable++
          throw new PeerUnreachableError(to, 'the network is partitioned')
        }
        if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs))
        return target.handler(node, req)
      },
    }
  }

  /** An abrupt failure: the node neither answers nor sends any more. */
  kill(peer: string): void {
    this.dead.add(peer)
  }

  /** Brings a killed node back, with the state it had (a process that was paused, or a healed partition). */
  revive(peer: string): void {
    this.dead.delete(peer)
  }

  /** Splits the network: peers in different groups cannot reach each other (a peer in no group: side 0). */
  partition(groups: readonly (readonly string[])[]): void {
    this.sides = new Map(groups.flatMap((g, i) => g.map((peer) => [peer, i + 1] as const)))
    for (const peer of this.handlers.keys()) if (!this.sides.has(peer)) this.sides.set(peer, 0)
  }

  /** Lifts the partition. */
  heal(): void {
    this.sides = undefined
  }

  isAlive(peer: string): boolean {
    return this.handlers.has(peer) && !this.dead.has(peer)
  }

  detach(peer: string): void {
    this.handlers.delete(peer)
    this.dead.delete(peer)
  }
}
