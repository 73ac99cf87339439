/**
 * The SIP side of the softphone: one registered JsSIP UA on the node's internal SIP WebSocket (incoming calls,
 * PSTN calls), and for each IME call a second, unregistered UA on the callee domain's WebSocket. Outgoing calls
 * are driven by the routing state machine (routing.ts); this module carries out its effects.
 */
import type { UA } from 'jssip'
import type { EndEvent, PeerConnectionEvent, ReferEvent, RTCSession } from 'jssip/lib/RTCSession.js'
import type { IncomingRTCSessionEvent } from 'jssip/lib/UA.js'
import type { CallPath, NewCallRecord } from './api.js'
import { ConferenceMixer } from './conference-mixer.js'
import { IceServers } from './ice.js'
import { watchForFallback } from './fallback/line-host.js'
import { legHeaderOf } from './fallback/midcall.js'
import { offersVideo, type CallVideo } from './video.js'
import { numberFromSipUri } from './number.js'
import { MAX_LINES, nextFocus } from './lines.js'
import { startRegistration, type RegisteredLine } from './registration.js'
import { connectIme } from './ime-line.js'
import {
  acceptTransfer,
  blindTransfer,
  completeTransfer,
  declineTransfer,
  referred,
  replacing,
  type TransferHost,
} from './transfers.js'
import type { PhoneConfig } from './phone-config.js'
import {
  holdLocally,
  idOf,
  internalIn,
  resumeLocally,
  type ActiveCall,
  type CallPhase,
  type CallView,
  type ReplacesEvent,
} from './phone-line.js'
import {
  CallAttempt,
  MEDIA_FAILED,
  mediaFailedReason,
  saysMediaFailed,
  pathLabel,
  type AttemptEvent,
  type AttemptState,
  type Effect,
  type Outcome,
} from './routing.js'

export { defaultSipWsUrl, type PhoneConfig } from './phone-config.js'
export {
  internalIn,
  registrationText,
  type CallPhase,
  type CallView,
  type LineView,
  type Registration,
} from './phone-line.js'

/** How long answered media may take to connect before the call counts as failed (ms). */
const MEDIA_CONNECT_TIMEOUT_MS = 10_000
/** How long a hang-up waits for a dropped SIP connection to come back, so that its BYE is not lost (ms). */
const HANGUP_WAIT_MS = 10_000

/** Read afresh after an await (TypeScript keeps the narrowing from before it). */
const hasEnded = (attempt: CallAttempt): boolean => attempt.state.phase === 'ended'

export class Phone {
  private ua: UA | undefined
  /** The calls, at most MAX_LINES (one more only while an attended transfer's INVITE replaces a line). */
  private lines: ActiveCall[] = []
  /** The line shown and heard. */
  private focused: ActiveCall | undefined
  private nextLineId = 1
  /** The local three-way conference, while one is up. */
  private mixer: ConferenceMixer | undefined
  /** The registered line's retries (registration.ts). */
  private registration: RegisteredLine | undefined
  /** STUN, and TURN with credentials minted for this user by the node; renewed before they expire. */
  private readonly ice: IceServers

  constructor(private readonly config: PhoneConfig) {
    this.ice = new IceServers(() => config.api.iceServers())
  }

  /** A call is up (ringing, placed or answered). */
  get busy(): boolean {
    return this.live().length > 0
  }

  /** A number may be dialled now: no call, or one answered call to hold while the second is placed. */
  get canDial(): boolean {
    const live = this.live()
    return live.length === 0 || (live.length === 1 && live[0]!.view.phase === 'in-call' && !this.mixer)
  }

  private live(): ActiveCall[] {
    return this.lines.filter((l) => l.view.phase !== 'ended')
  }

  private has(call: ActiveCall): boolean {
    return this.lines.includes(call)
  }
  start(): void {
    this.registration = startRegistration(this.config, (e) => this.incoming(e))
    this.ua = this.registration?.ua
  }

  stop(): void {
    this.registration?.halt()
    for (const l of this.live()) this.hangUpLine(l)
    this.ua?.stop()
  }

