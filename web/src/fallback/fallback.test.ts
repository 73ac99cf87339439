import { describe, expect, it } from 'vitest'
import { dtmfFrequencies } from '../tones.js'
import { DigitCollector, keyOfBlock } from './goertzel.js'
import { parseOffer, type WatchSettings } from './offer.js'
import { QualityJudge } from './quality.js'

const RATE = 48_000
const BLOCK = 1024

/** `ms` of a key's two tones (or silence for ' '), with a little noise, at RATE. */
function audio(keys: string, onMs: number, offMs: number, noise = 0.01): Float32Array {
  const parts: number[] = []
  let seed = 1
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 2 * noise
  for (const key of keys) {
    const [a, b] = dtmfFrequencies(key) ?? [0, 0]
    for (let i = 0; i < (onMs * RATE) / 1000; i++) {
      const t = i / RATE
      parts.push(a === 0 ? rnd() : 0.2 * Math.sin(2 * Math.PI * a * t) + 0.2 * Math.sin(2 * Math.PI * b * t) + rnd())
    }
    for (let i = 0; i < (offMs * RATE) / 1000; i++) parts.push(rnd())
  }
  return Float32Array.from(parts)
}

function detect(x: Float32Array): string {
  let got = ''
  const c = new DigitCollector((k) => (got += k))
  for (let i = 0; i + BLOCK <= x.length; i += BLOCK) c.push(keyOfBlock(x.subarray(i, i + BLOCK), RATE))
  return got
}

describe('in-band DTMF detection (Goertzel)', () => {
  it('reads every key of a sequence, repeated keys included', () => {
    expect(detect(audio('0123456789*#', 120, 120))).toBe('0123456789*#')
    expect(detect(audio('1199', 120, 120))).toBe('1199')
  })

  it('hears no keys in noise, a single tone, or speech-like chords', () => {
    expect(detect(audio('   ', 200, 0, 0.2))).toBe('')
    const single = Float32Array.from({ length: RATE }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / RATE))
    expect(detect(single)).toBe('')
    const chord = Float32Array.from({ length: RATE }, (_, i) =>
      [300, 697, 1100, 1209, 2000].reduce((s, f) => s + 0.1 * Math.sin((2 * Math.PI * f * i) / RATE), 0),
    )
    expect(detect(chord)).toBe('')
  })
})

const WATCH: WatchSettings = {
  sampleMs: 100,
  holdDownMs: 2_000,
  lossPercent: 10,
  jitterMs: 80,
  rttMs: 800,
  silenceMs: 1_500,
}

describe('quality watch', () => {
  /** 50 packets a second; `lossAt(t)`: the share lost at t. */
  function run(judge: QualityJudge, fromMs: number, toMs: number, lossAt: (t: number) => number, extra = {}) {
    const out = []
    for (let t = fromMs; t <= toMs; t += 100) {
      const sent = (t / 1000) * 50
      let lost = 0
      for (let u = 0; u < t; u += 100) lost += 5 * lossAt(u)
      out.push(
        judge.sample({ at: t, packetsReceived: Math.round(sent - lost), packetsLost: Math.round(lost), ...extra }),
      )
    }
    return out
  }

  it('a clean call stays good; loss past the hold-down moves it once, never again', () => {
    const j = new QualityJudge(WATCH)
    expect(run(j, 0, 10_000, () => 0).every((v) => v.kind === 'good')).toBe(true)
    const bad = run(j, 10_100, 20_000, (t) => (t >= 10_000 ? 0.4 : 0))
    const moves = bad.filter((v) => v.kind === 'move')
    expect(moves).toHaveLength(1)
    const at = 10_100 + 100 * bad.findIndex((v) => v.kind === 'move')
    expect(at - (moves[0]!.kind === 'move' ? moves[0]!.since : 0)).toBeGreaterThanOrEqual(2_000)
    expect(moves[0]).toMatchObject({ reason: expect.stringMatching(/packet loss/) })
  })

  it('no flapping: bursts that with the 1 s loss window stay under the hold-down never move the call', () => {
    const j = new QualityJudge(WATCH)
    const v = run(j, 0, 20_000, (t) => (t % 3_000 < 800 ? 0.5 : 0))
    expect(v.some((x) => x.kind === 'bad')).toBe(true)
    expect(v.some((x) => x.kind === 'move')).toBe(false)
  })

  it('audio that stops arriving, jitter and round trip are bad too', () => {
    const silent = new QualityJudge(WATCH)
    const s = [0, 100, 200, 1_700, 3_800].map((at) => silent.sample({ at, packetsReceived: 5, packetsLost: 0 }))
    expect(s[3]).toMatchObject({ kind: 'bad', reason: 'no audio for 1.7 s' })
    expect(s[4]).toMatchObject({ kind: 'move' })
    expect(run(new QualityJudge(WATCH), 0, 300, () => 0, { jitterMs: 120 })[3]).toMatchObject({
      reason: '120 ms jitter',
    })
    expect(run(new QualityJudge(WATCH), 0, 300, () => 0, { rttMs: 900 })[3]).toMatchObject({
      reason: '900 ms round trip',
    })
  })
})

describe('fallback offer header', () => {
  it('reads what the node writes, and says what is wrong', () => {
    const v = '+12025550190;digits=0427;window=10000;sample=100;hold=4000;loss=10;jitter=80;rtt=800;silence=2000'
    expect(parseOffer(v)).toEqual({
      ok: true,
      offer: {
        did: '+12025550190',
        digits: '0427',
        windowMs: 10_000,
        watch: { sampleMs: 100, holdDownMs: 4000, lossPercent: 10, jitterMs: 80, rttMs: 800, silenceMs: 2000 },
      },
    })
    expect(parseOffer(undefined)).toMatchObject({ ok: false })
    expect(parseOffer('12345;digits=1234')).toMatchObject({ ok: false, error: /not E.164/ })
    expect(parseOffer('+12025550190;digits=12')).toMatchObject({ ok: false, error: /4 to 12/ })
    expect(parseOffer('+12025550190;digits=1234;sample=100')).toMatchObject({ ok: false, error: /lacks/ })
  })
})
