/**
 * Mid-call fallback in the softphone, for one IME call with a fallback offer (docs/softphone.md). Both ends watch
 * the IP leg's media (quality.ts). When it stays bad past the hold-down, the calling side dials the fallback DID
 * over the PSTN on its registered line, and once that leg is answered and connected sends the correlation digits
 * as in-band DTMF, then carries the call on it. The called side's node hands the DID call to this phone
 * (X-IME-Fallback-Leg naming the IME call): it answers with silence, listens for the digits (Goertzel), and on a
 * match swaps its microphone and speaker onto the new leg and releases the IP leg (BYE with X-IME-Moved); wrong
 * or late digits hang up the new leg, and the IP call goes on untouched. One move per call, never back.
 */
import type { UA } from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession.js'
import { listenForDigits, toneTrack, type ToneTrack } from './dtmf-audio.js'
import { LEG_HEADER, MOVED_HEADER, type FallbackOffer } from './offer.js'
import { QualityJudge, readMediaSample } from './quality.js'

/** What the fallback needs of the phone: the narrow interface phone.ts gives it. */
export interface MidcallHost {
  /** The registered line (the PSTN leg goes out on it). */
  ua(): UA | undefined
  /** The SIP target of a number through the user's own domain (the node routes it to the PSTN). */
  target(number: string): string
  pcConfig(): Promise<RTCConfiguration>
  /** The call's microphone stream. */
  microphone(): MediaStream | undefined
  readonly remoteAudio: HTMLAudioElement
  /** On hold: no audio is expected, nothing is judged. */
  held(): boolean
  /** A line to show on the call. */
  note(text: string): void
  /** The call is carried by `session` now (the PSTN leg); the IP leg is being released. */
  moved(session: RTCSession): void
}

type State = 'watching' | 'moving' | 'checking' | 'moved' | 'stopped'

/** How long the caller waits for the PSTN leg's media to connect before sending the digits (ms). */
const CONNECT_WAIT_MS = 10_000
/** Margin after the media connects, so the far end's detector is listening (ms). */
const SETTLE_MS = 400

export class MidcallFallback {
  private state: State = 'watching'
  private timer: ReturnType<typeof setInterval> | undefined
  private judge: QualityJudge
  /** The PSTN leg being placed or checked, until the move is done. */
  private pending: RTCSession | undefined
  /** What the page (and the tests) can read of this call's move. */
  readonly timeline: { badSince?: number; moveStarted?: number; moved?: number; refused?: string[] } = {}

  constructor(
    private readonly offer: FallbackOffer,
    private readonly side: 'caller' | 'callee',
    private readonly ip: RTCSession,
    private readonly host: MidcallHost,
    private readonly ipCallId: string,
  ) {
    this.judge = new QualityJudge(offer.watch)
  }

  get hasMoved(): boolean {
    return this.state === 'moved'
  }

  start(): void {
    if (this.timer !== undefined || this.state !== 'watching') return
    this.timer = setInterval(() => void this.tick(), this.offer.watch.sampleMs)
  }

