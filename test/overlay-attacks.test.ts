/**
 * Hostile nodes in the overlay (in-memory rings of real Chord nodes with real keys, seeded so that each ring can
 * be run again). A hostile node lies in lookups (claims to be responsible for every key), refuses to store, and
 * answers gets with nothing, or with records it forged (signed with its own key in another owner's name) or
 * altered (a real record with a field changed). Lookups must route around it and gets find the claims at the
 * honest holders; whatever a get returns was signed by its owner and is exactly what the owner published.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { ringId, type RingId } from '../src/core/ring.js'
import { seededRandom } from '../src/core/seeded-random.js'
import { ChordNode } from '../src/dht/chord-node.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import type { ChordRequest, ChordResponse, ClaimRecord, NodeRef } from '../src/dht/messages.js'
import { signClaim, type ClaimSigner } from '../src/dht/records.js'
import { InMemoryNetwork } from '../src/testing/memory-network.js'
import { oracle, ringIsCorrect } from './chord-suite.js'

const bytes = (random: () => number, n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256))
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

type Liar = 'empty' | 'forged' | 'altered'

interface Ring {
  nodes: ChordNode[]
  liars: Set<RingId>
  honest: ChordNode[]
  keys: RingId[]
  published: Map<string, ClaimRecord>
}

async function hostileRing(seed: number, liars: Map<number, Liar>): Promise<Ring> {
  const random = seededRandom(seed)
  const network = new InMemoryNetwork()
  const nodes: ChordNode[] = []
  const hostile = new Map<ChordNode, { kind: Liar; signer: ClaimSigner; held: ClaimRecord[] }>()
  let turned = false
  for (let i = 0; i < 32; i++) {
    const key = await generateKeyPairFromSeed('Ed25519', bytes(random, 32))
    const self: NodeRef = { id: nodeIdFor(key), peer: `node-${i}`, addrs: [] }
    const signer = claimSignerFor(key)
    const node: ChordNode = new ChordNode({
      self,
      transport: network.attach(self, async (from, req): Promise<ChordResponse> => {
        const h = hostile.get(node)
        if (turned && h !== undefined) return lie(node, h, req)
        return node.handleRequest(from, req)
      }),
      signer,
    })
    if (i === 0) node.create()
    else await node.join(nodes[Math.floor(random() * nodes.length)]!.self)
    nodes.push(node)
    const kind = liars.get(i)
    if (kind !== undefined) hostile.set(node, { kind, signer, held: [] })
  }
  // Before turning hostile the liars behave, so the ring is a normal one.
  for (let r = 0; r < 60 && !ringIsCorrect(nodes); r++) for (const n of nodes) await n.maintain()
  expect(ringIsCorrect(nodes)).toBe(true)
  const honest = nodes.filter((n) => !hostile.has(n))
  const keys = Array.from({ length: 60 }, () => ringId(BigInt('0x' + hex(bytes(random, 16)))))
  const published = new Map<string, ClaimRecord>()
  for (const [i, k] of keys.entries()) {
    const owner = honest[i % honest.length]!
    await owner.publish(k)
  }
  // What each owner published, as its holders keep it: the reference for "exactly what the owner signed".
  for (const k of keys) {
    for (const r of (await honest[0]!.get(k)).records) published.set(`${r.key}:${r.owner}`, r)
  }
  // The liars keep what they held while honest, to forge from and to alter.
  for (const [node, h] of hostile) {
    for (const k of keys) h.held.push(...(await node.get(k)).records)
  }
  turned = true
  return { nodes, liars: new Set([...hostile.keys()].map((n) => n.self.id)), honest, keys, published }
}

/** The hostile node: claims every key is its own, stores nothing, and answers fetches as its kind says. */
async function lie(
  self: ChordNode,
  h: { kind: Liar; signer: ClaimSigner; held: ClaimRecord[] },
  req: ChordRequest,
): Promise<ChordResponse> {
  switch (req.type) {
    case 'find-next':
      return { type: 'found', successors: [self.self] }
    case 'fetch': {
      const real = h.held.filter((r) => r.key === req.key)
      if (h.kind === 'empty' || real.length === 0) return { type: 'records', records: [] }
      if (h.kind === 'altered') {
        // A genuine record, one field changed: a later withdrawal, a longer life.
        return {
          type: 'records',
          records: real.map((r) => ({ ...r, seq: r.seq + 1n, withdrawn: true, expiresAt: r.expiresAt + 1000 })),
        }
      }
      // Forged: the liar's own signature over a claim in the real owner's name, and one as itself.
      const mine = await signClaim(h.signer, {
        key: req.key,
        seq: 99n,
        expiresAt: Date.now() + 60_000,
        withdrawn: false,
      })
      return { type: 'records', records: [...real.map((r) => ({ ...mine, owner: r.owner, seq: r.seq + 5n })), mine] }
    }
    case 'store':
      return { type: 'error', reason: 'full' }
    case 'get-neighbours':
      return { type: 'neighbours', predecessor: self.self, successors: [self.self] }
    default:
      return { type: 'pong' }
  }
}

describe('hostile nodes in the overlay', () => {
  // Five seeded rings, each with two liars of 32 (one silent, one forging or altering records).
  it.each([
    [1, 'forged'],
    [2, 'altered'],
    [3, 'forged'],
    [4, 'altered'],
    [5, 'forged'],
  ] as const)(
    'ring %i: two liars (one %s) cost few lookups, and a get never returns a record its owner did not sign as is',
    async (seed, kind) => {
      const ring = await hostileRing(
        seed,
        new Map<number, Liar>([
          [5, 'empty'],
          [17, kind],
        ]),
      )
      let lookupsRight = 0
      let found = 0
      for (const [i, k] of ring.keys.entries()) {
        const asker = ring.honest[(i * 7) % ring.honest.length]!
        const result = await asker.lookup(k).catch(() => undefined)
        if (result?.responsible.id === oracle(ring.nodes, k).self.id) lookupsRight++
        const got = await asker.get(k).catch(() => ({ records: [] as ClaimRecord[] }))
        for (const record of got.records) {
          // A liar may claim a key as itself (any node may claim any number; validation decides who gets a route):
          // that record is its own and signed by it. It can never speak for anyone else.
          if (ring.liars.has(record.owner)) continue
          expect(ring.honest.some((n) => n.self.id === record.owner)).toBe(true)
          const original = ring.published.get(`${record.key}:${record.owner}`)
          expect(original).toBeDefined()
          expect({ ...record, signature: hex(record.signature) }).toEqual({
            ...original!,
            signature: hex(original!.signature),
          })
        }
        if (got.records.some((r) => !ring.liars.has(r.owner))) found++
      }
      // Two liars of 32: a lookup routes around an answer that cannot be right (the asker knows a live node between
      // the key and the node named), and a get checks each record before it competes, so a forged one with a
      // higher seq cannot push out the real one. Measured: 60 of 60 lookups and gets on each of these rings
      // (before those two changes: 40 to 47 lookups, 42 to 56 gets).
      expect(lookupsRight / ring.keys.length).toBeGreaterThanOrEqual(0.95)
      expect(found / ring.keys.length).toBeGreaterThanOrEqual(0.95)
    },
    60_000,
  )
})
