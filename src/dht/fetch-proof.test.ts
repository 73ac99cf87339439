import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { ringId } from '../core/ring.js'
import { holderSigned, signFetchAnswer } from './fetch-proof.js'
import { claimSignerFor, nodeIdFor } from './identity.js'
import type { HolderAnswer } from './messages.js'
import { signClaim } from './records.js'

describe('signed fetch answers', () => {
  it('verify as the holder signed them, and fail once anything in them changes', async () => {
    const holderKey = await generateKeyPair('Ed25519')
    const holder = nodeIdFor(holderKey)
    const signer = claimSignerFor(holderKey)
    const owner = claimSignerFor(await generateKeyPair('Ed25519'))
    const key = ringId(42n)
    const claim = (seq: bigint) => signClaim(owner, { key, seq, expiresAt: Date.now() + 60_000, withdrawn: false })
    const records = [await claim(1n), await claim(2n)]
    const nonce = new Uint8Array(16).fill(7)
    const answer: HolderAnswer = { holder, records, proof: await signFetchAnswer(signer, nonce, key, holder, records) }
    expect(await holderSigned(answer, nonce, key)).toBe(true)

    const otherNonce = new Uint8Array(16).fill(8)
    const stranger = await generateKeyPair('Ed25519')
    const changed: [string, HolderAnswer, Uint8Array, typeof key][] = [
      ['a record dropped', { ...answer, records: [records[0]!] }, nonce, key],
      ['a record altered', { ...answer, records: [records[0]!, { ...records[1]!, withdrawn: true }] }, nonce, key],
      [
        'a record signature altered',
        { ...answer, records: [records[0]!, { ...records[1]!, signature: new Uint8Array(64) }] },
        nonce,
        key,
      ],
      ['replayed to another nonce', answer, otherNonce, key],
      ['for another key', answer, nonce, ringId(43n)],
      ['another holder named', { ...answer, holder: ringId(holder ^ 1n) }, nonce, key],
      [
        'signed by another node in the holder name',
        { ...answer, proof: await signFetchAnswer(claimSignerFor(stranger), nonce, key, holder, records) },
        nonce,
        key,
      ],
      ['a garbage public key', { ...answer, proof: { ...answer.proof, publicKey: new Uint8Array(36) } }, nonce, key],
    ]
    for (const [what, forged, n, k] of changed) {
      expect(await holderSigned(forged, n, k), what).toBe(false)
    }
  })
})
