/**
 * Keeps the connections a Chord node routes through: its predecessor, successor list and fingers are tagged in
 * libp2p's peer store, so that when the connection manager must prune (more than maxConnections open) it drops
 * connections nobody routes through first. A lookup's first hop is then always on an open connection, where a
 * pruned one would cost a dial and a Noise handshake (a round trip or three, and CPU on both ends) on the
 * lookup's critical path. Tags follow the routing table: a node that leaves it loses its tag.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { ChordNode } from '../dht/chord-node.js'
import { CHORD_ROUTE_TAG, CHORD_ROUTE_TAG_VALUE, CHORD_ROUTE_TAG_INTERVAL_MS } from './constants.js'
import type { ImeLibp2p } from './libp2p-node.js'

export class RoutingTagger {
  private tagged = new Set<string>()
  private timer: ReturnType<typeof setInterval> | undefined
  private busy = false

  constructor(
    private readonly libp2p: ImeLibp2p,
    private readonly chord: ChordNode,
  ) {}

  /** Tags now, then every CHORD_ROUTE_TAG_INTERVAL_MS (unref'd: it never keeps a process alive). */
  start(): void {
    void this.update()
    this.timer = setInterval(() => void this.update(), CHORD_ROUTE_TAG_INTERVAL_MS)
    this.timer.unref?.()
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  /** Brings the tags in line with the routing table: tags new routing peers, untags those it dropped. */
  async update(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      const snap = this.chord.snapshot()
      const now = new Set<string>(
        [...(snap.predecessor === null ? [] : [snap.predecessor]), ...snap.successors, ...snap.fingers].map(
          (n) => n.peer,
        ),
      )
      now.delete(snap.self.peer)
      for (const peer of now) {
        if (this.tagged.has(peer)) continue
        await this.merge(peer, { value: CHORD_ROUTE_TAG_VALUE })
      }
      for (const peer of this.tagged) if (!now.has(peer)) await this.merge(peer, undefined)
      this.tagged = now
    } finally {
      this.busy = false
    }
  }

  private async merge(peer: string, tag: { value: number } | undefined): Promise<void> {
    try {
      await this.libp2p.peerStore.merge(peerIdFromString(peer), { tags: { [CHORD_ROUTE_TAG]: tag } })
    } catch {
      // a peer id that does not parse, or a stopped peer store: nothing to keep
    }
  }
}
