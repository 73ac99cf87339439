/**
 * Which final response a forking proxy passes upstream when no branch answered 2xx (RFC 3261 section 16.7 step 6):
 * a 6xx if any (a global "no"), else one from the lowest class (3xx, then 4xx, then 5xx). Besides the RFC: an
 * answer someone actually sent always beats one the proxy made up for a branch it could not reach or that never
 * answered (a 503 from a dead stale binding must not hide bob's 486 or 603), and within 4xx the callee's own
 * answers (486 Busy Here, then the others) beat "nobody there" (480, 408, 404).
 */

export interface Candidate {
  readonly status: number
  /** Made up by this proxy (unreachable, no answer in time), not received from a branch. */
  readonly local: boolean
}

const WEAK_4XX = new Set([404, 408, 480])

function rank(c: Candidate): number {
  const s = c.status
  const cls = s >= 600 ? 40 : s >= 300 && s < 400 ? 30 : s >= 400 && s < 500 ? 20 : 10
  const within = s === 486 ? 2 : WEAK_4XX.has(s) ? 0 : 1
  return (c.local ? 0 : 100) + cls + within
}

/** Whether `next` should replace `best` as the response to pass upstream (ties keep the first). */
export function isBetterResponse(next: Candidate, best: Candidate | undefined): boolean {
  return best === undefined || rank(next) > rank(best)
}
