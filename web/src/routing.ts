/**
 * How an outgoing call is routed, as a pure state machine. Before a call the softphone asks its node for learned
 * routes to the number. With a usable route it opens a second SIP WebSocket, straight to the callee domain, and
 * sends the INVITE with the headers its node gives for this one call (the route's ticket and the node's signed
 * caller assertion: POST /api/calls/authorize). If that socket does not connect in time, fails, the node will
 * not vouch for the call, or the far end refuses it (403) or cannot take it (src/core/fallback-policy.ts), the
 * call goes through the PSTN instead: via the
 * user's own registered connection to sip:<number>@<own domain>, which the node's proxy sends to the PSTN.
 * Without a route the call goes through the PSTN from the start.
 *
 * `step` takes a state and an event and returns the next state and the effects to carry out; `CallAttempt`
 * drives it with a timer and an effect runner (the SIP side).
 */
import { fallsBackToPstn } from '../../src/core/fallback-policy.js'
import type { CallPath, NewCallRecord, RouteDto } from './api.js'

/** 'IME → PSTN': an IME call that moved to the PSTN mid-call (its record's fallback flag; web/src/fallback). */
export type PathLabel = 'IME' | 'IME → PSTN' | 'Internal' | 'PSTN' | 'PSTN (fallback)'

export const DEFAULT_IME_CONNECT_TIMEOUT_MS = 2000

export const pathLabel = (path: CallPath, fallback: boolean): PathLabel =>
  path === 'ime'
    ? fallback
      ? 'IME → PSTN'
      : 'IME'
    : path === 'internal'
      ? 'Internal'
      : fallback
        ? 'PSTN (fallback)'
        : 'PSTN'

export const pstnTarget = (number: string, ownDomain: string): string => `sip:${number}@${ownDomain}`

/**
 * The callee domain's SIP WebSocket: the route's wsUrl, or derived from a sipUri whose transport is ws or wss
 * (sip:+14085550100@b.example:8443;transport=wss -> wss://b.example:8443). No WebSocket, no IME call.
 */
export function wsUrlFor(route: Pick<RouteDto, 'sipUri' | 'wsUrl'>): string | undefined {
  if (route.wsUrl !== undefined) return /^wss?:\/\/[^\s]+$/.test(route.wsUrl) ? route.wsUrl : undefined
  const m = /^sips?:[^@]+@([^;?>]+)(;[^?>]*)?/.exec(route.sipUri)
  if (!m?.[1]) return undefined
  const transport = /;transport=(wss?)(;|$)/i.exec(m[2] ?? '')?.[1]?.toLowerCase()
  if (transport === undefined) return undefined
  return `${transport}://${m[1]}`
}

/** The route to use: unexpired, reachable over a WebSocket, most recently validated. */
export function chooseRoute(routes: readonly RouteDto[], now: number): RouteDto | undefined {
  return routes
    .filter((r) => r.expiresAt > now && wsUrlFor(r) !== undefined)
    .sort((a, b) => b.validatedAt - a.validatedAt)[0]
}

/** Why the IME leg did not work out. */
export type ImeFailure =
  | { readonly kind: 'connect-timeout'; readonly ms: number }
  | { readonly kind: 'connect-failed'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly code: number; readonly reason: string }
  | { readonly kind: 'transport'; readonly reason: string }
  /** The node would not vouch for the call (signed out, or the route is being validated again). */
  | { readonly kind: 'not-authorized'; readonly reason: string }

/**
 * Whether a failed IME leg should be retried through the PSTN: the one policy the node shares
 * (src/core/fallback-policy.ts). The callee's own answers (busy, declined, no answer) are final: the PSTN would
 * reach the same person. Everything that says "this route does not work" falls back.
 */
export function fallsBack(failure: ImeFailure): boolean {
  return fallsBackToPstn(failure)
}

