/**
 * Composes one enterprise node from its parts, in the one order in which nothing accepts work before what it
 * calls into exists: the store; the libp2p peer with its Chord ring membership; the publication of the
 * enterprise's numbers; validation as originator (the scheduler and its background poll); the SIP call agent,
 * whose calls are recorded and scheduled for validation; validation as claimer (it grants routes to the SIP
 * edge); the HTTP API. Each part's builder (src/node/) takes what it needs and returns the part with its stop
 * function; a failed step stops the parts started before it and names itself in the error (NodeStartError),
 * and the node's stop stops them all, last first. The only place parts meet.
 */
import { systemClock } from './core/clock.js'
import { DEFAULT_CHORD_CONFIG } from './dht/constants.js'
import { EventHub, ringEvents } from './http/events.js'
import { NodeMetrics } from './http/metrics.js'
import { edgeSipUri, startNodeCallAgent, type NodeCallAgent } from './node/call-agent.js'
import { callRecording } from './node/call-recording.js'
import { nodeCallerIdentity } from './node/caller-identity.js'
import type { EnterpriseNode, EnterpriseNodeConfig } from './node/config.js'
import { startNodeHttpPart } from './node/http.js'
import { startNodePeer } from './node/peer.js'
import { serveProofs } from './node/proof-service.js'
import { publishNumbers } from './node/published-numbers.js'
import { SoftphoneSessions } from './node/softphone-sessions.js'
import { Startup } from './node/startup.js'
import { openNodeStore } from './node/store.js'
import { startNodeValidation, type NodeValidation } from './node/validation.js'

export type { EnterpriseNode, EnterpriseNodeConfig, NodeSipConfig } from './node/config.js'
export { NodeStartError } from './node/startup.js'

/** The builders of the node's parts, one per start step, in the order they run. */
export const nodeBuilders = {
  store: openNodeStore,
  peer: startNodePeer,
  publish: publishNumbers,
  validation: startNodeValidation,
  sip: startNodeCallAgent,
  proofs: serveProofs,
  http: startNodeHttpPart,
}

export type NodeBuilders = typeof nodeBuilders
/** The start steps, by name (the `step` of a NodeStartError). */
export type NodeStep = keyof NodeBuilders

/**
 * Starts a node. `builders` replaces some parts' builders: for tests (a step that fails, or that acts between
 * steps); the node composes the same way.
 */
export async function startEnterpriseNode(
  config: EnterpriseNodeConfig,
  builders: Partial<NodeBuilders> = {},
): Promise<EnterpriseNode> {
  const build: NodeBuilders = { ...nodeBuilders, ...builders }
  const clock = config.clock ?? systemClock
  const domain = config.domain ?? 'unnamed.invalid'
  const chord = { ...DEFAULT_CHORD_CONFIG, ...config.chord }
  const events = new EventHub(clock)
  const startup = new Startup()
  // Parts the metrics' gauges read when scraped (over HTTP, which starts last); absent ones read 0.
  const scraped: { validation?: NodeValidation; sip?: NodeCallAgent } = {}

  const store = await startup.step('store', () =>
    build.store({ dataDir: config.dataDir, overlay: config.overlay, domain, chord, users: config.users ?? [], clock }),
  )
  const metrics = new NodeMetrics(
    {
      learnedRoutes: () => store.routes.countTrusted(clock.now()).trusted,
      pendingValidations: () => scraped.validation?.scheduler.pending().length ?? 0,
      registrations: () => scraped.sip?.agent.registrations.userCount ?? 0,
    },
    config.processMetrics ?? true,
  )
  const { peer } = await startup.step('peer', () =>
    build.peer({
      privateKey: store.privateKey,
      records: store.dhtRecords,
      metrics,
      clock,
      ...(config.listen !== undefined && { listen: config.listen }),
      ...(config.announce !== undefined && { announce: config.announce }),
      ...(config.bootstrap !== undefined && { bootstrap: config.bootstrap }),
      ...(config.chord !== undefined && { chord: config.chord }),
      log(event) {
        ringEvents(event).forEach((e) => events.publish(e))
        config.onChordEvent?.(event)
      },
    }),
  )
  const { numbers } = await startup.step('publish', () =>
    build.publish({
      chord: peer.chord,
      store: store.publishedNumbers,
      numberKeys: store.numberKeys,
      plan: config.numbers,
      ...(config.onPublishProgress !== undefined && { onProgress: config.onPublishProgress }),
    }),
  )
  const validation = await startup.step('validation', () =>
    build.validation({
      store,
      peer,
      domain,
      clock,
      metrics,
      events,
      ...(config.validation !== undefined && { timing: config.validation }),
      pollMs: config.validationPollMs ?? 30_000,
      retentionMs: config.callRetentionMs ?? 7 * 24 * 3600_000,
      ...(config.onValidation !== undefined && { onValidation: config.onValidation }),
    }),
  )
  scraped.validation = validation
  const scheduler = validation.scheduler
  // The call agent's calls are recorded, and finished ones scheduled for validation: both exist by now.
  const recording = callRecording({ ...store, validations: scheduler, events })
  const sessions = new SoftphoneSessions()
  const callerIdentity = nodeCallerIdentity({
    privateKey: store.privateKey,
    ticketKeys: store.ticketKeys,
    domain,
    clock,
  })
  const sipConfig = config.sip
  const sip =
    sipConfig === undefined
      ? undefined
      : await startup.step('sip', () =>
          build.sip({
            config: sipConfig,
            domain,
            store,
            contacts: config.users ?? [],
            recording,
            callerIdentity,
            sessions,
            metrics,
            clock,
          }),
        )
  if (sip !== undefined) {
    scraped.sip = sip
    metrics.watchConnections('sip', () => sip.agent.connections)
  }
  const edge = sip === undefined ? undefined : { host: sip.host, ...sip.agent.addresses.edge }
  await startup.step('proofs', () =>
    build.proofs({
      peer,
      store,
      numbers,
      domain,
      sipUriFor: config.sipUriFor ?? ((number) => edgeSipUri(number, domain, edge)),
      clock,
    }),
  )
  const httpConfig = config.http
  const served =
    httpConfig === undefined
      ? undefined
      : await startup.step('http', () =>
          build.http({
            config: httpConfig,
            domain,
            store,
            peer,
            numbers,
            validation,
            sip,
            sessions,
            callerIdentity,
            imeTimeoutMs: config.sip?.imeTimeoutMs ?? 2_000,
            events,
            metrics,
            clock,
          }),
        )

  return {
    peer,
    numberKeys: store.numberKeys,
    published: numbers.published,
    calls: store.calls,
    routes: store.routes,
    ticketKeys: store.ticketKeys,
    validations: scheduler,
    sip: sip?.agent,
    users: store.users,
    events,
    http: served?.http,
    async claimsOn(number) {
      metrics.lookups.inc({ kind: 'query' })
      const found = await peer.chord.get(await store.numberKeys.key(number))
      return { owners: found.records.map((r) => r.owner), hops: found.hops }
    },
    recordCall: (record) => recording.record(record),
    stop: () => startup.stop(),
  }
}