  /** The call ended: no more watching; an IP leg still up after a move is released. */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    if (this.state === 'moved') return this.releaseIp()
    this.state = 'stopped'
    // A PSTN leg being set up for a move that will not happen now (the call ended first) is hung up.
    if (this.pending !== undefined && !this.pending.isEnded()) {
      try {
        this.pending.terminate()
      } catch {
        // already over
      }
    }
  }

  private releaseIp(): void {
    if (this.ip.isEnded()) return
    try {
      this.ip.terminate({ extraHeaders: [`${MOVED_HEADER}: pstn`] })
    } catch {
      // already over
    }
  }

  private async tick(): Promise<void> {
    const pc = this.ip.connection as RTCPeerConnection | undefined
    if (this.state !== 'watching' || pc === undefined || this.ip.isEnded()) return
    if (this.host.held()) {
      this.judge = new QualityJudge(this.offer.watch)
      return
    }
    const sample = await readMediaSample(pc, Date.now()).catch(() => undefined)
    if (sample === undefined || this.state !== 'watching') return
    const v = this.judge.sample(sample)
    if (v.kind === 'good') return
    this.timeline.badSince ??= v.since
    if (v.kind === 'bad') return
    this.timeline.moveStarted = Date.now()
    if (this.side === 'callee') {
      this.host.note(`The Internet path is failing (${v.reason}); the caller's phone moves the call to the PSTN`)
      return
    }
    this.stop()
    this.state = 'moving'
    this.host.note(`The Internet path is failing (${v.reason}); moving the call to the PSTN…`)
    void this.dial()
  }

  // ---- the calling side -------------------------------------------------------------------------------------

  private async dial(): Promise<void> {
    const ua = this.host.ua()
    if (ua === undefined) return this.giveUp('not signed in to the SIP server')
    const tones = toneTrack()
    const pcConfig = await this.host.pcConfig()
    let leg: RTCSession
    try {
      leg = ua.call(this.host.target(this.offer.did), {
        mediaStream: new MediaStream([tones.track]),
        pcConfig,
        rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
        // This node keeps no record of its own for this leg: the IME call's record covers the call (a carrier
        // drops the header; nothing on the far side relies on it).
        extraHeaders: [`${MOVED_HEADER}: ${this.ipCallId}`],
        eventHandlers: {
          failed: (e: { cause?: string }) => {
            tones.close()
            this.giveUp(`the PSTN call failed (${e.cause ?? 'no reason'})`)
          },
          ended: () => tones.close(),
        },
      })
    } catch (e) {
      tones.close()
      return this.giveUp(String(e))
    }
    this.pending = leg
    leg.on('confirmed', () => void this.sendDigits(leg, tones))
  }

  private async sendDigits(leg: RTCSession, tones: ToneTrack): Promise<void> {
    const pc = leg.connection as RTCPeerConnection
    const until = Date.now() + CONNECT_WAIT_MS
    while (pc.connectionState !== 'connected' && Date.now() < until && !leg.isEnded()) await sleep(50)
    if (pc.connectionState !== 'connected' || leg.isEnded()) {
      if (!leg.isEnded()) leg.terminate()
      return this.giveUp('the PSTN call connected no audio')
    }
    await sleep(SETTLE_MS)
    if (leg.isEnded() || this.state !== 'moving') return
    // Committed: the call is carried by the PSTN leg from here (the callee may release the IP leg as soon as the
    // last digit is heard); the microphone goes onto it once the digits are out.
    this.carryOn(leg)
    await tones.play(this.offer.digits)
    await this.useMicrophone(leg)
    tones.close()
  }

  private giveUp(reason: string): void {
    if (this.state === 'moved' || this.state === 'stopped') return
    this.state = 'stopped'
    this.host.note(`Could not move the call to the PSTN: ${reason}`)
  }

  // ---- the called side --------------------------------------------------------------------------------------

  /**
   * An incoming call that may be this call's moved leg: taken (answered with silence, digits awaited) when the
   * node marked it as the leg of this IME call and no move has happened; else not (the phone treats it as busy).
   */
  takeLeg(leg: RTCSession, legHeader: string | undefined): boolean {
    const ids = (legHeader ?? '').split(',').map((s) => s.trim())
    if (this.side !== 'callee' || !ids.includes(this.ipCallId)) return false
    if (this.state !== 'watching' || this.ip.isEnded()) return false
    this.state = 'checking'
    this.pending = leg
    void this.check(leg)
    return true
  }

  private async check(leg: RTCSession): Promise<void> {
    const silence = toneTrack()
    let stopListening: (() => void) | undefined
    let heard = ''
    const refuse = (why: string) => {
      stopListening?.()
      silence.close()
      ;(this.timeline.refused ??= []).push(why)
      if (!leg.isEnded()) leg.terminate()
      // The IP call is as it was: watched again.
      if (this.state === 'checking') {
        this.state = 'watching'
        this.host.note(`Refused a call to the fallback number: ${why}`)
      }
    }
    const timer = setTimeout(() => refuse('its digits did not come in time'), this.offer.windowMs)
    leg.on('failed', () => refuse('it ended'))
    leg.on('ended', () => clearTimeout(timer))
    leg.on('confirmed', () => {
      const track = (leg.connection as RTCPeerConnection).getReceivers().find((r) => r.track.kind === 'audio')?.track
      if (track === undefined) return refuse('it has no audio')
      stopListening = listenForDigits(track, (key) => {
        if (this.state !== 'checking') return
        heard += key
        const want = this.offer.digits
        if (!want.startsWith(heard)) {
          clearTimeout(timer)
          return refuse('wrong digits')
        }
        if (heard.length < want.length) return
        clearTimeout(timer)
        stopListening?.()
        void this.useMicrophone(leg).finally(() => silence.close())
        this.carryOn(leg)
      })
    })
    const pcConfig = await this.host.pcConfig()
    leg.answer({ mediaStream: new MediaStream([silence.track]), pcConfig })
  }

  // ---- both sides -------------------------------------------------------------------------------------------

  /** The call goes on over `leg`: the speaker plays it; the callee releases the IP leg. */
  private carryOn(leg: RTCSession): void {
    const track = (leg.connection as RTCPeerConnection).getReceivers().find((r) => r.track.kind === 'audio')?.track
    if (track !== undefined) {
      this.host.remoteAudio.srcObject = new MediaStream([track])
      void this.host.remoteAudio.play().catch(() => undefined)
    }
    this.state = 'moved'
    this.pending = undefined
    this.timeline.moved = Date.now()
    this.host.moved(leg)
    // The callee releases the IP leg at once; the caller leaves it to the callee (who matched the digits), and
    // releases it itself if that has not happened within the digit window.
    if (this.side === 'callee') this.releaseIp()
    else setTimeout(() => this.releaseIp(), this.offer.windowMs)
    this.host.note('The call moved to the PSTN (the Internet path had failed)')
  }

  /** The microphone onto `leg` (it carried silence or the digits until now). */
  private async useMicrophone(leg: RTCSession): Promise<void> {
    const mic = this.host.microphone()?.getAudioTracks()[0]
    const sender = (leg.connection as RTCPeerConnection).getSenders().find((s) => s.track?.kind !== 'video')
    if (mic !== undefined) await sender?.replaceTrack(mic).catch(() => undefined)
  }
}

/** The leg header of an incoming call (JsSIP's IncomingRequest). */
export const legHeaderOf = (request: { getHeader(name: string): string | undefined }): string | undefined =>
  request.getHeader(LEG_HEADER)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
