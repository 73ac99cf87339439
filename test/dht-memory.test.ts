import { describe, expect, it, vi } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { ChordNode, type ChordConfig } from '../src/dht/chord-node.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import { InMemoryNetwork } from '../src/testing/memory-network.js'
import { ringAdd, ringId } from '../src/core/ring.js'
import { MAX_RECORDS_PER_MESSAGE } from '../src/dht/constants.js'
import { signClaim } from '../src/dht/records.js'
import { PeerUnreachableError } from '../src/dht/messages.js'
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

describe('Chord, in memory: hand-over of a range larger than one message', () => {
  it('pages take-range answers between keys, and a joining node takes over every claim of its range', async () => {
    const cluster = await startMemoryCluster(1)
    try {
      const first = cluster.nodes[0]!
      // In a ring of two, the newcomer's range is (first, newcomer]: keys just after the first node's id fall in it.
      const keys = Array.from({ length: 800 }, (_, i) => ringAdd(first.self.id, BigInt(i + 1)))
      const strangers = await Promise.all([1, 2].map(async () => claimSignerFor(await generateKeyPair('Ed25519'))))
      const theirs = []
      for (const key of keys) {
        await first.publish(key)
        for (const s of strangers) {
          theirs.push(await signClaim(s, { key, seq: 1n, expiresAt: Date.now() + 60_000, withdrawn: false }))
        }
      }
      for (let i = 0; i < theirs.length; i += MAX_RECORDS_PER_MESSAGE) {
        const answer = await first.handleRequest(first.self, {
          type: 'store',
          records: theirs.slice(i, i + MAX_RECORDS_PER_MESSAGE),
        })
        expect(answer).toMatchObject({ type: 'stored', rejected: [] })
      }
      // 2,400 claims, three per key: pages are cut between keys, in ring order.
      const page = await first.handleRequest(first.self, { type: 'take-range', from: first.self.id, to: keys[799]! })
      const records = page.type === 'records' ? page.records : []
      expect(records).toHaveLength(MAX_RECORDS_PER_MESSAGE - (MAX_RECORDS_PER_MESSAGE % 3))
      expect(records.map((r) => r.key)).toEqual([...records.map((r) => r.key)].sort((a, b) => (a < b ? -1 : 1)))

      const newcomer = await cluster.add()
      // Right after joining, before any maintenance: everything was handed over by take-range alone.
      expect(newcomer.snapshot().records).toBe(2400)
      for (const key of [keys[0]!, keys[340]!, keys[341]!, keys[799]!]) {
        const held = await newcomer.handleRequest(newcomer.self, { type: 'fetch', key })
        expect(held.type === 'records' && held.records.length).toBe(3)
      }
    } finally {
      await cluster.close()
    }
  })
})

describe('the in-memory network', () => {
  it('fails requests to killed or unknown nodes at once with PeerUnreachableError, counts requests, revives', async () => {
    const network = new InMemoryNetwork(5)
    const a = { id: ringId(1n), peer: 'a', addrs: [] }
    const b = { id: ringId(2n), peer: 'b', addrs: [] }
    const fromA = network.attach(a, async () => ({ type: 'pong' }))
    network.attach(b, async (from, req) =>
      req.type === 'ping' && from.peer === 'a' ? { type: 'pong' } : { type: 'ack' },
    )
    const started = performance.now()
    expect(await fromA.request(b, { type: 'ping' })).toEqual({ type: 'pong' })
    expect(performance.now() - started).toBeGreaterThanOrEqual(4)
    network.kill('b')
    expect(network.isAlive('b')).toBe(false)
    await expect(fromA.request(b, { type: 'ping' })).rejects.toBeInstanceOf(PeerUnreachableError)
    await expect(fromA.request({ ...b, peer: 'nobody' }, { type: 'get-neighbours' })).rejects.toThrow(
      /peer nobody unreachable/,
    )
    network.revive('b')
    expect(await fromA.request(b, { type: 'fetch', key: ringId(3n) })).toEqual({ type: 'ack' })
    expect(network.stats).toEqual({ requests: 4, unreachable: 2, byType: { ping: 2, 'get-neighbours': 1, fetch: 1 } })
  })
})

describe('Chord maintenance timers', () => {
  it('keep one timer per periodic task however often they run, and none after stop', async () => {
    vi.useFakeTimers()
    try {
      const cluster = await startMemoryCluster(2, {
        stabiliseIntervalMs: 100,
        checkPredecessorIntervalMs: 100,
        fixFingersIntervalMs: 50,
        rediscoverIntervalMs: 200,
      })
      const node = cluster.nodes[0]!
      node.start()
      const timers = () => (node['timers'] as unknown[]).length
      const tasks = timers()
      for (let i = 0; i < 50; i++) await vi.advanceTimersByTimeAsync(100)
      expect(timers()).toBe(tasks)
      node.stop()
      expect(timers()).toBe(0)
      await vi.advanceTimersByTimeAsync(1_000)
      expect(timers()).toBe(0)
      await cluster.close()
    } finally {
      vi.useRealTimers()
    }
  })
})
