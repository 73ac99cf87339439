/**
 * Caps on knowledge-proof attempts, so that a node that does not know a call's details gets only a few
 * online guesses: runs per remote peer per hour, and failures per call record, counted per asking peer (after
 * which the record is spent for that peer) and in all (after which it is spent for everyone). The counts live
 * in an injected store (the node's SQLite database), so a restart does not hand a guesser a fresh allowance.
 * The clock comes in as an argument.
 */
import { ATTEMPTS_PER_PEER_PER_HOUR, FAILED_RUNS_PER_RECORD, FAILED_RUNS_PER_RECORD_AND_PEER } from './constants.js'

export interface AttemptCapsConfig {
  /** Proof runs a peer may start per hour (successful ones included). */
  readonly perPeerPerHour: number
  /** Failed runs one peer may take part in with a call record; then the record is spent for that peer. */
  readonly failuresPerRecordAndPeer: number
  /** Failed runs a call record may take part in from all peers; then it is spent for everyone. */
  readonly failuresPerRecord: number
}

export const DEFAULT_ATTEMPT_CAPS: AttemptCapsConfig = {
  perPeerPerHour: ATTEMPTS_PER_PEER_PER_HOUR,
  failuresPerRecordAndPeer: FAILED_RUNS_PER_RECORD_AND_PEER,
  failuresPerRecord: FAILED_RUNS_PER_RECORD,
}

/** Where the counts are kept. Times in ms since the epoch. */
export interface AttemptCapStore {
  /** Runs `peer` started at or after `since`. */
  peerRunsSince(peer: string, since: number): number
  addPeerRun(peer: string, at: number): void
  /** Forgets every peer's runs started before `before`. */
  forgetPeerRunsBefore(before: number): void
  /** Failed runs a call record has taken part in, from all peers. */
  recordFailures(recordId: string): number
  /** Failed runs a call record has taken part in with one peer. */
  recordPeerFailures(recordId: string, peer: string): number
  /** Counts one failed run of `peer` with a record, in both counts. */
  addRecordFailure(recordId: string, peer: string, at: number): void
  /**
   * Forgets the failures (both counts) of records whose last failure was before `before` (their records are
   * gone by then).
   */
  forgetRecordFailuresBefore(before: number): void
  /** Whether a call record was proven in a run with `peer`. */
  recordProvenFor(recordId: string, peer: string): boolean
  addRecordProof(recordId: string, peer: string, at: number): void
  /** Forgets proofs made before `before` (their records are gone by then). */
  forgetRecordProofsBefore(before: number): void
}

const HOUR_MS = 3600_000

export class AttemptCaps {
  constructor(
    private readonly store: AttemptCapStore = new MemoryAttemptCapStore(),
    readonly config: AttemptCapsConfig = DEFAULT_ATTEMPT_CAPS,
  ) {
    const { failuresPerRecordAndPeer, failuresPerRecord } = config
    for (const [name, value] of Object.entries(config)) {
      if (!Number.isSafeInteger(value) || value < 1)
        throw new Error(`${name} must be a whole number >= 1; got ${value}`)
    }
    if (failuresPerRecord < failuresPerRecordAndPeer) {
      throw new Error(
        `failuresPerRecord (${failuresPerRecord}) must be at least failuresPerRecordAndPeer (${failuresPerRecordAndPeer})`,
      )
    }
  }

  /** Whether a peer may start a run now; counts the run when it may. The refusal says why. */
  admitPeer(peer: string, nowMs: number): { ok: true } | { ok: false; reason: string } {
    const since = nowMs - HOUR_MS + 1
    this.store.forgetPeerRunsBefore(since)
    if (this.store.peerRunsSince(peer, since) >= this.config.perPeerPerHour) {
      return { ok: false, reason: `too many proof attempts from this peer (${this.config.perPeerPerHour} per hour)` }
    }
    this.store.addPeerRun(peer, nowMs)
    return { ok: true }
  }

  /** Whether a call record may still be used for a proof with `peer`: neither its count nor the total is full. */
  recordUsable(recordId: string, peer: string): boolean {
    if (this.store.recordPeerFailures(recordId, peer) >= this.config.failuresPerRecordAndPeer) return false
    return this.store.recordFailures(recordId) < this.config.failuresPerRecord
  }

  /** Counts a failed run of `peer` with a record. */
  recordFailure(recordId: string, peer: string, nowMs: number): void {
    this.store.addRecordFailure(recordId, peer, nowMs)
  }

  /** Notes that a run with `peer` proved a record: the record is then picked for that peer only as a last resort. */
  recordProof(recordId: string, peer: string, nowMs: number): void {
    this.store.addRecordProof(recordId, peer, nowMs)
  }

  /** Whether a record was proven for `peer` before. */
  provenFor(recordId: string, peer: string): boolean {
    return this.store.recordProvenFor(recordId, peer)
  }

  /** Forgets counts and proofs last touched before `before`: call it with the call records' retention cut-off. */
  forgetRecordsBefore(before: number): void {
    this.store.forgetRecordFailuresBefore(before)
    this.store.forgetRecordProofsBefore(before)
  }
}

/** Counts in memory (tests, tools): lost on restart. */
export class MemoryAttemptCapStore implements AttemptCapStore {
  private readonly runs: { peer: string; at: number }[] = []
  private readonly failures = new Map<string, { count: number; last: number; byPeer: Map<string, number> }>()
  private readonly proofs = new Map<string, number>()

  peerRunsSince(peer: string, since: number): number {
    return this.runs.filter((r) => r.peer === peer && r.at >= since).length
  }

  addPeerRun(peer: string, at: number): void {
    this.runs.push({ peer, at })
  }

  forgetPeerRunsBefore(before: number): void {
    const kept = this.runs.filter((r) => r.at >= before)
    this.runs.splice(0, this.runs.length, ...kept)
  }

  recordFailures(recordId: string): number {
    return this.failures.get(recordId)?.count ?? 0
  }

  recordPeerFailures(recordId: string, peer: string): number {
    return this.failures.get(recordId)?.byPeer.get(peer) ?? 0
  }

  addRecordFailure(recordId: string, peer: string, at: number): void {
    const f = this.failures.get(recordId) ?? { count: 0, last: at, byPeer: new Map<string, number>() }
    f.byPeer.set(peer, (f.byPeer.get(peer) ?? 0) + 1)
    this.failures.set(recordId, { count: f.count + 1, last: at, byPeer: f.byPeer })
  }

  forgetRecordFailuresBefore(before: number): void {
    for (const [id, f] of this.failures) if (f.last < before) this.failures.delete(id)
  }

  recordProvenFor(recordId: string, peer: string): boolean {
    return this.proofs.has(JSON.stringify([recordId, peer]))
  }

  addRecordProof(recordId: string, peer: string, at: number): void {
    const key = JSON.stringify([recordId, peer])
    if (!this.proofs.has(key)) this.proofs.set(key, at)
  }

  forgetRecordProofsBefore(before: number): void {
    for (const [key, at] of this.proofs) if (at < before) this.proofs.delete(key)
  }
}
