import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { describeRecordStore } from '../testing/record-store-suite.js'
import { ringId } from '../core/ring.js'
import { claimSignerFor } from './identity.js'
import { MemoryRecordStore } from './record-store.js'
import { signClaim, verifyClaim } from './records.js'

const NOW = 1_800_000_000_000

describe('claim records', () => {
  it('are signed by their owner and verify; any change breaks the signature', async () => {
    const signer = claimSignerFor(await generateKeyPair('Ed25519'))
    const r = await signClaim(signer, { key: ringId(42n), seq: 1n, expiresAt: NOW + 60_000, withdrawn: false })
    expect((await verifyClaim(r, NOW)).ok).toBe(true)
    for (const changed of [
      { ...r, key: ringId(43n) },
      { ...r, expiresAt: r.expiresAt + 1 },
      { ...r, withdrawn: true },
    ]) {
      expect(await verifyClaim(changed, NOW)).toEqual({ ok: false, error: 'signature does not verify' })
    }
  })
})

describeRecordStore('in memory', (limits) => new MemoryRecordStore(limits))
