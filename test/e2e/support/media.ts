/**
 * What the e2e tests read from a page's WebRTC: an init script that keeps every RTCPeerConnection the page makes,
 * and a page function that reads the current call's audio statistics. Both work in Chromium and Firefox.
 */

/** Keeps every RTCPeerConnection the page makes, so the test can read its statistics. */
export const CAPTURE_PEER_CONNECTIONS = `
  const Original = window.RTCPeerConnection
  window.__pcs = []
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args)
    window.__pcs.push(pc)
    return pc
  }
  window.RTCPeerConnection.prototype = Original.prototype
  Object.setPrototypeOf(window.RTCPeerConnection, Original)
`

export interface AudioStats {
  bytesReceived: number
  bytesSent: number
  audioLevel: number
  direction: string | null
}

/** Run in the page (page.evaluate): the current call's bytes in and out, far-end audio level, direction. */
export async function readAudioStats(): Promise<AudioStats> {
  const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
  const pc = [...pcs].reverse().find((p) => p.connectionState !== 'closed')
  if (pc === undefined) return { bytesReceived: 0, bytesSent: 0, audioLevel: 0, direction: null }
  const out = {
    bytesReceived: 0,
    bytesSent: 0,
    audioLevel: 0,
    direction: pc.getTransceivers()[0]?.currentDirection ?? null,
  }
  ;(await pc.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.bytesReceived += Number(s.bytesReceived ?? 0)
      out.audioLevel = Math.max(out.audioLevel, Number(s.audioLevel ?? 0))
    }
    if (s.type === 'outbound-rtp' && s.kind === 'audio') out.bytesSent += Number(s.bytesSent ?? 0)
  })
  return out
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `what` until `ok` holds or `ms` pass; returns the last value either way (the caller asserts on it). */
export async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await what()
    if (ok(v) || Date.now() > end) return v
    await sleep(200)
  }
}

/** Both sides' inbound audio grows by more than 1,000 bytes within the wait: media flows both ways. */
export async function twoWayAudio(a: () => Promise<AudioStats>, b: () => Promise<AudioStats>): Promise<number[]> {
  const before = [await a(), await b()]
  await sleep(1_500)
  const after = await until(
    async () => [await a(), await b()],
    ([x, y]) =>
      x!.bytesReceived > before[0]!.bytesReceived + 1_000 && y!.bytesReceived > before[1]!.bytesReceived + 1_000,
  )
  return [after[0]!.bytesReceived - before[0]!.bytesReceived, after[1]!.bytesReceived - before[1]!.bytesReceived]
}

/**
 * An init script: the page's microphone sends a pure tone of `hz` (the real fake device is opened first, so the
 * page has microphone permission and ICE host candidates as usual, then its track is swapped for the tone). The
 * far end then checks the audio by content: its dominant frequency (readToneFrequency).
 */
export function toneMicrophone(hz: number): string {
  return `
    (() => {
      const md = navigator.mediaDevices
      const original = md.getUserMedia.bind(md)
      md.getUserMedia = async (constraints) => {
        const stream = await original(constraints)
        if (!constraints || !constraints.audio) return stream
        const ctx = new AudioContext()
        const osc = ctx.createOscillator()
        osc.frequency.value = ${Number(hz)}
        const gain = ctx.createGain()
        gain.gain.value = 0.3
        const out = ctx.createMediaStreamDestination()
        osc.connect(gain).connect(out)
        osc.start()
        for (const t of stream.getAudioTracks()) {
          stream.removeTrack(t)
          t.stop()
        }
        stream.addTrack(out.stream.getAudioTracks()[0])
        return stream
      }
    })()
  `
}

/**
 * Run in the page (page.evaluate): the dominant frequency (Hz, to about 6 Hz) of the far end's audio in the current
 * call, between 100 Hz and 4 kHz; 0 when there is none (silence or no call).
 */
export async function readToneFrequency(): Promise<number> {
  const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
  const pc = [...pcs].reverse().find((p) => p.connectionState !== 'closed')
  const track = pc?.getReceivers().find((r) => r.track.kind === 'audio')?.track
  if (track === undefined) return 0
  const stream = new MediaStream([track])
  // Chromium feeds a remote WebRTC track to Web Audio only while a media element plays it.
  const el = new Audio()
  el.muted = true
  el.srcObject = stream
  await el.play().catch(() => undefined)
  const ctx = new AudioContext()
  const analyser = ctx.createAnalyser()
  analyser.fftSize = 8192
  ctx.createMediaStreamSource(stream).connect(analyser)
  await new Promise((r) => setTimeout(r, 800))
  const db = new Float32Array(analyser.frequencyBinCount)
  analyser.getFloatFrequencyData(db)
  let peak = 0
  let peakDb = -Infinity
  for (let i = 1; i < db.length; i++) {
    const f = (i * ctx.sampleRate) / analyser.fftSize
    if (f >= 100 && f <= 4000 && db[i]! > peakDb) {
      peakDb = db[i]!
      peak = f
    }
  }
  el.srcObject = null
  await ctx.close()
  return peakDb > -80 ? Math.round(peak) : 0
}

/** Run in the page: the types of the local and remote candidates of the current call's selected pair. */
export async function selectedCandidateTypes(): Promise<{ local?: string; remote?: string }> {
  const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
  const pc = [...pcs].reverse().find((p) => p.connectionState !== 'closed')
  if (pc === undefined) return {}
  const stats = new Map<string, Record<string, unknown>>()
  ;(await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(String(s.id), s))
  const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId)
  const pair = transport === undefined ? undefined : stats.get(String(transport.selectedCandidatePairId))
  if (pair === undefined) return {}
  return {
    local: String(stats.get(String(pair.localCandidateId))?.candidateType),
    remote: String(stats.get(String(pair.remoteCandidateId))?.candidateType),
  }
}

/** The tones the two sides of a call send (toneMicrophone), far enough apart to tell by readToneFrequency. */
export const ALICE_HZ = 440
export const BOB_HZ = 1_150
/** Within 15 Hz of `hz` (the analyser's resolution is about 6 Hz; Opus keeps a pure tone's frequency). */
export const near = (hz: number) => (f: number) => Math.abs(f - hz) <= 15
