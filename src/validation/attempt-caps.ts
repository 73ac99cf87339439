/**
 * Caps on knowledge-proof attempts, so that a node that does not know a call's details gets only a few
 * online guesses: per remote peer per hour, and failures per call record (after which that record is never
 * used for a proof again). Pure: the clock comes in as an argument.
 */
export interface AttemptCapsConfig {
  /** Proof runs a peer may start per hour (successful ones included). */
  readonly perPeerPerHour: number
  /** Failed runs a call record may take part in; then it is spent. */
  readonly failuresPerRecord: number
}

/** Three failures per call: an impostor's chance is at most 3 guesses at a secret of tens of bits. */
export const DEFAULT_ATTEMPT_CAPS: AttemptCapsConfig = { perPeerPerHour: 20, failuresPerRecord: 3 }

const HOUR_MS = 3600_000

export class AttemptCaps {
  private readonly byPeer = new Map<string, number[]>()
  private readonly failuresByRecord = new Map<string, number>()

  constructor(readonly config: AttemptCapsConfig = DEFAULT_ATTEMPT_CAPS) {}

  /** Whether a peer may start a run now; counts the run when it may. The refusal says why. */
  admitPeer(peer: string, nowMs: number): { ok: true } | { ok: false; reason: string } {
    const recent = (this.byPeer.get(peer) ?? []).filter((t) => t > nowMs - HOUR_MS)
    if (recent.length >= this.config.perPeerPerHour) {
      this.byPeer.set(peer, recent)
      return { ok: false, reason: `too many proof attempts from this peer (${this.config.perPeerPerHour} per hour)` }
    }
    recent.push(nowMs)
    this.byPeer.set(peer, recent)
    if (this.byPeer.size > 100_000) this.byPeer.clear()
    return { ok: true }
  }

  /** Whether a call record may still be used for a proof. */
  recordUsable(recordId: string): boolean {
    return (this.failuresByRecord.get(recordId) ?? 0) < this.config.failuresPerRecord
  }

  recordFailure(recordId: string): void {
    this.failuresByRecord.set(recordId, (this.failuresByRecord.get(recordId) ?? 0) + 1)
  }
}
