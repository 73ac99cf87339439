/**
 * Noise's cryptography on Node's own OpenSSL only. @chainsafe/libp2p-noise's default uses AssemblyScript (WASM)
 * ChaCha20-Poly1305 for payloads under 1,200 bytes, and instantiates its WASM modules at import; a Chord ring's
 * messages are few and small, so Node's implementation costs nothing measurable here, and the production build
 * (scripts/build.mjs) leaves those WASM modules out: about 1.3 MiB less per node (docs/footprint.md).
 */
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import { defaultCrypto, nodeCrypto } from '@chainsafe/libp2p-noise/crypto'

export const nodeNoiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  hashSHA256: nodeCrypto.hashSHA256,
  chaCha20Poly1305Encrypt: nodeCrypto.chaCha20Poly1305Encrypt,
  chaCha20Poly1305Decrypt: nodeCrypto.chaCha20Poly1305Decrypt,
}
