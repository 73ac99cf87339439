/**
 * The node's HTTP API and web app (docs/http-api.md): status, calls, routes, validations, the event stream,
 * the operator's acts on the node (SIP edge, ticket keys, published numbers) and what a softphone needs.
 * Started last: it calls into every other part. Its stop closes the server and its streams.
 */
import type { Clock } from '../core/clock.js'
import { isE164, type E164 } from '../core/e164.js'
import { err, ok } from '../core/result.js'
import type { EventHub } from '../http/events.js'
import type { NodeMetrics } from '../http/metrics.js'
import { startNodeHttp, type NodeHttp, type NodeHttpConfig } from '../http/node-http.js'
import { nodeStatus } from '../http/status.js'
import { reachability } from '../p2p/reachability.js'
import { descriptorUse } from '../core/descriptors.js'
import type { ChordPeer } from '../p2p/chord-peer.js'
import type { NodeCallAgent } from './call-agent.js'
import type { NodeCallerIdentity } from './caller-identity.js'
import type { PublishedNumbers } from './published-numbers.js'
import type { SoftphoneSessions } from './softphone-sessions.js'
import type { Part } from './startup.js'
import type { NodeStore } from './store.js'
import type { NodeValidation } from './validation.js'

export interface NodeHttpPart extends Part {
  readonly http: NodeHttp
}

export interface NodeHttpOptions {
  readonly config: NodeHttpConfig
  readonly domain: string
  readonly store: Pick<NodeStore, 'routes' | 'calls' | 'validationLog' | 'users' | 'ticketKeys'>
  readonly peer: ChordPeer
  readonly numbers: PublishedNumbers
  readonly validation: Pick<NodeValidation, 'scheduler' | 'runBatch'>
  /** The call agent, when the node has one. */
  readonly sip: NodeCallAgent | undefined
  readonly sessions: SoftphoneSessions
  readonly callerIdentity: Pick<NodeCallerIdentity, 'vouchFor'>
  /** How long a softphone waits for an IME route before it falls back to the PSTN (ms). */
  readonly imeTimeoutMs: number
  readonly events: EventHub
  readonly metrics: NodeMetrics
  readonly clock: Clock
}

export async function startNodeHttpPart(options: NodeHttpOptions): Promise<NodeHttpPart> {
  const { store, clock, domain, peer, numbers, validation, sip } = options
  const agent = sip?.agent
  // Read once the server is there (health is only asked through it).
  let httpConnections = (): number => 0
  const served = await startNodeHttp(options.config, {
    routes: store.routes,
    calls: store.calls,
    validations: store.validationLog,
    ticketRefusals: options.metrics.refusals,
    users: store.users,
    events: options.events,
    clock,
    runValidations: () => validation.runBatch(() => validation.scheduler.run({ everything: true })),
    authorizeCall(user, number) {
      const route = store.routes.routesTo(number as E164, clock.now())[0]
      if (route === undefined) return err({ status: 404, error: `no learned route to ${number}` })
      const caller = user.number !== null && isE164(user.number) ? user.number : undefined
      const vouched = options.callerIdentity.vouchFor(route, { caller, user: user.name, called: number as E164 })
      if (!vouched.ok) return err({ status: 409, error: vouched.error })
      return ok({
        headers: Object.fromEntries(vouched.value),
        route: { sipUri: route.sipUri, domain: route.domain, expiresAt: route.expiresAt },
      })
    },
    health: () => {
      const descriptors = descriptorUse()
      // What libp2p publishes now (AutoNAT-confirmed addresses, a relay reservation), not only what it started with.
      const reach = reachability(peer.libp2p.getMultiaddrs().map(String))
      return {
        reachableFromOutside: reach.public,
        claimer: reach.claimer,
        ...(reach.relays.length > 0 && { relays: reach.relays }),
        // Whether (and how) it can be validated as a claimer, in words, unless it simply can.
        ...(reach.claimer !== 'public' && { note: reach.note }),
        // So that an operator sees descriptor exhaustion coming (every socket and file takes one).
        ...(descriptors !== undefined && { descriptors }),
        connections: {
          ...(agent !== undefined && { sip: agent.connections.held }),
          http: httpConnections(),
        },
      }
    },
    status: () =>
      nodeStatus(
        domain,
        peer.chord.snapshot(),
        {
          publishedNumbers: numbers.published.size,
          learnedRoutes: store.routes.countTrusted(clock.now()).trusted,
          pendingValidations: validation.scheduler.pending().length,
          ...(agent !== undefined && { midcallFallbacks: agent.counters.midcallFallbacks }),
        },
        [...numbers.published.keys()],
        peer.libp2p.getMultiaddrs().map(String),
      ),
    onError: (e) => console.error('http: request failed:', e),
    metrics: () => options.metrics.exposition(),
    operator: {
      edge: () => ({
        up: agent?.edgeIsUp ?? false,
        sipWs: agent?.addresses.edge.ws === undefined ? undefined : `ws://${sip!.host}:${agent.addresses.edge.ws}`,
        sipTcp:
          agent?.addresses.edge.tcp === undefined
            ? undefined
            : `sip:${sip!.host}:${agent.addresses.edge.tcp};transport=tcp`,
      }),
      async setEdge(up) {
        if (up) await agent?.edgeUp()
        else await agent?.edgeDown()
        return { up: agent?.edgeIsUp ?? false }
      },
      rotateTicketKey: () => {
        const rotated = store.ticketKeys.rotate(clock.now())
        return rotated.ok ? ok({ epoch: rotated.value.epoch }) : rotated
      },
      numbers: () => [...numbers.published.keys()],
      publish: (number) => numbers.publish(number),
      withdraw: (number) => numbers.withdraw(number),
    },
    directory: () =>
      store.users.list().flatMap((u) =>
        u.number === null
          ? []
          : [
              {
                name: u.name,
                number: u.number,
                registered: (agent?.registrations.current(u.name, clock.now()).length ?? 0) > 0,
              },
            ],
      ),
    softphone: () => ({
      domain,
      // Behind a reverse proxy the softphone reaches SIP at <public origin>/sip (the proxy forwards it), not a port.
      sipWsPort: options.config.publicOrigin === undefined ? agent?.addresses.internal.ws : undefined,
      imeTimeoutMs: options.imeTimeoutMs,
    }),
  })
  httpConnections = () => served.http.connections().held
  options.metrics.watchConnections('http', () => served.http.connections())
  const detach = options.sessions.attach({
    authenticate: (req) => served.http.authenticate(req),
    httpPort: served.http.port,
    publicOrigin: options.config.publicOrigin,
  })
  return {
    http: served.http,
    async stop() {
      detach()
      await served.api.close()
    },
  }
}
