/**
 * The node's SIP call agent: its users from the store, routes learned by validation, tickets checked with the
 * node's keys, calls recorded through the call recording; the Record-Route key derived from the node's
 * identity. Started only once everything it calls into exists: its listeners accept calls at once. Its stop
 * closes the listeners and their connections.
 */
import { hkdfSync, randomInt } from 'node:crypto'
import { Counter } from 'prom-client'
import type { Clock } from '../core/clock.js'
import { isE164, type E164 } from '../core/e164.js'
import { openMidcallFallback } from '../fallback/midcall-fallback.js'
import { countSipEvent, type NodeMetrics } from '../http/metrics.js'
import type { MediaBridge } from '../media-bridge/bridge.js'
import { openMediaBridge } from '../media-bridge/open.js'
import { CallAgent, type SipDirectory, type SipUser } from '../sip/agent/index.js'
import { SqliteFallbackOffers } from '../store/fallback-offer-store.js'
import type { SqliteUserStore } from '../store/user-store.js'
import type { CallRecording } from './call-recording.js'
import type { NodeCallerIdentity } from './caller-identity.js'
import type { NodeSipConfig } from './config.js'
import type { SoftphoneSessions } from './softphone-sessions.js'
import type { NodeStore } from './store.js'
import type { Part } from './startup.js'

export interface NodeCallAgent extends Part {
  readonly agent: CallAgent
  /** The address SIP URIs name (the configured host). */
  readonly host: string
}

export interface NodeCallAgentOptions {
  readonly config: NodeSipConfig
  readonly domain: string
  /** Its database keeps the live mid-call fallback offers across restarts (src/store/fallback-offer-store.ts). */
  readonly store: Pick<NodeStore, 'users' | 'routes' | 'privateKey' | 'db'>
  /** Users' fixed SIP contacts, by name (from the configuration). */
  readonly contacts: readonly { name: string; contact?: string }[]
  readonly recording: CallRecording
  readonly callerIdentity: NodeCallerIdentity
  readonly sessions: SoftphoneSessions
  readonly metrics: NodeMetrics
  readonly clock: Clock
}

export async function startNodeCallAgent(options: NodeCallAgentOptions): Promise<NodeCallAgent> {
  const { config } = options
  const host = config.host ?? '127.0.0.1'
  // The media bridge first: a trunk with media: bridge must not take calls it cannot carry.
  const opened =
    config.mediaBridge === undefined
      ? undefined
      : await openMediaBridge(config.mediaBridge, {
          // Every ng request by outcome: a bridge that is down shows as unreachable offers, not as silence.
          requests: new Counter({
            name: 'ime_media_bridge_requests_total',
            help: 'Requests to the media bridge (rtpengine) by command and outcome (ok or the failure kind)',
            labelNames: ['command', 'outcome'],
            registers: [options.metrics.registry],
          }),
        })
  if (opened !== undefined && !opened.ok) throw new Error(opened.error)
  const bridge = opened?.value
  let agent: CallAgent
  try {
    agent = await startAgent(options, host, bridge?.bridge)
  } catch (e) {
    await bridge?.stop()
    throw e
  }
  return {
    agent,
    host,
    stop: async () => {
      await agent.stop()
      await bridge?.stop()
    },
  }
}

function startAgent(options: NodeCallAgentOptions, host: string, mediaBridge: MediaBridge | undefined) {
  const { config, store, clock } = options
  const fallback =
    config.midcallFallback === undefined
      ? undefined
      : openMidcallFallback(
          config.midcallFallback,
          (n) => randomInt(n),
          () => clock.now(),
          new SqliteFallbackOffers(store.db),
        )
  if (fallback?.ok === false) throw new Error(`sip.midcallFallback: ${fallback.error}`)
  return CallAgent.start({
    domain: options.domain,
    host,
    edge: config.edge,
    internal: config.internal,
    ...(config.pstn !== undefined && { pstn: config.pstn }),
    directory: sipDirectory(store.users, options.contacts),
    routeTo: (number) => store.routes.routesTo(number, clock.now())[0],
    checkCaller: (call) => options.callerIdentity.check(call),
    vouchFor: (route, call) => options.callerIdentity.vouchFor(route, call),
    calls: options.recording.sipCalls,
    clock,
    // Derived from the node's identity (kept in its database): a restart keeps it, so calls outlive one.
    routeSecret: new Uint8Array(hkdfSync('sha256', store.privateKey.raw, 'ime', 'sip record-route flow tokens', 32)),
    ...(config.imeTimeoutMs !== undefined && { imeTimeoutMs: config.imeTimeoutMs }),
    ...(config.outboundProxy !== undefined && { outboundProxy: config.outboundProxy }),
    ...(config.inboundLimits !== undefined && { inboundLimits: config.inboundLimits }),
    ...(fallback?.ok === true && { midcallFallback: fallback.value }),
    onEvent(e) {
      countSipEvent(options.metrics, e)
      if (e.type === 'ticket-checked' && e.ok !== true) options.metrics.refusals.add(clock.now(), String(e.code))
      config.onEvent?.(e)
    },
    sessionUser: (req) => options.sessions.userOf(req),
    ...(mediaBridge !== undefined && { mediaBridge }),
  })
}

/**
 * What other enterprises are told to call a number at: the edge's WebSocket (browsers can reach it), else its
 * TCP; without a SIP edge, sip:NUMBER@DOMAIN.
 */
export function edgeSipUri(
  number: E164,
  domain: string,
  edge: { host: string; ws?: number | undefined; tcp?: number | undefined } | undefined,
): string {
  if (edge?.ws !== undefined) return `sip:${number}@${edge.host}:${edge.ws};transport=ws`
  if (edge?.tcp !== undefined) return `sip:${number}@${edge.host}:${edge.tcp};transport=tcp`
  return `sip:${number}@${domain}`
}

/**
 * The call agent's view of the node's users: digest HA1 from the user store, numbers (E.164 only) for routing
 * inbound calls, and the fixed contacts the configuration gives. Read at start: users come from configuration.
 */
export function sipDirectory(
  store: SqliteUserStore,
  configured: readonly { name: string; contact?: string }[],
): SipDirectory {
  const contacts = new Map(configured.flatMap((u) => (u.contact === undefined ? [] : [[u.name, u.contact] as const])))
  const byName = new Map<string, SipUser>()
  const byNumber = new Map<string, SipUser>()
  for (const u of store.list()) {
    const contact = contacts.get(u.name)
    const user: SipUser = {
      name: u.name,
      ...(u.number !== null && isE164(u.number) && { number: u.number }),
      ...(contact !== undefined && { contact }),
    }
    byName.set(u.name, user)
    if (user.number !== undefined) byNumber.set(user.number, user)
  }
  return {
    ha1: (user, realm, algorithm) => store.ha1(user, realm, algorithm),
    user: (name) => byName.get(name),
    userByNumber: (number) => byNumber.get(number),
  }
}
