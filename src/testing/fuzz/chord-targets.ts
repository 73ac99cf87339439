/**
 * DHT wire fuzz targets: the Chord codec (decodeRequest / decodeResponse) on random bytes and mutated valid
 * encodings of every message type, and claim-record verification (verifyClaim) of records taken from mutated
 * STORE requests: a record that verifies must be the one that was signed.
 */
import { isDeepStrictEqual } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { ringId, RING_SIZE } from '../../core/ring.js'
import { claimSignerFor, nodeIdFor } from '../../dht/identity.js'
import type { ChordRequest, ChordResponse, ClaimRecord, NodeRef } from '../../dht/messages.js'
import { signClaim, verifyClaim } from '../../dht/records.js'
import { signFetchAnswer } from '../../dht/fetch-proof.js'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../p2p/chord-codec.js'
import { checkReason, fail, type FuzzTarget, type Outcome } from './harness.js'
import { mutate, mutations, showBytes, type Mutation } from './mutate.js'

/** Comparable form: byte arrays of any class as plain arrays. */
export const plain = (value: unknown): unknown =>
  value instanceof Uint8Array
    ? [...value]
    : Array.isArray(value)
      ? value.map(plain)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
        : value

async function realNode(port: number): Promise<NodeRef> {
  const key = await generateKeyPair('Ed25519')
  const peer = peerIdFromPrivateKey(key).toString()
  return { id: nodeIdFor(key), peer, addrs: [`/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`, `/dns4/n${port}.example/tcp/1`] }
}

const NOW = Date.parse('2026-11-25T10:00:00Z')

interface Seeds {
  readonly requests: Uint8Array[]
  readonly responses: Uint8Array[]
  /** STORE requests of signed records, and the records. */
  readonly stores: { bytes: Uint8Array; records: ClaimRecord[] }[]
}

async function seeds(): Promise<Seeds> {
  const [a, b] = await Promise.all([realNode(4001), realNode(4002)])
  const signer = claimSignerFor(await generateKeyPair('Ed25519'))
  const record = await signClaim(signer, {
    key: ringId(RING_SIZE - 1n),
    seq: 7n,
    expiresAt: NOW + 3600_000,
    withdrawn: false,
  })
  const withdrawn = await signClaim(signer, {
    key: ringId(12345n),
    seq: 1n << 40n,
    expiresAt: NOW + 60_000,
    withdrawn: true,
  })
  const proof = await signFetchAnswer(signer, new Uint8Array(16), record.key, a.id, [record])
  const requests: ChordRequest[] = [
    { type: 'ping' },
    { type: 'get-neighbours' },
    { type: 'notify', candidate: a },
    { type: 'find-next', key: ringId(12345n) },
    { type: 'find-next', key: ringId(12345n), fetch: new Uint8Array(16).fill(5), forward: true },
    { type: 'store', records: [record, withdrawn] },
    { type: 'fetch', key: ringId(0n) },
    { type: 'fetch', key: ringId(0n), nonce: new Uint8Array(16).fill(6) },
    { type: 'take-range', from: ringId(5n), to: ringId(RING_SIZE - 5n) },
    { type: 'leaving', predecessor: b, successors: [a, b] },
  ]
  const responses: ChordResponse[] = [
    { type: 'pong' },
    { type: 'ack' },
    { type: 'neighbours', predecessor: a, successors: [b, a] },
    { type: 'found', successors: [a, b] },
    { type: 'next', candidates: [b] },
    { type: 'stored', accepted: 3, rejected: [{ index: 1, reason: 'signature does not verify' }] },
    { type: 'records', records: [record] },
    { type: 'records', records: [record], proof },
    { type: 'found', successors: [a, b], fetched: [{ holder: a.id, records: [record, withdrawn], proof }] },
    {
      type: 'next',
      candidates: [b, a],
      forwarded: {
        from: b,
        answer: { type: 'found', successors: [a, b], fetched: [{ holder: a.id, records: [record], proof }] },
      },
    },
    { type: 'error', reason: 'nope' },
  ]
  return {
    requests: requests.map(encodeRequest),
    responses: responses.map(encodeResponse),
    stores: [
      { bytes: encodeRequest({ type: 'store', records: [record] }), records: [record] },
      { bytes: encodeRequest({ type: 'store', records: [withdrawn, record] }), records: [withdrawn, record] },
    ],
  }
}

interface WireInput {
  readonly response: boolean
  readonly seed: number
  readonly mutations: Mutation[]
}

export async function chordTargets(): Promise<FuzzTarget<never>[]> {
  const s = await seeds()
  const bytesOf = (i: WireInput | { response: boolean; bytes: Uint8Array }): Uint8Array => {
    if ('bytes' in i) return i.bytes
    const list = i.response ? s.responses : s.requests
    return mutate(list[i.seed % list.length] ?? new Uint8Array(0), i.mutations)
  }

  const codec: FuzzTarget<WireInput | { response: boolean; bytes: Uint8Array }> = {
    name: 'chord.codec',
    group: 'chord',
    arbitrary: fc.oneof(
      { weight: 4, arbitrary: fc.record({ response: fc.boolean(), seed: fc.nat(), mutations: mutations(3) }) },
      { weight: 1, arbitrary: fc.record({ response: fc.boolean(), bytes: fc.uint8Array({ maxLength: 600 }) }) },
    ),
    check(input): Outcome {
      const bytes = bytesOf(input)
      if (input.response) {
        const r = decodeResponse(bytes)
        if (!r.ok) {
          checkReason(r.error)
          return 'refused'
        }
        const again = decodeResponse(encodeResponse(r.value))
        if (!again.ok) fail(`a decoded response, encoded again, is refused: ${again.error}`)
        if (!isDeepStrictEqual(plain(again.value), plain(r.value)))
          fail('decode -> encode -> decode changed the response')
        return 'accepted'
      }
      const r = decodeRequest(bytes)
      if (!r.ok) {
        checkReason(r.error)
        return 'refused'
      }
      const again = decodeRequest(encodeRequest(r.value))
      if (!again.ok) fail(`a decoded request, encoded again, is refused: ${again.error}`)
      if (!isDeepStrictEqual(plain(again.value), plain(r.value))) fail('decode -> encode -> decode changed the request')
      return 'accepted'
    },
    show: (input) => `${input.response ? 'response' : 'request'} ${showBytes(bytesOf(input))}`,
  }

  const storeOf = (i: { seed: number; mutations: Mutation[] }) => s.stores[i.seed % s.stores.length]!
  const claims: FuzzTarget<{ seed: number; mutations: Mutation[] }> = {
    name: 'chord.verifyClaim',
    group: 'chord',
    arbitrary: fc.record({ seed: fc.nat(), mutations: mutations(3) }),
    async check(input): Promise<Outcome> {
      const store = storeOf(input)
      const r = decodeRequest(mutate(store.bytes, input.mutations))
      if (!r.ok) {
        checkReason(r.error)
        return 'refused'
      }
      if (r.value.type !== 'store') return 'refused'
      let verified = 0
      for (const record of r.value.records) {
        const v = await verifyClaim(record, NOW)
        if (!v.ok) {
          checkReason(v.error)
          continue
        }
        // A record that verifies must be one of those signed, field for field.
        if (!store.records.some((o) => isDeepStrictEqual(plain(o), plain(record))))
          fail(
            `a mutated record verified: ${JSON.stringify(plain(record), (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}`,
          )
        verified++
      }
      return verified > 0 ? 'accepted' : 'refused'
    },
    show: (input) => showBytes(mutate(storeOf(input).bytes, input.mutations)),
  }
  return [codec, claims] as FuzzTarget<never>[]
}
