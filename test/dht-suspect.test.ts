/**
 * A request that times out makes a node suspect the peer, not forget it: lookups route around a suspected
 * node, but it keeps its place in the successor list until a second request in a row times out. A refused
 * request (the peer is gone) still drops it at once.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { convergeRing } from '../bench/dht-sim.js'
import { seededRandom } from '../src/core/seeded-random.js'
import { ringId } from '../src/core/ring.js'
import { ChordNode, type ChordEvent } from '../src/dht/chord-node.js'
import { TIMEOUTS_BEFORE_FORGETTING } from '../src/dht/constants.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import { PeerUnreachableError, type ChordTransport, type NodeRef } from '../src/dht/messages.js'
import { InMemoryNetwork } from '../src/testing/memory-network.js'

/** A ring of `size` in memory; node n0's requests to peers in `slow` time out (or are refused). */
async function ring(size: number) {
  const random = seededRandom(24)
  const network = new InMemoryNetwork()
  const slow = new Map<string, 'timeout' | 'refused'>()
  const nodes: ChordNode[] = []
  const events: ChordEvent[] = []
  for (let i = 0; i < size; i++) {
    const key = await generateKeyPairFromSeed(
      'Ed25519',
      Uint8Array.from({ length: 32 }, () => random() * 256),
    )
    const self: NodeRef = { id: nodeIdFor(key), peer: `n${i}`, addrs: [] }
    const inner = network.attach(self, (from, req) => node.handleRequest(from, req))
    const transport: ChordTransport =
      i === 0
        ? {
            request: async (to, req) => {
              const how = slow.get(to.peer)
              if (how === 'timeout') throw new PeerUnreachableError(to, 'no answer in time', { timedOut: true })
              if (how === 'refused') throw new PeerUnreachableError(to, 'connection refused')
              return inner.request(to, req)
            },
          }
        : inner
    const log = i === 0 ? (e: ChordEvent) => events.push(e) : undefined
    const node: ChordNode = new ChordNode({ self, transport, signer: claimSignerFor(key), ...(log && { log }) })
    nodes.push(node)
  }
  convergeRing(nodes) // sorts the nodes by id
  const node = nodes.find((n) => n.self.peer === 'n0')!
  return { node, nodes, slow, events }
}

describe('suspecting a peer that timed out', () => {
  it('keeps a successor through one timeout, routes lookups around it, and forgets it after two in a row', async () => {
    expect(TIMEOUTS_BEFORE_FORGETTING).toBe(2)
    const { node, slow, events } = await ring(16)
    const successor = node.snapshot().successors[0]!
    slow.set(successor.peer, 'timeout')

    const failedEvents = () => events.filter((e) => e.type === 'peer-failed' && e.node.id === successor.id)
    // One timeout (stabilise asks the successor first): still the successor, only suspected.
    await node.stabilise()
    expect(node.snapshot().successors[0]?.id).toBe(successor.id)
    expect(failedEvents()).toEqual([expect.objectContaining({ forgotten: false })])
    // It answers again: no longer suspected, so a later single timeout does not drop it either.
    slow.delete(successor.peer)
    await node.stabilise()
    slow.set(successor.peer, 'timeout')
    await node.stabilise()
    expect(node.snapshot().successors[0]?.id).toBe(successor.id)
    expect(failedEvents().map((e) => e.type === 'peer-failed' && e.forgotten)).toEqual([false, false])
    // A second timeout in a row: forgotten (stabilisation may learn of it again from the next successor, whose
    // predecessor it still is, as in Chord after any failure).
    await node.stabilise()
    expect(failedEvents().map((e) => e.type === 'peer-failed' && e.forgotten)).toEqual(
      expect.arrayContaining([false, false, true]),
    )
    expect(failedEvents()[2]).toMatchObject({ forgotten: true })
  })

  it('routes lookups around a suspected finger, which keeps its place', async () => {
    const { node, slow } = await ring(32)
    const before = node.snapshot()
    const finger = before.fingers[before.fingers.length - 1]!
    expect(before.successors.map((s) => s.id)).not.toContain(finger.id)
    slow.set(finger.peer, 'timeout')
    // Just past the farthest finger: that finger is the nearest node before the key that node 0 knows.
    const key = ringId((finger.id + 1n) % 2n ** 128n)
    const first = await node.lookup(key)
    expect(first.failures).toBe(1) // asked once, timed out: now suspected
    const second = await node.lookup(key)
    expect(second.failures).toBe(0) // not asked again while others are left
    expect(second.responsible.id).toBe(first.responsible.id)
    expect(node.snapshot().fingers.map((f) => f.id)).toContain(finger.id)
  })

  it('forgets a peer at once when the request is refused', async () => {
    const { node, slow, events } = await ring(16)
    const successor = node.snapshot().successors[0]!
    slow.set(successor.peer, 'refused')
    await node.stabilise()
    expect(events.find((e) => e.type === 'peer-failed')).toMatchObject({ node: successor, forgotten: true })
  })
})
