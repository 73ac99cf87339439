import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
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

  it('a store keeps one claim per owner, replaced only by a higher seq, and drops expired ones', async () => {
    const store = new MemoryRecordStore({ maxRecordsPerKey: 2, maxRecordsPerStore: 100 })
    const [a, b, c] = await Promise.all([1, 2, 3].map(async () => claimSignerFor(await generateKeyPair('Ed25519'))))
    const key = ringId(7n)
    const claim = (s: typeof a, seq: bigint, ttl = 60_000) =>
      signClaim(s!, { key, seq, expiresAt: NOW + ttl, withdrawn: false })
    expect(store.put(await claim(a, 5n), NOW)).toEqual({ ok: true, value: 'stored' })
    expect(store.put(await claim(a, 5n), NOW)).toEqual({ ok: true, value: 'unchanged' })
    expect(store.put(await claim(a, 6n), NOW)).toEqual({ ok: true, value: 'replaced' })
    expect(store.put(await claim(a, 4n), NOW)).toEqual({
      ok: false,
      error: 'seq 4 is older than the stored 6 (a replay?)',
    })
    expect(store.put(await claim(b, 1n, 1000), NOW)).toEqual({ ok: true, value: 'stored' })
    expect(store.put(await claim(c, 1n), NOW)).toEqual({
      ok: false,
      error: 'key already has 2 claims, the most allowed',
    })
    expect(store.get(key, NOW)).toHaveLength(2)
    // b's claim expires: it vanishes, and c now fits.
    expect(store.get(key, NOW + 2000)).toHaveLength(1)
    expect(store.put(await claim(c, 1n, 120_000), NOW + 2000)).toEqual({ ok: true, value: 'stored' })
    expect(store.range(ringId(6n), ringId(7n), NOW + 2000)).toHaveLength(2)
    expect(store.range(ringId(7n), ringId(8n), NOW + 2000)).toHaveLength(0)
    expect(store.purgeExpired(NOW + 100_000)).toBe(1)
    expect(store.size()).toBe(1)
  })
})
