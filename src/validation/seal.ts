/**
 * Sealing the messages that follow a proof under its session key (ChaCha20-Poly1305 from node:crypto), so the
 * route and ticket go only to the party that proved the call, bound to that run. The label keeps the two
 * directions apart.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { err, ok, type Result } from '../core/result.js'

const NONCE_BYTES = 12
const TAG_BYTES = 16

export function seal(key: Uint8Array, label: string, plaintext: Uint8Array, nonce: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(new TextEncoder().encode(label), { plaintextLength: plaintext.length })
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]))
}

export function open(key: Uint8Array, label: string, sealed: Uint8Array): Result<Uint8Array> {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return err('sealed message too short')
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, sealed.subarray(0, NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    })
    decipher.setAAD(new TextEncoder().encode(label), { plaintextLength: sealed.length - NONCE_BYTES - TAG_BYTES })
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    const body = Buffer.concat([
      decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ])
    return ok(new Uint8Array(body))
  } catch {
    return err('sealed message does not open under this session key')
  }
}
