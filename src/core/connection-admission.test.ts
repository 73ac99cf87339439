import { describe, expect, it } from 'vitest'
import { checkLimits, ConnectionAdmission } from './connection-admission.js'

const limits = { perSource: 4, perSourcePending: 2, max: 6, reserve: 2, firstMessageMs: 1_000 }

describe('ConnectionAdmission', () => {
  it('caps pending connections per source, then all of a source', () => {
    const a = new ConnectionAdmission<number>(limits)
    expect(a.admit(1, 'x')).toEqual({ admit: true })
    expect(a.admit(2, 'x')).toEqual({ admit: true })
    expect(a.admit(3, 'x')).toEqual({ admit: false, reason: 'per-source-pending' })
    a.established(1)
    a.established(2)
    expect(a.admit(3, 'x').admit).toBe(true)
    expect(a.admit(4, 'x').admit).toBe(true)
    a.established(3)
    a.established(4)
    expect(a.admit(5, 'x')).toEqual({ admit: false, reason: 'per-source' })
    // Another source is not concerned.
    expect(a.admit(6, 'y').admit).toBe(true)
    expect(a.counters.refused).toEqual({ 'per-source': 1, 'per-source-pending': 1, overall: 0 })
  })

  it('keeps the reserve from pending connections: the oldest pending one makes room, established ones never', () => {
    const a = new ConnectionAdmission<string>({ ...limits, perSource: 10, perSourcePending: 10 })
    a.admit('old', 'x')
    a.established('old')
    for (const k of ['p1', 'p2', 'p3', 'p4']) expect(a.admit(k, 'x')).toEqual({ admit: true })
    // 4 pending = max - reserve: the next one closes the oldest pending (p1), not the established one.
    expect(a.admit('p5', 'y')).toEqual({ admit: true, evict: 'p1' })
    expect(a.isPending('p1')).toBe(false)
    expect(a.size).toBe(5)
    a.established('p2')
    a.established('p3')
    expect(a.admit('p6', 'y')).toEqual({ admit: true })
    // 6 held = max: still a pending one to close (p4).
    expect(a.admit('p7', 'y')).toEqual({ admit: true, evict: 'p4' })
    for (const k of ['p5', 'p6', 'p7']) a.established(k)
    // Full of established connections: refused.
    expect(a.admit('p8', 'z')).toEqual({ admit: false, reason: 'overall' })
    expect(a.counters.closed.evicted).toBe(2)
  })

  it('counts timeouts once, and forgets closed connections', () => {
    const a = new ConnectionAdmission<string>(limits)
    a.admit('a', 'x')
    a.timedOut('a')
    a.timedOut('a')
    a.closed('a')
    expect(a.counters.closed['first-message-timeout']).toBe(1)
    expect(a.size).toBe(0)
    expect(a.admit('b', 'x').admit).toBe(true)
    a.established('b')
    a.timedOut('b')
    expect(a.counters.closed['first-message-timeout']).toBe(1)
  })

  it('refuses limits that cannot work, saying which', () => {
    expect(checkLimits({ ...limits, reserve: 6 })).toMatch(/reserve \(6\) must be below the overall cap \(6\)/)
    expect(checkLimits({ ...limits, perSource: 1.5 })).toMatch(/perSource must be a whole number/)
    expect(checkLimits({ ...limits, firstMessageMs: 10 })).toMatch(/at least 100 ms/)
    expect(() => new ConnectionAdmission({ ...limits, max: 0 })).toThrow(/admit at least one/)
  })
})
