/** The call agent's public types: its configuration, the directory it reads, its events and counters. */
import type { IncomingMessage } from 'node:http'
import type { Clock } from '../../core/clock.js'
import type { AdmissionLimits } from '../../core/connection-admission.js'
import type { E164 } from '../../core/e164.js'
import type { Result } from '../../core/result.js'
import type { TrunksConfig } from '../../trunks/trunk-config.js'
import type { MediaBridge } from '../../media-bridge/bridge.js'
import type { CallOutcome, CallPath, NewCallRecord } from '../../validation/call-record.js'
import type { DigestAlgorithm, DigestOffer } from '../auth/index.js'
import type { TimerSource } from '../transaction/index.js'
import type { TlsFiles } from '../transport/index.js'

export interface SipUser {
  readonly name: string
  readonly number?: E164
  /** A fixed contact (a desk phone, a test tool, a PBX): always called, besides the user's registrations. */
  readonly contact?: string
}

/** Users and their digest secrets (the node's user store). HA1 is a password equivalent for SIP only. */
export interface SipDirectory {
  ha1(user: string, realm: string, algorithm: DigestAlgorithm): string | undefined
  user(name: string): SipUser | undefined
  userByNumber(number: E164): SipUser | undefined
}

export interface RouteToNumber {
  readonly sipUri: string
  readonly ticket: string
  /** The ticket's call key, when the claimer granted one (src/tickets/call-key.ts): never leaves the node. */
  readonly callKey?: Uint8Array | undefined
  readonly domain: string
}

/** Who is calling at the edge, as the caller check established it (not as the caller's From says). */
export interface EdgeCaller {
  readonly callerNumber?: E164
  /** For a caller without a number: the SIP URI its node asserted. */
  readonly callerUri?: string
  readonly callingDomain: string
}

export interface EdgeRefusal {
  readonly code: string
  /** The reason phrase of the refusal. */
  readonly reason: string
  /** The edge is too busy to check (503), rather than the call being refused (403). */
  readonly busy?: boolean
}

export interface CallAgentEvent {
  readonly type:
    | 'ticket-checked'
    | 'call-started'
    | 'call-ended'
    | 'fallback'
    | 'auth-failed'
    | 'trunk'
    | 'scan-detected'
    | 'media-bridge'
    | 'midcall-fallback'
  readonly [k: string]: unknown
}

export interface FaceConfig {
  /** 0 picks a free port; undefined: no listener of that transport. */
  readonly tcpPort?: number
  readonly wsPort?: number
  /** SIP over UDP, for phones and trunks that speak nothing else (and what scanners probe). */
  readonly udpPort?: number
  readonly tls?: TlsFiles
  /** The digest algorithms its listeners challenge with, in order (default: MD5 only; docs/interop.md). */
  readonly digest?: DigestOffer
}

