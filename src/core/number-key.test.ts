import { scrypt } from '@noble/hashes/scrypt.js'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../store/database.js'
import { SqliteNumberKeyStore } from '../store/number-key-store.js'
import type { E164 } from './e164.js'
import { deriveNumberKey, NumberKeyCache, numberKeyParams, numberKeySalt, paramsId } from './number-key.js'
import { ringIdToHex } from './ring.js'

const n = (s: string) => s as E164

describe('number keys', () => {
  it('match known answers (default parameters), so every node derives the same key', async () => {
    const vectors: [string, string, string][] = [
      ['+14085550100', 'ime', '1744bf331261b045361e20a84e975f43'],
      ['+14085550100', 'other-overlay', 'a5a88c0403e2ea5587f87af10c0a5721'],
      ['+442079460018', 'ime', '84944b987883bf5204c6facc12aa7452'],
    ]
    for (const [number, overlay, hex] of vectors) {
      expect(ringIdToHex(await deriveNumberKey(n(number), numberKeyParams(overlay)))).toBe(hex)
    }
  })

  it("agree with an independent scrypt (@noble/hashes), and the overlay's name changes every key", async () => {
    const params = numberKeyParams('cross-check', { N: 2 ** 10 })
    const ours = await deriveNumberKey(n('+33123456789'), params)
    const noble = scrypt('+33123456789', numberKeySalt(params), { N: 2 ** 10, r: 8, p: 1, dkLen: 16 })
    expect(ringIdToHex(ours)).toBe(Buffer.from(noble).toString('hex'))
    const elsewhere = await deriveNumberKey(n('+33123456789'), numberKeyParams('another', { N: 2 ** 10 }))
    expect(elsewhere).not.toBe(ours)
  })

  it('refuses parameters that are not scrypt parameters', () => {
    expect(() => numberKeyParams('x', { N: 1000 })).toThrow(/power of two/)
    expect(() => numberKeyParams('')).toThrow(/overlay name/)
    expect(() => numberKeyParams('x', { r: 0 })).toThrow(/r must be/)
  })

  it('derives each number once: memory, then the store, with progress reported', async () => {
    const params = numberKeyParams('cache-test', { N: 2 ** 10 })
    const db = openDatabase(':memory:')
    const store = new SqliteNumberKeyStore(db)
    const numbers = Array.from({ length: 25 }, (_, i) => n(`+1408555${String(100 + i).padStart(4, '0')}`))
    const progress: number[] = []
    const cache = new NumberKeyCache(params, store)
    const keys = await cache.keys(numbers, { onProgress: (done) => progress.push(done) })
    expect(progress.at(-1)).toBe(25)
    expect(new Set(keys).size).toBe(25)
    expect(keys[3]).toBe(await deriveNumberKey(numbers[3]!, params))
    // A new cache (a restarted node) finds them in the store without deriving: no progress is reported.
    const restarted = new NumberKeyCache(params, store)
    const again: number[] = []
    expect(await restarted.keys(numbers, { onProgress: (d) => again.push(d) })).toEqual(keys)
    expect(again).toEqual([])
    expect(store.get(paramsId(params), numbers[0]!)).toBe(keys[0])
    expect(store.get(paramsId(numberKeyParams('other', { N: 2 ** 10 })), numbers[0]!)).toBeUndefined()
  })
})
