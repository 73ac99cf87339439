/**
 * Claim records: signing, and the checks every node applies before it keeps one. A record holds a key,
 * the claimer's Node-ID and public key, a sequence number, an expiry and a signature: no number, no address,
 * no name.
 */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { PublicKey } from '@libp2p/interface'
import { err, ok, type Result } from '../core/result.js'
import { nodeIdFromPublicKey, ringIdToBytes, type RingId } from '../core/ring.js'
import { MAX_PUBLIC_KEY_BYTES, MAX_RECORD_TTL_MS, MAX_SIGNATURE_BYTES } from './constants.js'
import type { ClaimRecord } from './messages.js'

/** The node's own identity, used to sign its claims (backed by its libp2p private key). */
export interface ClaimSigner {
  /** Protobuf-encoded libp2p public key; the node's id is nodeIdFromPublicKey(publicKey). */
  readonly publicKey: Uint8Array
  sign(data: Uint8Array): Promise<Uint8Array>
}

const CONTEXT = new TextEncoder().encode('ime-claim-v1\0')

/** The exact bytes a claim's signature covers: a domain-separation prefix, then fixed-width fields. */
export function claimSigningBytes(r: Omit<ClaimRecord, 'signature' | 'ownerPublicKey'>): Uint8Array {
  const out = new Uint8Array(CONTEXT.length + 16 + 16 + 8 + 8 + 1)
  const view = new DataView(out.buffer)
  let at = 0
  out.set(CONTEXT, at)
  at += CONTEXT.length
  out.set(ringIdToBytes(r.key), at)
  out.set(ringIdToBytes(r.owner), (at += 16))
  view.setBigUint64((at += 16), r.seq)
  view.setBigUint64((at += 8), BigInt(r.expiresAt))
  out[at + 8] = r.withdrawn ? 1 : 0
  return out
}

export async function signClaim(
  signer: ClaimSigner,
  fields: { key: RingId; seq: bigint; expiresAt: number; withdrawn: boolean },
): Promise<ClaimRecord> {
  const owner = nodeIdFromPublicKey(signer.publicKey)
  const unsigned = { ...fields, owner }
  return { ...unsigned, ownerPublicKey: signer.publicKey, signature: await signer.sign(claimSigningBytes(unsigned)) }
}

/** Decoded public keys, by their protobuf bytes: a ring re-verifies the same owners' records all day. */
const publicKeys = new Map<string, PublicKey>()

export function decodePublicKey(bytes: Uint8Array): Result<PublicKey> {
  const cacheKey = Buffer.from(bytes).toString('base64')
  const cached = publicKeys.get(cacheKey)
  if (cached !== undefined) return ok(cached)
  try {
    const key = publicKeyFromProtobuf(bytes)
    if (publicKeys.size > 10_000) publicKeys.clear()
    publicKeys.set(cacheKey, key)
    return ok(key)
  } catch (e) {
    return err(`owner public key does not decode: ${(e as Error).message}`)
  }
}

/**
 * Everything a node checks before keeping or returning a record; the error says which check failed.
 * Expired records are refused here too, so that a replayed old record is never stored.
 */
export async function verifyClaim(r: ClaimRecord, nowMs: number): Promise<Result<ClaimRecord>> {
  if (r.ownerPublicKey.length === 0 || r.ownerPublicKey.length > MAX_PUBLIC_KEY_BYTES) {
    return err(`owner public key is ${r.ownerPublicKey.length} bytes; expected 1..${MAX_PUBLIC_KEY_BYTES}`)
  }
  if (r.signature.length === 0 || r.signature.length > MAX_SIGNATURE_BYTES) {
    return err(`signature is ${r.signature.length} bytes; expected 1..${MAX_SIGNATURE_BYTES}`)
  }
  if (r.seq < 0n || r.seq >= 1n << 64n) return err('seq out of range')
  if (!Number.isSafeInteger(r.expiresAt) || r.expiresAt < 0) return err('expiresAt is not a time')
  if (r.expiresAt <= nowMs) return err(`record expired at ${new Date(r.expiresAt).toISOString()}`)
  if (r.expiresAt > nowMs + MAX_RECORD_TTL_MS) {
    return err(`record expires too far ahead (${new Date(r.expiresAt).toISOString()}); at most ${MAX_RECORD_TTL_MS} ms`)
  }
  if (nodeIdFromPublicKey(r.ownerPublicKey) !== r.owner) {
    return err('owner id is not the hash of the owner public key')
  }
  const key = decodePublicKey(r.ownerPublicKey)
  if (!key.ok) return key
  let valid: boolean
  try {
    valid = await key.value.verify(claimSigningBytes(r), r.signature)
  } catch (e) {
    return err(`signature does not verify: ${(e as Error).message}`)
  }
  return valid ? ok(r) : err('signature does not verify')
}
