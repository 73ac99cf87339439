/** A node behind a NAT with a forwarded port tells peers the address to dial (p2p.announce), and says so. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { createImeLibp2p } from '../src/p2p/libp2p-node.js'
import { reachability } from '../src/p2p/reachability.js'

describe('announced addresses', () => {
  it('peers are told the announced address, not the private one it listens on', async () => {
    const node = await createImeLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      announce: ['/ip4/203.0.113.7/tcp/4001'],
    })
    try {
      const addrs = node.getMultiaddrs().map(String)
      expect(addrs).toEqual([`/ip4/203.0.113.7/tcp/4001/p2p/${node.peerId.toString()}`])
      expect(reachability(addrs).public).toBe(true)
    } finally {
      await node.stop()
    }
  })

  it('without one, a node listening on loopback knows it is not reachable from outside', async () => {
    const node = await createImeLibp2p({ privateKey: await generateKeyPair('Ed25519') })
    try {
      expect(reachability(node.getMultiaddrs().map(String)).public).toBe(false)
    } finally {
      await node.stop()
    }
  })
})