export function describeFailure(f: ImeFailure): string {
  switch (f.kind) {
    case 'connect-timeout':
      return `the callee's node did not answer within ${f.ms / 1000} s`
    case 'connect-failed':
      return `could not connect to the callee's node (${f.reason})`
    case 'rejected':
      return f.code === 403 ? `ticket refused (403 ${f.reason})` : `the callee's node answered ${f.code} ${f.reason}`
    case 'transport':
      return `connection to the callee's node failed (${f.reason})`
    case 'not-authorized':
      return `your node did not vouch for the call (${f.reason})`
  }
}

export type Outcome = 'answered' | 'busy' | 'declined' | 'no-answer' | 'cancelled' | 'failed'

/** The outcome of a call that ended before it was answered, from the final SIP status (if any). */
export function outcomeOf(code: number | undefined, cancelledByUs: boolean): Outcome {
  if (cancelledByUs) return 'cancelled'
  if (code === 486 || code === 600) return 'busy'
  if (code === 603) return 'declined'
  if (code === 408 || code === 480 || code === 487) return 'no-answer'
  return 'failed'
}

export type Phase = 'looking-up' | 'ime-connecting' | 'ime-calling' | 'pstn-calling' | 'in-call' | 'ended'

export interface AttemptState {
  readonly phase: Phase
  readonly number: string
  readonly ownDomain: string
  readonly startedAt: number
  readonly route?: RouteDto
  readonly path?: CallPath
  readonly fallback: boolean
  /** Why the call left the IME path, for the user and the history. */
  readonly fallbackReason?: string
  /** Why a call that was answered ended as failed (its media never connected). */
  readonly failureReason?: string
  readonly ringing: boolean
  readonly answeredAt?: number
  readonly outcome?: Outcome
  readonly endedAt?: number
  readonly callId?: string
}

export type AttemptEvent =
  | { readonly type: 'routes'; readonly routes: readonly RouteDto[] | null; readonly now: number }
  | { readonly type: 'ime-connected' }
  | { readonly type: 'ime-timeout'; readonly now: number }
  | { readonly type: 'ime-failed'; readonly failure: ImeFailure; readonly now: number }
  | { readonly type: 'ringing' }
  /**
   * The node connected the call sent to it to a user of the same enterprise (its answers say X-IME-Path:
   * internal): no PSTN after all.
   */
  | { readonly type: 'internal' }
  | { readonly type: 'answered'; readonly now: number; readonly callId?: string }
  /** The current leg failed with a final response (code) or without one. */
  | { readonly type: 'failed'; readonly code?: number; readonly reason: string; readonly now: number }
  | { readonly type: 'ended'; readonly now: number }
  /** The call was answered but its media never connected (ICE failed: no TURN server, or a firewall). */
  | { readonly type: 'media-failed'; readonly now: number }
  /** The user hung up or cancelled. */
  | { readonly type: 'hangup'; readonly now: number }

export type Effect =
  | { readonly type: 'lookup'; readonly number: string }
  | { readonly type: 'connect-ime'; readonly wsUrl: string }
  | { readonly type: 'start-timer'; readonly ms: number }
  | { readonly type: 'stop-timer' }
  /** The INVITE over the route, with the headers the node gives for this one call (POST /api/calls/authorize). */
  | { readonly type: 'invite-ime'; readonly target: string; readonly number: string }
  | { readonly type: 'invite-pstn'; readonly target: string }
  | { readonly type: 'close-ime' }
  /** Terminate the current SIP session (CANCEL before an answer, BYE after). */
  /** End the current leg; `reason` goes to the far end (a Reason header) so that it can say why too. */
  | { readonly type: 'terminate'; readonly reason?: string }
  | { readonly type: 'record'; readonly record: NewCallRecord }

export interface Step {
  readonly state: AttemptState
  readonly effects: readonly Effect[]
}

export interface RoutingOptions {
  readonly imeConnectTimeoutMs: number
}

export function startAttempt(number: string, ownDomain: string, now: number): Step {
  return {
    state: { phase: 'looking-up', number, ownDomain, startedAt: now, fallback: false, ringing: false },
    effects: [{ type: 'lookup', number }],
  }
}

