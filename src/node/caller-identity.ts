/**
 * The node's side of per-call caller identity: as the called edge, the check of each INVITE's ticket and caller
 * assertion (with one replay cache for the node); as the caller, the headers by which the node vouches for one of
 * its users' calls, signed with its libp2p key (the key its tickets are bound to).
 */
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  ASSERTION_FRESH_S,
  ASSERTION_SKEW_S,
  AssertionReplayCache,
  authorizeCall,
  checkCaller,
  ed25519Signer,
  PeerKeys,
  REPLAY_CACHE_MAX_ENTRIES,
  type CallSigner,
  type Originator,
} from '../caller-identity/index.js'
import type { Clock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import type { EdgeCaller, EdgeRefusal, RouteToNumber } from '../sip/agent/index.js'
import type { TicketKeyRing } from '../tickets/key-ring.js'
import { VerifiedTickets } from '../tickets/verified-tickets.js'

export interface NodeCallerIdentity {
  /** The edge's check of who is calling. */
  check(call: {
    ticket: string | undefined
    identity: string | undefined
    calledNumber: E164
  }): Promise<Result<EdgeCaller, EdgeRefusal>>
  /** The X-IME-Ticket and Identity headers for one call of a user of this node over a learned route. */
  vouchFor(
    route: Pick<RouteToNumber, 'ticket' | 'callKey'>,
    call: { caller: E164 | undefined; user: string; called: E164 },
  ): Result<readonly (readonly ['X-IME-Ticket' | 'Identity', string])[]>
  /** Assertions the edge remembers now (a gauge). */
  readonly replayCacheSize: () => number
}

export function nodeCallerIdentity(options: {
  readonly privateKey: PrivateKey
  readonly ticketKeys: TicketKeyRing
  readonly domain: string
  readonly clock: Clock
}): NodeCallerIdentity {
  if (options.privateKey.type !== 'Ed25519') {
    throw new Error(`caller assertions need an Ed25519 node key; this node's key is ${options.privateKey.type}`)
  }
  const signer = {
    peer: peerIdFromPrivateKey(options.privateKey).toString(),
    sign: ed25519Signer(options.privateKey.raw),
  }
  return { ...edgeCallerCheck(options), vouchFor: callVoucher({ ...options, signer }) }
}

/** The called edge's half: one replay cache and one cache of calling peers' keys. */
export function edgeCallerCheck(options: {
  readonly ticketKeys: TicketKeyRing
  readonly clock: Clock
}): Pick<NodeCallerIdentity, 'check' | 'replayCacheSize'> {
  const { clock, ticketKeys } = options
  const peerKeys = new PeerKeys()
  const tickets = new VerifiedTickets(ticketKeys)
  const keepMs = (ASSERTION_FRESH_S + 2 * ASSERTION_SKEW_S) * 1000
  const replays = new AssertionReplayCache(REPLAY_CACHE_MAX_ENTRIES, keepMs, () => clock.now())
  return {
    async check(call) {
      const nowMs = clock.now()
      const verdict = await checkCaller(call, {
        verifyTicket: (text, expected) => tickets.verify(text, expected, nowMs),
        peerKeys,
        replays,
        nowMs,
      })
      if (!verdict.ok) return err({ ...verdict.error, ...(verdict.error.code === 'busy' && { busy: true }) })
      const caller = verdict.value.caller
      return ok({
        ...('tn' in caller ? { callerNumber: `+${caller.tn}` as E164 } : { callerUri: caller.uri }),
        callingDomain: verdict.value.callingDomain,
      })
    },
    replayCacheSize: () => replays.size,
  }
}

/** The calling side's half: the caller is the user's number, or their SIP address for a user without one. */
export function callVoucher(options: {
  readonly signer: CallSigner
  readonly domain: string
  readonly clock: Clock
}): NodeCallerIdentity['vouchFor'] {
  return (route, call) => {
    const caller: Originator =
      call.caller !== undefined ? { tn: call.caller.slice(1) } : { uri: `sip:${call.user}@${options.domain}` }
    const request = { ticket: route.ticket, callKey: route.callKey, caller, calledNumber: call.called }
    const auth = authorizeCall(request, options.signer, options.clock.now())
    return auth.ok ? ok(auth.value.headers) : auth
  }
}
