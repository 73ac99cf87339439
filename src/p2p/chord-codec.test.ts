import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ringId, RING_SIZE } from '../core/ring.js'
import { claimSignerFor, nodeIdFor } from '../dht/identity.js'
import type { ChordRequest, ChordResponse, NodeRef } from '../dht/messages.js'
import { signFetchAnswer } from '../dht/fetch-proof.js'
import { signClaim } from '../dht/records.js'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './chord-codec.js'

async function realNode(port: number): Promise<NodeRef> {
  const key = await generateKeyPair('Ed25519')
  const peer = peerIdFromPrivateKey(key).toString()
  return { id: nodeIdFor(key), peer, addrs: [`/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`] }
}

/** A comparable form: byte arrays of any class (Uint8Array, Buffer) as plain arrays. */
const plain = (value: unknown): unknown =>
  value instanceof Uint8Array
    ? [...value]
    : Array.isArray(value)
      ? value.map(plain)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
        : value

describe('Chord codec', () => {
  it('round-trips every message type', async () => {
    const [a, b] = await Promise.all([realNode(4001), realNode(4002)])
    const signer = claimSignerFor(await generateKeyPair('Ed25519'))
    const record = await signClaim(signer, {
      key: ringId(RING_SIZE - 1n),
      seq: 7n,
      expiresAt: 1_900_000_000_000,
      withdrawn: true,
    })
    const proof = await signFetchAnswer(signer, new Uint8Array(16), record.key, a.id, [record])
    const requests: ChordRequest[] = [
      { type: 'ping' },
      { type: 'get-neighbours' },
      { type: 'notify', candidate: a },
      { type: 'find-next', key: ringId(12345n) },
      { type: 'find-next', key: ringId(12345n), fetch: new Uint8Array(16).fill(9) },
      { type: 'find-next', key: ringId(12345n), fetch: new Uint8Array(16).fill(9), forward: true },
      { type: 'store', records: [record] },
      { type: 'fetch', key: ringId(0n) },
      { type: 'fetch', key: ringId(0n), nonce: new Uint8Array(16).fill(3) },
      { type: 'take-range', from: ringId(5n), to: ringId(RING_SIZE - 5n) },
      { type: 'leaving', predecessor: null, successors: [a, b] },
      { type: 'leaving', predecessor: b, successors: [] },
    ]
    for (const req of requests) {
      const back = decodeRequest(encodeRequest(req))
      expect(back.ok).toBe(true)
      expect(plain(back.ok && back.value)).toEqual(plain(req))
    }
    const responses: ChordResponse[] = [
      { type: 'pong' },
      { type: 'ack' },
      { type: 'neighbours', predecessor: a, successors: [b] },
      { type: 'neighbours', predecessor: null, successors: [] },
      { type: 'found', successors: [a, b] },
      { type: 'next', candidates: [b] },
      { type: 'stored', accepted: 3, rejected: [{ index: 1, reason: 'signature does not verify' }] },
      { type: 'records', records: [record] },
      { type: 'records', records: [], proof },
      { type: 'found', successors: [a, b], fetched: [{ holder: a.id, records: [record, record], proof }] },
      { type: 'next', candidates: [a, b], forwarded: { from: a, answer: { type: 'next', candidates: [b] } } },
      {
        type: 'next',
        candidates: [b],
        forwarded: {
          from: b,
          answer: { type: 'found', successors: [a], fetched: [{ holder: a.id, records: [], proof }] },
        },
      },
      { type: 'error', reason: 'nope' },
    ]
    for (const res of responses) {
      const back = decodeResponse(encodeResponse(res))
      expect(back.ok).toBe(true)
      expect(plain(back.ok && back.value)).toEqual(plain(res))
    }
  })

  it('refuses node refs that do not bind id to key, and addresses that are not multiaddrs', async () => {
    const a = await realNode(4001)
    const wrongId = decodeRequest(encodeRequest({ type: 'notify', candidate: { ...a, id: ringId(a.id ^ 1n) } }))
    expect(wrongId.ok ? 'accepted' : wrongId.error).toMatch(/is not the hash of its public key/)
    const badAddr = decodeRequest(encodeRequest({ type: 'notify', candidate: { ...a, addrs: ['not an address'] } }))
    expect(badAddr.ok ? 'accepted' : badAddr.error).toMatch(/is not a multiaddr/)
    const notPeer = decodeRequest(encodeRequest({ type: 'notify', candidate: { ...a, peer: 'nobody' } }))
    expect(notPeer.ok ? 'accepted' : notPeer.error).toMatch(/peer id "nobody" does not parse/)
    // Refused before parsing: base58 decoding is quadratic, and this id alone would cost minutes of CPU.
    const started = performance.now()
    const hugePeer = decodeRequest(
      encodeRequest({ type: 'notify', candidate: { ...a, peer: '1' + 'z'.repeat(900_000) } }),
    )
    expect(hugePeer.ok ? 'accepted' : hugePeer.error).toBe('node ref: peer id of 900001 characters (at most 128)')
    expect(performance.now() - started).toBeLessThan(1000)
    const tooMany = decodeResponse(encodeResponse({ type: 'found', successors: Array.from({ length: 40 }, () => a) }))
    expect(tooMany.ok).toBe(false)
  })

  it('refuses nonces of the wrong size and passed-on answers without a whole signature, saying which', async () => {
    const a = await realNode(4001)
    const signer = claimSignerFor(await generateKeyPair('Ed25519'))
    const shortNonce = decodeRequest(encodeRequest({ type: 'find-next', key: ringId(1n), fetch: new Uint8Array(15) }))
    expect(shortNonce.ok ? 'accepted' : shortNonce.error).toBe('find-next: nonce of 15 bytes (16)')
    const longNonce = decodeRequest(encodeRequest({ type: 'fetch', key: ringId(1n), nonce: new Uint8Array(17) }))
    expect(longNonce.ok ? 'accepted' : longNonce.error).toBe('fetch: nonce of 17 bytes (16)')
    const proof = await signFetchAnswer(signer, new Uint8Array(16), ringId(1n), a.id, [])
    const unsigned = decodeResponse(
      encodeResponse({
        type: 'found',
        successors: [a],
        fetched: [{ holder: a.id, records: [], proof: { ...proof, signature: new Uint8Array(0) } }],
      }),
    )
    expect(unsigned.ok ? 'accepted' : unsigned.error).toBe('found: holder answer: signature of 0 bytes (1..128)')
    const keyOnly = decodeResponse(
      encodeResponse({ type: 'records', records: [], proof: { ...proof, signature: new Uint8Array(0) } }),
    )
    expect(keyOnly.ok ? 'accepted' : keyOnly.error).toBe('records: signature of 0 bytes (1..128)')
    const answer = { holder: a.id, records: [], proof }
    const tooMany = decodeResponse(encodeResponse({ type: 'found', successors: [a], fetched: Array(17).fill(answer) }))
    expect(tooMany.ok).toBe(false)
  })

  it('decodes arbitrary bytes to a message or a reason, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        for (const decoded of [decodeRequest(bytes), decodeResponse(bytes)]) {
          if (!decoded.ok) expect(decoded.error.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('survives mutations of valid messages: every byte flip decodes or is refused, never throws', async () => {
    const a = await realNode(4001)
    const valid = encodeRequest({ type: 'leaving', predecessor: a, successors: [a, a] })
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const mutated = new Uint8Array(valid)
        mutated[at]! ^= flip
        const decoded = decodeRequest(mutated)
        if (!decoded.ok) expect(decoded.error.length).toBeGreaterThan(0)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses an address that is not valid UTF-8, and keeps reasons well-formed (found by fuzzing)', async () => {
    const a = await realNode(4001)
    const bytes = encodeRequest({ type: 'notify', candidate: a })
    const at = Buffer.from(bytes).indexOf(Buffer.from('/p2p/')) + 5
    bytes[at] = 0xff
    const decoded = decodeRequest(bytes)
    expect(decoded.ok ? 'accepted' : decoded.error).toBe('node ref: an address is not valid UTF-8')
    const error = encodeResponse({ type: 'error', reason: 'no1234' })
    error[error.length - 6] = 0xff
    const reason = decodeResponse(error)
    expect(reason.ok).toBe(true)
    if (!reason.ok) return
    expect(plain(decodeResponse(encodeResponse(reason.value)))).toEqual(plain(reason))
  })
})
