/**
 * Why a proof run with a claimer did not give a route, as a kind alongside the reason in words. Only
 * `not-proven` means the claimer answered and could not prove the call (its one guess about the call was
 * checked and was wrong): that alone drops its route. The other kinds say nothing about whether the claimer
 * took the call, so its route stays until it expires, and a later run about the same call gives it no extra
 * guess (none was checked).
 */
export type ProofFailureKind =
  /** No stream to the claimer: the dial or the protocol negotiation failed. */
  | 'unreachable'
  /** The run did not finish within the time allowed. */
  | 'timeout'
  /** A message that could not be decoded or checked, or the stream ended or was reset mid-run. */
  | 'protocol'
  /** The claimer refused to run (its rate limit, or our msg1) or to grant a route after the proof. */
  | 'refused'
  /** The claimer's reply was well formed and its tag did not verify: it could not prove the call. */
  | 'not-proven'

export interface ProofFailure {
  readonly kind: ProofFailureKind
  readonly reason: string
}

export const proofFailure = (kind: ProofFailureKind, reason: string): ProofFailure => ({ kind, reason })
