/**
 * The Chord behaviours every transport must support. The in-memory network and libp2p both run this suite,
 * so the same core is checked on both.
 */
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { ringId, type RingId } from '../src/core/ring.js'
import type { ChordNode } from '../src/dht/chord-node.js'
import type { ClaimSigner } from '../src/dht/records.js'
import { signClaim } from '../src/dht/records.js'

export interface ChordCluster {
  /** Live nodes, in the order they were added. */
  readonly nodes: readonly ChordNode[]
  /** A new node joins via an existing one. */
  add(): Promise<ChordNode>
  /** Abrupt failure: it stops answering, with no goodbye. */
  kill(node: ChordNode): Promise<void>
  /** Graceful leave. */
  leave(node: ChordNode): Promise<void>
  /** Runs maintenance until the ring is correct (bounded). */
  settle(): Promise<void>
  close(): Promise<void>
}

/** The node that should be responsible for a key, by looking at every live node's id. */
export function oracle(nodes: readonly ChordNode[], key: RingId): ChordNode {
  const sorted = [...nodes].sort((a, b) => (a.self.id < b.self.id ? -1 : 1))
  return sorted.find((n) => n.self.id >= key) ?? sorted[0]!
}

/**
 * True when every node's predecessor and successor list are what a perfect ring would have: the whole list,
 * or (`firstOnly`) just its first entry.
 */
export function ringIsCorrect(nodes: readonly ChordNode[], firstOnly = false): boolean {
  const sorted = [...nodes].sort((a, b) => (a.self.id < b.self.id ? -1 : 1))
  if (sorted.length === 1) return true
  return sorted.every((n, i) => {
    const snap = n.snapshot()
    const prev = sorted[(i - 1 + sorted.length) % sorted.length]!
    const expected = Array.from(
      { length: firstOnly ? 1 : Math.min(n.config.successorListSize, sorted.length - 1) },
      (_, k) => sorted[(i + 1 + k) % sorted.length]!.self.id,
    )
    const successors = snap.successors.slice(0, expected.length).map((s) => s.id)
    return snap.predecessor?.id === prev.self.id && successors.join() === expected.join()
  })
}

/** Runs rounds of maintenance on every node until the ring is correct; throws after `rounds`. */
export async function settleRing(nodes: () => readonly ChordNode[], rounds = 20): Promise<number> {
  for (let round = 1; round <= rounds; round++) {
    for (const n of nodes()) await n.maintain()
    if (ringIsCorrect(nodes())) {
      // One more round so fingers see the final ring.
      for (const n of nodes()) await n.maintain()
      return round
    }
  }
  throw new Error(`ring not correct after ${rounds} maintenance rounds`)
}

const randomKey = (): RingId => {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return ringId(BigInt('0x' + Buffer.from(bytes).toString('hex')))
}

async function outsideSigner(): Promise<ClaimSigner> {
  const key = await generateKeyPair('Ed25519')
  return { publicKey: publicKeyToProtobuf(key.publicKey), sign: async (d) => key.sign(d) }
}

