/**
 * The public key of a calling node, read from its libp2p peer id: an Ed25519 peer id is an identity multihash of
 * the protobuf-encoded public key, so the edge needs no directory and no PKI to check who signed.
 *
 *   0x00 0x24            identity multihash, 36 bytes follow
 *   0x08 0x01            PublicKey.Type = Ed25519
 *   0x12 0x20 <32 bytes> PublicKey.Data
 */
import { createPublicKey, type KeyObject } from 'node:crypto'
import { boundedCache } from '../core/bounded-cache.js'
import { err, ok, type Result } from '../core/result.js'
import { PEER_KEY_CACHE_ENTRIES } from './constants.js'

const ED25519_PEER_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20)

/** The raw 32-byte Ed25519 public key inside a peer id's multihash, or why there is none. */
export function ed25519PublicKeyOfPeer(peer: Uint8Array): Result<Uint8Array> {
  if (peer.length !== ED25519_PEER_PREFIX.length + 32 || ED25519_PEER_PREFIX.some((b, i) => peer[i] !== b)) {
    return err('the caller peer is not an Ed25519 peer id (its key cannot be read from it)')
  }
  return ok(peer.subarray(ED25519_PEER_PREFIX.length))
}

/** The peer id multihash of an Ed25519 public key (the inverse of ed25519PublicKeyOfPeer). */
export function peerOfEd25519PublicKey(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes; got ${publicKey.length}`)
  const out = new Uint8Array(ED25519_PEER_PREFIX.length + 32)
  out.set(ED25519_PEER_PREFIX)
  out.set(publicKey, ED25519_PEER_PREFIX.length)
  return out
}

/** Verification keys by peer, built once each (building a KeyObject costs more than a verification). */
export class PeerKeys {
  private readonly cache = boundedCache<string, KeyObject>(PEER_KEY_CACHE_ENTRIES)

  keyOf(peer: Uint8Array): Result<KeyObject> {
    const id = Buffer.from(peer).toString('base64url')
    const cached = this.cache.get(id)
    if (cached !== undefined) return ok(cached)
    const raw = ed25519PublicKeyOfPeer(peer)
    if (!raw.ok) return raw
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw.value).toString('base64url') },
      format: 'jwk',
    })
    this.cache.set(id, key)
    return ok(key)
  }
}