function toPstn(s: AttemptState, reason: string | undefined, extra: Effect[] = []): Step {
  const fallback = reason !== undefined
  return {
    state: {
      ...s,
      phase: 'pstn-calling',
      path: 'pstn',
      fallback,
      ringing: false,
      ...(fallback ? { fallbackReason: reason } : {}),
    },
    effects: [...extra, { type: 'invite-pstn', target: pstnTarget(s.number, s.ownDomain) }],
  }
}

function end(s: AttemptState, outcome: Outcome, now: number, extra: Effect[]): Step {
  const state: AttemptState = { ...s, phase: 'ended', outcome, endedAt: now, ringing: false }
  const record: NewCallRecord = {
    number: s.number,
    start: s.startedAt,
    end: now,
    ...(s.answeredAt !== undefined ? { answeredAt: s.answeredAt } : {}),
    path: s.path ?? 'pstn',
    fallback: s.fallback,
    outcome,
    direction: 'out',
    ...(s.callId !== undefined ? { callId: s.callId } : {}),
  }
  return { state, effects: [...extra, { type: 'record', record }] }
}

function imeFailed(s: AttemptState, failure: ImeFailure, now: number): Step {
  const cleanup: Effect[] = [{ type: 'stop-timer' }, { type: 'close-ime' }]
  if (fallsBack(failure)) return toPstn(s, describeFailure(failure), cleanup)
  const code = failure.kind === 'rejected' ? failure.code : undefined
  return end(s, outcomeOf(code, false), now, cleanup)
}

export function step(s: AttemptState, e: AttemptEvent, options: RoutingOptions): Step {
  const same: Step = { state: s, effects: [] }
  if (s.phase === 'ended') return same
  if (e.type === 'hangup') {
    switch (s.phase) {
      case 'looking-up':
        return end(s, 'cancelled', e.now, [])
      case 'ime-connecting':
        return end({ ...s, path: 'ime' }, 'cancelled', e.now, [{ type: 'stop-timer' }, { type: 'close-ime' }])
      case 'in-call':
        return end(s, 'answered', e.now, [{ type: 'terminate' }, ...(s.path === 'ime' ? closeIme : [])])
      default:
        return end(s, 'cancelled', e.now, [{ type: 'terminate' }, ...(s.path === 'ime' ? closeIme : [])])
    }
  }
  switch (s.phase) {
    case 'looking-up': {
      if (e.type !== 'routes') return same
      const route = e.routes === null ? undefined : chooseRoute(e.routes, e.now)
      const wsUrl = route && wsUrlFor(route)
      if (!route || !wsUrl) return toPstn(s, undefined)
      return {
        state: { ...s, phase: 'ime-connecting', route, path: 'ime' },
        effects: [
          { type: 'connect-ime', wsUrl },
          { type: 'start-timer', ms: options.imeConnectTimeoutMs },
        ],
      }
    }
    case 'ime-connecting':
      if (e.type === 'ime-connected' && s.route) {
        return {
          state: { ...s, phase: 'ime-calling' },
          effects: [{ type: 'stop-timer' }, { type: 'invite-ime', target: s.route.sipUri, number: s.number }],
        }
      }
      if (e.type === 'ime-timeout') {
        return imeFailed(s, { kind: 'connect-timeout', ms: options.imeConnectTimeoutMs }, e.now)
      }
      if (e.type === 'ime-failed') return imeFailed(s, e.failure, e.now)
      return same
    case 'ime-calling':
      if (e.type === 'ringing') return { state: { ...s, ringing: true }, effects: [] }
      if (e.type === 'answered') return answered(s, e)
      if (e.type === 'failed') {
        const failure: ImeFailure =
          e.code === undefined
            ? { kind: 'transport', reason: e.reason }
            : { kind: 'rejected', code: e.code, reason: e.reason }
        return imeFailed(s, failure, e.now)
      }
      if (e.type === 'ime-failed') return imeFailed(s, e.failure, e.now)
      return same
    case 'pstn-calling':
      if (e.type === 'internal') return internal(s)
      if (e.type === 'ringing') return { state: { ...s, ringing: true }, effects: [] }
      if (e.type === 'answered') return answered(s, e)
      if (e.type === 'failed') return end(s, outcomeOf(e.code, false), e.now, [])
      return same
    case 'in-call':
      if (e.type === 'internal') return internal(s)
      if (e.type === 'media-failed') return mediaFailed(s, e.now)
      if (e.type === 'ended' || e.type === 'failed') {
        return end(s, 'answered', e.now, s.path === 'ime' ? closeIme : [])
      }
      return same
  }
}

