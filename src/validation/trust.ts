/**
 * When a learned route may carry calls: how much evidence a claimer needs. Pure policy, no I/O; the scheduler
 * feeds it what the route store knows.
 *
 * - A claimer not trusted for the number before needs PROOFS_TO_TRUST (2) distinct calls proved in a row: an
 *   impostor's chance is then p^2 per route instead of p (docs/validation.md, guessing.ts).
 * - A claimer trusted for the number before (its route expired, or was renewed) needs one: no one else can
 *   prove as that claimer (its Node-ID is bound to its key), so the history is evidence already.
 * - Conflict: while another claimer holds a trusted route to the number, a newcomer needs more proved calls
 *   than that incumbent has, so the established route stays in use until the newcomer has proved more (and the
 *   incumbent, if it no longer owns the number, loses its route after failing two calls in a row).
 */
import { PROOFS_TO_TRUST } from './constants.js'

export interface TrustEvidence {
  /** Distinct calls this claimer has proved for the number, in a row, this one included. */
  readonly provenCalls: number
  /** Whether this claimer was trusted for the number before. */
  readonly wasTrusted: boolean
  /** Proved calls of each OTHER claimer holding a trusted route to the number now. */
  readonly incumbents: readonly number[]
}

/** How many proved calls this claimer needs before its route is used. */
export function proofsNeeded(e: TrustEvidence, proofsToTrust = PROOFS_TO_TRUST): number {
  const base = e.wasTrusted ? 1 : proofsToTrust
  const strongest = Math.max(0, ...e.incumbents)
  return e.incumbents.length > 0 && !e.wasTrusted ? Math.max(base, strongest + 1) : base
}

export const isTrusted = (e: TrustEvidence, proofsToTrust = PROOFS_TO_TRUST): boolean =>
  e.provenCalls >= proofsNeeded(e, proofsToTrust)
