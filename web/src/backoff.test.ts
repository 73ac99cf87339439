import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff.js'

describe('reconnect backoff', () => {
  it('doubles up to the ceiling, with jitter in the upper half', () => {
    const opts = { baseMs: 1000, maxMs: 30_000 }
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, opts, () => 0))).toEqual([
      500, 1000, 2000, 4000, 8000, 15000, 15000,
    ])
    expect(backoffDelay(3, opts, () => 0.999999)).toBe(8000)
    expect(backoffDelay(100, opts, () => 0.5)).toBe(22500)
  })
})
