/**
 * The 128-bit Chord identifier space. Node-IDs and Resource-IDs (keys) are both points on this ring,
 * held as bigints in [0, 2^128).
 */
import { createHash } from 'node:crypto'
import { err, ok, type Result } from './result.js'

export const RING_BITS = 128
export const RING_SIZE = 1n << 128n
const MASK = RING_SIZE - 1n

/** A point on the ring (a Node-ID or a key). Branded so that a stray bigint is not taken for one. */
export type RingId = bigint & { readonly __ring: unique symbol }

export function ringId(value: bigint): RingId {
  if (value < 0n || value >= RING_SIZE) throw new RangeError(`ring id out of range: ${value}`)
  return value as RingId
}

/** (a + b) mod 2^128 */
export const ringAdd = (a: RingId, b: bigint): RingId => ((a + b) & MASK) as RingId

/** Clockwise distance from a to b: how far one walks from a, increasing, to reach b. */
export const ringDistance = (from: RingId, to: RingId): bigint => (to - from) & MASK

/** The start of finger i of node n: n + 2^i. */
export const fingerStart = (n: RingId, i: number): RingId => ringAdd(n, 1n << BigInt(i))

/** x in the open interval (a, b) walking clockwise; when a == b the interval is the whole ring except a. */
export function inOpenInterval(x: RingId, a: RingId, b: RingId): boolean {
  if (a === b) return x !== a
  return ringDistance(a, x) > 0n && ringDistance(a, x) < ringDistance(a, b)
}

/** x in the half-open interval (a, b] walking clockwise; when a == b the interval is the whole ring. */
export function inHalfOpenInterval(x: RingId, a: RingId, b: RingId): boolean {
  if (a === b) return true
  const dx = ringDistance(a, x)
  return dx > 0n && dx <= ringDistance(a, b)
}

/** 32 lowercase hex digits. */
export const ringIdToHex = (id: RingId): string => id.toString(16).padStart(32, '0')

export function ringIdFromHex(hex: string): Result<RingId> {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return err(`a ring id is 32 hex digits; got ${JSON.stringify(hex.slice(0, 40))}`)
  return ok(BigInt('0x' + hex) as RingId)
}

/** Big-endian, exactly 16 bytes. */
export function ringIdToBytes(id: RingId): Uint8Array {
  const out = new Uint8Array(16)
  let v: bigint = id
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

export function ringIdFromBytes(bytes: Uint8Array): Result<RingId> {
  if (bytes.length !== 16) return err(`a ring id is 16 bytes; got ${bytes.length}`)
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return ok(v as RingId)
}

/** The first 128 bits of a digest: the one truncation used for every hash that becomes a ring id. */
export function truncateToRingId(digest: Uint8Array): RingId {
  if (digest.length < 16) throw new RangeError(`need at least 16 bytes of digest, got ${digest.length}`)
  let v = 0n
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(digest[i] as number)
  return v as RingId
}

/**
 * A node's ID: SHA-256 of its libp2p public key (the protobuf encoding libp2p uses, so the key type is
 * included), truncated to 128 bits. A node cannot choose its place on the ring without choosing a key pair,
 * and anyone can check the binding from the public key alone.
 */
export function nodeIdFromPublicKey(publicKeyProtobuf: Uint8Array): RingId {
  return truncateToRingId(createHash('sha256').update(publicKeyProtobuf).digest())
}
