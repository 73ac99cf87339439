import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { nodeIdFromPublicKey, ringId } from '../core/ring.js'
import { MAX_RECORD_TTL_MS } from './constants.js'
import { claimSignerFor } from './identity.js'
import type { ClaimRecord } from './messages.js'
import { claimSigningBytes, signClaim, verifyClaim } from './records.js'

const NOW = 1_800_000_000_000

async function goodClaim(): Promise<ClaimRecord> {
  const signer = claimSignerFor(await generateKeyPair('Ed25519'))
  return signClaim(signer, { key: ringId(99n), seq: 3n, expiresAt: NOW + 60_000, withdrawn: false })
}

/** The refusal reason, or 'accepted'. */
async function verdict(r: ClaimRecord, now = NOW): Promise<string> {
  const checked = await verifyClaim(r, now)
  return checked.ok ? 'accepted' : checked.error
}

describe('claim record rules', () => {
  it('signs a fixed-width encoding behind a versioned domain-separation prefix', async () => {
    const r = await goodClaim()
    const bytes = claimSigningBytes(r)
    expect(new TextDecoder().decode(bytes.slice(0, 13))).toBe('ime-claim-v1\0')
    expect(bytes).toHaveLength(13 + 16 + 16 + 8 + 8 + 1)
    expect(r.owner).toBe(nodeIdFromPublicKey(r.ownerPublicKey))
    expect(await verdict(r)).toBe('accepted')
  })

  it('refuses each kind of bad record with a reason that names what is wrong', async () => {
    const r = await goodClaim()
    const other = publicKeyToProtobuf((await generateKeyPair('Ed25519')).publicKey)
    const cases: [Partial<Record<keyof ClaimRecord, unknown>>, RegExp][] = [
      [{ ownerPublicKey: new Uint8Array() }, /owner public key is 0 bytes/],
      [{ ownerPublicKey: new Uint8Array(129) }, /owner public key is 129 bytes; expected 1\.\.128/],
      [{ signature: new Uint8Array(4096) }, /signature is 4096 bytes/],
      [{ seq: -1n }, /seq out of range/],
      [{ seq: 1n << 64n }, /seq out of range/],
      [{ expiresAt: Number.NaN }, /expiresAt is not a time/],
      [{ expiresAt: 1.5 }, /expiresAt is not a time/],
      [{ expiresAt: NOW }, /record expired at 2027-01-15T08:00:00.000Z/],
      [{ expiresAt: NOW + MAX_RECORD_TTL_MS + 1 }, /expires too far ahead/],
      // Another key, the claimed owner id unchanged: the id is not that key's hash.
      [{ ownerPublicKey: other }, /owner id is not the hash of the owner public key/],
      // Another key and its own id: the id binding holds, the signature does not.
      [{ ownerPublicKey: other, owner: nodeIdFromPublicKey(other) }, /^signature does not verify$/],
      [{ ownerPublicKey: new Uint8Array([8, 1, 18, 3, 1, 2, 3]), owner: undefined }, /does not decode/],
      [{ signature: r.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) }, /^signature does not verify$/],
      [{ seq: 4n }, /^signature does not verify$/],
      [{ withdrawn: true }, /^signature does not verify$/],
    ]
    for (const [change, reason] of cases) {
      const bad = { ...r, ...change } as ClaimRecord
      // Garbage public keys: make the id match them, so the decoding check itself is reached.
      if ('owner' in change && change.owner === undefined) {
        Object.assign(bad, { owner: nodeIdFromPublicKey(bad.ownerPublicKey) })
      }
      expect(await verdict(bad), JSON.stringify(Object.keys(change))).toMatch(reason)
    }
  })

  it('accepts an expiry up to the maximum lifetime ahead, and refuses the same record once it has expired', async () => {
    const signer = claimSignerFor(await generateKeyPair('Ed25519'))
    const r = await signClaim(signer, {
      key: ringId(1n),
      seq: 1n,
      expiresAt: NOW + MAX_RECORD_TTL_MS,
      withdrawn: true,
    })
    expect(await verdict(r)).toBe('accepted')
    expect(await verdict(r, NOW + MAX_RECORD_TTL_MS)).toMatch(/record expired at/)
  })

  it('never throws on random bytes in any field', async () => {
    const r = await goodClaim()
    for (let i = 0; i < 200; i++) {
      const junk = crypto.getRandomValues(new Uint8Array(1 + (i % 100)))
      const bad = { ...r, ownerPublicKey: junk, owner: nodeIdFromPublicKey(junk), signature: junk }
      const checked = await verifyClaim(bad, NOW)
      expect(checked.ok).toBe(false)
    }
  })
})
