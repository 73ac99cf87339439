import { describe, expect, it } from 'vitest'
import { TokenBuckets } from './token-bucket.js'

describe('TokenBuckets', () => {
  it('allows a burst of capacity, then refills at the rate, per key', () => {
    const b = new TokenBuckets(3, 2)
    expect([1, 2, 3, 4].map(() => b.take('a', 0))).toEqual([true, true, true, false])
    expect(b.take('b', 0)).toBe(true) // another key has its own bucket
    expect(b.take('a', 400)).toBe(false) // 0.8 tokens back
    expect(b.take('a', 500)).toBe(true) // 1 token back
    expect(b.take('a', 10_000)).toBe(true)
    expect([1, 2, 3].map(() => b.take('a', 10_000))).toEqual([true, true, false]) // never more than capacity
  })

  it('stays bounded in keys', () => {
    const b = new TokenBuckets(1, 1, 100)
    for (let i = 0; i < 1_000; i++) b.take(`k${i}`, 0)
    expect(b.take('k999', 0)).toBe(false)
    expect(b.take('k0', 0)).toBe(true) // forgotten: a fresh bucket
  })
})
