/**
 * The assertions an edge has accepted, remembered for as long as each could still be accepted, so that a
 * captured Identity header cannot place a second call. Bounded: when it holds its maximum of assertions that are
 * all still fresh, it answers "full" (the call is refused) rather than forget one, which would re-open it.
 */
import type { LRUCache } from 'lru-cache'
import { boundedCache } from '../core/bounded-cache.js'

export type ReplayVerdict = 'first' | 'replayed' | 'full'

export class AssertionReplayCache {
  private readonly seen: LRUCache<string, true>

  constructor(
    readonly maxEntries: number,
    /** How long an entry must be kept: the assertion's freshness window plus the clock skew allowed. */
    readonly keepMs: number,
    now: () => number,
  ) {
    this.seen = boundedCache<string, true>(maxEntries, { ttl: keepMs, ttlResolution: 0, perf: { now } })
  }

  /** Records the assertion's id; says whether it was seen before, or whether there is no room to record it. */
  note(id: string): ReplayVerdict {
    if (this.seen.has(id)) return 'replayed'
    if (this.seen.size >= this.maxEntries) {
      this.seen.purgeStale()
      if (this.seen.size >= this.maxEntries) return 'full'
    }
    this.seen.set(id, true)
    return 'first'
  }

  has(id: string): boolean {
    return this.seen.has(id)
  }

  get size(): number {
    return this.seen.size
  }
}
