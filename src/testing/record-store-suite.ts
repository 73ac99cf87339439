/** What every RecordStore must do, run against each implementation (in memory, SQLite). */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { ringId, RING_SIZE, type RingId } from '../core/ring.js'
import { claimSignerFor } from '../dht/identity.js'
import type { RecordStore } from '../dht/record-store.js'
import { signClaim, type ClaimSigner } from '../dht/records.js'

const NOW = 1_800_000_000_000

export function describeRecordStore(
  name: string,
  make: (limits: { maxRecordsPerKey: number; maxRecordsPerStore: number }) => RecordStore,
): void {
  describe(`record store: ${name}`, () => {
    const signers = () => Promise.all([1, 2, 3].map(async () => claimSignerFor(await generateKeyPair('Ed25519'))))
    const claim = (s: ClaimSigner, key: RingId, seq: bigint, ttl = 60_000, withdrawn = false) =>
      signClaim(s, { key, seq, expiresAt: NOW + ttl, withdrawn })

    it('keeps one claim per owner, replaced only by a higher seq, and drops expired ones', async () => {
      const store = make({ maxRecordsPerKey: 2, maxRecordsPerStore: 100 })
      const [a, b, c] = await signers()
      const key = ringId(7n)
      expect(store.put(await claim(a!, key, 5n), NOW)).toEqual({ ok: true, value: 'stored' })
      expect(store.put(await claim(a!, key, 5n), NOW)).toEqual({ ok: true, value: 'unchanged' })
      expect(store.put(await claim(a!, key, 6n), NOW)).toEqual({ ok: true, value: 'replaced' })
      expect(store.put(await claim(a!, key, 4n), NOW)).toEqual({
        ok: false,
        error: 'seq 4 is older than the stored 6 (a replay?)',
      })
      expect(store.put(await claim(b!, key, 1n, 1000), NOW)).toEqual({ ok: true, value: 'stored' })
      expect(store.put(await claim(c!, key, 1n), NOW)).toEqual({
        ok: false,
        error: 'key already has 2 claims, the most allowed',
      })
      expect(store.get(key, NOW)).toHaveLength(2)
      // b's claim expires: it vanishes, and c now fits.
      expect(store.get(key, NOW + 2000)).toHaveLength(1)
      expect(store.put(await claim(c!, key, 1n, 120_000), NOW + 2000)).toEqual({ ok: true, value: 'stored' })
      expect(store.put(await claim(c!, key, 2n, -1), NOW)).toEqual({ ok: false, error: 'record has expired' })
      expect(store.purgeExpired(NOW + 100_000)).toBeGreaterThanOrEqual(1)
      expect(store.get(key, NOW + 100_000).map((r) => r.owner)).toEqual([
        c!.publicKey && (await claim(c!, key, 1n)).owner,
      ])
    })

    it('returns records exactly as stored, withdrawals included', async () => {
      const store = make({ maxRecordsPerKey: 8, maxRecordsPerStore: 100 })
      const [a] = await signers()
      const r = await claim(a!, ringId(RING_SIZE - 1n), (1n << 63n) + 5n, 60_000, true)
      store.put(r, NOW)
      const plain = (x: typeof r) => ({
        ...x,
        ownerPublicKey: [...x.ownerPublicKey],
        signature: [...x.signature],
      })
      expect(store.get(r.key, NOW).map(plain)).toEqual([plain(r)])
    })

    it('answers range queries over (from, to], across the wrap-around', async () => {
      const store = make({ maxRecordsPerKey: 8, maxRecordsPerStore: 100 })
      const [a] = await signers()
      for (const k of [5n, 10n, 20n, RING_SIZE - 3n]) store.put(await claim(a!, ringId(k), 1n), NOW)
      const keys = (from: bigint, to: bigint) =>
        store
          .range(ringId(from), ringId(to), NOW)
          .map((r) => r.key)
          .sort((x, y) => (x < y ? -1 : 1))
      expect(keys(5n, 20n)).toEqual([10n, 20n])
      expect(keys(RING_SIZE - 10n, 5n)).toEqual([5n, RING_SIZE - 3n])
      expect(keys(7n, 7n)).toHaveLength(4)
      expect(store.size()).toBe(4)
    })

    it('refuses new claims when full, and makes room as claims expire', async () => {
      const store = make({ maxRecordsPerKey: 8, maxRecordsPerStore: 2 })
      const [a] = await signers()
      store.put(await claim(a!, ringId(1n), 1n, 1000), NOW)
      store.put(await claim(a!, ringId(2n), 1n), NOW)
      expect(store.put(await claim(a!, ringId(3n), 1n), NOW)).toEqual({ ok: false, error: 'store is full' })
      expect(store.put(await claim(a!, ringId(3n), 1n), NOW + 5000).ok).toBe(true)
    })
  })
}
