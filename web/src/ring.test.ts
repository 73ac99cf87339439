import { describe, expect, it } from 'vitest'
import { ringDistance, ringFraction, ringNodes, ringPoint } from './ring.js'

describe('ring drawing', () => {
  it('places 128-bit ids clockwise from the top', () => {
    expect(ringFraction('0'.repeat(32))).toBe(0)
    expect(ringFraction('8' + '0'.repeat(31))).toBe(0.5)
    expect(ringFraction('4' + '0'.repeat(31))).toBe(0.25)
    expect(ringFraction('xyz')).toBeUndefined()
    const top = ringPoint(0, 100, 100, 50)
    expect([top.x, top.y]).toEqual([100, 50])
    const right = ringPoint(0.25, 100, 100, 50)
    expect(right.x).toBeCloseTo(150)
    expect(right.y).toBeCloseTo(100)
    expect(ringDistance(0.9, 0.1)).toBeCloseTo(0.2)
  })

  it('reads self, predecessor, successors and fingers from the status, each id once', () => {
    const a = 'a'.repeat(32)
    const b = 'b'.repeat(32)
    const c = 'c'.repeat(32)
    const nodes = ringNodes({
      nodeId: a,
      ring: { predecessor: { id: c, domain: 'c.example' }, successors: [b, c], fingers: [{ id: b }, 'nope'] },
    })
    expect(nodes).toEqual([
      { id: a, role: 'self' },
      { id: c, role: 'predecessor', label: 'c.example' },
      { id: b, role: 'successor' },
    ])
  })
})
