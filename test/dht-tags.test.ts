import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { jittered } from '../src/dht/chord-node.js'
import { MAINTENANCE_JITTER } from '../src/dht/constants.js'
import { startChordPeer, type ChordPeer } from '../src/p2p/chord-peer.js'
import { CHORD_ROUTE_TAG, CHORD_ROUTE_TAG_VALUE } from '../src/p2p/constants.js'

describe('maintenance jitter', () => {
  it('spreads each tick uniformly over the interval times [1 - j, 1 + j]', () => {
    expect(jittered(10_000, () => 0)).toBe(10_000 * (1 - MAINTENANCE_JITTER))
    expect(jittered(10_000, () => 0.5)).toBe(10_000)
    expect(jittered(10_000, () => 0.999999)).toBeCloseTo(10_000 * (1 + MAINTENANCE_JITTER), 0)
  })
})

describe('routing peers tagged for the connection manager', () => {
  const peers: ChordPeer[] = []
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.kill()))
  })

  it('a node tags its successor and predecessor, and untags a node that left its tables', async () => {
    const config = { requestTimeoutMs: 1500 }
    const a = await startChordPeer({ privateKey: await generateKeyPair('Ed25519'), maintain: false, config })
    peers.push(a)
    const b = await startChordPeer({
      privateKey: await generateKeyPair('Ed25519'),
      maintain: false,
      config,
      bootstrap: a.chord.self,
    })
    peers.push(b)
    await a.chord.stabilise()
    await b.chord.stabilise()
    const tagOf = async (on: ChordPeer, of: ChordPeer) =>
      (await on.libp2p.peerStore.get(of.libp2p.peerId)).tags.get(CHORD_ROUTE_TAG)?.value
    await expect.poll(() => tagOf(b, a), { timeout: 10_000 }).toBe(CHORD_ROUTE_TAG_VALUE)
    await expect.poll(() => tagOf(a, b), { timeout: 10_000 }).toBe(CHORD_ROUTE_TAG_VALUE)
    // a leaves: b drops it from its tables, and the tag goes with it.
    await a.leave()
    peers.splice(peers.indexOf(a), 1)
    await expect.poll(() => tagOf(b, a), { timeout: 10_000 }).toBeUndefined()
  }, 30_000)
})