const closeIme: Effect[] = [{ type: 'close-ime' }]

export const MEDIA_FAILED = 'media could not connect (ICE failed: no TURN server reached, or a firewall)'

/** The Reason header (RFC 3326; Q.850 cause 47, resource unavailable) a BYE carries when media never connected. */
export function mediaFailedReason(): string {
  return `Reason: Q.850;cause=47;text="${MEDIA_FAILED}"`
}

/** True when a BYE's Reason header says the far end's media never connected. */
export function saysMediaFailed(reasonHeader: string | undefined): boolean {
  return reasonHeader !== undefined && reasonHeader.includes('media could not connect')
}

/**
 * Answered, but no media path: over IME the PSTN may still carry the call, so it goes there; on the PSTN path
 * there is nothing else to try, and the call ends as failed (never a silent call).
 */
function mediaFailed(s: AttemptState, now: number): Step {
  if (s.path === 'ime') {
    const { answeredAt: _answered, callId: _callId, ...rest } = s
    return toPstn(rest, MEDIA_FAILED, [{ type: 'terminate', reason: MEDIA_FAILED }, ...closeIme])
  }
  return end({ ...s, failureReason: MEDIA_FAILED }, 'failed', now, [{ type: 'terminate', reason: MEDIA_FAILED }])
}

/** A call through the node that the node kept inside the enterprise (never an IME leg's). */
function internal(s: AttemptState): Step {
  if (s.path !== 'pstn') return { state: s, effects: [] }
  return { state: { ...s, path: 'internal', fallback: false }, effects: [] }
}

function answered(s: AttemptState, e: { now: number; callId?: string }): Step {
  return {
    state: {
      ...s,
      phase: 'in-call',
      ringing: false,
      answeredAt: e.now,
      ...(e.callId !== undefined ? { callId: e.callId } : {}),
    },
    effects: [],
  }
}

/** What the SIP side does for a CallAttempt; it reports back through attempt.dispatch. */
export type EffectRunner = (effect: Effect, attempt: CallAttempt) => void

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
}

/** One outgoing call: the state machine plus its timer, with effects handed to the SIP side. */
export class CallAttempt {
  state: AttemptState
  private timer: unknown
  private readonly listeners = new Set<(s: AttemptState) => void>()

  constructor(
    number: string,
    ownDomain: string,
    private readonly run: EffectRunner,
    private readonly options: RoutingOptions = { imeConnectTimeoutMs: DEFAULT_IME_CONNECT_TIMEOUT_MS },
    private readonly timers: Timers = realTimers,
    now = Date.now(),
  ) {
    const first = startAttempt(number, ownDomain, now)
    this.state = first.state
    queueMicrotask(() => this.apply(first.effects))
  }

  onChange(fn: (s: AttemptState) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  dispatch(e: AttemptEvent): void {
    const next = step(this.state, e, this.options)
    if (next.state === this.state && next.effects.length === 0) return
    this.state = next.state
    for (const fn of this.listeners) fn(this.state)
    this.apply(next.effects)
  }

  private apply(effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (effect.type === 'start-timer') {
        this.timers.clearTimeout(this.timer)
        this.timer = this.timers.setTimeout(() => this.dispatch({ type: 'ime-timeout', now: Date.now() }), effect.ms)
      } else if (effect.type === 'stop-timer') {
        this.timers.clearTimeout(this.timer)
        this.timer = undefined
      } else {
        this.run(effect, this)
      }
    }
  }
}
