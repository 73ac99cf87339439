/**
 * Mid-call fallback settings (docs/softphone.md, "Mid-call fallback"): the numbers of this enterprise that take
 * moved calls (fallback DIDs), the correlation digits, and the quality watch the softphones run. The node that
 * accepts an IME call sets them for both ends of that call (it is the one that must accept the move), in the
 * X-IME-PSTN-Fallback header of the call's answer.
 */
import { isE164, type E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'

/** What the softphones watch on the call's media (getStats), and when they act. */
export interface QualityWatch {
  /** getStats sampling period (ms). Cisco IME's default: 100 ms. */
  readonly sampleMs: number
  /** How long the media must stay bad, without a good sample between, before the call moves (ms). */
  readonly holdDownMs: number
  /** Packet loss over the last second (percent) at or above which a sample is bad. */
  readonly lossPercent: number
  /** Interarrival jitter (ms) at or above which a sample is bad. */
  readonly jitterMs: number
  /** Round-trip time of the selected candidate pair (ms) at or above which a sample is bad. */
  readonly rttMs: number
  /** No audio packet received for this long (ms) makes a sample bad. */
  readonly silenceMs: number
}

export interface MidcallFallbackSettings {
  /** This enterprise's numbers that take moved calls over the PSTN (never a user's number). */
  readonly dids: readonly E164[]
  /** The most IME calls at once that get a fallback; past it, a call goes on without one. */
  readonly maxConcurrent: number
  /** Correlation digits per call: the least d with 10^d >= 10 x maxConcurrent (Cisco's rule), at least 4. */
  readonly digits: number
  /** How long after the moved leg is answered its digits may take to arrive (ms); later: refused. */
  readonly digitWindowMs: number
  /**
   * The longest an IME call keeps its fallback (ms): its DID and digits lapse then even if its BYE never came
   * (the node was down when it ended, the browser vanished). A longer call can no longer move.
   */
  readonly maxCallMs: number
  readonly watch: QualityWatch
}

export const DEFAULT_WATCH: QualityWatch = {
  sampleMs: 100,
  holdDownMs: 4_000,
  lossPercent: 10,
  jitterMs: 80,
  rttMs: 800,
  silenceMs: 2_000,
}

export const DEFAULT_MAX_CONCURRENT = 100
export const DEFAULT_DIGIT_WINDOW_MS = 10_000
/** Four hours: longer than nearly every call, short enough that a lost BYE does not hold digits for a day. */
export const DEFAULT_MAX_CALL_MS = 4 * 3_600_000

/** The least number of digits d with 10^d >= 10 x concurrent calls, at least 4. */
export function digitsFor(maxConcurrent: number): number {
  let d = 4
  while (10 ** d < 10 * maxConcurrent) d++
  return d
}

export interface MidcallFallbackInput {
  readonly dids: readonly string[]
  readonly maxConcurrent?: number
  readonly digits?: number
  readonly digitWindowMs?: number
  readonly maxCallMs?: number
  readonly watch?: Partial<QualityWatch>
}

const positive = (name: string, v: number, max: number): string | undefined =>
  Number.isFinite(v) && v > 0 && v <= max ? undefined : `${name} must be a number above 0 and at most ${max}; got ${v}`

/** Checks configured settings; the error names the field. */
export function midcallFallbackSettings(input: MidcallFallbackInput): Result<MidcallFallbackSettings> {
  if (input.dids.length === 0) return err('midcallFallback.dids: at least one fallback number is needed')
  const bad = input.dids.find((d) => !isE164(d))
  if (bad !== undefined) return err(`midcallFallback.dids: ${JSON.stringify(bad)} is not an E.164 number`)
  const maxConcurrent = input.maxConcurrent ?? DEFAULT_MAX_CONCURRENT
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 1_000_000) {
    return err(`midcallFallback.maxConcurrent must be a whole number from 1 to 1000000; got ${maxConcurrent}`)
  }
  const least = digitsFor(maxConcurrent)
  const digits = input.digits ?? least
  if (!Number.isSafeInteger(digits) || digits < least || digits > 12) {
    return err(
      `midcallFallback.digits must be from ${least} (10^digits at least 10 x maxConcurrent ${maxConcurrent}) to 12; got ${digits}`,
    )
  }
  const digitWindowMs = input.digitWindowMs ?? DEFAULT_DIGIT_WINDOW_MS
  const maxCallMs = input.maxCallMs ?? DEFAULT_MAX_CALL_MS
  const watch = { ...DEFAULT_WATCH, ...input.watch }
  const problem =
    positive('midcallFallback.digitWindowMs', digitWindowMs, 60_000) ??
    positive('midcallFallback.maxCallMs', maxCallMs, 7 * 24 * 3_600_000) ??
    positive('midcallFallback.watch.sampleMs', watch.sampleMs, 10_000) ??
    positive('midcallFallback.watch.holdDownMs', watch.holdDownMs, 600_000) ??
    positive('midcallFallback.watch.lossPercent', watch.lossPercent, 100) ??
    positive('midcallFallback.watch.jitterMs', watch.jitterMs, 10_000) ??
    positive('midcallFallback.watch.rttMs', watch.rttMs, 60_000) ??
    positive('midcallFallback.watch.silenceMs', watch.silenceMs, 600_000)
  if (problem !== undefined) return err(problem)
  if (watch.sampleMs > watch.holdDownMs) return err('midcallFallback.watch.sampleMs must not exceed holdDownMs')
  return ok({ dids: [...new Set(input.dids as E164[])], maxConcurrent, digits, digitWindowMs, maxCallMs, watch })
}
