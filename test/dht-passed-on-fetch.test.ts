/**
 * A get's lookup ends at a node that fetches from the key's holders for the asker and passes their signed
 * answers on (src/dht/fetch-proof.ts), and each node on the way asks its best candidate for the asker. In-memory rings of real Chord nodes with real keys: when every node on the
 * way is honest, the asker asks no holder itself; when the nodes passing answers on tamper with them (drop a
 * record, replay an older answer, sign in a holder's name, withhold them), the asker notices and asks the holders
 * itself, and every get still returns exactly the claims their owners published.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { ringId, type RingId } from '../src/core/ring.js'
import { seededRandom } from '../src/core/seeded-random.js'
import { ChordNode } from '../src/dht/chord-node.js'
import { signFetchAnswer } from '../src/dht/fetch-proof.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import type { ChordResponse, ClaimRecord, HolderAnswer, NodeRef } from '../src/dht/messages.js'
import type { ClaimSigner } from '../src/dht/records.js'
import { InMemoryNetwork } from '../src/testing/memory-network.js'
import { settleRing } from './chord-suite.js'

type Tamper = 'none' | 'drop-record' | 'replay' | 'sign-as-holder' | 'withhold'

const bytes = (random: () => number, n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256))

describe('fetches passed on by the node that answers a lookup', () => {
  it('spare the asker its holder requests, and tampering with them hides no claim', async () => {
    const random = seededRandom(24)
    const network = new InMemoryNetwork()
    const nodes: ChordNode[] = []
    const signers = new Map<ChordNode, ClaimSigner>()
    let tamper: Tamper = 'none'
    /** The answers each node passed on while honest, by key: what a replaying node serves later. */
    const passedOn = new Map<RingId, readonly HolderAnswer[]>()
    const askerFetches = { count: 0, steps: 0 }
    for (let i = 0; i < 48; i++) {
      const key = await generateKeyPairFromSeed('Ed25519', bytes(random, 32))
      const self: NodeRef = { id: nodeIdFor(key), peer: `node-${i}`, addrs: [] }
      const transport = network.attach(self, async (from, req): Promise<ChordResponse> => {
        const answer = await node.handleRequest(from, req)
        if (i === 0 || req.type !== 'find-next' || answer.type !== 'found' || answer.fetched === undefined) {
          return answer
        }
        if (tamper === 'none') passedOn.set(req.key, answer.fetched)
        const fetched = await tampered(tamper, answer.fetched, signers.get(node)!, req.fetch!, req.key, passedOn)
        return { ...answer, fetched }
      })
      const node: ChordNode = new ChordNode({
        self,
        // Node 0 asks every get; its own requests to holders are counted.
        transport:
          i === 0
            ? {
                request: (to, req) => {
                  if (req.type === 'fetch') askerFetches.count++
                  if (req.type === 'find-next') askerFetches.steps++
                  return transport.request(to, req)
                },
              }
            : transport,
        signer: claimSignerFor(key),
      })
      signers.set(node, claimSignerFor(key))
      if (i === 0) node.create()
      else await node.join(nodes[Math.floor(random() * nodes.length)]!.self)
      nodes.push(node)
    }
    await settleRing(() => nodes)
    const asker = nodes[0]!
    const keys = Array.from({ length: 24 }, () => ringId(BigInt('0x' + Buffer.from(bytes(random, 16)).toString('hex'))))
    const published = new Map<RingId, Set<RingId>>()
    const publish = async (owner: ChordNode, key: RingId) => {
      await owner.publish(key)
      published.set(key, new Set([...(published.get(key) ?? []), owner.self.id]))
    }
    for (const [i, key] of keys.entries()) await publish(nodes[1 + (i % 47)]!, key)

    /** Gets every key; counts the gets that needed a hop, and the fetches the asker sent itself during those. */
    const getAll = async () => {
      let remote = 0
      let fetches = 0
      let hops = 0
      let steps = 0
      for (const key of keys) {
        const before = { ...askerFetches }
        const got = await asker.get(key)
        if (got.hops > 0) {
          remote++
          fetches += askerFetches.count - before.count
          hops += got.hops
          steps += askerFetches.steps - before.steps
        }
        const owners = got.records.map((r: ClaimRecord) => r.owner).sort()
        expect(owners, `key ${key}`).toEqual([...published.get(key)!].sort())
      }
      return { remote, fetches, hops, steps }
    }

    const honest = await getAll()
    // Node 0 knows the holders of some keys itself (no hop: it asks them); for the others, the lookup's last node
    // fetched, and node 0 asked no holder.
    expect(honest.remote).toBeGreaterThan(12)
    expect(honest.fetches).toBe(0)
    // Each step's node asked its best candidate for node 0 and passed that answer on: node 0 sent one request for
    // every two nodes that answered (measured: 23 requests for 40 answers over 20 gets; without forwarding, 40).
    expect(honest.hops).toBeGreaterThan(honest.remote)
    expect(honest.steps).toBeLessThanOrEqual(Math.ceil(honest.hops / 2) + honest.remote / 4)

    // A second owner claims every key after the honest answers were recorded: a replayed answer lacks it.
    for (const [i, key] of keys.entries()) await publish(nodes[1 + ((i + 7) % 47)]!, key)
    for (const mode of ['drop-record', 'replay', 'sign-as-holder', 'withhold'] as const) {
      tamper = mode
      const result = await getAll()
      // Every passed-on answer was refused, so the asker asked the holders itself (about 3-4 per remote get).
      expect(result.fetches, mode).toBeGreaterThanOrEqual(result.remote * 3)
    }
  }, 60_000)

  it('are bounded: past 64 at once, a node answers plainly instead of asking the holders', async () => {
    const random = seededRandom(7)
    const network = new InMemoryNetwork(2)
    const nodes: ChordNode[] = []
    let sentByFirst = 0
    for (let i = 0; i < 8; i++) {
      const key = await generateKeyPairFromSeed('Ed25519', bytes(random, 32))
      const self: NodeRef = { id: nodeIdFor(key), peer: `node-${i}`, addrs: [] }
      const transport = network.attach(self, (from, req) => node.handleRequest(from, req))
      const node: ChordNode = new ChordNode({
        self,
        transport: {
          request: (to, req) => {
            if (i === 0 && req.type === 'fetch') sentByFirst++
            return transport.request(to, req)
          },
        },
        signer: claimSignerFor(key),
      })
      if (i === 0) node.create()
      else await node.join(nodes[0]!.self)
      nodes.push(node)
    }
    await settleRing(() => nodes)
    const first = nodes[0]!
    // A key just after node 0: it answers 'found' (the holders are its first four successors) and fetches from them
    // for each asker, 200 at once, each fetch taking 2 ms on the network.
    const key = ringId(first.self.id + 1n)
    sentByFirst = 0
    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        first.handleRequest(nodes[1]!.self, { type: 'find-next', key, fetch: bytes(random, 16) }),
      ),
    )
    const passedOn = answers.filter((a) => a.type === 'found' && a.fetched !== undefined).length
    expect(answers.every((a) => a.type === 'found')).toBe(true)
    expect(passedOn).toBe(64)
    expect(sentByFirst).toBe(64 * 4)
  }, 30_000)
})

async function tampered(
  mode: Tamper,
  fetched: readonly HolderAnswer[],
  signer: ClaimSigner,
  nonce: Uint8Array,
  key: RingId,
  recorded: ReadonlyMap<RingId, readonly HolderAnswer[]>,
): Promise<readonly HolderAnswer[]> {
  switch (mode) {
    case 'none':
      return fetched
    case 'drop-record':
      return fetched.map((a) => ({ ...a, records: a.records.slice(1) }))
    case 'replay':
      return recorded.get(key) ?? []
    case 'sign-as-holder':
      return Promise.all(
        fetched.map(async (a) => {
          const records = a.records.slice(1)
          return { holder: a.holder, records, proof: await signFetchAnswer(signer, nonce, key, a.holder, records) }
        }),
      )
    case 'withhold':
      return []
  }
}
