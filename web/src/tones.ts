/**
 * Call progress tones played with WebAudio: ringback while the far end rings, a ring for incoming calls, and
 * key clicks for DTMF. Cadences are data; the player only schedules oscillators.
 */
export interface Cadence {
  /** Frequencies mixed together, Hz. */
  readonly frequencies: readonly number[]
  /** Alternating on/off durations in ms, repeated. */
  readonly pattern: readonly number[]
  /** Loudness, 0-1 (default 0.12, shared by the frequencies). */
  readonly level?: number
}

/** North American ringback: 440 + 480 Hz, 2 s on, 4 s off. */
export const RINGBACK: Cadence = { frequencies: [440, 480], pattern: [2000, 4000] }
/** Incoming ring: a double ring, easy to tell from ringback. */
export const RINGING: Cadence = { frequencies: [400, 450], pattern: [400, 200, 400, 2000] }

const DTMF_ROWS: Record<string, number> = { '1': 697, '2': 697, '3': 697, '4': 770, '5': 770, '6': 770 }
const DTMF_COLS: Record<string, number> = { '1': 1209, '4': 1209, '7': 1209, '*': 1209, '3': 1477, '6': 1477 }

/** The two DTMF frequencies of a key (ITU-T Q.23). */
export function dtmfFrequencies(key: string): [number, number] | undefined {
  const row = DTMF_ROWS[key] ?? ('789'.includes(key) ? 852 : '*0#'.includes(key) ? 941 : undefined)
  const col = DTMF_COLS[key] ?? ('2580'.includes(key) ? 1336 : '9#'.includes(key) ? 1477 : undefined)
  return key.length === 1 && row !== undefined && col !== undefined ? [row, col] : undefined
}

/** On-intervals [start, end) in ms of a cadence within the first `horizonMs`. */
export function onIntervals(c: Cadence, horizonMs: number): [number, number][] {
  const out: [number, number][] = []
  const period = c.pattern.reduce((a, b) => a + b, 0)
  if (period <= 0) return out
  for (let t = 0; t < horizonMs;) {
    for (let i = 0; i < c.pattern.length && t < horizonMs; i++) {
      const d = c.pattern[i] ?? 0
      if (i % 2 === 0) out.push([t, Math.min(t + d, horizonMs)])
      t += d
    }
  }
  return out
}

export class TonePlayer {
  private ctx: AudioContext | undefined
  private stopCurrent: (() => void) | undefined
  private sinkId = ''

  private context(): AudioContext | undefined {
    if (typeof AudioContext === 'undefined') return undefined
    this.ctx ??= new AudioContext()
    if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined)
    return this.ctx
  }

  /** Sends tones to the chosen speaker where the browser allows it (AudioContext.setSinkId). */
  setSink(deviceId: string): void {
    this.sinkId = deviceId
    const ctx = this.ctx as (AudioContext & { setSinkId?: (id: string) => Promise<void> }) | undefined
    void ctx?.setSinkId?.(deviceId).catch(() => undefined)
  }

  /** Plays a cadence until stop(); one cadence at a time. Scheduled a minute ahead and renewed. */
  play(c: Cadence): void {
    this.stop()
    const ctx = this.context()
    if (!ctx) return
    if (this.sinkId) this.setSink(this.sinkId)
    const gain = ctx.createGain()
    gain.gain.value = 0
    gain.connect(ctx.destination)
    const oscillators = c.frequencies.map((f) => {
      const o = ctx.createOscillator()
      o.frequency.value = f
      o.connect(gain)
      o.start()
      return o
    })
    const level = (c.level ?? 0.12) / Math.max(1, c.frequencies.length)
    const horizon = 60_000
    let renew: ReturnType<typeof setTimeout> | undefined
    const schedule = (from: number) => {
      for (const [a, b] of onIntervals(c, horizon)) {
        gain.gain.setValueAtTime(level, from + a / 1000)
        gain.gain.setValueAtTime(0, from + b / 1000)
      }
      renew = setTimeout(() => schedule(from + horizon / 1000), horizon - 1000)
    }
    schedule(ctx.currentTime + 0.05)
    this.stopCurrent = () => {
      clearTimeout(renew)
      gain.gain.cancelScheduledValues(0)
      gain.gain.value = 0
      for (const o of oscillators) o.stop()
      gain.disconnect()
    }
  }

  stop(): void {
    this.stopCurrent?.()
    this.stopCurrent = undefined
  }

  /** A short local key tone as feedback for a dial pad press. */
  click(key: string): void {
    const freqs = dtmfFrequencies(key)
    const ctx = freqs && this.context()
    if (!ctx || !freqs) return
    const gain = ctx.createGain()
    gain.gain.value = 0.05
    gain.connect(ctx.destination)
    const t = ctx.currentTime
    for (const f of freqs) {
      const o = ctx.createOscillator()
      o.frequency.value = f
      o.connect(gain)
      o.start(t)
      o.stop(t + 0.12)
    }
    setTimeout(() => gain.disconnect(), 300)
  }
}
