/** Reconnect pacing: exponential backoff with "equal jitter", so many phones that lost one node do not return at once. */
export interface BackoffOptions {
  /** First delay, ms. */
  readonly baseMs: number
  /** Largest delay, ms. */
  readonly maxMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000 }

/** Delay before reconnect attempt `attempt` (0 = first retry); random() in [0, 1). */
export function backoffDelay(attempt: number, options = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}
