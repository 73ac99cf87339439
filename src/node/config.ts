/** What an enterprise node is configured with, and what a started node offers. */
import type { MediaBridgeConfig } from '../media-bridge/config.js'
import type { TrunksConfig } from '../trunks/trunk-config.js'
import type { Clock } from '../core/clock.js'
import type { AdmissionLimits } from '../core/connection-admission.js'
import type { E164 } from '../core/e164.js'
import type { MidcallFallbackSettings } from '../fallback/settings.js'
import type { NumberKeyCache } from '../core/number-key.js'
import type { RingId } from '../core/ring.js'
import type { ChordConfig, ChordEvent } from '../dht/chord-node.js'
import type { NodeRef } from '../dht/messages.js'
import type { EventHub } from '../http/events.js'
import type { NodeHttp, NodeHttpConfig } from '../http/node-http.js'
import type { ChordPeer } from '../p2p/chord-peer.js'
import type { CallAgent, CallAgentEvent, FaceConfig } from '../sip/agent/index.js'
import type { SqliteUserStore, UserInput } from '../store/user-store.js'
import type { TicketKeyRing } from '../tickets/key-ring.js'
import type { CallRecord, CallRecordStore, NewCallRecord } from '../validation/call-record.js'
import type { LearnedRouteStore } from '../validation/learned-route.js'
import type { ValidationOutcome, ValidationScheduler, ValidationTiming } from '../validation/scheduler.js'

export interface EnterpriseNodeConfig {
  /** Where the database lives; a restart with the same directory keeps the node's identity and records. */
  dataDir: string
  /** The overlay's name: salts number keys, so it must be the same on every node of one ring. */
  overlay: string
  /** This enterprise's domain: sent when validating, and the domain of the routes it grants. */
  domain?: string
  /** Numbers this enterprise owns and publishes; earlier ones not in this list are withdrawn. */
  numbers?: readonly E164[]
  /** The SIP URI other enterprises should call a number at (default sip:NUMBER@DOMAIN). */
  sipUriFor?: (number: E164) => string
  listen?: string[]
  /** libp2p addresses to announce instead of the listen ones (p2p.announce). */
  announce?: string[]
  bootstrap?: NodeRef
  chord?: Partial<ChordConfig>
  validation?: Partial<ValidationTiming>
  /** How often due validations are looked for (ms; default 30 s). */
  validationPollMs?: number
  /** How long call records are kept (ms; default 7 days); older ones are deleted at start and on each poll. */
  callRetentionMs?: number
  clock?: Clock
  onChordEvent?: (event: ChordEvent) => void
  onPublishProgress?: (done: number, total: number) => void
  onValidation?: (outcome: ValidationOutcome) => void
  /** Expose process metrics (CPU, memory, GC) on /metrics (default true; collected once per process in any case). */
  processMetrics?: boolean
  /** The HTTP API and web app (docs/http-api.md); without it, no HTTP server. Port 0 picks a free port. */
  http?: NodeHttpConfig
  /**
   * Users added or updated at start (passwords set anew); the SIP digest realm is the domain. Their numbers
   * are what the call agent routes inbound calls by; `contact` is a fixed SIP contact called besides their
   * registrations.
   */
  users?: readonly (UserInput & { contact?: string })[]
  /** The SIP call agent; without it the node runs the DHT and validation only. */
  sip?: NodeSipConfig
}

export interface NodeSipConfig {
  /** Address to listen on and to put in URIs (default 127.0.0.1). */
  host?: string
  /** The face other enterprises call (ticket-gated). */
  edge: FaceConfig
  /** The face for the enterprise's own softphones. */
  internal: FaceConfig
  /**
   * The trunk to the PSTN: the stand-in gateway, a provider's SIP trunk or a PBX; or several, in order of preference
   * (docs/trunks.md).
   */
  pstn?: TrunksConfig
  /** The media bridge for a trunk with media: bridge (docs/media-bridge.md). */
  mediaBridge?: MediaBridgeConfig
  /** How long an IME route may take before the call falls back to the PSTN (ms; default 2000). */
  imeTimeoutMs?: number
  /** An outbound proxy for calls to other enterprises (sip:HOST:PORT;transport=tcp). */
  outboundProxy?: string
  /** Limits on inbound SIP connections over all listeners (docs/security.md, "Floods of connections"). */
  inboundLimits?: Partial<AdmissionLimits>
  /** Mid-call fallback to the PSTN (src/fallback, docs/softphone.md); without it IME calls have none. */
  midcallFallback?: MidcallFallbackSettings
  onEvent?: (e: CallAgentEvent) => void
}

export interface EnterpriseNode {
  readonly peer: ChordPeer
  readonly numberKeys: NumberKeyCache
  /** Numbers published, with their keys. */
  readonly published: ReadonlyMap<E164, RingId>
  readonly calls: CallRecordStore
  readonly routes: LearnedRouteStore
  readonly ticketKeys: TicketKeyRing
  readonly validations: ValidationScheduler<NodeRef>
  /** The SIP call agent, when configured. */
  readonly sip: CallAgent | undefined
  readonly users: SqliteUserStore
  /** What happens on the node (validations, routes, calls, ring changes), as the event stream shows it. */
  readonly events: EventHub
  /** The HTTP server, when configured: its port and URL, and one-time sign-in links for users. */
  readonly http: NodeHttp | undefined
  /** Who claims a number: the Node-IDs of its claimers (empty when nobody does). */
  claimsOn(number: E164): Promise<{ owners: RingId[]; hops: number }>
  /** Keeps a PSTN call's record (both ends do); a finished outbound call schedules its validation. */
  recordCall(record: NewCallRecord): CallRecord
  /**
   * Graceful: stops the parts in the reverse order they started (HTTP, SIP, validation, then the peer leaves
   * the ring with its records handed over, and the store closes). Idempotent; every part is stopped even when
   * one fails (a DisposeError then names them).
   */
  stop(): Promise<void>
}
