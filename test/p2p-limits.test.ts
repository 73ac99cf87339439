/** A peer flooding another with Chord requests is limited per peer; other peers are still served. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { startChordPeer } from '../src/p2p/chord-peer.js'
import { Libp2pChordTransport } from '../src/p2p/chord-transport.js'
import { CHORD_REQUESTS_BURST_PER_PEER } from '../src/p2p/constants.js'

describe('Chord request limits per peer', () => {
  it('answers a flooding peer with errors (and then cuts it off), and keeps serving the others', async () => {
    const start = async (bootstrap?: Parameters<typeof startChordPeer>[0]['bootstrap']) =>
      startChordPeer({
        privateKey: await generateKeyPair('Ed25519'),
        maintain: false,
        ...(bootstrap !== undefined && { bootstrap }),
      })
    const target = await start()
    const flooder = await start(target.chord.self)
    const honest = await start(target.chord.self)
    try {
      const flood = new Libp2pChordTransport(flooder.libp2p, 5_000)
      const outcomes = { pong: 0, limited: 0, cut: 0 }
      const total = 3 * CHORD_REQUESTS_BURST_PER_PEER
      for (let sent = 0; sent < total; sent += 40) {
        await Promise.all(
          Array.from({ length: 40 }, async () => {
            try {
              const res = await flood.request(target.chord.self, { type: 'ping' })
              if (res.type === 'pong') outcomes.pong++
              else if (res.type === 'error' && /rate limited/.test(res.reason)) outcomes.limited++
            } catch {
              outcomes.cut++
            }
          }),
        )
      }
      // The burst is served; then refusals, with a reason and then by cutting the stream.
      expect(outcomes.pong).toBeGreaterThanOrEqual(CHORD_REQUESTS_BURST_PER_PEER)
      expect(outcomes.pong).toBeLessThan(total)
      expect(outcomes.limited + outcomes.cut).toBeGreaterThan(0)
      // Another peer is served as usual.
      const other = new Libp2pChordTransport(honest.libp2p, 5_000)
      expect((await other.request(target.chord.self, { type: 'ping' })).type).toBe('pong')
    } finally {
      await Promise.all([target.kill(), flooder.kill(), honest.kill()])
    }
  }, 60_000)
})
