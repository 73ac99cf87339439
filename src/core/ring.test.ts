import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  fingerStart,
  inHalfOpenInterval,
  inOpenInterval,
  ringAdd,
  ringDistance,
  ringId,
  ringIdFromBytes,
  ringIdFromHex,
  ringIdToBytes,
  ringIdToHex,
  RING_SIZE,
  type RingId,
} from './ring.js'

const id = (n: bigint | number) => ringId(BigInt(n))
const top = ringId(RING_SIZE - 1n)
const arbId = fc.bigInt({ min: 0n, max: RING_SIZE - 1n }).map((v) => v as RingId)

describe('ring maths', () => {
  it('wraps addition and distance at 2^128', () => {
    expect(ringAdd(top, 1n)).toBe(0n)
    expect(ringDistance(top, id(0))).toBe(1n)
    expect(ringDistance(id(5), id(3))).toBe(RING_SIZE - 2n)
    expect(fingerStart(id(0), 127)).toBe(1n << 127n)
    expect(fingerStart(top, 0)).toBe(0n)
    expect(() => ringId(RING_SIZE)).toThrow(/out of range/)
    expect(() => ringId(-1n)).toThrow(/out of range/)
  })

  it('decides intervals across the wrap-around', () => {
    expect(inOpenInterval(id(5), id(3), id(7))).toBe(true)
    expect(inOpenInterval(id(7), id(3), id(7))).toBe(false)
    expect(inHalfOpenInterval(id(7), id(3), id(7))).toBe(true)
    expect(inHalfOpenInterval(id(3), id(3), id(7))).toBe(false)
    expect(inOpenInterval(id(1), top, id(2))).toBe(true)
    expect(inOpenInterval(id(0), top, id(2))).toBe(true)
    expect(inOpenInterval(id(9), top, id(2))).toBe(false)
    // a == b: the whole ring (minus a, for the open interval)
    expect(inHalfOpenInterval(id(4), id(4), id(4))).toBe(true)
    expect(inOpenInterval(id(4), id(4), id(4))).toBe(false)
    expect(inOpenInterval(id(5), id(4), id(4))).toBe(true)
  })

  it('every point is in exactly one of (a, b] and (b, a] for a != b', () => {
    fc.assert(
      fc.property(arbId, arbId, arbId, (x, a, b) => {
        fc.pre(a !== b)
        expect(Number(inHalfOpenInterval(x, a, b)) + Number(inHalfOpenInterval(x, b, a))).toBe(1)
      }),
    )
  })

  it('round-trips through hex and bytes, and refuses bad input with reasons', () => {
    fc.assert(
      fc.property(arbId, (x) => {
        expect(ringIdFromHex(ringIdToHex(x))).toEqual({ ok: true, value: x })
        expect(ringIdFromBytes(ringIdToBytes(x))).toEqual({ ok: true, value: x })
      }),
    )
    expect(ringIdFromHex('abc')).toEqual({ ok: false, error: 'a ring id is 32 hex digits; got "abc"' })
    expect(ringIdFromBytes(new Uint8Array(15))).toEqual({ ok: false, error: 'a ring id is 16 bytes; got 15' })
  })
})
