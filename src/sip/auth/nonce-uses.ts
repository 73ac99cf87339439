/**
 * Replay protection for digest answers. Nonces stay stateless (digest.ts); what is kept is how each nonce was
 * used once it has authenticated a request: the highest nonce count (nc) seen with qop=auth, whose next use must
 * count higher (RFC 7616 section 3.4.3's advice), and for an answer without qop (no nc) the fact of its one use.
 * A captured Authorization or Proxy-Authorization header therefore authenticates nothing a second time.
 *
 * Only answers that passed the digest check are recorded, so someone without a password cannot fill the table;
 * it is bounded all the same (least recently used go first), and a nonce issued no later than one that was
 * forgotten is treated as stale (the client is challenged again), so that eviction never re-opens a replay.
 */
import type { LRUCache } from 'lru-cache'
import { boundedCache } from '../../core/bounded-cache.js'

export type NonceUse = 'accepted' | 'replayed' | 'stale'

export class NonceUses {
  private readonly counts: LRUCache<string, { nc: number; issuedAt: number }>
  /** The latest issue time among nonces forgotten while they could still be used. */
  private forgottenUpTo = -Infinity

  constructor(
    maxEntries: number,
    /** A nonce's lifetime: its entry is needed no longer. */
    lifetimeMs: number,
    now: () => number,
  ) {
    this.counts = boundedCache(maxEntries, {
      ttl: lifetimeMs,
      ttlResolution: 0,
      perf: { now },
      dispose: (value, _key, reason) => {
        if (reason === 'evict') this.forgottenUpTo = Math.max(this.forgottenUpTo, value.issuedAt)
      },
    })
  }

  /**
   * Records an authenticated use of a nonce (ours and fresh), with its nonce count when qop=auth (else undefined:
   * the nonce is good once).
   */
  use(nonce: string, issuedAt: number, nc: number | undefined): NonceUse {
    const last = this.counts.get(nonce)
    if (last !== undefined && (nc === undefined || nc <= last.nc)) return 'replayed'
    if (last === undefined && issuedAt <= this.forgottenUpTo) return 'stale'
    this.counts.set(nonce, { nc: nc ?? Number.MAX_SAFE_INTEGER, issuedAt })
    return 'accepted'
  }

  get size(): number {
    return this.counts.size
  }
}

/** The nonce count of qop=auth credentials (8 hex digits), or undefined if absent or not a number. */
export function nonceCount(nc: string | undefined): number | undefined {
  return nc !== undefined && /^[0-9a-fA-F]{1,8}$/.test(nc) ? parseInt(nc, 16) : undefined
}
