/**
 * Faults on a real libp2p ring (16 nodes, TCP, maintenance on its own timers): a quarter of the nodes killed at
 * once. Lookups from the survivors agree with the true ring again within one stabilisation period, and every
 * record that still has a live holder is found.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { ringId, type RingId } from '../src/core/ring.js'
import type { ChordNode } from '../src/dht/chord-node.js'
import { startChordPeer, type ChordPeer } from '../src/p2p/chord-peer.js'
import { oracle, ringIsCorrect } from './chord-suite.js'

const STABILISE_MS = 2_000
const config = {
  stabiliseIntervalMs: STABILISE_MS,
  fixFingersIntervalMs: 1_000,
  checkPredecessorIntervalMs: STABILISE_MS,
  requestTimeoutMs: 400,
}
const randomKey = (): RingId =>
  ringId(BigInt('0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('a quarter of a real ring killed at once', () => {
  it('lookups recover within one stabilisation period, and records with a live holder are all found', async () => {
    const peers: ChordPeer[] = []
    try {
      for (let i = 0; i < 16; i++) {
        const via = peers[Math.floor(Math.random() * peers.length)]
        peers.push(
          await startChordPeer({
            privateKey: await generateKeyPair('Ed25519'),
            config,
            ...(via !== undefined && { bootstrap: via.chord.self }),
          }),
        )
      }
      const nodes = () => peers.map((p) => p.chord)
      for (let round = 0; round < 30 && !ringIsCorrect(nodes()); round++) {
        for (const n of nodes()) await n.maintain()
      }
      expect(ringIsCorrect(nodes())).toBe(true)
      const keys = Array.from({ length: 40 }, randomKey)
      for (const [i, key] of keys.entries()) await peers[i % peers.length]!.chord.publish(key)
      // Who holds each key now: the responsible node and its 3 successors.
      const sorted = [...nodes()].sort((a, b) => (a.self.id < b.self.id ? -1 : 1))
      const holders = new Map<RingId, ChordNode[]>(
        keys.map((k) => {
          const at = sorted.indexOf(oracle(sorted, k))
          return [k, [0, 1, 2, 3].map((d) => sorted[(at + d) % sorted.length]!)]
        }),
      )

      const victims = [...peers].sort(() => Math.random() - 0.5).slice(0, 4)
      await Promise.all(victims.map((v) => v.kill()))
      const killedAt = Date.now()
      const alive = peers.filter((p) => !victims.includes(p))
      const live = alive.map((p) => p.chord)

      const allCorrect = async () => {
        for (let i = 0; i < 24; i++) {
          const key = randomKey()
          const from = live[i % live.length]!
          const found = await from.lookup(key).catch(() => undefined)
          if (found?.responsible.id !== oracle(live, key).self.id) return false
        }
        return true
      }
      let recoveredAfter = Number.POSITIVE_INFINITY
      while (Date.now() - killedAt < 3 * STABILISE_MS) {
        if (await allCorrect()) {
          recoveredAfter = Date.now() - killedAt
          break
        }
        await sleep(100)
      }
      // One stabilisation period, plus the request timeouts the first failed requests cost.
      expect(recoveredAfter).toBeLessThanOrEqual(STABILISE_MS + 4 * config.requestTimeoutMs)

      const dead = new Set(victims.map((v) => v.chord))
      for (const key of keys) {
        if (holders.get(key)!.every((h) => dead.has(h))) continue // every copy died with its holders
        const got = await live[0]!.get(key)
        expect(got.records.length).toBeGreaterThan(0)
      }
    } finally {
      await Promise.all(peers.map((p) => p.kill().catch(() => undefined)))
    }
  }, 120_000)
})
