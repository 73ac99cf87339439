/**
 * G.711 (ITU-T G.711) mu-law and A-law: 16-bit linear PCM to 8-bit codes and back, as PCMU and PCMA carry audio
 * in RTP (payload types 0 and 8). Pure; the reference algorithm, not a lookup table from elsewhere.
 */

const BIAS = 0x84
const CLIP = 32_635

export function linearToMulaw(sample: number): number {
  let s = Math.max(-32_768, Math.min(32_767, Math.round(sample)))
  const sign = s < 0 ? 0x80 : 0
  if (s < 0) s = -s
  s = Math.min(s, CLIP) + BIAS
  let exponent = 7
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = (s >> (exponent + 3)) & 0x0f
  return ~(sign | (exponent << 4) | mantissa) & 0xff
}

export function mulawToLinear(code: number): number {
  const u = ~code & 0xff
  const exponent = (u >> 4) & 0x07
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS
  return u & 0x80 ? -magnitude : magnitude
}

export function linearToAlaw(sample: number): number {
  let s = Math.max(-32_768, Math.min(32_767, Math.round(sample)))
  const sign = s >= 0 ? 0x80 : 0
  if (s < 0) s = -s - 1
  s >>= 3 // A-law works on 13-bit magnitudes
  let code: number
  if (s < 32) code = s >> 1
  else {
    let exponent = 1
    while (s >= 64 << (exponent - 1) && exponent < 7) exponent++
    code = (exponent << 4) | ((s >> exponent) & 0x0f)
  }
  return (sign | code) ^ 0x55
}

export function alawToLinear(code: number): number {
  const a = code ^ 0x55
  const exponent = (a >> 4) & 0x07
  const mantissa = a & 0x0f
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1)
  return a & 0x80 ? magnitude : -magnitude
}

/** RTP payload types of the two (RFC 3551). */
export const PCMU = 0
export const PCMA = 8
