/**
 * Signed fetch answers. A get asks the node that answers its lookup with 'found' to fetch the key's records from
 * the holders (that node's own successors, to which it keeps connections) and pass their answers on: the asker
 * then dials none of the holders. The node passing answers on must not be able to hide a record, so each holder
 * signs its answer over the asker's nonce, the key, its own id and every byte of every record it returns. The
 * passing node can drop a whole answer (the asker then asks that holder itself, as before), but it cannot drop or
 * change one record of it, or replay an answer given before that record was stored.
 */
import { createHash } from 'node:crypto'
import { nodeIdFromPublicKey, ringIdToBytes, type RingId } from '../core/ring.js'
import type { ClaimRecord, FetchProof, HolderAnswer } from './messages.js'
import { claimSigningBytes, decodePublicKey, type ClaimSigner } from './records.js'

/** Bytes in a fetch nonce: fresh and random for each get. */
export const FETCH_NONCE_BYTES = 16

const CONTEXT = new TextEncoder().encode('ime-fetch-v1\0')

/** What a holder's signature covers: context, nonce, key, holder, and a digest of the records in full. */
export function fetchProofBytes(
  nonce: Uint8Array,
  key: RingId,
  holder: RingId,
  records: readonly ClaimRecord[],
): Uint8Array {
  const digest = createHash('sha256')
  const length = Buffer.alloc(4)
  for (const r of records) {
    for (const part of [claimSigningBytes(r), r.ownerPublicKey, r.signature]) {
      length.writeUInt32BE(part.length)
      digest.update(length)
      digest.update(part)
    }
  }
  return Buffer.concat([CONTEXT, nonce, ringIdToBytes(key), ringIdToBytes(holder), digest.digest()])
}

export async function signFetchAnswer(
  signer: ClaimSigner,
  nonce: Uint8Array,
  key: RingId,
  holder: RingId,
  records: readonly ClaimRecord[],
): Promise<FetchProof> {
  return { publicKey: signer.publicKey, signature: await signer.sign(fetchProofBytes(nonce, key, holder, records)) }
}

/** Whether a passed-on answer is the holder's own, to this nonce and key, with exactly these records. */
export async function holderSigned(answer: HolderAnswer, nonce: Uint8Array, key: RingId): Promise<boolean> {
  if (nodeIdFromPublicKey(answer.proof.publicKey) !== answer.holder) return false
  const publicKey = decodePublicKey(answer.proof.publicKey)
  if (!publicKey.ok) return false
  try {
    return await publicKey.value.verify(
      fetchProofBytes(nonce, key, answer.holder, answer.records),
      answer.proof.signature,
    )
  } catch {
    return false
  }
}
