/**
 * The transaction layer's timers (RFC 3261 section 17, table 4) and the timer source that drives them: real
 * timers in production, a hand-driven one in tests, so every retransmission and timeout is tested without waiting.
 */

/** RTT estimate (ms): the first retransmission interval over an unreliable transport. */
export const T1_MS = 500
/** The longest retransmission interval of non-INVITE requests and INVITE responses (ms). */
export const T2_MS = 4_000
/** The longest time a message stays in the network (ms). */
export const T4_MS = 5_000
/** Timers B, F, H, J, L and M: 64 * T1, how long a transaction waits for the other side at most (ms). */
export const TRANSACTION_TIMEOUT_MS = 64 * T1_MS
/** Timer D over an unreliable transport: at least 32 s to absorb retransmitted final responses (ms). */
export const TIMER_D_UNRELIABLE_MS = 32_000

export type TimerHandle = unknown

/** Schedules callbacks after a delay. Injected, so tests drive time by hand. */
export interface TimerSource {
  set(ms: number, fire: () => void): TimerHandle
  clear(handle: TimerHandle): void
}

/** Node's timers; they never keep the process alive on their own. */
export const systemTimers: TimerSource = {
  set(ms, fire) {
    const t = setTimeout(fire, ms)
    t.unref()
    return t
  },
  clear(handle) {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout)
  },
}

interface ManualTimer {
  readonly at: number
  readonly seq: number
  readonly fire: () => void
}

/** A timer source tests move by hand: `advance(ms)` fires what falls due, in order of time. */
export class ManualTimers implements TimerSource {
  private time = 0
  private seq = 0
  private readonly pending = new Set<ManualTimer>()

  now(): number {
    return this.time
  }

  get pendingCount(): number {
    return this.pending.size
  }

  set(ms: number, fire: () => void): TimerHandle {
    const t: ManualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fire }
    this.pending.add(t)
    return t
  }

  clear(handle: TimerHandle): void {
    this.pending.delete(handle as ManualTimer)
  }

  /** Moves time forward by `ms`, firing each timer that falls due (timers set while firing included). */
  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      let next: ManualTimer | undefined
      for (const t of this.pending) {
        if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      }
      if (next === undefined) break
      this.pending.delete(next)
      this.time = next.at
      next.fire()
    }
    this.time = end
  }
}
