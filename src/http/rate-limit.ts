/**
 * Failure counting for sign-in: at most `limit` failures per key (an account, an address) in a sliding window;
 * past that the key is refused until its oldest failure leaves the window. Bounded: beyond `maxKeys` the keys
 * least recently failed are forgotten first.
 */
export interface FailureLimits {
  limit: number
  windowMs: number
  maxKeys: number
}

export const DEFAULT_LOGIN_LIMITS: FailureLimits = { limit: 5, windowMs: 5 * 60_000, maxKeys: 10_000 }

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>()

  constructor(private readonly limits: FailureLimits = DEFAULT_LOGIN_LIMITS) {}

  /** How long (ms) the key must wait before trying again; 0 when it may try now. */
  blockedFor(key: string, now: number): number {
    const times = this.recent(key, now)
    if (times.length < this.limits.limit) return 0
    return times[times.length - this.limits.limit]! + this.limits.windowMs - now
  }

  fail(key: string, now: number): void {
    const times = this.recent(key, now)
    times.push(now)
    this.failures.delete(key)
    this.failures.set(key, times.slice(-this.limits.limit))
    while (this.failures.size > this.limits.maxKeys) this.failures.delete(this.failures.keys().next().value!)
  }

  /** Takes back one failure counted at `at` (an attempt counted before it was decided, that succeeded). */
  forgive(key: string, at: number): void {
    const times = this.failures.get(key)
    const i = times?.lastIndexOf(at) ?? -1
    if (i >= 0) times!.splice(i, 1)
  }

  clear(key: string): void {
    this.failures.delete(key)
  }

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.limits.windowMs)
    if (times.length === 0) this.failures.delete(key)
    return times
  }
}
