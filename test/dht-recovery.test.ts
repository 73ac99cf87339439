import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { convergeRing } from '../bench/dht-sim.js'
import { seededRandom } from '../src/core/seeded-random.js'
import { ringId, type RingId } from '../src/core/ring.js'
import { ChordNode } from '../src/dht/chord-node.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import type { NodeRef } from '../src/dht/messages.js'
import { InMemoryNetwork } from '../src/testing/memory-network.js'

async function ring(size: number, seed: number): Promise<{ network: InMemoryNetwork; nodes: ChordNode[] }> {
  const random = seededRandom(seed)
  const network = new InMemoryNetwork()
  const nodes: ChordNode[] = []
  for (let i = 0; i < size; i++) {
    const key = await generateKeyPairFromSeed(
      'Ed25519',
      Uint8Array.from({ length: 32 }, () => random() * 256),
    )
    const self: NodeRef = { id: nodeIdFor(key), peer: `n${i}`, addrs: [] }
    const node: ChordNode = new ChordNode({
      self,
      transport: network.attach(self, (from, req) => node.handleRequest(from, req)),
      signer: claimSignerFor(key),
    })
    nodes.push(node)
  }
  convergeRing(nodes)
  return { network, nodes }
}

/** The refresh period of the 10,000-node simulation: stabilise in ring order, every finger, owners re-store. */
async function refresh(live: readonly ChordNode[], owner: ChordNode, keys: readonly RingId[]): Promise<void> {
  for (const node of live) {
    await node.checkPredecessor()
    await node.stabilise()
  }
  for (const node of live) await node.fixFingers()
  for (const key of keys) await owner.publish(key)
}

// A run of consecutive nodes failing at once, longer than the successor list (r = 8) or just within it, is what
// a quarter of a 10,000-node ring failing produces about once in two runs (7 in a row: 0.46 runs expected).
describe('recovery from a run of consecutive failures', () => {
  for (const run of [4, 7, 8, 11]) {
    it(`every live node finds every claim after one refresh period (${run} neighbours failed)`, async () => {
      const { network, nodes } = await ring(160, run)
      const owner = nodes[0]!
      const first = 60
      const dead = nodes.slice(first, first + run)
      // Keys in the dead nodes' ranges, and just past them (the first live node's range).
      const keys = [...dead, nodes[first + run]!].map((n) => ringId(n.self.id - 1n))
      for (const key of keys) await owner.publish(key)
      for (const d of dead) network.kill(d.self.peer)
      const live = nodes.filter((n) => !dead.includes(n))
      await refresh(live, owner, keys)
      const misses: string[] = []
      for (const from of live) {
        for (const key of keys) {
          const got = await from.get(key).catch(() => ({ records: [] }))
          if (!got.records.some((r) => r.owner === owner.self.id))
            misses.push(`${from.self.peer}:${key.toString(16).slice(0, 6)}`)
        }
      }
      expect(misses).toEqual([])
    }, 60_000)
  }
})

describe('a lookup answer that names only failed holders', () => {
  it('a publish from the owner and a get from another node both reach the live holders past them', async () => {
    const { network, nodes } = await ring(20, 7)
    // Nodes 5..8 fail at once. Node 0 has not noticed: its successor list is still [1..8], so for a key in node
    // 5's range it answers from its own table with [5, 6, 7, 8], all dead.
    const dead = nodes.slice(5, 9)
    for (const d of dead) network.kill(d.self.peer)
    const key = ringId(nodes[5]!.self.id - 1n)
    // The owner's lookup goes through node 4, which names the live nodes after the dead ones as well.
    await nodes[12]!.publish(key)
    const got = await nodes[0]!.get(key)
    expect(got.records.map((r) => r.owner)).toEqual([nodes[12]!.self.id])
  })
})
