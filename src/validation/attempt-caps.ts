/**
 * Caps on knowledge-proof attempts, so that a node that does not know a call's details gets only a few
 * online guesses: runs per remote peer per hour, and failures per call record, counted per asking peer (after
 * which the record is spent for that peer) and in all (after which it is spent for everyone). The counts live
 * in an injected store (the node's SQLite database), so a restart does not hand a guesser a fresh allowance.
 * The clock comes in as an argument.
 */
import {
  ATTEMPTS_PER_PEER_PER_HOUR,
  FAILED_RUNS_PER_PEER_PER_HOUR,
  FAILED_RUNS_PER_RECORD,
  FAILED_RUNS_PER_RECORD_AND_PEER,
  MAX_RECORD_DIFFERENCE_MS,
  OFFSET_CALIBRATION_PROOFS,
} from './constants.js'

/** Where a record's times sat against the middles of the originator's cells, in ms (offsetFromCentre). */
export interface ProofOffsets {
  readonly start: number
  readonly end: number
}

export interface AttemptCapsConfig {
  /** Proof runs a peer may start per hour (successful ones included): a bound on work. */
  readonly perPeerPerHour: number
  /** Failed proof runs a peer may take part in per hour: what stops a peer that asks without having called. */
  readonly failuresPerPeerPerHour: number
  /** Failed runs one peer may take part in with a call record; then the record is spent for that peer. */
  readonly failuresPerRecordAndPeer: number
  /** Failed runs a call record may take part in from all peers; then it is spent for everyone. */
  readonly failuresPerRecord: number
}

export const DEFAULT_ATTEMPT_CAPS: AttemptCapsConfig = {
  perPeerPerHour: ATTEMPTS_PER_PEER_PER_HOUR,
  failuresPerPeerPerHour: FAILED_RUNS_PER_PEER_PER_HOUR,
  failuresPerRecordAndPeer: FAILED_RUNS_PER_RECORD_AND_PEER,
  failuresPerRecord: FAILED_RUNS_PER_RECORD,
}

/** Where the counts are kept. Times in ms since the epoch. */
export interface AttemptCapStore {
  /** Runs `peer` started at or after `since`. */
  peerRunsSince(peer: string, since: number): number
  addPeerRun(peer: string, at: number): void
  /** Failed runs of `peer` at or after `since`. */
  peerFailuresSince(peer: string, since: number): number
  addPeerFailure(peer: string, at: number): void
  /** Forgets every peer's runs (and failed runs) started before `before`. */
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
  /** Whether a call record was proven in a run with `peer` (with any peer, `peer` undefined). */
  recordProvenFor(recordId: string, peer?: string): boolean
  addRecordProof(recordId: string, peer: string, at: number, offsets: ProofOffsets): void
  /** The offsets of the records last proven for `peer`, newest first, at most `limit`. */
  recentProofOffsets(peer: string, limit: number): ProofOffsets[]
  /** Forgets proofs made before `before` (their records are gone by then). */
  forgetRecordProofsBefore(before: number): void
}

const HOUR_MS = 3600_000

function median(values: number[]): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2)
}

/**
 * The expectation for a peer not yet calibrated, from the originator's clock as its request showed it (msg1's
 * sentAt): the claimer's records of a call sit `now - sentAt` later than the originator's when the two clocks
 * differ (plus the network's one-way delay, a few ms to tens of ms). Undefined when not sent, or when the clocks
 * differ by more than two records of one call may (MAX_RECORD_DIFFERENCE_MS): no record could agree then anyway.
 */
export function clockPrior(sentAt: number | undefined, now: number): ProofOffsets | undefined {
  if (sentAt === undefined || sentAt <= 0) return undefined
  const d = now - sentAt
  return Math.abs(d) <= MAX_RECORD_DIFFERENCE_MS ? { start: d, end: d } : undefined
}

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
    if (this.store.peerFailuresSince(peer, since) >= this.config.failuresPerPeerPerHour) {
      const n = this.config.failuresPerPeerPerHour
      return { ok: false, reason: `too many failed proof attempts from this peer (${n} per hour)` }
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

  /** Counts a run admitted for `peer` that did not end in a confirmed proof (with or without a record). */
  peerFailure(peer: string, nowMs: number): void {
    this.store.addPeerFailure(peer, nowMs)
  }

  /**
   * Notes that a run with `peer` proved a record, and where the record's times sat on the originator's grids:
   * the record is then picked only as a last resort, and the offsets calibrate the pick for that peer.
   */
  recordProof(recordId: string, peer: string, nowMs: number, offsets: ProofOffsets = { start: 0, end: 0 }): void {
    this.store.addRecordProof(recordId, peer, nowMs, offsets)
  }

  /** Whether a record was proven before, for `peer` or (without it) for anyone. */
  provenFor(recordId: string, peer?: string): boolean {
    return this.store.recordProvenFor(recordId, peer)
  }

  /**
   * Where `peer`'s times usually sit against this node's records: the median offsets of the records last proven
   * for it; before any proof, `prior` (the clock difference the peer's request showed: clockPrior) or {0, 0}.
   */
  expectedOffset(peer: string, prior: ProofOffsets = { start: 0, end: 0 }): ProofOffsets {
    const recent = this.store.recentProofOffsets(peer, OFFSET_CALIBRATION_PROOFS)
    if (recent.length === 0) return prior
    return { start: median(recent.map((o) => o.start)), end: median(recent.map((o) => o.end)) }
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
  private readonly peerFailures: { peer: string; at: number }[] = []
  private readonly failures = new Map<string, { count: number; last: number; byPeer: Map<string, number> }>()
  private readonly proofs = new Map<string, { recordId: string; peer: string; at: number; offsets: ProofOffsets }>()

  peerRunsSince(peer: string, since: number): number {
    return this.runs.filter((r) => r.peer === peer && r.at >= since).length
  }

  addPeerRun(peer: string, at: number): void {
    this.runs.push({ peer, at })
  }

  forgetPeerRunsBefore(before: number): void {
    for (const list of [this.runs, this.peerFailures]) {
      const kept = list.filter((r) => r.at >= before)
      list.splice(0, list.length, ...kept)
    }
  }

  peerFailuresSince(peer: string, since: number): number {
    return this.peerFailures.filter((r) => r.peer === peer && r.at >= since).length
  }

  addPeerFailure(peer: string, at: number): void {
    this.peerFailures.push({ peer, at })
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

  recordProvenFor(recordId: string, peer?: string): boolean {
    if (peer !== undefined) return this.proofs.has(JSON.stringify([recordId, peer]))
    return [...this.proofs.values()].some((p) => p.recordId === recordId)
  }

  addRecordProof(recordId: string, peer: string, at: number, offsets: ProofOffsets): void {
    const key = JSON.stringify([recordId, peer])
    if (!this.proofs.has(key)) this.proofs.set(key, { recordId, peer, at, offsets })
  }

  recentProofOffsets(peer: string, limit: number): ProofOffsets[] {
    return [...this.proofs.values()]
      .filter((p) => p.peer === peer)
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
      .map((p) => p.offsets)
  }

  forgetRecordProofsBefore(before: number): void {
    for (const [key, p] of this.proofs) if (p.at < before) this.proofs.delete(key)
  }
}
