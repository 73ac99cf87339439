/**
 * Composes one enterprise node from its parts: the store (identity, number-key cache, its share of the DHT,
 * call records, learned routes, ticket keys), the libp2p peer with its Chord ring membership, the publication
 * of the enterprise's numbers, and validation (the proof protocol and the background scheduler). The only
 * place parts meet.
 */
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { hkdfSync, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { systemClock, type Clock } from './core/clock.js'
import { isE164, type E164 } from './core/e164.js'
import { NumberKeyCache, numberKeyParams } from './core/number-key.js'
import { err, ok } from './core/result.js'
import { ringIdToBytes, ringIdToHex, type RingId } from './core/ring.js'
import type { ChordConfig, ChordEvent } from './dht/chord-node.js'
import { DEFAULT_CHORD_CONFIG } from './dht/constants.js'
import type { ClaimRecord, NodeRef } from './dht/messages.js'
import { EventHub, ringEvents, validationEvents } from './http/events.js'
import { startNodeHttp, type NodeHttp, type NodeHttpConfig } from './http/node-http.js'
import { countSipEvent, NodeMetrics } from './http/metrics.js'
import { nodeStatus } from './http/status.js'
import { startChordPeer, type ChordPeer } from './p2p/chord-peer.js'
import { ValidationProtocol, type ClaimedCall } from './p2p/validation-protocol.js'
import { SqliteAttemptCapStore } from './store/attempt-cap-store.js'
import { SqliteCallsInProgress } from './store/calls-in-progress-store.js'
import { SqliteValidationLog } from './store/validation-log-store.js'
import { SqliteCallRecordStore } from './store/call-record-store.js'
import { openDatabase, transaction, type Database } from './store/database.js'
import { SqliteRecordStore } from './store/dht-record-store.js'
import { SqliteNodeIdentityStore } from './store/identity-store.js'
import { SqliteLearnedRouteStore } from './store/learned-route-store.js'
import { SqliteNumberKeyStore } from './store/number-key-store.js'
import { SqlitePublishedNumberStore } from './store/published-number-store.js'
import { SqliteTicketKeyStore } from './store/ticket-key-store.js'
import { CallAgent, type CallAgentEvent, type FaceConfig, type SipDirectory, type SipUser } from './sip/call-agent.js'
import { SqliteUserStore, type UserInput } from './store/user-store.js'
import { SqliteValidationQueue } from './store/validation-queue-store.js'
import { TicketKeyRing } from './tickets/key-ring.js'
import { mintTicket, verifyTicket } from './tickets/mint.js'
import { AttemptCaps } from './validation/attempt-caps.js'
import type { CallRecord, CallRecordStore, NewCallRecord } from './validation/call-record.js'
import { pickCallRecord, startWindow } from './validation/call-secret.js'
import { MAX_CANDIDATE_RECORDS } from './validation/constants.js'
import type { LearnedRouteStore } from './validation/learned-route.js'
import { proofFailure } from './validation/proof-failure.js'
import {
  DEFAULT_VALIDATION_TIMING,
  ValidationScheduler,
  type ValidationOutcome,
  type ValidationTiming,
} from './validation/scheduler.js'

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
  /** The PSTN gateway and this enterprise's trunk account there. */
  pstn?: { uri: string; user: string; password: string }
  /** How long an IME route may take before the call falls back to the PSTN (ms; default 2000). */
  imeTimeoutMs?: number
  /** An outbound proxy for calls to other enterprises (sip:HOST:PORT;transport=tcp). */
  outboundProxy?: string
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
  /** Graceful: leaves the ring (records handed over), closes the store. */
  stop(): Promise<void>
}

const rand = (n: number) => new Uint8Array(randomBytes(n))

