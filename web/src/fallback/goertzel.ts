/**
 * In-band DTMF detection (ITU-T Q.23/Q.24): the Goertzel algorithm gives the power of the eight DTMF frequencies
 * in a block of samples; a block is a key when one row and one column tone stand well above the others and make
 * most of the block's energy; a key counts once it lasts MIN_BLOCKS blocks, and again only after a gap. Pure.
 */
const ROWS = [697, 770, 852, 941]
const COLS = [1209, 1336, 1477, 1633]
const KEYS = ['123A', '456B', '789C', '*0#D']

/** The power of `freq` in `x` (sampled at `rate`), normalised by the block length. */
export function goertzelPower(x: Float32Array, freq: number, rate: number): number {
  const k = (2 * Math.cos((2 * Math.PI * freq) / rate)) as number
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! + k * s1 - s2
    s2 = s1
    s1 = s
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length)
}

/** The key a block of audio carries, if any. `rate`: samples per second; a block of 20-50 ms suits. */
export function keyOfBlock(x: Float32Array, rate: number): string | undefined {
  let energy = 0
  for (let i = 0; i < x.length; i++) energy += x[i]! * x[i]!
  energy /= x.length
  if (energy < 1e-6) return undefined // below about -60 dBFS: silence
  const rows = ROWS.map((f) => goertzelPower(x, f, rate))
  const cols = COLS.map((f) => goertzelPower(x, f, rate))
  const r = strongest(rows)
  const c = strongest(cols)
  if (r === undefined || c === undefined) return undefined
  // A pure sine of amplitude a has power a^2/4 here and mean square a^2/2: the two tones must carry most of it.
  const tonal = (2 * (rows[r]! + cols[c]!)) / energy
  if (tonal < 0.6) return undefined
  // Twist: neither tone more than 8 dB weaker than the other.
  const twist = rows[r]! / cols[c]!
  if (twist > 6.3 || twist < 1 / 6.3) return undefined
  return KEYS[r]![c]
}

/** The index of the one value at least 6 dB above every other, if there is one. */
function strongest(p: number[]): number | undefined {
  let best = 0
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i
  return p.every((v, i) => i === best || v * 4 <= p[best]!) ? best : undefined
}

/** Turns the keys of successive blocks into digits: a key held MIN_BLOCKS blocks, once until a gap. */
export class DigitCollector {
  private current: string | undefined
  private run = 0
  private reported = false
  private gap = 0

  constructor(
    private readonly onDigit: (key: string) => void,
    private readonly minBlocks = 2,
  ) {}

  push(key: string | undefined): void {
    if (key === undefined) {
      if (++this.gap >= this.minBlocks) {
        this.current = undefined
        this.run = 0
        this.reported = false
      }
      return
    }
    this.gap = 0
    if (key !== this.current) {
      this.current = key
      this.run = 0
      this.reported = false
    }
    if (++this.run >= this.minBlocks && !this.reported) {
      this.reported = true
      this.onDigit(key)
    }
  }
}
