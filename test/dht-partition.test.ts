/**
 * A partition splits the ring in two; each side repairs itself into a ring of its own. When the partition is
 * lifted, the rings merge again (each node retries nodes it lost), and lookups agree with the whole ring.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { ChordNode } from '../src/dht/chord-node.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import { InMemoryNetwork } from '../src/testing/memory-network.js'
import { ringId } from '../src/core/ring.js'
import { oracle, ringIsCorrect } from './chord-suite.js'

const randomKey = () => ringId(BigInt('0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')))

describe('a partition of the ring', () => {
  it('splits into two rings that repair themselves, and they merge again when it is lifted', async () => {
    const network = new InMemoryNetwork()
    const nodes: ChordNode[] = []
    for (let i = 0; i < 24; i++) {
      const key = await generateKeyPair('Ed25519')
      const self = { id: nodeIdFor(key), peer: `node-${i}`, addrs: [] }
      const node: ChordNode = new ChordNode({
        self,
        transport: network.attach(self, (from, req) => node.handleRequest(from, req)),
        signer: claimSignerFor(key),
      })
      if (i === 0) node.create()
      else await node.join(nodes[Math.floor(Math.random() * nodes.length)]!.self)
      nodes.push(node)
    }
    const settle = async (group: ChordNode[], rounds = 30) => {
      for (let r = 0; r < rounds && !ringIsCorrect(group); r++) for (const n of group) await n.maintain()
      return ringIsCorrect(group)
    }
    expect(await settle(nodes)).toBe(true)
    const keys = Array.from({ length: 30 }, randomKey)
    for (const [i, k] of keys.entries()) await nodes[i % nodes.length]!.publish(k)

    // Two sides of interleaved ids (every other node): the worst case for the ring's structure.
    const sorted = [...nodes].sort((a, b) => (a.self.id < b.self.id ? -1 : 1))
    const east = sorted.filter((_, i) => i % 2 === 0)
    const west = sorted.filter((_, i) => i % 2 === 1)
    network.partition([east.map((n) => n.self.peer), west.map((n) => n.self.peer)])
    expect(await settle(east)).toBe(true)
    expect(await settle(west)).toBe(true)
    for (const side of [east, west]) {
      for (let i = 0; i < 10; i++) {
        const key = randomKey()
        expect((await side[i % side.length]!.lookup(key)).responsible.id).toBe(oracle(side, key).self.id)
      }
    }

    network.heal()
    let rounds = 0
    while (!ringIsCorrect(nodes) && rounds < 40) {
      rounds++
      for (const n of nodes) await n.maintain()
    }
    expect(ringIsCorrect(nodes)).toBe(true)
    expect(rounds).toBeLessThan(40)
    for (let i = 0; i < 20; i++) {
      const key = randomKey()
      expect((await nodes[i % nodes.length]!.lookup(key)).responsible.id).toBe(oracle(nodes, key).self.id)
    }
    // The records' holders are the same nodes as before the partition: every claim is found from either side.
    for (const k of keys) expect((await east[0]!.get(k)).records.length).toBeGreaterThan(0)
  }, 120_000)
})
