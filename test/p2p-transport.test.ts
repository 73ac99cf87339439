import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeIdFor } from '../src/dht/identity.js'
import { PeerUnreachableError, type ChordRequest, type NodeRef } from '../src/dht/messages.js'
import { Libp2pChordTransport, nodeRefFromMultiaddr, selfNodeRef } from '../src/p2p/chord-transport.js'
import { CHORD_PROTOCOL } from '../src/p2p/constants.js'
import { createImeLibp2p, type ImeLibp2p } from '../src/p2p/libp2p-node.js'

const started: ImeLibp2p[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.stop()))
})

async function peer(): Promise<{ libp2p: ImeLibp2p; key: PrivateKey }> {
  const key = await generateKeyPair('Ed25519')
  const libp2p = await createImeLibp2p({ privateKey: key })
  started.push(libp2p)
  return { libp2p, key }
}

describe('Chord transport over libp2p', () => {
  it('hands the handler the authenticated sender: ring id from its key, and where it listens', async () => {
    const a = await peer()
    const b = await peer()
    const seen: { from: NodeRef; req: ChordRequest }[] = []
    await new Libp2pChordTransport(a.libp2p).serve(async (from, req) => {
      seen.push({ from, req })
      return { type: 'pong' }
    })
    const fromB = new Libp2pChordTransport(b.libp2p)
    const aRef = selfNodeRef(a.libp2p)
    expect(await fromB.request(aRef, { type: 'ping' })).toEqual({ type: 'pong' })
    // identify runs beside the first request; by the next few the sender's listen addresses are known.
    for (let i = 0; i < 20 && seen.at(-1)!.from.addrs.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50))
      await fromB.request(aRef, { type: 'ping' })
    }
    const last = seen.at(-1)!
    expect(last.req).toEqual({ type: 'ping' })
    expect(last.from.peer).toBe(b.libp2p.peerId.toString())
    expect(last.from.id).toBe(nodeIdFor(b.key))
    const listening = b.libp2p.getMultiaddrs().map((m) => m.toString())
    expect(last.from.addrs.some((addr) => listening.some((l) => l.startsWith(addr)))).toBe(true)
    // One connection carried every request: streams are opened on it, not new dials.
    expect(b.libp2p.getConnections(a.libp2p.peerId)).toHaveLength(1)
  })

  it('gives up on a peer that never answers after the request timeout, as PeerUnreachableError', async () => {
    const a = await peer()
    const b = await peer()
    // a accepts Chord streams and then says nothing.
    await a.libp2p.handle(CHORD_PROTOCOL, () => undefined)
    const transport = new Libp2pChordTransport(b.libp2p, 300)
    const t0 = performance.now()
    const failure = await transport.request(selfNodeRef(a.libp2p), { type: 'ping' }).catch((e: unknown) => e)
    const elapsed = performance.now() - t0
    expect(failure).toBeInstanceOf(PeerUnreachableError)
    expect((failure as Error).message).toContain(a.libp2p.peerId.toString())
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(3000)
  })

  it('maps a stopped peer, and a peer that does not speak Chord, to PeerUnreachableError', async () => {
    const a = await peer()
    const b = await peer()
    const transport = new Libp2pChordTransport(b.libp2p, 1000)
    // a runs libp2p but no Chord handler: protocol negotiation fails.
    const noChord = await transport.request(selfNodeRef(a.libp2p), { type: 'ping' }).catch((e: unknown) => e)
    expect(noChord).toBeInstanceOf(PeerUnreachableError)
    const aRef = selfNodeRef(a.libp2p)
    await a.libp2p.stop()
    const stopped = await transport.request(aRef, { type: 'ping' }).catch((e: unknown) => e)
    expect(stopped).toBeInstanceOf(PeerUnreachableError)
  })

  it('dials afresh when the reused connection turns out to be closing, instead of calling the peer dead', async () => {
    const a = await peer()
    const b = await peer()
    await new Libp2pChordTransport(a.libp2p).serve(async () => ({ type: 'pong' }))
    const transport = new Libp2pChordTransport(b.libp2p, 2000)
    const aRef = selfNodeRef(a.libp2p)
    expect(await transport.request(aRef, { type: 'ping' })).toEqual({ type: 'pong' })
    const [connection] = b.libp2p.getConnections(a.libp2p.peerId)
    // The race: the connection still says 'open' when picked, and is closed by the time a stream is asked of it.
    connection!.newStream = async () => {
      await connection!.close()
      throw new Error('connection closing')
    }
    expect(await transport.request(aRef, { type: 'ping' })).toEqual({ type: 'pong' })
    const now = b.libp2p.getConnections(a.libp2p.peerId)
    expect(now).toHaveLength(1)
    expect(now[0]).not.toBe(connection)
  })

  it('builds a NodeRef from a bootstrap multiaddr, refusing one without a checkable peer id', async () => {
    const a = await peer()
    const address = a.libp2p.getMultiaddrs()[0]!.toString()
    const ref = nodeRefFromMultiaddr(address)
    expect(ref.peer).toBe(a.libp2p.peerId.toString())
    expect(ref.id).toBe(nodeIdFor(a.key))
    expect(() => nodeRefFromMultiaddr('/ip4/127.0.0.1/tcp/4001')).toThrow(/does not end in \/p2p\/PEER-ID/)
    expect(() => nodeRefFromMultiaddr('not a multiaddr')).toThrow(/is not a multiaddr/)
  })
})
