import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import type { ChordNode } from '../src/dht/chord-node.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeResponse } from '../src/p2p/chord-codec.js'
import * as pb from '../src/p2p/pb/chord.js'
import { startChordPeer, type ChordPeer } from '../src/p2p/chord-peer.js'
import { CHORD_PROTOCOL, MAX_CHORD_MESSAGE_BYTES } from '../src/p2p/constants.js'
import { lpStream } from '@libp2p/utils'
import { describeChordSuite, settleRing, type ChordCluster } from './chord-suite.js'

// Maintenance is driven by the suite (settle), so timers stay off; short timeouts keep failure tests quick.
const config = { requestTimeoutMs: 1500 }

async function startLibp2pCluster(size: number): Promise<{ cluster: ChordCluster; peers: Map<ChordNode, ChordPeer> }> {
  const peers = new Map<ChordNode, ChordPeer>()
  const nodes: ChordNode[] = []
  const add = async (): Promise<ChordNode> => {
    const via = nodes[Math.floor(Math.random() * nodes.length)]
    const peer = await startChordPeer({
      privateKey: await generateKeyPair('Ed25519'),
      config,
      maintain: false,
      ...(via !== undefined && { bootstrap: via.self }),
    })
    peers.set(peer.chord, peer)
    nodes.push(peer.chord)
    return peer.chord
  }
  const cluster: ChordCluster = {
    nodes,
    add,
    async kill(node) {
      await peers.get(node)!.kill()
      nodes.splice(nodes.indexOf(node), 1)
    },
    async leave(node) {
      await peers.get(node)!.leave()
      nodes.splice(nodes.indexOf(node), 1)
    },
    async settle() {
      await settleRing(() => nodes)
    },
    async close() {
      await Promise.all(nodes.map((n) => peers.get(n)!.kill()))
    },
  }
  for (let i = 0; i < size; i++) {
    await add()
    for (const n of nodes) await n.stabilise()
  }
  await cluster.settle()
  return { cluster, peers }
}

describeChordSuite('libp2p over TCP on 127.0.0.1', async (size) => (await startLibp2pCluster(size)).cluster, 8)

describe('Chord on libp2p: hostile input', () => {
  it('refuses malformed, mis-bound and oversized requests with reasons, and keeps serving', async () => {
    const { cluster, peers } = await startLibp2pCluster(2)
    try {
      const [a, b] = cluster.nodes
      const libp2pA = peers.get(a!)!.libp2p
      const send = async (bytes: Uint8Array): Promise<string> => {
        const stream = await libp2pA.dialProtocol(peerIdFromString(b!.self.peer), CHORD_PROTOCOL)
        const lp = lpStream(stream, { maxDataLength: 4 * MAX_CHORD_MESSAGE_BYTES })
        await lp.write(bytes)
        try {
          const answer = decodeResponse((await lp.read()).subarray())
          return answer.ok && answer.value.type === 'error' ? answer.value.reason : JSON.stringify(answer)
        } catch (e) {
          return `stream ended: ${(e as Error).name}`
        }
      }
      expect(await send(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]))).toMatch(/^request does not decode/)
      const shortKey = pb.Request.encode({
        type: pb.Request.Type.FIND_NEXT,
        key: new Uint8Array(5),
        records: [],
        from: new Uint8Array(0),
        to: new Uint8Array(0),
        successors: [],
      })
      expect(await send(shortKey)).toBe('key: a ring id is 16 bytes; got 5')
      // A notify that names a ring id which is not the hash of the peer's key: refused.
      const forged = pb.Request.encode({
        type: pb.Request.Type.NOTIFY,
        candidate: { id: new Uint8Array(16).fill(7), peer: a!.self.peer, addrs: [] },
        key: new Uint8Array(0),
        records: [],
        from: new Uint8Array(0),
        to: new Uint8Array(0),
        successors: [],
      })
      expect(await send(forged)).toMatch(/ring id of .* is not the hash of its public key/)
      // Over the size cap: the stream is dropped, nothing is buffered or parsed.
      expect(await send(new Uint8Array(MAX_CHORD_MESSAGE_BYTES + 10))).toMatch(/^stream ended/)
      // And b still answers real lookups.
      expect((await a!.lookup(b!.self.id)).responsible.id).toBe(b!.self.id)
    } finally {
      await cluster.close()
    }
  })
})
