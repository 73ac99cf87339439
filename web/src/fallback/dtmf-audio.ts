/**
 * In-band DTMF in WebAudio: tones mixed into an outgoing track (they cross any carrier and media bridge, where a
 * browser cannot read received RFC 4733 events), and a Goertzel detector on a received track.
 */
import { dtmfFrequencies } from '../tones.js'
import { DigitCollector, keyOfBlock } from './goertzel.js'

/** Tone and gap lengths (ms): Q.24 asks for at least 40 ms each; longer survives a lossy leg. */
export const TONE_MS = 120
export const GAP_MS = 120

export interface ToneTrack {
  /** The outgoing track: silence, then the tones when play() is called. */
  readonly track: MediaStreamTrack
  /** Plays the digits; resolves when the last tone has ended. */
  play(digits: string): Promise<void>
  close(): void
}

/** A track of silence that carries DTMF tones on demand (the mic is not heard on it). */
export function toneTrack(): ToneTrack {
  const ctx = new AudioContext()
  const out = ctx.createMediaStreamDestination()
  const track = out.stream.getAudioTracks()[0]!
  return {
    track,
    async play(digits) {
      if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined)
      let t = ctx.currentTime + 0.05
      for (const key of digits) {
        const pair = dtmfFrequencies(key)
        if (pair === undefined) continue
        const gain = ctx.createGain()
        gain.gain.value = 0.25
        gain.connect(out)
        for (const f of pair) {
          const osc = ctx.createOscillator()
          osc.frequency.value = f
          osc.connect(gain)
          osc.start(t)
          osc.stop(t + TONE_MS / 1000)
        }
        t += (TONE_MS + GAP_MS) / 1000
      }
      const ms = (t - ctx.currentTime) * 1000
      await new Promise((r) => setTimeout(r, ms))
    },
    close() {
      track.stop()
      void ctx.close().catch(() => undefined)
    },
  }
}

/** Listens for DTMF digits on a received track; returns what stops it. */
export function listenForDigits(track: MediaStreamTrack, onDigit: (key: string) => void): () => void {
  const stream = new MediaStream([track])
  // Chromium feeds a remote WebRTC track to WebAudio only while a media element plays it.
  const el = new Audio()
  el.muted = true
  el.srcObject = stream
  void el.play().catch(() => undefined)
  const ctx = new AudioContext()
  const source = ctx.createMediaStreamSource(stream)
  // ScriptProcessorNode: deprecated but everywhere, and needs no worklet module to serve.
  const proc = ctx.createScriptProcessor(1024, 1, 1)
  const mute = ctx.createGain()
  mute.gain.value = 0
  const collector = new DigitCollector(onDigit)
  proc.onaudioprocess = (e) => collector.push(keyOfBlock(e.inputBuffer.getChannelData(0), ctx.sampleRate))
  source.connect(proc).connect(mute).connect(ctx.destination)
  return () => {
    proc.onaudioprocess = null
    source.disconnect()
    el.srcObject = null
    void ctx.close().catch(() => undefined)
  }
}
