import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { ChordNode, type ChordConfig } from '../src/dht/chord-node.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import { InMemoryNetwork } from '../src/dht/memory-network.js'
import { describeChordSuite, settleRing, type ChordCluster } from './chord-suite.js'

/** Chord nodes on the in-memory network, each with a real Ed25519 identity. */
export async function startMemoryCluster(size: number, config: Partial<ChordConfig> = {}): Promise<ChordCluster> {
  const network = new InMemoryNetwork()
  const nodes: ChordNode[] = []
  let counter = 0
  const make = async () => {
    const key = await generateKeyPair('Ed25519')
    const self = { id: nodeIdFor(key), peer: `node-${counter++}`, addrs: [] }
    const node: ChordNode = new ChordNode({
      self,
      transport: network.attach(self, (from, req) => node.handleRequest(from, req)),
      signer: claimSignerFor(key),
      config,
    })
    return node
  }
  const first = await make()
  first.create()
  nodes.push(first)
  const cluster: ChordCluster = {
    nodes,
    async add() {
      const node = await make()
      await node.join(nodes[Math.floor(Math.random() * nodes.length)]!.self)
      nodes.push(node)
      return node
    },
    async kill(node) {
      network.kill(node.self.peer)
      nodes.splice(nodes.indexOf(node), 1)
    },
    async leave(node) {
      await node.leave()
      network.detach(node.self.peer)
      nodes.splice(nodes.indexOf(node), 1)
    },
    async settle() {
      await settleRing(() => nodes)
    },
    async close() {
      for (const n of nodes) n.stop()
    },
  }
  for (let i = 1; i < size; i++) {
    await cluster.add()
    // Joins interleaved with maintenance, as in a running ring.
    for (const n of nodes) await n.stabilise()
  }
  await cluster.settle()
  return cluster
}

describeChordSuite('in-memory network', (size) => startMemoryCluster(size), 8)
describeChordSuite('in-memory network, 32 nodes', (size) => startMemoryCluster(size), 32)

describe('Chord, in memory: losing every successor at once', () => {
  it('falls back on the nearest known node instead of believing itself alone', async () => {
    const cluster = await startMemoryCluster(14)
    try {
      const sorted = [...cluster.nodes].sort((a, b) => (a.self.id < b.self.id ? -1 : 1))
      const node = sorted[0]!
      const successors = node.snapshot().successors
      expect(successors).toHaveLength(8)
      for (const s of successors) await cluster.kill(cluster.nodes.find((n) => n.self.id === s.id)!)
      // Its next stabilisation finds every successor dead; it must not conclude it is alone.
      await node.stabilise()
      expect(node.snapshot().successors.length).toBeGreaterThan(0)
      await cluster.settle()
      const key = sorted[10]!.self.id
      expect((await node.lookup(key)).responsible.id).toBe(key)
    } finally {
      await cluster.close()
    }
  })
})
