/** What the proxy core's owner gives it: where a request goes, and the core's configuration. */
import type { Result } from '../../core/result.js'
import type { SipMessage, SipRequest, SipResponse } from '../message/index.js'
import type { TimerSource } from '../transaction/index.js'
import type { SipConnection, SipTarget, SipTransportHub, SipTransportName } from '../transport/index.js'

export interface ForwardTarget {
  /** The Request-URI to send. */
  readonly uri: string
  /** Send down this connection (a registered flow) ... */
  readonly connection?: SipConnection
  /** ... or open (or reuse) a connection to this address. */
  readonly address?: SipTarget
  /** Header fields to add to this branch (e.g. X-IME-Ticket). */
  readonly headers?: readonly (readonly [string, string])[]
  /**
   * The account this branch answers a 401/407 with (a trunk's): the core sends the INVITE again, once, with the
   * credentials and the CSeq one higher, instead of passing the challenge up to a caller who cannot answer it.
   */
  readonly credentials?: { readonly user: string; readonly password: string }
  /** Header fields whose value this branch replaces (e.g. From and P-Asserted-Identity toward a trunk). */
  readonly setHeaders?: readonly (readonly [string, string])[]
  /** Give up on this branch when it has not answered at all within this time (ms), e.g. an IME route's 2 s. */
  readonly answerTimeoutMs?: number
  /** A label the owner's callbacks get back (e.g. 'ime', 'pstn'). */
  readonly label?: string
  /**
   * Our Record-Route toward this branch when it is not the listener's (a trunk across NAT: its public address), so
   * the requests of the dialog from that side (ACK, BYE, re-INVITE) come to an address it can reach.
   */
  readonly recordRouteUri?: string
  /**
   * The body this branch sends instead of the request's, made when the branch starts (only if its group is tried),
   * e.g. the media bridge's offer toward a trunk. A failure ends the branch with that status instead.
   */
  readonly body?: () => Promise<Result<Uint8Array, BranchRefusal>>
}

/** What the owner adds to an in-dialog request's forwarding. */
export interface InDialogForward {
  readonly body?: ForwardTarget['body']
  readonly rewriteResponse?: ForwardOptions['rewriteResponse']
}

/** Why a branch could not be sent: the status and reason the caller gets, and the local detail for logs. */
export interface BranchRefusal {
  readonly status: number
  readonly reason: string
  readonly detail: string
}

export interface ForwardOptions {
  /** Groups tried in turn; the targets of one group are forked in parallel. */
  readonly groups: readonly (readonly ForwardTarget[])[]
  readonly recordRoute: boolean
  /** Whether a group's best final response should make the core try the next group (default: never). */
  readonly failover?: (best: SipResponse, label: string | undefined) => boolean
  /**
   * Rewrites each response before it goes upstream (e.g. the media bridge's answer in its SDP). Responses of one
   * request still go upstream in the order they came.
   */
  readonly rewriteResponse?: (res: SipResponse, label: string | undefined) => Promise<SipResponse>
  /** Every response forwarded upstream (after the core's own checks), with the branch's label. */
  readonly onResponse?: (res: SipResponse, label: string | undefined) => void
  /**
   * Called when the core moves on to another group, with the response that made it; `detail` is the local error
   * behind a response the core made up (e.g. the connection error of an unreachable route), for logs only.
   */
  readonly onFailover?: (
    best: SipResponse,
    from: string | undefined,
    to: string | undefined,
    detail: string | undefined,
  ) => void
}

export interface ProxyCoreConfig {
  readonly hub: SipTransportHub
  /** Drives the transactions' timers and the core's own (Timer C, answer timeouts); real timers by default. */
  readonly timers?: TimerSource
  /**
   * Our URI on a face for a transport, for Record-Route (e.g. sip:127.0.0.1:5070;transport=tcp;lr): the listener
   * of that face and transport, so each side of a dialog gets a Record-Route it can use. `conn` is the connection
   * of that side (a trunk's, whose own public address may go there instead).
   */
  readonly recordRouteUri: (face: string, transport: SipTransportName, conn?: SipConnection) => string
  /** How long to wait for a TCP/WebSocket connection (ms). */
  readonly connectTimeoutMs: number
  /** In-dialog requests (BYE, re-INVITE, ACK...) as they pass, for call records. */
  readonly onInDialog?: (req: SipRequest, from: SipConnection) => void
  /**
   * What an in-dialog request's forwarding adds (e.g. a re-INVITE of a bridged call: the bridge's offer as its body
   * and its answer in the responses); none by default.
   */
  readonly inDialogForward?: (req: SipRequest, from: SipConnection) => InDialogForward | undefined
  /** Delay before forwarding each message (the PSTN gateway's setup delay); 0 by default. */
  readonly delayMs?: (m: SipMessage) => number
  /**
   * The key of the Record-Route flow tokens (32 bytes). Kept across restarts, a call's BYE still finds its way
   * after the proxy restarted; random per start by default.
   */
  readonly routeSecret?: Uint8Array
  /** The clock of the route tokens' expiry (ms since the epoch); Date.now by default. */
  readonly now?: () => number
}