  // ---- outgoing ------------------------------------------------------------------------------------------

  /**
   * Places a call. During an answered call (and no other line), that call is put on hold first and this one takes
   * a second line ("Add call"); `replaces` makes the INVITE replace a dialog at the far end (attended transfer).
   */
  dial(number: string, options: { replaces?: string } = {}): void {
    if (!this.canDial) return
    this.lines = this.live()
    const current = this.lines[0]
    if (current) holdLocally(current)
    const call: ActiveCall = {
      id: this.nextLineId++,
      view: { direction: 'out', number, phase: 'routing', muted: false, held: false },
      startedAt: Date.now(),
      leg: 0,
      extraHeaders: options.replaces ? [`Replaces: ${options.replaces}`] : [],
    }
    this.lines.push(call)
    this.focus(call)
    const attempt = new CallAttempt(number, this.config.user.domain, (effect, a) => this.effect(call, effect, a), {
      imeConnectTimeoutMs: this.config.imeConnectTimeoutMs,
    })
    call.attempt = attempt
    attempt.onChange((s) => this.fromAttempt(call, s))
  }

  private fromAttempt(call: ActiveCall, s: AttemptState): void {
    if (!this.has(call)) return
    const phase: CallPhase =
      s.phase === 'ended'
        ? 'ended'
        : s.phase === 'in-call'
          ? 'in-call'
          : s.ringing
            ? 'ringing'
            : s.phase === 'looking-up' || s.phase === 'ime-connecting'
              ? 'routing'
              : 'calling'
    const path = s.path === undefined || s.phase === 'looking-up' ? undefined : pathLabel(s.path, s.fallback)
    call.view = {
      ...call.view,
      phase,
      ...(path ? { path } : {}),
      ...(s.fallbackReason ? { note: `IME route unavailable: ${s.fallbackReason}` } : {}),
      ...(s.failureReason ? { note: `The call ended: ${s.failureReason}` } : {}),
      ...(s.answeredAt !== undefined ? { answeredAt: s.answeredAt } : {}),
      ...(s.outcome ? { outcome: s.outcome } : {}),
    }
    if (this.focused === call) this.config.onTone(phase === 'ringing' ? 'ringback' : 'none')
    this.emit()
    if (phase === 'ended') this.finish(call)
  }
  private effect(call: ActiveCall, effect: Effect, attempt: CallAttempt): void {
    const now = Date.now
    switch (effect.type) {
      case 'lookup':
        this.config.api.routesTo(effect.number).then(
          (routes) => attempt.dispatch({ type: 'routes', routes, now: now() }),
          () => attempt.dispatch({ type: 'routes', routes: null, now: now() }),
        )
        return
      case 'connect-ime':
        connectIme(call, attempt, effect.wsUrl, this.config.user)
        return
      case 'close-ime': {
        const ua = call.imeUa
        call.imeUa = undefined
        if (ua) setTimeout(() => ua.stop(), 1000) // let a final ACK or BYE leave first
        return
      }
      case 'invite-ime': {
        // The node vouches for this one call (the ticket and a signed assertion); it may refuse (signed out, the
        // route being validated again), and then the call goes to the PSTN.
        const leg = call.leg
        this.config.api.authorizeCall(effect.number).then(
          (headers) => {
            if (call.imeUa && call.leg === leg && !hasEnded(attempt)) {
              void this.invite(call, attempt, call.imeUa, effect.target, [...headers, ...call.extraHeaders], 'ime')
            }
          },
          (e: unknown) => {
            if (call.leg !== leg || hasEnded(attempt)) return
            const reason = e instanceof Error ? e.message : String(e)
            attempt.dispatch({ type: 'ime-failed', failure: { kind: 'not-authorized', reason }, now: now() })
          },
        )
        return
      }
      case 'invite-pstn':
        // A fallback says so: the node records the call it carries, and marks it (X-IME-Fallback).
        if (this.ua) {
          const headers = [...(attempt.state.fallback ? ['X-IME-Fallback: 1'] : []), ...call.extraHeaders]
          void this.invite(call, attempt, this.ua, effect.target, headers, 'pstn')
        } else attempt.dispatch({ type: 'failed', reason: 'not signed in to the SIP server', now: now() })
        return
      case 'terminate':
        this.terminate(call.session, call.path === 'ime' ? call.imeUa : this.ua, effect.reason)
        return
      case 'record':
        // One record for a call that moved to the PSTN mid-call: it started over IME (fallback: it moved).
        this.record(call.fallback?.hasMoved === true ? { ...effect.record, fallback: true } : effect.record)
        return
      default:
        return
    }
  }