export function describeChordSuite(
  name: string,
  startCluster: (size: number) => Promise<ChordCluster>,
  size = 8,
): void {
  describe(`Chord suite: ${name}`, () => {
    it(`forms a correct ring of ${size} nodes by joining, and lookups agree with the oracle`, async () => {
      const cluster = await startCluster(size)
      try {
        expect(ringIsCorrect(cluster.nodes)).toBe(true)
        for (let i = 0; i < 40; i++) {
          const key = randomKey()
          const from = cluster.nodes[i % cluster.nodes.length]!
          const found = await from.lookup(key)
          expect(found.responsible.id).toBe(oracle(cluster.nodes, key).self.id)
          expect(found.hops).toBeLessThanOrEqual(size)
        }
      } finally {
        await cluster.close()
      }
    })

    it('keeps the claims of several owners on one key, and only the owner can withdraw its claim', async () => {
      const cluster = await startCluster(size)
      try {
        const key = randomKey()
        const [a, b, c] = cluster.nodes
        await a!.publish(key)
        await b!.publish(key)
        const seen = await c!.get(key)
        expect(new Set(seen.records.map((r) => r.owner))).toEqual(new Set([a!.self.id, b!.self.id]))
        await a!.withdraw(key)
        const after = await c!.get(key)
        expect(after.records.map((r) => r.owner)).toEqual([b!.self.id])
        // A stranger's signed withdrawal names the stranger as owner: it cannot touch b's claim.
        const stranger = await outsideSigner()
        const forged = await signClaim(stranger, {
          key,
          seq: 1n << 62n,
          expiresAt: Date.now() + 60_000,
          withdrawn: true,
        })
        const responsible = oracle(cluster.nodes, key)
        const answer = await responsible.handleRequest(c!.self, {
          type: 'store',
          records: [{ ...forged, owner: b!.self.id }],
        })
        expect(answer).toMatchObject({
          type: 'stored',
          accepted: 0,
          rejected: [{ index: 0, reason: 'owner id is not the hash of the owner public key' }],
        })
        expect((await c!.get(key)).records.map((r) => r.owner)).toEqual([b!.self.id])
      } finally {
        await cluster.close()
      }
    })

    it('a joining node takes over its share of the records', async () => {
      const cluster = await startCluster(size)
      try {
        const keys = Array.from({ length: 30 }, randomKey)
        for (const key of keys) await cluster.nodes[0]!.publish(key)
        const newcomer = await cluster.add()
        await cluster.settle()
        const mine = keys.filter((k) => oracle(cluster.nodes, k) === newcomer)
        for (const key of mine) {
          const held = await newcomer.handleRequest(newcomer.self, { type: 'fetch', key })
          expect(held.type === 'records' && held.records.length).toBe(1)
        }
        for (const key of keys) expect((await newcomer.get(key)).records).toHaveLength(1)
      } finally {
        await cluster.close()
      }
    })

    it('a graceful leave hands records over and the ring closes at once', async () => {
      const cluster = await startCluster(size)
      try {
        const keys = Array.from({ length: 30 }, randomKey)
        for (const key of keys) await cluster.nodes[1]!.publish(key)
        const leaver = cluster.nodes[3]!
        await cluster.leave(leaver)
        expect(ringIsCorrect(cluster.nodes, true)).toBe(true)
        for (const key of keys) expect((await cluster.nodes[0]!.get(key)).records).toHaveLength(1)
      } finally {
        await cluster.close()
      }
    })

    it('repairs abrupt failures, and replicas keep records whose responsible node died', async () => {
      const cluster = await startCluster(size)
      try {
        const keys = Array.from({ length: 30 }, randomKey)
        const publisher = cluster.nodes[0]!
        for (const key of keys) await publisher.publish(key)
        // Kill the responsible node of the first key, and one more; lookups work even before any repair.
        const victims = [oracle(cluster.nodes, keys[0]!), ...cluster.nodes.filter((n) => n !== publisher)]
          .filter((n, i, all) => n !== publisher && all.indexOf(n) === i)
          .slice(0, 2)
        for (const v of victims) await cluster.kill(v)
        for (const key of keys) expect((await publisher.get(key)).records).toHaveLength(1)
        await cluster.settle()
        expect(ringIsCorrect(cluster.nodes)).toBe(true)
        for (let i = 0; i < 20; i++) {
          const key = randomKey()
          expect((await cluster.nodes[i % cluster.nodes.length]!.lookup(key)).responsible.id).toBe(
            oracle(cluster.nodes, key).self.id,
          )
        }
      } finally {
        await cluster.close()
      }
    })

    it('refuses bad records with clear reasons and keeps working', async () => {
      const cluster = await startCluster(Math.min(size, 4))
      try {
        const node = cluster.nodes[0]!
        const signer = await outsideSigner()
        const key = randomKey()
        const good = await signClaim(signer, { key, seq: 5n, expiresAt: Date.now() + 60_000, withdrawn: false })
        const cases: [string, object][] = [
          ['signature does not verify', { ...good, seq: 6n }],
          ['record expired at', await signClaim(signer, { key, seq: 7n, expiresAt: Date.now() - 1, withdrawn: false })],
          [
            'too far ahead',
            await signClaim(signer, { key, seq: 8n, expiresAt: Date.now() + 10 * 24 * 3600_000, withdrawn: false }),
          ],
          ['signature is 0 bytes', { ...good, signature: new Uint8Array() }],
          ['owner public key is 500 bytes', { ...good, ownerPublicKey: new Uint8Array(500) }],
        ]
        for (const [reason, record] of cases) {
          const answer = await node.handleRequest(cluster.nodes[1]!.self, {
            type: 'store',
            records: [record as typeof good],
          })
          expect(answer.type === 'stored' && answer.rejected[0]?.reason).toContain(reason)
        }
        const holder = node
        await holder.handleRequest(cluster.nodes[1]!.self, { type: 'store', records: [good] })
        const older = await signClaim(signer, { key, seq: 4n, expiresAt: Date.now() + 60_000, withdrawn: false })
        const replay = await holder.handleRequest(cluster.nodes[1]!.self, { type: 'store', records: [older] })
        expect(replay.type === 'stored' && replay.rejected[0]?.reason).toMatch(/older than the stored/)
        expect((await node.lookup(randomKey())).responsible).toBeDefined()
      } finally {
        await cluster.close()
      }
    })
  })
}
