/**
 * DTMF for the mid-call fallback tests: a microphone that keys digits in-band (as a caller keying them on a phone
 * would), and a page listener that reads a call's fallback offer (DID and digits) off the SIP the page receives.
 */
import type { Page } from 'playwright-core'

/** The DTMF pairs (Hz) of the keys a test may press. */
const KEYS: Record<string, readonly [number, number]> = {
  '1': [697, 1209],
  '2': [697, 1336],
  '3': [697, 1477],
  '4': [770, 1209],
  '5': [770, 1336],
  '6': [770, 1477],
  '7': [852, 1209],
  '8': [852, 1336],
  '9': [852, 1477],
  '0': [941, 1336],
  '*': [941, 1209],
  '#': [941, 1477],
}

/**
 * An init script: the page's microphone keys `keys` (120 ms on, 120 ms off), starting `delayMs` after the page asks
 * for it and then once a second, `rounds` times; silent otherwise.
 */
export function dtmfMicrophone(keys: string, options: { delayMs?: number; rounds?: number } = {}): string {
  const bad = [...keys].find((k) => KEYS[k] === undefined)
  if (bad !== undefined) throw new Error(`no DTMF key ${JSON.stringify(bad)}`)
  const tones = [...keys].map((k) => KEYS[k]!)
  const delay = (options.delayMs ?? 1_000) / 1_000
  const rounds = options.rounds ?? 20
  return `
    (() => {
      const md = navigator.mediaDevices
      const original = md.getUserMedia.bind(md)
      md.getUserMedia = async (constraints) => {
        const stream = await original(constraints)
        if (!constraints || !constraints.audio) return stream
        const ctx = new AudioContext()
        const out = ctx.createMediaStreamDestination()
        let t = ctx.currentTime + ${delay}
        for (let round = 0; round < ${rounds}; round++, t += 1) {
          for (const pair of ${JSON.stringify(tones)}) {
            const g = ctx.createGain()
            g.gain.value = 0.25
            g.connect(out)
            for (const f of pair) {
              const o = ctx.createOscillator()
              o.frequency.value = f
              o.connect(g)
              o.start(t)
              o.stop(t + 0.12)
            }
            t += 0.24
          }
        }
        for (const tr of stream.getAudioTracks()) {
          stream.removeTrack(tr)
          tr.stop()
        }
        stream.addTrack(out.stream.getAudioTracks()[0])
        return stream
      }
    })()
  `
}

export interface OfferSeen {
  readonly did: string
  readonly digits: string
}

/**
 * A page setup (chromiumSoftphone's `setup`): keeps the last X-IME-PSTN-Fallback offer in a SIP message the page
 * received on its WebSockets; `last()` reads it.
 */
export function watchFallbackOffers(): { setup: (page: Page) => Promise<void>; last: () => OfferSeen | undefined } {
  let last: OfferSeen | undefined
  return {
    setup: async (page) => {
      page.on('websocket', (ws) =>
        ws.on('framereceived', ({ payload }) => {
          const m = /^X-IME-PSTN-Fallback:\s*(\+\d+);digits=(\d+)/im.exec(String(payload))
          if (m !== null) last = { did: m[1]!, digits: m[2]! }
        }),
      )
      return Promise.resolve()
    },
    last: () => last,
  }
}
