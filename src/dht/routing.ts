/** Pure Chord routing decisions: which known node to ask next, and when the answer is already known. */
import { inHalfOpenInterval, inOpenInterval, ringDistance, type RingId } from '../core/ring.js'
import type { NodeRef } from './messages.js'

/**
 * If the key lies between self and one of its successors — in (self, s0] or (s(i-1), s(i)] — the node
 * responsible for it is known: returns the successor list from that node on, provided it still names at
 * least `holders` nodes (the responsible node and its replicas). Otherwise null: a node closer to the key,
 * whose list does name them all, should answer.
 */
export function responsibleAmong(
  self: RingId,
  key: RingId,
  successors: readonly NodeRef[],
  holders: number,
): NodeRef[] | null {
  let from = self
  for (let i = 0; i < successors.length; i++) {
    const s = successors[i]!
    if (inHalfOpenInterval(key, from, s.id)) {
      return i === 0 || successors.length - i >= holders ? successors.slice(i) : null
    }
    from = s.id
  }
  return null
}

/** Among nodes that do not precede the key, the one that follows it most closely: likely responsible for it. */
export function closestFollowing(key: RingId, nodes: Iterable<NodeRef>): NodeRef | undefined {
  let best: NodeRef | undefined
  for (const n of nodes) if (best === undefined || ringDistance(key, n.id) < ringDistance(key, best.id)) best = n
  return best
}

/**
 * Known nodes strictly between self and the key, closest to the key first: the best next hops of an
 * iterative lookup (each one halves the remaining distance, or close to it, when taken from fingers).
 */
export function closestPreceding(self: RingId, key: RingId, known: Iterable<NodeRef>, count: number): NodeRef[] {
  const seen = new Set<RingId>()
  const candidates: { node: NodeRef; distance: bigint }[] = []
  for (const node of known) {
    if (seen.has(node.id) || !inOpenInterval(node.id, self, key)) continue
    seen.add(node.id)
    candidates.push({ node, distance: ringDistance(node.id, key) })
  }
  candidates.sort((a, b) => (a.distance < b.distance ? -1 : a.distance > b.distance ? 1 : 0))
  return candidates.slice(0, count).map((c) => c.node)
}

/** A successor list with self and duplicates removed, order kept, cut to size. */
export function cleanSuccessorList(self: RingId, nodes: Iterable<NodeRef>, size: number): NodeRef[] {
  const out: NodeRef[] = []
  const seen = new Set<RingId>([self])
  for (const n of nodes) {
    if (seen.has(n.id)) continue
    seen.add(n.id)
    out.push(n)
    if (out.length === size) break
  }
  return out
}
