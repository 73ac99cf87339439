/**
 * A local three-way conference, mixed in the browser with WebAudio: each leg's peer connection sends the local
 * microphone mixed with every other leg's far-end audio, and the local speaker plays all far ends mixed. The legs'
 * senders get the mixed tracks with replaceTrack (no renegotiation), and get the microphone back when the
 * conference ends.
 */

export interface ConferenceLeg {
  readonly pc: RTCPeerConnection
  /** The far end's audio on this leg. */
  readonly remote: MediaStream
}

export interface ConferenceMixerDeps {
  readonly createContext?: () => AudioContext
  /** Chromium feeds a remote WebRTC track to WebAudio only while a media element plays it: one, muted, per leg. */
  readonly createElement?: () => HTMLAudioElement
}

export class ConferenceMixer {
  private readonly ctx: AudioContext
  private readonly micGain: GainNode
  private readonly keepAlive: HTMLAudioElement[] = []
  private readonly restore: { sender: RTCRtpSender; track: MediaStreamTrack | null }[] = []
  /** The mix the local user hears: every far end. */
  readonly local: MediaStream

  private constructor(ctx: AudioContext, micGain: GainNode, local: MediaStream) {
    this.ctx = ctx
    this.micGain = micGain
    this.local = local
  }

  /**
   * Starts mixing `mic` with the legs. Each leg must have an audio sender; an error (no WebAudio, no sender)
   * comes back as a value with the reason, and nothing is changed.
   */
  static async start(
    mic: MediaStream,
    legs: readonly ConferenceLeg[],
    deps: ConferenceMixerDeps = {},
  ): Promise<{ ok: true; mixer: ConferenceMixer } | { ok: false; error: string }> {
    const senders = legs.map((l) => l.pc.getSenders().find((s) => s.track?.kind === 'audio' || s.track === null))
    if (senders.some((s) => s === undefined)) return { ok: false, error: 'a call has no audio sender to mix into' }
    if (mic.getAudioTracks().length === 0) return { ok: false, error: 'no microphone track' }
    let ctx: AudioContext
    try {
      ctx = deps.createContext?.() ?? new AudioContext()
    } catch (e) {
      return { ok: false, error: `this browser cannot mix audio (${String(e)})` }
    }
    if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined)
    const micGain = ctx.createGain()
    ctx.createMediaStreamSource(mic).connect(micGain)
    const localOut = ctx.createMediaStreamDestination()
    const mixer = new ConferenceMixer(ctx, micGain, localOut.stream)
    const remotes = legs.map((leg) => {
      const el = deps.createElement?.() ?? new Audio()
      el.muted = true
      el.srcObject = leg.remote
      void el.play().catch(() => undefined)
      mixer.keepAlive.push(el)
      const source = ctx.createMediaStreamSource(leg.remote)
      source.connect(localOut)
      return source
    })
    for (let i = 0; i < legs.length; i++) {
      const out = ctx.createMediaStreamDestination()
      micGain.connect(out)
      for (const [j, source] of remotes.entries()) if (j !== i) source.connect(out)
      const sender = senders[i]!
      mixer.restore.push({ sender, track: sender.track })
      const track = out.stream.getAudioTracks()[0]!
      await sender.replaceTrack(track)
    }
    return { ok: true, mixer }
  }

  /** Mutes the local microphone in every leg; the far ends still hear each other. */
  setMicMuted(muted: boolean): void {
    this.micGain.gain.value = muted ? 0 : 1
  }

  /** Gives every leg its microphone track back and releases the audio graph. */
  async stop(): Promise<void> {
    for (const { sender, track } of this.restore) {
      await sender.replaceTrack(track).catch(() => undefined)
    }
    this.restore.length = 0
    for (const el of this.keepAlive) el.srcObject = null
    this.keepAlive.length = 0
    await this.ctx.close().catch(() => undefined)
  }
}
