/**
 * The phone's lines: what the page shows of each call (CallView, LineView), what the phone keeps of it
 * (ActiveCall), and the small session helpers every part of the phone uses (local hold, SIP headers).
 */
import type { UA } from 'jssip'
import type { ReferEvent, RTCSession } from 'jssip/lib/RTCSession.js'
import type { CallPath } from './api.js'
import type { MidcallFallback } from './fallback/midcall.js'
import type { CallAttempt, PathLabel } from './routing.js'

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
  readonly transferRequest?: { readonly number: string; readonly by: string; readonly attended?: boolean }
  /** This line is in the local three-way conference. */
  readonly conference?: boolean
}

/** One line of the phone (there are at most MAX_LINES): its call, and whether it is the one shown and heard. */
export interface LineView extends CallView {
  readonly id: number
  readonly focused: boolean
}

export interface ActiveCall {
  readonly id: number
  view: CallView
  /** The far end's audio, once its track arrives. */
  remote?: MediaStream
  pc?: RTCPeerConnection
  /** Headers every INVITE of this call carries (Replaces, for an attended transfer). */
  extraHeaders: string[]
  /** The session that replaces this one (an INVITE with Replaces, RFC 3891), while it is being answered. */
  replacedBy?: RTCSession
  /** A REFER waiting for the user's answer; `replaces` for an attended transfer. */
  pendingRefer?: { number: string; event: ReferEvent; replaces?: string }
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
  /** Mid-call fallback to the PSTN of an IME call whose node offered one (web/src/fallback). */
  fallback?: MidcallFallback
  /** An incoming call's offer has video. */
  offersVideo?: boolean
  /** This line has the video (video.ts shows one call's pictures: the first line that asked for it). */
  video?: boolean
}

/** JsSIP's 'replaces' event (its type definitions call it a REFER's). */
export interface ReplacesEvent {
  accept(init: (session: RTCSession) => void): void
  reject(): void
}

/**
 * JsSIP refuses a re-offer while another is still in progress (hold() and unhold() return false): Hold pressed
 * twice in quick succession, or a swap right after an answer. The phone tries again every 100 ms for 2 s.
 */
const REOFFER_RETRIES = 20
const REOFFER_RETRY_MS = 100

/**
 * Puts a call on hold from this side (held: a re-INVITE with a=sendonly) or takes it off (a=sendrecv), unless it
 * already is so; `done` once the re-INVITE is answered, or at once when there is nothing to do or it cannot be sent.
 */
function setLocalHold(call: ActiveCall, held: boolean, done?: () => void, retries = REOFFER_RETRIES): void {
  const s = call.session
  if (!s?.isEstablished() || s.isOnHold().local === held) return done?.()
  if (held ? s.hold({}, done) : s.unhold({}, done)) return
  if (retries === 0) return done?.()
  setTimeout(() => setLocalHold(call, held, done, retries - 1), REOFFER_RETRY_MS)
}

export const holdLocally = (call: ActiveCall, done?: () => void): void => setLocalHold(call, true, done)
export const resumeLocally = (call: ActiveCall, done?: () => void): void => setLocalHold(call, false, done)

/** Whether a SIP message (JsSIP's) has a header; its value. */
export const headerOf = (m: unknown, name: string): string | undefined => {
  const r = m as { getHeader?: (n: string) => string | undefined } | undefined
  return typeof r?.getHeader === 'function' ? r.getHeader(name) : undefined
}

export const idOf = (call: ActiveCall): { callId?: string } => (call.callId ? { callId: call.callId } : {})

/** Whether a SIP response (JsSIP's IncomingResponse) carries X-IME-Path: internal. */
export function internalIn(response: unknown): boolean {
  const r = response as { getHeader?: (name: string) => string | undefined } | undefined
  return typeof r?.getHeader === 'function' && r.getHeader('X-IME-Path')?.trim().toLowerCase() === 'internal'
}
