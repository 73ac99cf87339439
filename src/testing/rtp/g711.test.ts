import { describe, expect, it } from 'vitest'
import { alawToLinear, linearToAlaw, linearToMulaw, mulawToLinear } from './g711.js'
import { goertzelPower, rms, toneShare } from './goertzel.js'

describe('G.711', () => {
  it('mu-law: the reference codes for known values, and every code decodes and re-encodes to itself', () => {
    expect(linearToMulaw(0)).toBe(0xff)
    expect(linearToMulaw(-1)).toBe(0x7f)
    expect(linearToMulaw(32_767)).toBe(0x80)
    expect(linearToMulaw(-32_768)).toBe(0x00)
    expect(mulawToLinear(0x80)).toBe(32_124)
    expect(mulawToLinear(0x00)).toBe(-32_124)
    for (let code = 0; code < 256; code++) {
      if (code === 0x7f) continue // -0 encodes as +0 (0xff)
      expect(linearToMulaw(mulawToLinear(code)), `code ${code}`).toBe(code)
    }
  })

  it('A-law: the reference codes for known values, and every code decodes and re-encodes to itself', () => {
    expect(linearToAlaw(0)).toBe(0xd5)
    expect(linearToAlaw(-1)).toBe(0x55)
    expect(alawToLinear(0xd5)).toBe(8)
    expect(alawToLinear(0xaa)).toBe(32_256)
    expect(alawToLinear(0x2a)).toBe(-32_256)
    for (let code = 0; code < 256; code++) expect(linearToAlaw(alawToLinear(code)), `code ${code}`).toBe(code)
  })

  it('both keep a sample within their quantisation step (under 1/16 of its size, plus a little near zero)', () => {
    for (let s = -32_000; s <= 32_000; s += 97) {
      expect(Math.abs(mulawToLinear(linearToMulaw(s)) - s)).toBeLessThanOrEqual(Math.abs(s) / 16 + 8)
      expect(Math.abs(alawToLinear(linearToAlaw(s)) - s)).toBeLessThanOrEqual(Math.abs(s) / 16 + 16)
    }
  })
})

describe('tone detection (Goertzel)', () => {
  const tone = (hz: number, n = 8_000, rate = 8_000, amplitude = 8_000) =>
    Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate))

  it('a tone is nearly all its own frequency, none of another', () => {
    expect(toneShare(tone(1_000), 8_000, 1_000)).toBeGreaterThan(0.99)
    expect(toneShare(tone(1_000), 8_000, 440)).toBeLessThan(0.001)
    expect(toneShare(tone(440), 8_000, 440)).toBeGreaterThan(0.99)
  })

  it('still so after a G.711 round trip', () => {
    const coded = tone(1_000).map((s) => mulawToLinear(linearToMulaw(s)))
    expect(toneShare(coded, 8_000, 1_000)).toBeGreaterThan(0.98)
    expect(toneShare(coded, 8_000, 440)).toBeLessThan(0.01)
  })

  it('silence and noise are not a tone', () => {
    expect(toneShare(new Array(8_000).fill(0), 8_000, 1_000)).toBe(0)
    let seed = 1
    const noise = Array.from(
      { length: 8_000 },
      () => ((seed = (seed * 48_271) % 2_147_483_647) / 2 ** 31 - 0.5) * 8_000,
    )
    expect(toneShare(noise, 8_000, 1_000)).toBeLessThan(0.01)
    expect(goertzelPower([], 8_000, 1_000)).toBe(0)
    expect(rms(tone(1_000))).toBeCloseTo(8_000 / Math.SQRT2, -1)
  })
})