export interface CallAgentConfig {
  readonly domain: string
  readonly host: string
  readonly edge: FaceConfig
  readonly internal: FaceConfig
  /**
   * This enterprise's trunk to the PSTN (src/trunks/trunk-config.ts): the stand-in gateway, a provider's SIP trunk
   * or a PBX; or a list of trunks in order of preference, each running on its own (a call out fails over from one to
   * the next). `media: bridge` sends a trunk's calls' media through `mediaBridge`.
   */
  readonly pstn?: TrunksConfig
  /** The media bridge (rtpengine) for a trunk with `media: bridge`. */
  readonly mediaBridge?: MediaBridge
  readonly directory: SipDirectory
  /** The freshest learned route to a number, if any. */
  readonly routeTo: (number: E164) => RouteToNumber | undefined
  /**
   * The edge's check of who is calling (src/caller-identity checkCaller: the ticket, and the caller assertion
   * signed by the node the ticket was issued to).
   */
  readonly checkCaller: (call: {
    readonly ticket: string | undefined
    readonly identity: string | undefined
    readonly calledNumber: E164
  }) => Result<EdgeCaller, EdgeRefusal> | Promise<Result<EdgeCaller, EdgeRefusal>>
  /**
   * The headers (X-IME-Ticket, Identity) by which this node vouches for one of its users' calls over a learned
   * route, or why it cannot (then the call goes to the PSTN).
   */
  readonly vouchFor: (
    route: RouteToNumber,
    call: { readonly caller: E164 | undefined; readonly user: string; readonly called: E164 },
  ) => Result<readonly (readonly [string, string])[]>
  /** Where call records go; `ended` finishes one. */
  readonly calls?: {
    /** A call record; `sipCallId` with a call in progress (answered, not yet ended). */
    started(record: NewCallRecord, sipCallId?: string): void
    ended(id: string, end: number, outcome: CallOutcome, sipCallId: string): void
    /**
     * The IME call of `fromSipCallId` moved to the PSTN mid-call and goes on as `toSipCallId` (the call to the
     * fallback DID): its records are marked moved, and that call's BYE ends them.
     */
    moved?(id: string, fromSipCallId: string, toSipCallId: string): void
    /**
     * The records of a call in progress this agent does not know (it was answered before a restart), if the
     * store kept them: its BYE then still ends them. None: not known.
     */
    inProgress?(sipCallId: string): readonly ActiveCall[]
  }
  readonly clock: Clock
  /** Drives the SIP transactions' timers and the proxy's (Timer C, answer timeouts); real timers by default. */
  readonly timers?: TimerSource
  /** How long an IME route may take to connect and answer before the call falls back to the PSTN (ms). */
  readonly imeTimeoutMs?: number
  /**
   * An outbound proxy (an enterprise's SBC, e.g. Kamailio) that calls to other enterprises leave through:
   * sip:HOST:PORT;transport=tcp. The INVITE goes there with a Route to it; the Request-URI stays the route's.
   */
  readonly outboundProxy?: string
  /** The key of the Record-Route flow tokens (32 bytes), kept across restarts so calls outlive one. */
  readonly routeSecret?: Uint8Array
  /** Limits on inbound connections over all listeners (default DEFAULT_SIP_INBOUND_LIMITS in the transport). */
  readonly inboundLimits?: Partial<AdmissionLimits>
  readonly onEvent?: (e: CallAgentEvent) => void
  /** Mid-call fallback to the PSTN (src/fallback): without it, IME calls have none. */
  readonly midcallFallback?: MidcallFallbackHooks
  /**
   * Who a softphone's WebSocket upgrade is signed in as (the node's HTTP session): its REGISTER and INVITEs
   * on that connection are then that user's without a digest challenge (a softphone opened by a one-time
   * sign-in link does not know the password).
   */
  readonly sessionUser?: (req: IncomingMessage) => string | undefined
}

export interface CallAgentCounters {
  ticketsAccepted: number
  ticketsRefused: Record<string, number>
  rateLimited: number
  callsByPath: Record<CallPath, number>
  fallbacks: number
  /** IME calls that moved to the PSTN mid-call (their IP leg released with X-IME-Moved). */
  midcallFallbacks: number
  authFailures: number
  scansBlocked: number
}

/** A call in progress: the record it started, and when. */
export interface ActiveCall {
  readonly recordId: string
  readonly start: number
}

/** The call agent's hooks into mid-call fallback (src/fallback/midcall-fallback.ts implements them). */
export interface MidcallFallbackHooks {
  /** The X-IME-PSTN-Fallback value for an IME call being put through to `user`; undefined: none free. */
  offer(callId: string, user: string, caller: E164 | undefined): string | undefined
  /** The IME call ended; `moved`: its IP leg was released because the call moved to the PSTN. */
  release(callId: string, moved: boolean): boolean
  /** A PSTN call: undefined when `called` is no fallback DID; else who holds the call it continues, or why not. */
  legFor(
    called: E164,
    callerId: E164 | undefined,
  ): Result<{ readonly user: string; readonly callIds: readonly string[] }> | undefined
}
