/** What GET /api/status shows: the node's ids, its ring neighbours and counters, from a Chord snapshot. */
import { ringIdToHex } from '../core/ring.js'
import type { ChordSnapshot } from '../dht/chord-node.js'
import type { NodeRef } from '../dht/messages.js'
import { reachability } from '../p2p/reachability.js'

export interface NodeCounters {
  publishedNumbers: number
  learnedRoutes: number
  pendingValidations: number
  callRecords?: number
  /** IME calls that moved to the PSTN mid-call (when the node has a call agent). */
  midcallFallbacks?: number
}

const view = (n: NodeRef) => ({ id: ringIdToHex(n.id), peerId: n.peer, addrs: [...n.addrs] })

export function nodeStatus(
  domain: string,
  ring: ChordSnapshot,
  counters: NodeCounters,
  numbers: readonly string[] = [],
  /** The addresses libp2p publishes now (default: those the ring was told at start). */
  liveAddrs: readonly string[] = ring.self.addrs,
) {
  return {
    nodeId: ringIdToHex(ring.self.id),
    peerId: ring.self.peer,
    domain,
    multiaddrs: [...ring.self.addrs],
    /** Whether other enterprises can dial this node, directly or through a relay (from what libp2p publishes). */
    reachability: reachability(liveAddrs),
    ring: {
      predecessor: ring.predecessor === null ? null : view(ring.predecessor),
      successors: ring.successors.map(view),
      fingers: ring.fingers.map(view),
    },
    counters: { dhtRecords: ring.records, ownClaims: ring.ownClaims, ...counters },
    /** The numbers this node publishes (the operator page lists them). */
    numbers: [...numbers],
  }
}
