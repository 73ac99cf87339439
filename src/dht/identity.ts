/** A node's Chord identity from its libp2p private key: its ring position and the signer for its claims. */
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { nodeIdFromPublicKey, type RingId } from '../core/ring.js'
import type { ClaimSigner } from './records.js'

export function claimSignerFor(key: PrivateKey): ClaimSigner {
  return { publicKey: publicKeyToProtobuf(key.publicKey), sign: async (data) => key.sign(data) }
}

export function nodeIdFor(key: PrivateKey): RingId {
  return nodeIdFromPublicKey(publicKeyToProtobuf(key.publicKey))
}
