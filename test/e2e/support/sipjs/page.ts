/**
 * A stock SIP.js 0.21 client, as an interop lab would write one: the library's own UserAgent, Registerer, Inviter
 * and Invitation with its default web media (getUserMedia, RTCPeerConnection). No shims, no patches. Bundled for
 * Chromium by ../sipjs.ts (esbuild) and driven from the test through `window.sipjs`.
 */
import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
  type Core,
  type Session,
} from 'sip.js'

export interface SipJsAccount {
  readonly wsUrl: string
  readonly user: string
  readonly password: string
  readonly domain: string
}

/** What the test reads back. */
export interface SipJsState {
  registered: boolean
  /** Why registering failed, if it did. */
  registerError: string | undefined
  /** Every INVITE received: its X-IME-Path. */
  invites: (string | undefined)[]
  /** The current session's state (SIP.js SessionState). */
  session: string | undefined
  /** The final status of our last outgoing INVITE. */
  lastFinal: number | undefined
  log: string[]
}

const state: SipJsState = {
  registered: false,
  registerError: undefined,
  invites: [],
  session: undefined,
  lastFinal: undefined,
  log: [],
}
let ua: UserAgent | undefined
let current: Session | undefined
let ringing: Invitation | undefined

function audioElement(): HTMLAudioElement {
  let el = document.getElementById('remote') as HTMLAudioElement | null
  if (el === null) {
    el = document.createElement('audio')
    el.id = 'remote'
    el.autoplay = true
    document.body.append(el)
  }
  return el
}

/** Plays the far end's audio, as every SIP.js app does (and Chromium only decodes a remote track that plays). */
function follow(session: Session): void {
  current = session
  session.stateChange.addListener((s) => {
    state.session = s
    state.log.push(`session ${s}`)
    if (s === SessionState.Established) {
      const sdh = session.sessionDescriptionHandler as unknown as { remoteMediaStream: MediaStream }
      const el = audioElement()
      el.srcObject = sdh.remoteMediaStream
      void el.play().catch(() => undefined)
    }
  })
}

const media = { constraints: { audio: true, video: false } }

async function start(account: SipJsAccount): Promise<SipJsState> {
  const uri = UserAgent.makeURI(`sip:${account.user}@${account.domain}`)
  if (uri === undefined) throw new Error('bad AOR')
  ua = new UserAgent({
    uri,
    transportOptions: { server: account.wsUrl },
    authorizationUsername: account.user,
    authorizationPassword: account.password,
    logLevel: 'warn',
    sessionDescriptionHandlerFactoryOptions: {
      peerConnectionConfiguration: { iceServers: [] },
      iceGatheringTimeout: 500,
    },
    delegate: {
      onInvite: (invitation: Invitation) => {
        state.invites.push(invitation.request.getHeader('X-IME-Path'))
        ringing = invitation
        follow(invitation)
      },
    },
  })
  await ua.start()
  const registerer = new Registerer(ua)
  const done = new Promise<void>((resolve) => {
    registerer.stateChange.addListener((s) => {
      state.registered = s === RegistererState.Registered
      if (s === RegistererState.Registered) resolve()
    })
  })
  await registerer.register({
    requestDelegate: {
      onReject: (r: Core.IncomingResponse) => {
        state.registerError = `${r.message.statusCode} ${r.message.reasonPhrase}`
      },
    },
  })
  await Promise.race([done, new Promise((r) => setTimeout(r, 8_000))])
  return state
}

async function call(target: string): Promise<void> {
  const to = UserAgent.makeURI(target)
  if (ua === undefined || to === undefined) throw new Error('not started, or a bad target')
  state.lastFinal = undefined
  const inviter = new Inviter(ua, to, { sessionDescriptionHandlerOptions: media })
  follow(inviter)
  await inviter.invite({
    requestDelegate: {
      onAccept: (r: Core.IncomingResponse) => void (state.lastFinal = r.message.statusCode),
      onReject: (r: Core.IncomingResponse) => void (state.lastFinal = r.message.statusCode),
    },
  })
}

async function answer(): Promise<void> {
  if (ringing === undefined) throw new Error('nothing ringing')
  const inv = ringing
  ringing = undefined
  await inv.accept({ sessionDescriptionHandlerOptions: media })
}

async function reject(statusCode: number): Promise<void> {
  if (ringing === undefined) throw new Error('nothing ringing')
  const inv = ringing
  ringing = undefined
  await inv.reject({ statusCode })
}

async function hangUp(): Promise<void> {
  const s = current
  if (s === undefined) return
  if (s.state === SessionState.Established) await s.bye()
  else if (s instanceof Inviter) await s.cancel()
}

;(window as unknown as { sipjs: unknown }).sipjs = { start, call, answer, reject, hangUp, state }
