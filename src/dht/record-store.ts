/**
 * Where a node keeps the claim records it is responsible for or replicates. Records must have been verified
 * (verifyClaim) before they reach a store; the store applies the replacement rules.
 */
import { err, ok, type Result } from '../core/result.js'
import { inHalfOpenInterval, type RingId } from '../core/ring.js'
import type { ClaimRecord } from './messages.js'

export type PutOutcome = 'stored' | 'replaced' | 'unchanged'

export interface RecordStore {
  /**
   * Keeps a verified record: a new owner's claim is added; an owner's existing claim is replaced only by one
   * with a higher seq (the same seq is 'unchanged'; a lower one is refused as a replay).
   */
  put(record: ClaimRecord, nowMs: number): Result<PutOutcome>
  /** Unexpired records on a key, withdrawals included (they must travel with replicas and hand-overs). */
  get(key: RingId, nowMs: number): ClaimRecord[]
  /** Unexpired records whose keys lie in (from, to]. */
  range(from: RingId, to: RingId, nowMs: number): ClaimRecord[]
  /** Drops expired records; returns how many. */
  purgeExpired(nowMs: number): number
  /** Number of records held. */
  size(): number
}

/**
 * The replacement rule every store applies, given the owner's live record on the key (if any): a newer seq
 * replaces it, the same seq changes nothing, an older one is refused as a replay.
 */
export function replacement(existing: ClaimRecord | undefined, record: ClaimRecord, nowMs: number): Result<PutOutcome> {
  if (record.expiresAt <= nowMs) return err('record has expired')
  if (existing === undefined || existing.expiresAt <= nowMs) return ok('stored')
  if (record.seq < existing.seq) return err(`seq ${record.seq} is older than the stored ${existing.seq} (a replay?)`)
  return ok(record.seq === existing.seq ? 'unchanged' : 'replaced')
}

export class MemoryRecordStore implements RecordStore {
  private readonly byKey = new Map<RingId, Map<RingId, ClaimRecord>>()
  private count = 0

  constructor(private readonly limits: { maxRecordsPerKey: number; maxRecordsPerStore: number }) {}

  put(record: ClaimRecord, nowMs: number): Result<PutOutcome> {
    let owners = this.byKey.get(record.key)
    const existing = owners?.get(record.owner)
    const rule = replacement(existing, record, nowMs)
    if (!rule.ok || rule.value === 'unchanged') return rule
    if (rule.value === 'replaced') {
      owners!.set(record.owner, record)
      return rule
    }
    if (existing === undefined) {
      if ((owners?.size ?? 0) >= this.limits.maxRecordsPerKey) {
        this.purgeKey(record.key, nowMs)
        owners = this.byKey.get(record.key)
        if ((owners?.size ?? 0) >= this.limits.maxRecordsPerKey) {
          return err(`key already has ${this.limits.maxRecordsPerKey} claims, the most allowed`)
        }
      }
      if (this.count >= this.limits.maxRecordsPerStore) {
        this.purgeExpired(nowMs)
        if (this.count >= this.limits.maxRecordsPerStore) return err('store is full')
      }
      this.count++
    }
    if (owners === undefined) {
      owners = new Map()
      this.byKey.set(record.key, owners)
    }
    owners.set(record.owner, record)
    return ok(existing === undefined ? 'stored' : 'replaced')
  }

  get(key: RingId, nowMs: number): ClaimRecord[] {
    const owners = this.byKey.get(key)
    if (owners === undefined) return []
    return [...owners.values()].filter((r) => r.expiresAt > nowMs)
  }

  range(from: RingId, to: RingId, nowMs: number): ClaimRecord[] {
    const out: ClaimRecord[] = []
    for (const [key, owners] of this.byKey) {
      if (!inHalfOpenInterval(key, from, to)) continue
      for (const r of owners.values()) if (r.expiresAt > nowMs) out.push(r)
    }
    return out
  }

  purgeExpired(nowMs: number): number {
    const before = this.count
    for (const key of [...this.byKey.keys()]) this.purgeKey(key, nowMs)
    return before - this.count
  }

  size(): number {
    return this.count
  }

  private purgeKey(key: RingId, nowMs: number): void {
    const owners = this.byKey.get(key)
    if (owners === undefined) return
    for (const [owner, r] of owners) {
      if (r.expiresAt <= nowMs) {
        owners.delete(owner)
        this.count--
      }
    }
    if (owners.size === 0) this.byKey.delete(key)
  }
}
