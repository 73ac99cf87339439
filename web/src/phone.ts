/**
 * The SIP side of the softphone: one registered JsSIP UA on the node's internal SIP WebSocket (incoming calls,
 * PSTN calls), and for each IME call a second, unregistered UA on the callee domain's WebSocket. Outgoing calls
 * are driven by the routing state machine (routing.ts); this module carries out its effects.
 */
import { UA, WebSocketInterface } from 'jssip'
import type { EndEvent, PeerConnectionEvent, ReferEvent, RTCSession } from 'jssip/lib/RTCSession.js'
import type { IncomingRTCSessionEvent, RTCSessionEvent } from 'jssip/lib/UA.js'
import type { ApiClient, CallPath, NewCallRecord, SessionUser } from './api.js'
import { backoffDelay } from './backoff.js'
import { IceServers } from './ice.js'
import { offersVideo, type CallVideo } from './video.js'
import { numberFromSipUri } from './number.js'
import {
  CallAttempt,
  MEDIA_FAILED,
  mediaFailedReason,
  saysMediaFailed,
  pathLabel,
  type AttemptEvent,
  type AttemptState,
  type Effect,
  type PathLabel,
  type Outcome,
} from './routing.js'

export type Registration =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'registered' }
  | { readonly kind: 'offline'; readonly reason: string }

export const registrationText = (r: Registration): string =>
  r.kind === 'registered' ? 'Registered' : r.kind === 'connecting' ? 'Connecting' : `Offline: ${r.reason}`

export type CallPhase = 'routing' | 'calling' | 'ringing' | 'incoming' | 'in-call' | 'ended'

export interface CallView {
  readonly direction: 'in' | 'out'
  readonly number: string
  readonly phase: CallPhase
  readonly path?: PathLabel
  readonly note?: string
  readonly answeredAt?: number
  readonly muted: boolean
  readonly held: boolean
  readonly outcome?: string
  /** The far end asks this user to call another number (a REFER): nothing is dialled until the user agrees. */
  readonly transferRequest?: { readonly number: string; readonly by: string }
}

export interface PhoneConfig {
  readonly user: SessionUser
  readonly sipUser: string
  /** The SIP digest password; none when the node's registrar knows the user by the session cookie. */
  readonly password?: string
  readonly sipWsUrl: string
  readonly imeConnectTimeoutMs: number
  readonly api: ApiClient
  readonly remoteAudio: HTMLAudioElement
  readonly openMicrophone: () => Promise<MediaStream>
  readonly onRegistration: (r: Registration) => void
  readonly onCall: (c: CallView | undefined) => void
  readonly onTone: (tone: 'ringback' | 'ringing' | 'none') => void
  readonly onRecorded: () => void
  /** The registrar refused the credentials (or wants a password the phone was not given). */
  readonly onAuthFailed?: () => void
  /** Video over IME (video.ts): each leg's media, the far end's picture; without it, calls are audio only. */
  readonly video?: CallVideo
}

/** How long answered media may take to connect before the call counts as failed (ms). */
const MEDIA_CONNECT_TIMEOUT_MS = 10_000
/** How long a hang-up waits for a dropped SIP connection to come back, so that its BYE is not lost (ms). */
const HANGUP_WAIT_MS = 10_000

/** The node's internal SIP WebSocket when the server does not say: wss://<page host>/sip (ws: for http:). */
/**
 * The SIP WebSocket: the node's port on the page's own host name (so the session cookie goes with the upgrade),
 * or /sip on the page's origin when the node did not say (a reverse proxy in front of it).
 */
export function defaultSipWsUrl(location: Pick<Location, 'protocol' | 'host' | 'hostname'>, port?: number): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return port === undefined ? `${scheme}://${location.host}/sip` : `${scheme}://${location.hostname}:${port}`
}

interface ActiveCall {
  view: CallView
  /** A REFER waiting for the user's answer. */
  pendingRefer?: { number: string; event: ReferEvent }
  attempt?: CallAttempt
  session?: RTCSession
  imeUa?: UA
  stream?: MediaStream
  startedAt: number
  callId?: string
  path?: CallPath
  incomingRecorded?: boolean
  /** Counts INVITEs placed for this call; events from an earlier leg (the IME one, after a fallback) are ignored. */
  leg: number
  /** An incoming call's offer has video. */
  offersVideo?: boolean
}

