/**
 * Validation as originator: the scheduler that keeps due validations of finished outbound PSTN calls and runs
 * them (DHT lookup of the claimers, then the proof over libp2p), one batch at a time in the background, and
 * the poll that starts a batch and drops records past their retention. Its stop ends the poll.
 */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import type { Clock } from '../core/clock.js'
import type { NumberKeyCache } from '../core/number-key.js'
import { err, ok } from '../core/result.js'
import { ringIdToBytes, ringIdToHex } from '../core/ring.js'
import type { ClaimRecord, NodeRef } from '../dht/messages.js'
import { validationEvents, type EventHub } from '../http/events.js'
import type { NodeMetrics } from '../http/metrics.js'
import type { ChordPeer } from '../p2p/chord-peer.js'
import { ValidationProtocol } from '../p2p/validation-protocol.js'
import { proofFailure } from '../validation/proof-failure.js'
import { ValidationScheduler, type ValidationOutcome, type ValidationTiming } from '../validation/scheduler.js'
import { purgeExpired, type RetainedStores } from './retention.js'
import type { NodeStore } from './store.js'
import { rand } from './store.js'
import type { Part } from './startup.js'

export interface NodeValidation extends Part {
  readonly scheduler: ValidationScheduler<NodeRef>
  /** Runs a batch after the one under way, if any (the operator's "run now" runs everything pending). */
  runBatch<T>(run: () => Promise<T>): Promise<T>
}

export interface NodeValidationOptions {
  readonly store: Pick<NodeStore, 'calls' | 'routes' | 'validationQueue' | 'validationLog' | 'caps' | 'numberKeys'> &
    RetainedStores
  readonly peer: ChordPeer
  readonly domain: string
  readonly clock: Clock
  readonly metrics: NodeMetrics
  readonly events: EventHub
  readonly timing?: Partial<ValidationTiming>
  /** How often due validations are looked for, and old records dropped (ms). */
  readonly pollMs: number
  readonly retentionMs: number
  readonly onValidation?: (outcome: ValidationOutcome) => void
}

export function startNodeValidation(options: NodeValidationOptions): NodeValidation {
  const { store, peer, clock, metrics, domain } = options
  // As originator only: the claimer's side is served by the proof service (it hands out the SIP edge's URI).
  const prover = new ValidationProtocol(peer.libp2p, {
    findRecord: () => undefined,
    caps: store.caps,
    clock,
    randomBytes: rand,
  })
  const numberKeys: NumberKeyCache = store.numberKeys
  // A claimer that cannot be found on the ring (down, or our lookup failed) still claims the number while its
  // claim is in the DHT: it is asked by its peer id alone and fails as unreachable, which leaves its route.
  // Only its claim leaving the DHT counts as a withdrawal.
  const locateClaimer = async (record: ClaimRecord): Promise<NodeRef> => {
    const at = await peer.chord.lookup(record.owner).catch(() => undefined)
    if (at?.responsible.id === record.owner) return at.responsible
    const peerId = peerIdFromPublicKey(publicKeyFromProtobuf(record.ownerPublicKey))
    return { id: record.owner, peer: peerId.toString(), addrs: [] }
  }
  const scheduler = new ValidationScheduler<NodeRef>({
    calls: store.calls,
    routes: store.routes,
    queue: store.validationQueue,
    clock,
    random: Math.random,
    ...(options.timing !== undefined && { timing: options.timing }),
    onOutcome(outcome) {
      metrics.validations.inc({ outcome: outcome.outcome, kind: outcome.kind })
      if (outcome.conflictWith !== undefined) metrics.conflicts.inc({ trusted: String(outcome.trusted !== false) })
      store.validationLog.add(outcome, clock.now())
      validationEvents(outcome).forEach((e) => options.events.publish(e))
      options.onValidation?.(outcome)
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
      const result = await prover.prove(claimer.ref, call, key, domain)
      if (!result.ok) return result
      if (result.value.route === undefined) {
        return err(proofFailure('refused', 'the claimer proved the call but granted no route'))
      }
      return ok(result.value.route)
    },
  })

  purgeExpired(store, clock.now() - options.retentionMs, clock.now())
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
    purgeExpired(store, clock.now() - options.retentionMs, clock.now())
    if (validating === undefined) void runBatch(() => scheduler.run()).catch(() => undefined)
  }, options.pollMs)
  poll.unref()

  return {
    scheduler,
    runBatch,
    stop: () => clearInterval(poll),
  }
}