  private async invite(
    call: ActiveCall,
    attempt: CallAttempt,
    ua: UA,
    target: string,
    extraHeaders: string[],
    path: CallPath,
  ): Promise<void> {
    try {
      call.stream ??= await this.config.openMicrophone()
    } catch (e) {
      attempt.dispatch({ type: 'hangup', now: Date.now() })
      call.view = { ...call.view, note: `No microphone: ${(e as Error).message || String(e)}` }
      this.emit()
      return
    }
    if (attempt.state.phase === 'ended') return
    call.path = path
    const leg = ++call.leg
    const dispatch = (e: AttemptEvent) => {
      if (call.leg === leg) attempt.dispatch(e)
    }
    // The node says in its answers when it kept a call to one of our numbers inside the enterprise.
    const notePath = (response: unknown) => {
      if (path === 'pstn' && internalIn(response)) dispatch({ type: 'internal' })
    }
    const media = this.videoFree(call)
      ? await this.withVideo(call, (video) => video.media({ path }, call.stream!))
      : { stream: call.stream, receive: false }
    const pcConfig = await this.ice.current()
    // While the servers were asked for, the caller may have hung up (or a later leg begun).
    if (hasEnded(attempt)) this.videoEnded(call) // a camera opened meanwhile goes off
    if (call.leg !== leg || hasEnded(attempt)) return
    const session = ua.call(target, {
      extraHeaders,
      mediaStream: media.stream,
      pcConfig,
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: media.receive },
      eventHandlers: {
        peerconnection: (e) => {
          if (call.leg === leg) this.attachPeerConnection(e.peerconnection as unknown as RTCPeerConnection, call, ua)
        },
        sending: (e) => {
          call.callId = e.request.call_id
        },
        progress: (e: { response?: { status_code?: number } }) => {
          notePath(e.response)
          if (e.response?.status_code === 180) dispatch({ type: 'ringing' })
        },
        accepted: (e: { response?: unknown }) => {
          notePath(e.response)
          dispatch({ type: 'answered', now: Date.now(), ...idOf(call) })
          // Mid-call fallback: the IME call's answer carries the callee node's offer.
          if (path === 'ime' && call.leg === leg) {
            this.startFallback(call, 'caller', session, e.response, () =>
              attempt.dispatch({ type: 'ended', now: Date.now() }),
            )
          }
        },
        ended: (e: { originator?: string; message?: { getHeader?(name: string): string | undefined } }) => {
          // The far end hung up because the media never connected on its side: the same failure here.
          if (e.originator === 'remote' && saysMediaFailed(e.message?.getHeader?.('Reason'))) {
            dispatch({ type: 'media-failed', now: Date.now() })
          }
          dispatch({ type: 'ended', now: Date.now() })
        },
        failed: (e) => {
          const response = e.message as { status_code?: number; reason_phrase?: string } | undefined
          const code = e.originator === 'remote' ? response?.status_code : undefined
          const reason = response?.reason_phrase || e.cause
          if (e.originator === 'remote') notePath(response)
          dispatch({ type: 'failed', ...(code ? { code } : {}), reason, now: Date.now() })
        },
        hold: () => this.patch(call, { held: true }),
        unhold: () => this.patch(call, { held: false }),
        refer: (e) => referred(this.transferHost, call, e),
        replaces: (e) => replacing(this.transferHost, call, e as unknown as ReplacesEvent),
      },
    })
    call.session = session
    this.showReceivedTones(call, session)
  }

  // ---- incoming ------------------------------------------------------------------------------------------

  /**
   * An incoming call: rings when the phone is free; during one call it waits on the second line (a soft tone,
   * Answer holds the first); with both lines taken, another call ringing, or in a conference, it gets 486. An INVITE that replaces one of
   * our calls (the far end's attended transfer) is answered at once and takes that call's line.
   */
  private incoming(e: IncomingRTCSessionEvent): void {
    const session = e.session
    // Mid-call fallback: the PSTN leg of an IME call in progress, which that call checks and may take.
    const legHeader = legHeaderOf(e.request)
    if (this.live().some((l) => l.fallback?.takeLeg(session, legHeader) === true)) return
    const replaced = this.lines.find((l) => l.replacedBy === session)
    const live = this.live()
    const full = live.length >= MAX_LINES || live.some((l) => l.view.phase === 'incoming')
    if (!replaced && (full || this.mixer)) {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' })
      return
    }
    const from = session.remote_identity.uri.toString()
    const number = numberFromSipUri(from) ?? session.remote_identity.uri.user
    const pathHeader = e.request.getHeader('X-IME-Path')?.toLowerCase()
    const path: CallPath =
      pathHeader === 'ime' || e.request.hasHeader('X-IME-Ticket')
        ? 'ime'
        : pathHeader === 'internal'
          ? 'internal'
          : 'pstn'
    const call: ActiveCall = {
      id: this.nextLineId++,
      view: { direction: 'in', number, phase: 'incoming', path: pathLabel(path, false), muted: false, held: false },
      session,
      startedAt: Date.now(),
      callId: e.request.getHeader('Call-ID'),
      path,
      leg: 1,
      extraHeaders: [],
      offersVideo: offersVideo(e.request.body),
    }
    this.lines.push(call)
    session.on('peerconnection', (ev: PeerConnectionEvent) =>
      this.attachPeerConnection(ev.peerconnection as unknown as RTCPeerConnection, call, this.ua),
    )
    session.on('accepted', () => {
      if (this.focused === call) this.config.onTone('none')
      this.patch(call, { phase: 'in-call', answeredAt: Date.now() })
      if (path === 'ime') this.startFallback(call, 'callee', session, e.request, () => ended('answered'))
    })
    const ended = (outcome: string) => {
      if (call.view.phase === 'ended') return
      this.patch(call, { phase: 'ended', outcome })
      this.recordIncoming(call, outcome)
      this.finish(call)
    }
    // After a mid-call fallback the IME leg's end is not the call's (call.session is the PSTN leg then).
    session.on('ended', () => call.session === session && ended('answered'))
    session.on('failed', (ev: EndEvent) => {
      if (call.session !== session) return
      const declined = ev.originator === 'local' && ev.cause === 'Rejected'
      ended(declined ? 'declined' : call.view.answeredAt !== undefined ? 'answered' : 'missed')
    })
    session.on('hold', () => this.patch(call, { held: true }))
    session.on('unhold', () => this.patch(call, { held: false }))
    session.on('refer', (ev: ReferEvent) => referred(this.transferHost, call, ev))
    session.on('replaces', (ev: ReferEvent) => replacing(this.transferHost, call, ev as unknown as ReplacesEvent))
    this.showReceivedTones(call, session)
    if (replaced) {
      // The party we were talking to handed us over: the new party takes the line, its audio and the screen.
      replaced.replacedBy = undefined
      call.stream = replaced.stream
      replaced.stream = undefined
      call.view = { ...call.view, note: `Transferred: now talking with ${number}` }
      if (this.focused === replaced) this.focus(call)
      else this.emit()
      void this.answerLine(call)
      return
    }
    if (this.focused === undefined || this.focused.view.phase === 'ended') {
      this.lines = this.live()
      this.focus(call)
      this.config.onTone('ringing')
    } else {
      // A soft tone under the call in progress; a call still being placed keeps its ringback.
      if (this.focused.view.phase === 'in-call') this.config.onTone('waiting')
      this.emit()
    }
  }

  /** Tones the far end sends (SIP INFO) are shown on the call, as a phone's display would. */
  private showReceivedTones(call: ActiveCall, session: RTCSession): void {
    let received = ''
    session.on('newDTMF', (ev: { originator: string; dtmf: { tone: string } }) => {
      if (ev.originator !== 'remote') return
      received = (received + ev.dtmf.tone).slice(-16)
      this.patch(call, { note: `Received tones: ${received}` })
    })
  }

  /** Answers the ringing call; a call in progress is put on hold first (call waiting). */
  async answer(): Promise<void> {
    const call = this.lines.find((l) => l.view.phase === 'incoming')
    if (!call || !call.session) return
    this.config.onTone('none')
    for (const other of this.live()) if (other !== call) holdLocally(other)
    this.focus(call)
    await this.answerLine(call)
  }

  private async answerLine(call: ActiveCall): Promise<void> {
    try {
      call.stream ??= await this.config.openMicrophone()
    } catch (e) {
      this.patch(call, { note: `No microphone: ${(e as Error).message || String(e)}` })
      return
    }
    const media = this.videoFree(call)
      ? await this.withVideo(call, (video) =>
          video.media({ path: call.path ?? 'pstn', offered: call.offersVideo === true }, call.stream!),
        )
      : { stream: call.stream }
    const pcConfig = await this.ice.current()
    if (call.view.phase !== 'incoming' || !call.session) {
      if (call.view.phase === 'ended') this.videoEnded(call) // a camera opened meanwhile goes off
      return
    }
    call.session.answer({ mediaStream: media.stream, pcConfig })
  }

  /** Declines the ringing call (the focused one, or the one waiting). */
  decline(): void {
    const call = this.lines.find((l) => l.view.phase === 'incoming')
    call?.session?.terminate({ status_code: 603, reason_phrase: 'Decline' })
  }
  private recordIncoming(call: ActiveCall, outcome: string): void {
    if (call.incomingRecorded) return
    call.incomingRecorded = true
    this.record({
      number: call.view.number,
      start: call.startedAt,
      end: Date.now(),
      ...(call.view.answeredAt !== undefined ? { answeredAt: call.view.answeredAt } : {}),
      path: call.path ?? 'pstn',
      fallback: false,
      outcome,
      direction: 'in',
      ...(call.callId ? { callId: call.callId } : {}),
    })
  }

  // ---- in a call -----------------------------------------------------------------------------------------
  // ---- in a call -----------------------------------------------------------------------------------------

  /** Hangs up the focused call; in a conference, every call. */
  hangUp(): void {
    if (this.mixer) {
      for (const l of this.live()) this.hangUpLine(l)
      return
    }
    if (this.focused) this.hangUpLine(this.focused)
  }

  private hangUpLine(call: ActiveCall): void {
    if (call.view.phase === 'ended') return
    if (call.attempt) call.attempt.dispatch({ type: 'hangup', now: Date.now() })
    else if (call.view.phase === 'incoming') call.session?.terminate({ status_code: 603, reason_phrase: 'Decline' })
    else this.terminate(call.session, this.ua)
  }

  toggleMute(): void {
    const call = this.focused
    const s = call?.session
    if (!s || !call) return
    const muted = !call.view.muted
    if (this.mixer) {
      // In a conference the microphone is muted in the mix: the two far ends still hear each other.
      this.mixer.setMicMuted(muted)
      for (const l of this.live()) this.patch(l, { muted })
      return
    }
    if (muted) s.mute({ audio: true })
    else s.unmute({ audio: true })
    this.patch(call, { muted })
  }

  toggleHold(): void {
    const call = this.focused
    const s = call?.session
    if (!call || !s || call.view.phase !== 'in-call' || this.mixer) return
    if (s.isOnHold().local) {
      // Only one call is heard at a time: taking this one off hold holds the other.
      for (const other of this.live()) if (other !== call && other.view.phase === 'in-call') holdLocally(other)
      resumeLocally(call)
    } else holdLocally(call)
  }

  /** Two calls: the focused one goes on hold, the other comes back and is shown. */
  swap(): void {
    const other = this.otherLine()
    const call = this.focused
    if (!call || !other || this.mixer || other.view.phase !== 'in-call' || call.view.phase !== 'in-call') return
    holdLocally(call)
    resumeLocally(other)
    this.focus(other)
  }

  /** The line that is not focused, if any is live. */
  private otherLine(): ActiveCall | undefined {
    return this.live().find((l) => l !== this.focused)
  }

  /**
   * Merges the two answered calls into a local three-way conference: both are taken off hold and the browser
   * mixes (conference-mixer.ts), so that each far end hears the other and this user.
   */
  async merge(): Promise<void> {
    const lines = this.live()
    if (this.mixer || lines.length !== 2 || lines.some((l) => l.view.phase !== 'in-call')) return
    await Promise.all(lines.map((l) => new Promise<void>((done) => resumeLocally(l, done))))
    const mic = lines.map((l) => l.stream).find((s) => s !== undefined)
    const legs = lines.flatMap((l) => (l.pc && l.remote ? [{ pc: l.pc, remote: l.remote }] : []))
    if (!mic || legs.length !== 2 || this.live().length !== 2 || this.mixer) {
      if (this.focused) this.patch(this.focused, { note: 'Cannot merge: a call has no audio yet' })
      return
    }
    const started = await ConferenceMixer.start(mic, legs)
    if (!started.ok) {
      if (this.focused) this.patch(this.focused, { note: `Cannot merge: ${started.error}` })
      return
    }
    if (this.live().length !== 2) {
      void started.mixer.stop()
      return
    }
    this.mixer = started.mixer
    const muted = lines.some((l) => l.view.muted)
    if (muted) this.mixer.setMicMuted(true)
    for (const l of lines) {
      l.session?.unmute({ audio: true }) // the mix carries the microphone; its gain mutes it
      this.patch(l, { conference: true, muted, held: false, note: '' })
    }
    this.playFocused()
  }

  /** Ends the conference mix: each remaining call gets its own microphone back. */
  private async unmerge(): Promise<void> {
    const mixer = this.mixer
    if (!mixer) return
    this.mixer = undefined
    await mixer.stop()
    for (const l of this.live()) this.patch(l, { conference: false, note: 'The three-way call ended' })
    this.playFocused()
  }

  /**
   * Tones as SIP INFO (application/dtmf-relay): they cross every path (IME, the PSTN gateway, proxies) and the
   * far end's phone can show or act on them, which RFC 4733 events inside the media would not allow a browser.
   */
  sendDtmf(key: string): void {
    const s = this.focused?.session
    if (!s || this.focused?.view.phase !== 'in-call') return
    s.sendDTMF(key, { transportType: 'INFO' as never, duration: 120, interToneGap: 70 })
  }

  /** Blind transfer of the focused call (transfers.ts). */
  transfer(number: string): void {
    blindTransfer(this.transferHost, number)
  }

  /** Attended transfer: the held call is sent to the focused call's party (transfers.ts). */
  completeTransfer(): void {
    completeTransfer(this.transferHost)
  }

  /** The user agrees to the far end's transfer request (transfers.ts). */
  acceptTransfer(): void {
    acceptTransfer(this.transferHost)
  }

  /** The user refuses the far end's transfer request (transfers.ts). */
  declineTransfer(): void {
    declineTransfer(this.transferHost)
  }

  /** What of the lines the transfers use. */
  private readonly transferHost: TransferHost = {
    domain: () => this.config.user.domain,
    focused: () => this.focused,
    otherLine: () => this.otherLine(),
    has: (call) => this.has(call),
    liveCount: () => this.live().length,
    inConference: () => this.mixer !== undefined,
    patch: (call, p) => this.patch(call, p),
    hangUpLine: (call) => this.hangUpLine(call),
    canDial: () => this.canDial,
    dial: (number, options) => this.dial(number, options),
  }

  /** Switches the microphone in every call without renegotiating. */
  async useMicrophone(stream: MediaStream): Promise<void> {
    const track = stream.getAudioTracks()[0]
    if (!track || this.mixer) return
    for (const call of this.live()) {
      const sender = call.pc?.getSenders().find((x) => x.track?.kind === 'audio')
      await sender?.replaceTrack(track)
      for (const t of call.stream?.getTracks() ?? []) if (t !== track) t.stop()
      call.stream = stream
    }
  }

  // ---- plumbing ------------------------------------------------------------------------------------------

  /** Shows and plays `call`; the others are on hold (or in the conference mix). */
  private focus(call: ActiveCall): void {
    this.focused = call
    this.playFocused()
    this.emit()
  }

  /** The speaker plays the focused call's far end, or the conference mix. */
  private playFocused(): void {
    const stream = this.mixer?.local ?? this.focused?.remote ?? null
    const audio = this.config.remoteAudio
    if (audio.srcObject === stream) return
    audio.srcObject = stream
    if (stream) void audio.play().catch(() => undefined)
  }
  /**
   * Plays the far end's audio; and when the media connection fails (ICE consent lost: the far end is gone, as a
   * crashed browser or a lost network leaves it), hangs up rather than stay in a silent call forever.
   */
  private attachPeerConnection(pc: RTCPeerConnection, call: ActiveCall, ua: UA | undefined): void {
    call.pc = pc
    pc.addEventListener('track', (e) => {
      if (call.pc !== pc) return
      const stream = e.streams[0] ?? new MediaStream([e.track])
      if (e.track.kind === 'video') return call.video === true ? this.config.video?.remote(stream, pc) : undefined
      call.remote = stream
      if (this.focused === call) this.playFocused()
    })
    // Media that never connects fails the call, said as such (routing.ts): when the connection fails, or when it
    // has not connected MEDIA_CONNECT_TIMEOUT_MS after offer and answer (a browser may keep waiting for more
    // candidates that never come, e.g. when no TURN server would relay for it).
    let connected = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const mediaFailed = () => {
      clearTimeout(timer)
      if (connected || call.view.phase !== 'in-call' || !this.has(call)) return
      if (call.attempt !== undefined) {
        // An IME call moves to the PSTN, a PSTN call ends.
        call.attempt.dispatch({ type: 'media-failed', now: Date.now() })
      } else {
        this.patch(call, { note: `The call ended: ${MEDIA_FAILED}` })
        this.terminate(call.session, ua, MEDIA_FAILED)
      }
    }
    pc.addEventListener('signalingstatechange', () => {
      if (pc.signalingState === 'stable' && !connected && timer === undefined) {
        timer = setTimeout(mediaFailed, MEDIA_CONNECT_TIMEOUT_MS)
      }
      if (pc.signalingState === 'closed') clearTimeout(timer)
    })
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected') {
        connected = true
        clearTimeout(timer)
      }
      if (pc.connectionState !== 'failed' || call.view.phase !== 'in-call') return
      // The IME leg of a call that moved to the PSTN mid-call is no longer the call's (web/src/fallback).
      if (call.fallback?.hasMoved === true) return
      if (connected) {
        this.patch(call, { note: 'The audio connection was lost; hanging up' })
        this.terminate(call.session, ua)
      } else mediaFailed()
    })
  }

  /**
   * Ends a session (CANCEL before an answer, BYE after). A BYE sent while the session's SIP connection is down
   * would be lost and leave the far end in the call, so the phone then mutes the line and waits for the
   * connection to come back (at most HANGUP_WAIT_MS), and sends it then.
   */
  private terminate(session: RTCSession | undefined, ua: UA | undefined, reason?: string): void {
    if (!session || session.isEnded()) return
    if (ua !== undefined && session.isEstablished() && !ua.isConnected()) {
      session.mute({ audio: true })
      const call = this.lines.find((l) => l.session === session)
      if (call) this.patch(call, { note: 'Hanging up when the connection is back…' })
      const send = () => {
        clearTimeout(timer)
        ua.off('connected', send)
        this.terminate(session, undefined, reason)
      }
      const timer = setTimeout(send, HANGUP_WAIT_MS)
      ua.on('connected', send)
      return
    }
    try {
      session.terminate(reason === undefined ? {} : { extraHeaders: [mediaFailedReason()] })
    } catch {
      // already over
    }
  }

  /**
   * The node keeps the record of every call it carries (PSTN calls both ways, IME calls that reach this user,
   * internal calls), so only an outgoing IME call, which goes from this browser straight to the other
   * enterprise, is reported; the history is refreshed for the others once the node has written them.
   */
  private record(record: NewCallRecord): void {
    if (record.path !== 'ime' || record.direction !== 'out') {
      setTimeout(() => this.config.onRecorded(), 500)
      return
    }
    this.config.api.recordCall(record).then(
      () => this.config.onRecorded(),
      () => this.config.onRecorded(),
    )
  }

  private finish(call: ActiveCall): void {
    call.fallback?.stop()
    // A microphone stream shared with another call (after a switch of microphone) stays open for it.
    const shared = this.live().some((l) => l !== call && l.stream === call.stream)
    if (!shared) for (const t of call.stream?.getTracks() ?? []) t.stop()
    call.stream = undefined
    call.remote = undefined
    this.videoEnded(call)
    if (this.mixer) void this.unmerge()
    const rest = this.live()
    if (rest.length === 0) {
      this.config.remoteAudio.srcObject = null
      this.config.onTone('none')
      setTimeout(() => {
        if (this.focused === call && this.live().length === 0) {
          this.lines = []
          this.focused = undefined
          this.emit()
        }
      }, 2500)
      return
    }
    // Another call goes on: the ended one leaves its line at once, and the screen goes to the other.
    this.lines = rest
    if (this.focused === call || this.focused === undefined) {
      const next = nextFocus(rest, call, (l) => l.view.phase)
      if (next) {
        this.focus(next)
        this.config.onTone(next.view.phase === 'incoming' ? 'ringing' : 'none')
        return
      }
    } else if (!rest.some((l) => l.view.phase === 'incoming')) this.config.onTone('none')
    this.emit()
  }

  /** Mid-call fallback for an answered IME call (watchForFallback, fallback/line-host.ts), with this phone as host. */
  private startFallback(
    call: ActiveCall,
    side: 'caller' | 'callee',
    ip: RTCSession,
    message: unknown,
    onEnd: () => void,
  ): void {
    watchForFallback(
      {
        ua: () => this.ua,
        domain: this.config.user.domain,
        pcConfig: () => this.ice.current(),
        remoteAudio: this.config.remoteAudio,
        patch: (c, p) => this.patch(c, p),
        playFocused: () => this.playFocused(),
      },
      call,
      side,
      ip,
      message,
      onEnd,
    )
  }

  /** Whether this line may have the video: video is configured and no other live line has it. */
  private videoFree(call: ActiveCall): boolean {
    return this.config.video !== undefined && !this.live().some((l) => l !== call && l.video === true)
  }

  /** Asks video.ts for this line's media; the line has the video from then on. */
  private withVideo<T>(call: ActiveCall, ask: (video: CallVideo) => Promise<T>): Promise<T> {
    call.video = true
    return ask(this.config.video!)
  }

  /** The line that has the video ends: the camera goes off, the pictures go. */
  private videoEnded(call: ActiveCall): void {
    if (call.video !== true) return
    call.video = false
    this.config.video?.ended()
  }

  private patch(call: ActiveCall, p: Partial<CallView>): void {
    if (!this.has(call)) return
    call.view = { ...call.view, ...p }
    this.emit()
  }

  private emit(): void {
    this.config.onCall(this.focused?.view)
    this.config.onLines?.(this.lines.map((l) => ({ ...l.view, id: l.id, focused: l === this.focused })))
  }
}

export type { Outcome }