/** Read afresh after an await (TypeScript keeps the narrowing from before it). */
const hasEnded = (attempt: CallAttempt): boolean => attempt.state.phase === 'ended'

export class Phone {
  private ua: UA | undefined
  private call: ActiveCall | undefined
  private registerAttempts = 0
  private registerTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  /** STUN, and TURN with credentials minted for this user by the node; renewed before they expire. */
  private readonly ice: IceServers

  constructor(private readonly config: PhoneConfig) {
    this.ice = new IceServers(() => config.api.iceServers())
  }

  get busy(): boolean {
    return this.call !== undefined && this.call.view.phase !== 'ended'
  }

  start(): void {
    const { user, sipUser, password, sipWsUrl } = this.config
    this.config.onRegistration({ kind: 'connecting' })
    let socket: WebSocketInterface
    try {
      socket = new WebSocketInterface(sipWsUrl)
    } catch (e) {
      this.config.onRegistration({ kind: 'offline', reason: `bad SIP WebSocket URL ${sipWsUrl} (${String(e)})` })
      return
    }
    const ua = new UA({
      sockets: [socket],
      uri: `sip:${sipUser}@${user.domain}`,
      authorization_user: sipUser,
      ...(password ? { password } : {}),
      display_name: user.name,
      register: true,
      register_expires: 300,
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 30,
      user_agent: 'IME softphone',
    })
    this.ua = ua
    ua.on('connecting', () => {
      if (!ua.isRegistered()) this.config.onRegistration({ kind: 'connecting' })
    })
    ua.on('disconnected', (e) => {
      const why = e.code !== undefined && e.code !== 1000 ? ` (code ${e.code})` : ''
      this.config.onRegistration({ kind: 'offline', reason: `no connection to the SIP server${why}; retrying` })
    })
    ua.on('registered', () => {
      this.registerAttempts = 0
      this.config.onRegistration({ kind: 'registered' })
    })
    ua.on('unregistered', () => {
      // A lost connection also unregisters; the 'disconnected' reason says more.
      if (!this.stopped && ua.isConnected()) this.config.onRegistration({ kind: 'offline', reason: 'not registered' })
    })
    ua.on('registrationFailed', (e) => {
      const code = e.response?.status_code
      const auth = code === 401 || code === 403 || e.cause === 'Authentication Error'
      if (auth) {
        this.config.onRegistration({ kind: 'offline', reason: 'the SIP server refused the user name or password' })
        this.config.onAuthFailed?.()
        return
      }
      const delay = backoffDelay(this.registerAttempts++)
      const what = code
        ? `registration refused (${code} ${e.response.reason_phrase})`
        : `registration failed (${e.cause})`
      this.config.onRegistration({ kind: 'offline', reason: `${what}; retrying in ${Math.ceil(delay / 1000)} s` })
      clearTimeout(this.registerTimer)
      this.registerTimer = setTimeout(() => {
        if (!this.stopped && ua.isConnected()) ua.register()
      }, delay)
    })
    ua.on('newRTCSession', (e: RTCSessionEvent) => {
      if (e.originator === 'remote') this.incoming(e as IncomingRTCSessionEvent)
    })
    ua.start()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.registerTimer)
    this.hangUp()
    this.ua?.stop()
  }

  // ---- outgoing ------------------------------------------------------------------------------------------

  dial(number: string): void {
    if (this.busy) return
    const call: ActiveCall = {
      view: { direction: 'out', number, phase: 'routing', muted: false, held: false },
      startedAt: Date.now(),
      leg: 0,
    }
    this.call = call
    this.emit()
    const attempt = new CallAttempt(number, this.config.user.domain, (effect, a) => this.effect(call, effect, a), {
      imeConnectTimeoutMs: this.config.imeConnectTimeoutMs,
    })
    call.attempt = attempt
    attempt.onChange((s) => this.fromAttempt(call, s))
  }

  private fromAttempt(call: ActiveCall, s: AttemptState): void {
    if (this.call !== call) return
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
    this.config.onTone(phase === 'ringing' ? 'ringback' : 'none')
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
      case 'connect-ime': {
        let socket: WebSocketInterface
        try {
          socket = new WebSocketInterface(effect.wsUrl)
        } catch (e) {
          queueMicrotask(() =>
            attempt.dispatch({
              type: 'ime-failed',
              failure: { kind: 'connect-failed', reason: String(e) },
              now: now(),
            }),
          )
          return
        }
        const { user } = this.config
        // No proxy of our own on this path: the From carries the user's number; the callee's edge shows the caller
        // its node asserted (the Identity header), not this From.
        const ua = new UA({
          sockets: [socket],
          uri: `sip:${user.number}@${user.domain}`,
          display_name: user.name,
          register: false,
          // Only an answered call keeps this connection: it comes back quickly if it drops.
          connection_recovery_min_interval: 1,
          connection_recovery_max_interval: 10,
          user_agent: 'IME softphone',
        })
        call.imeUa = ua
        let connectedBefore = false
        ua.on('connected', () => {
          if (call.imeUa !== ua) return
          if (!connectedBefore) {
            connectedBefore = true
            attempt.dispatch({ type: 'ime-connected' })
            return
          }
          // Back after a drop, in the call: an in-dialog OPTIONS tells the far edge which connection is ours now,
          // so that the far end's BYE or re-INVITE reaches us (JsSIP answers OPTIONS itself at the far end).
          // (RTCSession.sendRequest exists in JsSIP 3 but is missing from its type definitions.)
          const session = call.session as (RTCSession & { sendRequest(method: string): void }) | undefined
          if (session?.isEstablished()) session.sendRequest('OPTIONS')
        })
        ua.on('disconnected', (e) => {
          if (call.imeUa !== ua) return
          const reason = e.reason || (e.code ? `WebSocket closed with code ${e.code}` : 'WebSocket closed')
          attempt.dispatch({ type: 'ime-failed', failure: { kind: 'connect-failed', reason }, now: now() })
        })
        ua.start()
        return
      }
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
              void this.invite(call, attempt, call.imeUa, effect.target, headers, 'ime')
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
          const headers = attempt.state.fallback ? ['X-IME-Fallback: 1'] : []
          void this.invite(call, attempt, this.ua, effect.target, headers, 'pstn')
        } else attempt.dispatch({ type: 'failed', reason: 'not signed in to the SIP server', now: now() })
        return
      case 'terminate':
        this.terminate(call.session, call.path === 'ime' ? call.imeUa : this.ua, effect.reason)
        return
      case 'record':
        this.record(effect.record)
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
    const media = this.config.video
      ? await this.config.video.media({ path }, call.stream)
      : { stream: call.stream, receive: false }
    const pcConfig = await this.ice.current()
    // While the servers were asked for, the caller may have hung up (or a later leg begun).
    if (hasEnded(attempt)) this.config.video?.ended() // a camera opened meanwhile goes off
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
        refer: (e) => this.referred(call, e),
      },
    })
    call.session = session
    this.showReceivedTones(call, session)
  }

  // ---- incoming ------------------------------------------------------------------------------------------

  private incoming(e: IncomingRTCSessionEvent): void {
    const session = e.session
    if (this.busy) {
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
      view: { direction: 'in', number, phase: 'incoming', path: pathLabel(path, false), muted: false, held: false },
      session,
      startedAt: Date.now(),
      callId: e.request.getHeader('Call-ID'),
      path,
      leg: 1,
      offersVideo: offersVideo(e.request.body),
    }
    this.call = call
    this.config.onTone('ringing')
    session.on('peerconnection', (ev: PeerConnectionEvent) =>
      this.attachPeerConnection(ev.peerconnection as unknown as RTCPeerConnection, call, this.ua),
    )
    session.on('accepted', () => {
      this.config.onTone('none')
      this.patch(call, { phase: 'in-call', answeredAt: Date.now() })
    })
    const ended = (outcome: string) => {
      if (call.view.phase === 'ended') return
      this.config.onTone('none')
      this.patch(call, { phase: 'ended', outcome })
      this.recordIncoming(call, outcome)
      this.finish(call)
    }
    session.on('ended', () => ended('answered'))
    session.on('failed', (ev: EndEvent) => {
      const declined = ev.originator === 'local' && ev.cause === 'Rejected'
      ended(declined ? 'declined' : call.view.answeredAt !== undefined ? 'answered' : 'missed')
    })
    session.on('hold', () => this.patch(call, { held: true }))
    session.on('unhold', () => this.patch(call, { held: false }))
    session.on('refer', (ev: ReferEvent) => this.referred(call, ev))
    this.showReceivedTones(call, session)
    this.emit()
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

  async answer(): Promise<void> {
    const call = this.call
    if (!call || call.view.phase !== 'incoming' || !call.session) return
    this.config.onTone('none')
    try {
      call.stream ??= await this.config.openMicrophone()
    } catch (e) {
      this.patch(call, { note: `No microphone: ${(e as Error).message || String(e)}` })
      return
    }
    const media = this.config.video
      ? await this.config.video.media({ path: call.path ?? 'pstn', offered: call.offersVideo === true }, call.stream)
      : { stream: call.stream }
    const pcConfig = await this.ice.current()
    if (call.view.phase !== 'incoming') {
      if (call.view.phase === 'ended') this.config.video?.ended() // a camera opened meanwhile goes off
      return
    }
    call.session.answer({ mediaStream: media.stream, pcConfig })
  }

  decline(): void {
    const call = this.call
    if (call?.view.phase === 'incoming') call.session?.terminate({ status_code: 603, reason_phrase: 'Decline' })
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

  hangUp(): void {
    const call = this.call
    if (!call || call.view.phase === 'ended') return
    if (call.attempt) call.attempt.dispatch({ type: 'hangup', now: Date.now() })
    else if (call.view.phase === 'incoming') this.decline()
    else this.terminate(call.session, this.ua)
  }

  toggleMute(): void {
    const s = this.call?.session
    if (!s || !this.call) return
    if (this.call.view.muted) s.unmute({ audio: true })
    else s.mute({ audio: true })
    this.patch(this.call, { muted: !this.call.view.muted })
  }

  toggleHold(): void {
    const call = this.call
    const s = call?.session
    if (!call || !s || call.view.phase !== 'in-call') return
    if (call.view.held) s.unhold()
    else s.hold()
  }

  /**
   * Tones as SIP INFO (application/dtmf-relay): they cross every path (IME, the PSTN gateway, proxies) and the
   * far end's phone can show or act on them, which RFC 4733 events inside the media would not allow a browser.
   */
  sendDtmf(key: string): void {
    const s = this.call?.session
    if (!s || this.call?.view.phase !== 'in-call') return
    s.sendDTMF(key, { transportType: 'INFO' as never, duration: 120, interToneGap: 70 })
  }

  /** Blind transfer: REFER the far end to the number, through the user's own domain. */
  transfer(number: string): void {
    const call = this.call
    const s = call?.session
    if (!call || !s || call.view.phase !== 'in-call') return
    this.patch(call, { note: `Asking the other party to call ${number}…` })
    // Blind transfer: the far end is asked (REFER); this side leaves the call once it calls the number (its
    // NOTIFY says so, or it hangs up to call), and stays if it declines.
    s.refer(`sip:${number}@${this.config.user.domain}`, {
      eventHandlers: {
        accepted: () => this.hangUp(),
        failed: () => this.patch(call, { note: `The other party did not take the transfer to ${number}` }),
        requestFailed: () => this.patch(call, { note: `Transfer to ${number} was refused` }),
      },
    } as never)
  }

  /**
   * The far end asks us to call another number (REFER). Nothing is dialled without the user: the request is shown
   * with who made it, and only acceptTransfer() leaves this call and calls the Refer-To number the usual way (so
   * that the new call is routed, IME or PSTN, like any other); declineTransfer() refuses it and stays.
   */
  private referred(call: ActiveCall, e: ReferEvent): void {
    const referTo = e.request.getHeader('Refer-To') ?? ''
    const number = numberFromSipUri(referTo.replace(/^[^<]*</, '<'))
    if (this.call !== call || call.pendingRefer || !number || !/^\+[1-9][0-9]{1,14}$/.test(number)) {
      e.reject()
      return
    }
    call.pendingRefer = { number, event: e }
    const referredBy = e.request.getHeader('Referred-By')
    const by = (referredBy ? numberFromSipUri(referredBy.replace(/^[^<]*</, '<')) : undefined) ?? call.view.number
    this.patch(call, { transferRequest: { number, by } })
  }

  /** The user agrees to the far end's transfer request: leave this call, call the number. */
  acceptTransfer(): void {
    const call = this.call
    const pending = call?.pendingRefer
    if (!call || !pending) return
    call.pendingRefer = undefined
    this.patch(call, { transferRequest: undefined })
    this.hangUp()
    setTimeout(() => {
      if (!this.busy) this.dial(pending.number)
      if (this.call && this.call !== call) this.patch(this.call, { note: 'Transferred' })
    }, 200)
  }

  /** The user refuses the far end's transfer request: the far end is told (NOTIFY 603), the call goes on. */
  declineTransfer(): void {
    const call = this.call
    const pending = call?.pendingRefer
    if (!call || !pending) return
    call.pendingRefer = undefined
    pending.event.reject()
    this.patch(call, { transferRequest: undefined, note: `Declined the transfer to ${pending.number}` })
  }

  /** Switches the microphone in a call without renegotiating. */
  async useMicrophone(stream: MediaStream): Promise<void> {
    const call = this.call
    const track = stream.getAudioTracks()[0]
    if (!call || !track) return
    const sender = call.session?.connection?.getSenders().find((x) => x.track?.kind === 'audio')
    await sender?.replaceTrack(track)
    for (const t of call.stream?.getTracks() ?? []) t.stop()
    call.stream = stream
  }

  // ---- plumbing ------------------------------------------------------------------------------------------

  /**
   * Plays the far end's audio; and when the media connection fails (ICE consent lost: the far end is gone, as a
   * crashed browser or a lost network leaves it), hangs up rather than stay in a silent call forever.
   */
  private attachPeerConnection(pc: RTCPeerConnection, call: ActiveCall, ua: UA | undefined): void {
    pc.addEventListener('track', (e) => {
      const stream = e.streams[0] ?? new MediaStream([e.track])
      if (e.track.kind === 'video') return this.config.video?.remote(stream, pc)
      this.config.remoteAudio.srcObject = stream
      void this.config.remoteAudio.play().catch(() => undefined)
    })
    // Media that never connects fails the call, said as such (routing.ts): when the connection fails, or when it
    // has not connected MEDIA_CONNECT_TIMEOUT_MS after offer and answer (a browser may keep waiting for more
    // candidates that never come, e.g. when no TURN server would relay for it).
    let connected = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const mediaFailed = () => {
      clearTimeout(timer)
      if (connected || call.view.phase !== 'in-call' || this.call !== call) return
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
      if (this.call?.session === session) this.patch(this.call, { note: 'Hanging up when the connection is back…' })
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
    for (const t of call.stream?.getTracks() ?? []) t.stop()
    call.stream = undefined
    this.config.remoteAudio.srcObject = null
    this.config.video?.ended()
    this.config.onTone('none')
    setTimeout(() => {
      if (this.call === call) {
        this.call = undefined
        this.emit()
      }
    }, 2500)
  }

  private patch(call: ActiveCall, p: Partial<CallView>): void {
    if (this.call !== call) return
    call.view = { ...call.view, ...p }
    this.emit()
  }

  private emit(): void {
    this.config.onCall(this.call?.view)
  }
}

const idOf = (call: ActiveCall): { callId?: string } => (call.callId ? { callId: call.callId } : {})

/** Whether a SIP response (JsSIP's IncomingResponse) carries X-IME-Path: internal. */
export function internalIn(response: unknown): boolean {
  const r = response as { getHeader?: (name: string) => string | undefined } | undefined
  return typeof r?.getHeader === 'function' && r.getHeader('X-IME-Path')?.trim().toLowerCase() === 'internal'
}
export type { Outcome }
