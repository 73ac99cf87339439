/**
 * Is a tone at a given frequency in a block of audio? The Goertzel algorithm measures the power at one frequency;
 * divided by the block's total power it says how much of the signal is that tone (1 for a pure tone on a bin, near 0
 * for silence, noise or another tone). Pure.
 */

/** Power at `hz` of `samples` taken at `rate` per second (the Goertzel recurrence on the nearest bin). */
export function goertzelPower(samples: ArrayLike<number>, rate: number, hz: number): number {
  const n = samples.length
  if (n === 0) return 0
  const k = Math.round((n * hz) / rate)
  const coefficient = 2 * Math.cos((2 * Math.PI * k) / n)
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! + coefficient * s1 - s2
    s2 = s1
    s1 = s0
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2
}

/**
 * The share (0-1) of the block's energy that is a tone at `hz`: by Parseval, a sinusoid on bin k holds
 * 2|X_k|^2 / N of the block's sum of squares. 0 for a silent block.
 */
export function toneShare(samples: ArrayLike<number>, rate: number, hz: number): number {
  let energy = 0
  for (let i = 0; i < samples.length; i++) energy += samples[i]! * samples[i]!
  if (energy === 0) return 0
  return Math.min(1, (2 * goertzelPower(samples, rate, hz)) / samples.length / energy)
}

/** Root mean square of the block (linear 16-bit units). */
export function rms(samples: ArrayLike<number>): number {
  let energy = 0
  for (let i = 0; i < samples.length; i++) energy += samples[i]! * samples[i]!
  return samples.length === 0 ? 0 : Math.sqrt(energy / samples.length)
}
