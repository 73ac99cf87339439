/**
 * Which inbound connections a listener takes (docs/security.md, "Floods of connections"): pure bookkeeping, no
 * sockets. A connection is *pending* from its accept until its first complete message, then *established*. Limits:
 * per source address (all its connections, and those still pending), and overall, where pending connections may
 * fill at most `max - reserve` slots: the reserve is room for flows that proved themselves (registered phones,
 * calls in progress) and for the connections the node opens itself. When pending connections fill their share,
 * the oldest pending one is closed for the newcomer; established connections are never the ones closed here.
 */

export interface AdmissionLimits {
  /** Inbound connections one source address may hold at once. */
  readonly perSource: number
  /** Of those, how many may still be waiting for their first complete message. */
  readonly perSourcePending: number
  /** Inbound connections in all. */
  readonly max: number
  /** Slots of `max` that pending connections may not take. */
  readonly reserve: number
  /** How long a connection may take to send its first complete message (ms); then it is closed. */
  readonly firstMessageMs: number
}

export type RefusalReason = 'per-source' | 'per-source-pending' | 'overall'
export type ClosedReason = 'first-message-timeout' | 'evicted'

export interface AdmissionCounters {
  accepted: number
  refused: Record<RefusalReason, number>
  closed: Record<ClosedReason, number>
}

export type Admission<K> =
  | { readonly admit: true; /** A pending connection to close now to make room. */ readonly evict?: K }
  | { readonly admit: false; readonly reason: RefusalReason }

/** Checks limits, with a clear error for a value that cannot work. */
export function checkLimits(l: AdmissionLimits): string | undefined {
  for (const [name, v] of Object.entries(l)) {
    if (!Number.isInteger(v) || v < 0) return `connection limit ${name} must be a whole number >= 0, not ${v}`
  }
  if (l.perSource < 1 || l.perSourcePending < 1 || l.max < 1) return 'connection limits must admit at least one'
  if (l.reserve >= l.max) return `the reserve (${l.reserve}) must be below the overall cap (${l.max})`
  if (l.firstMessageMs < 100) return `firstMessageMs must be at least 100 ms, not ${l.firstMessageMs}`
  return undefined
}

interface Entry {
  readonly source: string
  pending: boolean
}

export class ConnectionAdmission<K> {
  readonly counters: AdmissionCounters = {
    accepted: 0,
    refused: { 'per-source': 0, 'per-source-pending': 0, overall: 0 },
    closed: { 'first-message-timeout': 0, evicted: 0 },
  }
  private readonly entries = new Map<K, Entry>()
  /** Pending connections, oldest first (a Map keeps insertion order). */
  private readonly pendingOrder = new Map<K, string>()
  private readonly bySource = new Map<string, { all: number; pending: number }>()

  constructor(readonly limits: AdmissionLimits) {
    const bad = checkLimits(limits)
    if (bad !== undefined) throw new RangeError(bad)
  }

  get size(): number {
    return this.entries.size
  }

  get pending(): number {
    return this.pendingOrder.size
  }

  /** A new connection from `source`: taken (perhaps in place of the oldest pending one) or refused, and why. */
  admit(key: K, source: string): Admission<K> {
    const s = this.bySource.get(source) ?? { all: 0, pending: 0 }
    const refuse = (reason: RefusalReason): Admission<K> => {
      this.counters.refused[reason]++
      return { admit: false, reason }
    }
    if (s.all >= this.limits.perSource) return refuse('per-source')
    if (s.pending >= this.limits.perSourcePending) return refuse('per-source-pending')
    let evict: K | undefined
    const full = this.entries.size >= this.limits.max || this.pendingOrder.size >= this.limits.max - this.limits.reserve
    if (full) {
      evict = this.pendingOrder.keys().next().value
      if (evict === undefined) return refuse('overall')
      this.closed(evict)
      this.counters.closed.evicted++
    }
    const now = this.bySource.get(source) ?? s
    now.all++
    now.pending++
    this.bySource.set(source, now)
    this.entries.set(key, { source, pending: true })
    this.pendingOrder.set(key, source)
    this.counters.accepted++
    return evict === undefined ? { admit: true } : { admit: true, evict }
  }

  /** The connection delivered its first complete message. */
  established(key: K): void {
    const e = this.entries.get(key)
    if (e === undefined || !e.pending) return
    e.pending = false
    this.pendingOrder.delete(key)
    this.bySource.get(e.source)!.pending--
  }

  isPending(key: K): boolean {
    return this.entries.get(key)?.pending === true
  }

  /** Its first message did not come in time: forgotten and counted (the caller closes it). */
  timedOut(key: K): void {
    if (!this.isPending(key)) return
    this.closed(key)
    this.counters.closed['first-message-timeout']++
  }

  /** The connection closed (for whatever reason); forgetting it twice is harmless. */
  closed(key: K): void {
    const e = this.entries.get(key)
    if (e === undefined) return
    this.entries.delete(key)
    const s = this.bySource.get(e.source)!
    s.all--
    if (e.pending) {
      s.pending--
      this.pendingOrder.delete(key)
    }
    if (s.all === 0) this.bySource.delete(e.source)
  }
}
