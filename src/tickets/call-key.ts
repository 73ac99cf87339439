/**
 * A ticket's call key: the secret with which the calling node authenticates each call made with that ticket
 * (an HS256 PASSporT, src/caller-identity/passport.ts). The claimer derives it from its ticket key and the
 * ticket's signed bytes, and hands it to the validating node only inside the sealed route grant of the proof
 * session, which Noise ties to that node's peer id, the one the ticket names. So the edge keeps no per-route
 * state: it recomputes the key from the ticket it has just verified (and remembers it with the ticket,
 * verified-tickets.ts).
 *
 *   callKey = HMAC-SHA-256(ticket key of the epoch, "ime-call-key-v1" || signed bytes of the ticket)
 *
 * Why a MAC and not only the node's Ed25519 signature: a verification costs ~50-100 us of CPU, an HMAC ~2 us,
 * and the edge checks one per INVITE (docs/protocol.md, "Caller assertions").
 */
import { createHmac } from 'node:crypto'
import { CALL_KEY_BYTES, CALL_KEY_CONTEXT } from './constants.js'

/** The call key for a ticket's signed bytes under the secret of its epoch. */
export function deriveCallKey(secret: Uint8Array, signedBytes: Uint8Array): Uint8Array {
  const key = createHmac('sha256', secret).update(CALL_KEY_CONTEXT).update(signedBytes).digest()
  return new Uint8Array(key.buffer, key.byteOffset, CALL_KEY_BYTES)
}
