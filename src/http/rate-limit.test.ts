import { describe, expect, it } from 'vitest'
import { FailureLimiter } from './rate-limit.js'

describe('failure limiter', () => {
  it('refuses past the limit until the oldest failure leaves the window', () => {
    const limiter = new FailureLimiter({ limit: 3, windowMs: 1000, maxKeys: 10 })
    for (const t of [0, 100, 200]) {
      expect(limiter.blockedFor('k', t)).toBe(0)
      limiter.fail('k', t)
    }
    expect(limiter.blockedFor('k', 300)).toBe(700)
    expect(limiter.blockedFor('other', 300)).toBe(0)
    expect(limiter.blockedFor('k', 1000)).toBe(0)
    limiter.fail('k', 1000)
    expect(limiter.blockedFor('k', 1000)).toBe(100)
    limiter.forgive('k', 1000)
    expect(limiter.blockedFor('k', 1000)).toBe(0)
    limiter.fail('k', 1000)
    limiter.clear('k')
    expect(limiter.blockedFor('k', 1000)).toBe(0)
  })

  it('forgets the least recently failed keys beyond its bound', () => {
    const limiter = new FailureLimiter({ limit: 1, windowMs: 1000, maxKeys: 2 })
    limiter.fail('a', 0)
    limiter.fail('b', 1)
    limiter.fail('a', 2)
    limiter.fail('c', 3)
    expect(limiter.blockedFor('a', 4)).toBeGreaterThan(0)
    expect(limiter.blockedFor('b', 4)).toBe(0)
    expect(limiter.blockedFor('c', 4)).toBeGreaterThan(0)
  })
})
