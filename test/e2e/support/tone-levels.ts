/**
 * Audio by content when several tones are mixed (a three-way call): the level of each given frequency in what a
 * page receives, in dB of full scale. Runs in the page (page.evaluate), in Chromium and Firefox.
 */

export interface ToneLevelsArgs {
  /** The frequencies to measure, Hz. */
  readonly hz: readonly number[]
  /**
   * 'receiver': the far end's track of the page's newest open peer connection; 'speaker': what the page plays on
   * its call audio element (#remote-audio), e.g. the softphone's conference mix.
   */
  readonly from: 'receiver' | 'speaker'
}

/**
 * Run in the page: for each frequency, the strongest analyser bin within 12 Hz of it (dBFS); -Infinity when there
 * is no audio to read.
 */
export async function readToneLevels(args: ToneLevelsArgs): Promise<number[]> {
  let stream: MediaStream | undefined
  if (args.from === 'speaker') {
    const el = document.getElementById('remote-audio') as HTMLAudioElement | null
    stream = el?.srcObject instanceof MediaStream ? el.srcObject : undefined
  } else {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
    const pc = [...pcs].reverse().find((p) => p.connectionState !== 'closed')
    const track = pc?.getReceivers().find((r) => r.track.kind === 'audio')?.track
    stream = track ? new MediaStream([track]) : undefined
  }
  if (stream === undefined || stream.getAudioTracks().length === 0) return args.hz.map(() => -Infinity)
  // Chromium feeds a remote WebRTC track to Web Audio only while a media element plays it.
  const el = new Audio()
  el.muted = true
  el.srcObject = stream
  await el.play().catch(() => undefined)
  const ctx = new AudioContext()
  const analyser = ctx.createAnalyser()
  analyser.fftSize = 8192
  analyser.smoothingTimeConstant = 0.5
  ctx.createMediaStreamSource(stream).connect(analyser)
  await new Promise((r) => setTimeout(r, 1000))
  const db = new Float32Array(analyser.frequencyBinCount)
  analyser.getFloatFrequencyData(db)
  const binHz = ctx.sampleRate / analyser.fftSize
  const levels = args.hz.map((hz) => {
    let peak = -Infinity
    for (let i = Math.floor((hz - 12) / binHz); i <= Math.ceil((hz + 12) / binHz); i++) peak = Math.max(peak, db[i]!)
    return Math.round(peak)
  })
  el.srcObject = null
  await ctx.close()
  return levels
}

/**
 * A tone is heard when its level is above this (dBFS): the test tones (gain 0.3) arrive at about -30 dBFS, through
 * Opus and a WebAudio mix; a tone that is absent reads -100 dBFS or less (leakage and codec noise).
 */
export const HEARD_DBFS = -60
/** A tone counts as absent below this (dBFS), well apart from HEARD_DBFS so that neither verdict is borderline. */
export const ABSENT_DBFS = -80
