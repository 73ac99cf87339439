/**
 * The node's side of mid-call fallback: an offer (DID, digits, quality watch) for each IME call it accepts,
 * released when the call ends; a PSTN call to a fallback DID handed to the softphone whose IME call it continues
 * (or refused when none); moves counted from the BYE that releases the IP leg (X-IME-Moved).
 */
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { FallbackAllocator } from './allocator.js'
import { offerHeaderValue } from './offer.js'
import type { MidcallFallbackSettings } from './settings.js'

/** Where a call to a fallback DID goes: the user holding the live IME call(s) it may continue. */
export interface FallbackLeg {
  readonly user: string
  readonly callIds: readonly string[]
}

export class MidcallFallback {
  private readonly allocator: FallbackAllocator
  /** IME calls that moved to the PSTN (their IP leg released with X-IME-Moved). */
  moves = 0
  /** IME calls accepted with no free digit sequence (they go on without mid-call fallback). */
  exhausted = 0

  constructor(
    readonly settings: MidcallFallbackSettings,
    randomInt: (n: number) => number,
  ) {
    this.allocator = new FallbackAllocator(settings, randomInt)
  }

  get live(): number {
    return this.allocator.live
  }

  /** The X-IME-PSTN-Fallback value for an IME call being put through to `user`; undefined: none free. */
  offer(callId: string, user: string, caller: E164 | undefined): string | undefined {
    const a = this.allocator.allocate(callId, user, caller)
    if (a === undefined) {
      this.exhausted++
      return undefined
    }
    return offerHeaderValue(a.did, a.digits, this.settings.digitWindowMs, this.settings.watch)
  }

  /** The IME call ended (BYE, or it was never answered); `moved`: its IP leg was released because it moved. */
  release(callId: string, moved: boolean): boolean {
    const a = this.allocator.release(callId)
    if (a !== undefined && moved) this.moves++
    return a !== undefined
  }

  /**
   * A PSTN call to `called` from `callerId`: undefined when `called` is no fallback DID (an ordinary call);
   * else the user to hand it to, or why it is refused.
   */
  legFor(called: E164, callerId: E164 | undefined): Result<FallbackLeg> | undefined {
    if (!this.allocator.isDid(called)) return undefined
    const candidates = this.allocator.candidates(called, callerId)
    const users = [...new Set(candidates.map((a) => a.user))]
    if (users.length === 0) return err('No IME call to move here')
    if (users.length > 1) return err('More than one IME call could move here; the caller is not known')
    return ok({ user: users[0]!, callIds: candidates.map((a) => a.callId) })
  }
}
