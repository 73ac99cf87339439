/**
 * Token buckets per key (a peer, an address): `capacity` requests at once, refilled at `perSecond`. Pure: the
 * time comes in as an argument. The map is bounded: past `maxKeys` the oldest keys are forgotten (a forgotten
 * key starts again with a full bucket, so the bound must exceed the number of keys that matter).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key` at `nowMs`; false when its bucket is empty. */
  take(key: string, nowMs: number): boolean {
    let b = this.buckets.get(key)
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
      b = { tokens: this.capacity, at: nowMs }
      this.buckets.set(key, b)
    } else {
      b.tokens = Math.min(this.capacity, b.tokens + ((nowMs - b.at) / 1000) * this.perSecond)
      b.at = nowMs
    }
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }
}
