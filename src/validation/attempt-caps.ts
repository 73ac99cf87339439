/**
 * Caps on knowledge-proof attempts, so that a node that does not know a call's details gets only a few
 * online guesses: runs per remote peer per hour, and failures per call record (after which that record is
 * never used for a proof again). The counts live in an injected store (the node's SQLite database), so a
 * restart does not hand a guesser a fresh allowance. The clock comes in as an argument.
 */
import { ATTEMPTS_PER_CALL_RECORD, ATTEMPTS_PER_PEER_PER_HOUR } from './constants.js'

export interface AttemptCapsConfig {
  /** Proof runs a peer may start per hour (successful ones included). */
  readonly perPeerPerHour: number
  /** Failed runs a call record may take part in; then it is spent. */
  readonly failuresPerRecord: number
}

export const DEFAULT_ATTEMPT_CAPS: AttemptCapsConfig = {
  perPeerPerHour: ATTEMPTS_PER_PEER_PER_HOUR,
  failuresPerRecord: ATTEMPTS_PER_CALL_RECORD,
}

/** Where the counts are kept. Times in ms since the epoch. */
export interface AttemptCapStore {
  /** Runs `peer` started at or after `since`. */
  peerRunsSince(peer: string, since: number): number
  addPeerRun(peer: string, at: number): void
  /** Forgets every peer's runs started before `before`. */
  forgetPeerRunsBefore(before: number): void
  /** Failed runs a call record has taken part in. */
  recordFailures(recordId: string): number
  addRecordFailure(recordId: string, at: number): void
  /** Forgets the failures of records whose last failure was before `before` (their records are gone by then). */
  forgetRecordFailuresBefore(before: number): void
}

const HOUR_MS = 3600_000

export class AttemptCaps {
  constructor(
    private readonly store: AttemptCapStore = new MemoryAttemptCapStore(),
    readonly config: AttemptCapsConfig = DEFAULT_ATTEMPT_CAPS,
  ) {}

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

  /** Whether a call record may still be used for a proof. */
  recordUsable(recordId: string): boolean {
    return this.store.recordFailures(recordId) < this.config.failuresPerRecord
  }

  recordFailure(recordId: string, nowMs: number): void {
    this.store.addRecordFailure(recordId, nowMs)
  }

  /** Forgets failure counts last touched before `before`: call it with the call records' retention cut-off. */
  forgetRecordsBefore(before: number): void {
    this.store.forgetRecordFailuresBefore(before)
  }
}

/** Counts in memory (tests, tools): lost on restart. */
export class MemoryAttemptCapStore implements AttemptCapStore {
  private readonly runs: { peer: string; at: number }[] = []
  private readonly failures = new Map<string, { count: number; last: number }>()

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

  addRecordFailure(recordId: string, at: number): void {
    this.failures.set(recordId, { count: this.recordFailures(recordId) + 1, last: at })
  }

  forgetRecordFailuresBefore(before: number): void {
    for (const [id, f] of this.failures) if (f.last < before) this.failures.delete(id)
  }
}