export async function startEnterpriseNode(config: EnterpriseNodeConfig): Promise<EnterpriseNode> {
  const db: Database = openDatabase(join(config.dataDir, 'node.db'))
  try {
    const clock = config.clock ?? systemClock
    const domain = config.domain ?? 'unnamed.invalid'
    const privateKey = await new SqliteNodeIdentityStore(db).loadOrCreate()
    const numberKeys = new NumberKeyCache(numberKeyParams(config.overlay), new SqliteNumberKeyStore(db))
    const calls = new SqliteCallRecordStore(db)
    const callsInProgress = new SqliteCallsInProgress(db)
    const routes = new SqliteLearnedRouteStore(db)
    const ticketKeys = new TicketKeyRing(new SqliteTicketKeyStore(db), rand)
    const users = new SqliteUserStore(db, { realm: domain })
    for (const user of config.users ?? []) {
      const stored = await users.put(user, clock.now())
      if (!stored.ok) throw new Error(`user ${user.name}: ${stored.error}`)
    }
    const events = new EventHub(clock)
    // Gauges read the parts below when scraped; the parts exist by then.
    const metrics = new NodeMetrics(
      {
        learnedRoutes: () => routes.list(clock.now()).length,
        pendingValidations: () => validations.pending().length,
        registrations: () => sip?.registrations.userCount ?? 0,
      },
      config.processMetrics ?? true,
    )
    const chordConfig = { ...DEFAULT_CHORD_CONFIG, ...config.chord }
    const peer = await startChordPeer({
      metrics: prometheusMetrics({
        registry: metrics.registry,
        preserveExistingMetrics: true,
        // Process metrics (CPU, memory, GC) are collected once per process (NodeMetrics), not per node.
        collectDefaultMetrics: false,
      }) as never,
      privateKey,
      records: new SqliteRecordStore(db, chordConfig),
      ...(config.listen !== undefined && { listen: config.listen }),
      ...(config.bootstrap !== undefined && { bootstrap: config.bootstrap }),
      ...(config.chord !== undefined && { config: config.chord }),
      log(event) {
        ringEvents(event).forEach((e) => events.publish(e))
        config.onChordEvent?.(event)
      },
      clock,
    })
    const numbers = config.numbers ?? []
    const keys = await numberKeys.keys(numbers, {
      ...(config.onPublishProgress !== undefined && { onProgress: config.onPublishProgress }),
    })
    const published = new Map<E164, RingId>()
    const numberByKey = new Map<string, E164>()
    const publishedStore = new SqlitePublishedNumberStore(db)
    for (let i = 0; i < numbers.length; i++) {
      await peer.chord.publish(keys[i]!)
      publishedStore.add(numbers[i]!, keys[i]!)
      published.set(numbers[i]!, keys[i]!)
      numberByKey.set(ringIdToHex(keys[i]!), numbers[i]!)
    }
    // Numbers published before but no longer in the plan: a signed withdrawal replaces their claims. (With no
    // plan given at all, the node leaves its earlier claims as they are.)
    for (const old of config.numbers === undefined ? [] : publishedStore.list()) {
      if (published.has(old.number)) continue
      await peer.chord.withdraw(old.key)
      publishedStore.remove(old.number)
    }

    let served: Awaited<ReturnType<typeof startNodeHttp>> | undefined
    // The call agent: records the PSTN and IME calls it carries; a finished outbound PSTN call schedules its
    // validation (the scheduler is created below; the agent only calls back once calls happen).
    let sip: CallAgent | undefined
    const sipHost = config.sip?.host ?? '127.0.0.1'
    if (config.sip !== undefined) {
      sip = await CallAgent.start({
        domain,
        host: sipHost,
        edge: config.sip.edge,
        internal: config.sip.internal,
        ...(config.sip.pstn !== undefined && { pstn: config.sip.pstn }),
        directory: sipDirectory(users, config.users ?? []),
        routeTo: (number) => routes.routesTo(number, clock.now())[0],
        checkTicket: (ticket, expected) => verifyTicket(ticket, expected, ticketKeys, clock.now()),
        calls: {
          // The record and its scheduled validation are committed together: a crash never keeps one alone.
          // A call in progress is kept by its SIP Call-ID in the same transaction, so that a BYE after a restart
          // still ends its record.
          started: (record, sipCallId) => {
            const stored = transaction(db, () => {
              const r = calls.add(record)
              if (r.ok && r.value.end !== null) validations.callEnded(r.value)
              if (r.ok && r.value.end === null && sipCallId !== undefined) {
                callsInProgress.set(sipCallId, { recordId: r.value.id, start: r.value.start })
              }
              return r
            })
            if (stored.ok) events.publish({ type: 'call', call: stored.value })
          },
          ended: (id, end, outcome, sipCallId) => {
            const finished = transaction(db, () => {
              callsInProgress.delete(sipCallId, id)
              const r = calls.finish(id, end, outcome)
              if (r.ok) validations.callEnded(r.value)
              return r
            })
            if (finished.ok) events.publish({ type: 'call', call: finished.value })
          },
          inProgress: (sipCallId) => callsInProgress.get(sipCallId),
        },
        clock,
        // Derived from the node's identity (kept in its database): a restart keeps it, so calls outlive one.
        routeSecret: new Uint8Array(hkdfSync('sha256', privateKey.raw, 'ime', 'sip record-route flow tokens', 32)),
        ...(config.sip.imeTimeoutMs !== undefined && { imeTimeoutMs: config.sip.imeTimeoutMs }),
        ...(config.sip.outboundProxy !== undefined && { outboundProxy: config.sip.outboundProxy }),
        onEvent(e) {
          countSipEvent(metrics, e)
          config.sip?.onEvent?.(e)
        },
        // A softphone served by this node's HTTP server registers as its signed-in user: the session cookie
        // comes with the WebSocket upgrade, from a page of this node's origin only.
        sessionUser(req) {
          const origin = req.headers.origin
          if (served === undefined || origin === undefined) return undefined
          if (!URL.canParse(origin) || new URL(origin).port !== String(served.http.port)) return undefined
          const who = served.http.authenticate(req)
          return who.ok && who.value !== undefined && who.value.via === 'cookie' ? who.value.name : undefined
        },
      })
    }
    // What other enterprises are told to call: the edge's WebSocket (browsers can reach it), else its TCP.
    const edge = sip?.addresses.edge
    const sipUriFor =
      config.sipUriFor ??
      ((number: E164) =>
        edge?.ws !== undefined
          ? `sip:${number}@${sipHost}:${edge.ws};transport=ws`
          : edge?.tcp !== undefined
            ? `sip:${number}@${sipHost}:${edge.tcp};transport=tcp`
            : `sip:${number}@${domain}`)

    const caps = new AttemptCaps(new SqliteAttemptCapStore(db))
    const validation = new ValidationProtocol(peer.libp2p, {
      caps,
      clock,
      randomBytes: rand,
      // As claimer: of our inbound PSTN calls to the keyed number that started in the hinted window, the one
      // that best fits the originator's grids (spent records left out: they cannot prove anything).
      findRecord(numberKey, hourHint, phases, usable): ClaimedCall | undefined {
        const number = numberByKey.get(Buffer.from(numberKey).toString('hex'))
        if (number === undefined) return undefined
        const { from, to } = startWindow(hourHint)
        const candidates = calls.inboundTo(number, from, to, MAX_CANDIDATE_RECORDS).filter((c) => usable(c.id))
        return pickCallRecord(
          candidates.map((c) => ({ ...c, end: c.end! })),
          phases,
        )
      },
      grantRoute(_peer, call, callingDomain) {
        if (routes.isBlocked(callingDomain)) return err(`domain ${callingDomain} is blocked`)
        const minted = mintTicket({ calledNumber: call.called, callingDomain }, ticketKeys, clock.now(), rand)
        if (!minted.ok) return minted
        const sipUri = sipUriFor(call.called)
        return ok({ domain, sipUri, ticket: minted.value.text, expiresAt: minted.value.expiresAt * 1000 })
      },
    })
    await validation.serve()

    // A claimer that cannot be found on the ring (down, or our lookup failed) still claims the number while its
    // claim is in the DHT: it is asked by its peer id alone and fails as unreachable, which leaves its route.
    // Only its claim leaving the DHT counts as a withdrawal.
    const locateClaimer = async (record: ClaimRecord): Promise<NodeRef> => {
      const at = await peer.chord.lookup(record.owner).catch(() => undefined)
      if (at?.responsible.id === record.owner) return at.responsible
      const peerId = peerIdFromPublicKey(publicKeyFromProtobuf(record.ownerPublicKey))
      return { id: record.owner, peer: peerId.toString(), addrs: [] }
    }
    const validationQueue = new SqliteValidationQueue(db)
    const validationLog = new SqliteValidationLog(db)
    const validations = new ValidationScheduler<NodeRef>({
      calls,
      routes,
      queue: validationQueue,
      clock,
      random: Math.random,
      ...(config.validation !== undefined && { timing: { ...DEFAULT_VALIDATION_TIMING, ...config.validation } }),
      onOutcome(outcome) {
        metrics.validations.inc({ outcome: outcome.outcome, kind: outcome.kind })
        validationLog.add(outcome, clock.now())
        validationEvents(outcome).forEach((e) => events.publish(e))
        config.onValidation?.(outcome)
      },
      // Claimers are Node-IDs in the DHT; a lookup of a claimer's own id finds the node itself (and its address).
      async findClaimers(number) {
        metrics.lookups.inc({ kind: 'validation' })
        const found = await peer.chord.get(await numberKeys.key(number))
        const claimers = []
        for (const record of found.records) {
          if (record.owner === peer.chord.self.id) continue
          claimers.push({ nodeId: ringIdToHex(record.owner), ref: await locateClaimer(record) })
        }
        return claimers
      },
      async prove(claimer, call) {
        const key = ringIdToBytes(await numberKeys.key(call.called))
        const result = await validation.prove(claimer.ref, call, key, domain)
        if (!result.ok) return result
        if (result.value.route === undefined) {
          return err(proofFailure('refused', 'the claimer proved the call but granted no route'))
        }
        return ok(result.value.route)
      },
    })

    const retentionMs = config.callRetentionMs ?? 7 * 24 * 3600_000
    calls.purgeBefore(clock.now() - retentionMs)
    caps.forgetRecordsBefore(clock.now() - retentionMs)
    validationQueue.forgetAskedBefore(clock.now() - retentionMs)
    validationLog.purgeBefore(clock.now() - retentionMs)
    // Due validations run in the background, one batch at a time; never on a call's path. The operator's
    // "run now" waits for a batch under way, then runs everything pending.
    let validating: Promise<unknown> | undefined
    const runBatch = <T>(run: () => Promise<T>): Promise<T> => {
      const batch = (validating ?? Promise.resolve()).then(run)
      const settled = batch.catch(() => undefined)
      validating = settled
      void settled.then(() => validating === settled && (validating = undefined))
      return batch
    }
    const poll = setInterval(() => {
      calls.purgeBefore(clock.now() - retentionMs)
      caps.forgetRecordsBefore(clock.now() - retentionMs)
      validationQueue.forgetAskedBefore(clock.now() - retentionMs)
      validationLog.purgeBefore(clock.now() - retentionMs)
      users.purgeExpired(clock.now())
      if (validating === undefined) void runBatch(() => validations.run()).catch(() => undefined)
    }, config.validationPollMs ?? 30_000)
    poll.unref()

    try {
      served =
        config.http &&
        (await startNodeHttp(config.http, {
          routes,
          calls,
          validations: validationLog,
          users,
          events,
          clock,
          runValidations: () => runBatch(() => validations.run({ everything: true })),
          status: () =>
            nodeStatus(
              domain,
              peer.chord.snapshot(),
              {
                publishedNumbers: published.size,
                learnedRoutes: routes.list(clock.now()).length,
                pendingValidations: validations.pending().length,
              },
              [...published.keys()],
            ),
          onError: (e) => console.error('http: request failed:', e),
          metrics: () => metrics.exposition(),
          operator: {
            edge: () => ({
              up: sip?.edgeIsUp ?? false,
              sipWs: sip?.addresses.edge.ws === undefined ? undefined : `ws://${sipHost}:${sip.addresses.edge.ws}`,
              sipTcp:
                sip?.addresses.edge.tcp === undefined
                  ? undefined
                  : `sip:${sipHost}:${sip.addresses.edge.tcp};transport=tcp`,
            }),
            async setEdge(up) {
              if (up) await sip?.edgeUp()
              else await sip?.edgeDown()
              return { up: sip?.edgeIsUp ?? false }
            },
            rotateTicketKey: () => {
              const rotated = ticketKeys.rotate(clock.now())
              return rotated.ok ? ok({ epoch: rotated.value.epoch }) : rotated
            },
            numbers: () => [...published.keys()],
            async publish(number) {
              if (!isE164(number)) return err(`${number} is not an E.164 number`)
              if (published.has(number)) return ok({ number, published: true })
              const key = await numberKeys.key(number)
              await peer.chord.publish(key)
              publishedStore.add(number, key)
              published.set(number, key)
              numberByKey.set(ringIdToHex(key), number)
              return ok({ number, published: true })
            },
            async withdraw(number) {
              const key = isE164(number) ? published.get(number) : undefined
              if (key === undefined) return err(`${number} is not published by this node`)
              await peer.chord.withdraw(key)
              publishedStore.remove(number as E164)
              published.delete(number as E164)
              numberByKey.delete(ringIdToHex(key))
              return ok({ number, withdrawn: true })
            },
          },
          softphone: () => ({
            domain,
            sipWsPort: sip?.addresses.internal.ws,
            imeTimeoutMs: config.sip?.imeTimeoutMs ?? 2_000,
          }),
        }))
    } catch (e) {
      clearInterval(poll)
      await peer.kill()
      throw e
    }

    return {
      peer,
      numberKeys,
      published,
      calls,
      routes,
      ticketKeys,
      validations,
      sip,
      users,
      events,
      http: served?.http,
      async claimsOn(number) {
        metrics.lookups.inc({ kind: 'query' })
        const found = await peer.chord.get(await numberKeys.key(number))
        return { owners: found.records.map((r) => r.owner), hops: found.hops }
      },
      recordCall(record) {
        const stored = transaction(db, () => {
          const r = calls.add(record)
          if (!r.ok) throw new Error(`call record refused: ${r.error}`)
          validations.callEnded(r.value)
          return r.value
        })
        events.publish({ type: 'call', call: stored })
        return stored
      },
      async stop() {
        clearInterval(poll)
        try {
          await sip?.stop()
          await served?.api.close()
          await peer.leave()
        } finally {
          db.close()
        }
      },
    }
  } catch (e) {
    db.close()
    throw e
  }
}

/**
 * The call agent's view of the node's users: digest HA1 from the user store, numbers (E.164 only) for routing
 * inbound calls, and the fixed contacts the configuration gives. Read at start: users come from configuration.
 */
function sipDirectory(store: SqliteUserStore, configured: readonly { name: string; contact?: string }[]): SipDirectory {
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
