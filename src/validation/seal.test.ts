import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { open, seal } from './seal.js'

const rand = (n: number) => new Uint8Array(randomBytes(n))

describe('seal', () => {
  it('opens only under the same key and label, and refuses tampering', () => {
    const key = rand(32)
    const sealed = seal(key, 'a', new TextEncoder().encode('alpha.example'), rand(12))
    const opened = open(key, 'a', sealed)
    expect(opened.ok && new TextDecoder().decode(opened.value)).toBe('alpha.example')
    expect(open(rand(32), 'a', sealed).ok).toBe(false)
    expect(open(key, 'b', sealed).ok).toBe(false)
    const tampered = new Uint8Array(sealed)
    tampered[14]! ^= 1
    expect(open(key, 'a', tampered)).toEqual({
      ok: false,
      error: 'sealed message does not open under this session key',
    })
    expect(open(key, 'a', rand(5))).toEqual({ ok: false, error: 'sealed message too short' })
  })
})
