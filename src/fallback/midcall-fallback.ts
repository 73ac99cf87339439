/**
 * The node's side of mid-call fallback: an offer (DID, digits, quality watch) for each IME call it accepts,
 * released when the call ends (or lapsed maxCallMs after, when no BYE came); a PSTN call to a fallback DID handed
 * to the softphone whose IME call it continues (or refused when none); moves counted from the BYE that releases
 * the IP leg (X-IME-Moved). With a journal, the live offers outlive a restart of the node (journal.ts).
 */
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { FallbackAllocator, type Allocation } from './allocator.js'
import type { FallbackJournal } from './journal.js'
import { offerHeaderValue } from './offer.js'
import type { MidcallFallbackSettings } from './settings.js'

/** Where a call to a fallback DID goes: the user holding the live IME call(s) it may continue. */
export interface FallbackLeg {
  readonly user: string
  readonly callIds: readonly string[]
}

export class MidcallFallback {
  private readonly allocator: FallbackAllocator
  private readonly journal: FallbackJournal | undefined
  /** IME calls that moved to the PSTN (their IP leg released with X-IME-Moved). */
  moves = 0
  /** IME calls accepted with no free digit sequence (they go on without mid-call fallback). */
  exhausted = 0
  /** Offers that lapsed at maxCallMs with no BYE seen (the call ended while the node was down, or never ended). */
  lapsed = 0

  /**
   * `now`: the node's clock (ms); `journal`: where the live offers are kept across restarts; `restored`: the
   * offers it held (openMidcallFallback reads them).
   */
  constructor(
    readonly settings: MidcallFallbackSettings,
    randomInt: (n: number) => number,
    options: { now?: () => number; journal?: FallbackJournal; restored?: readonly Allocation[] } = {},
  ) {
    this.allocator = new FallbackAllocator(settings, randomInt, options.now ?? Date.now, options.restored)
    this.journal = options.journal
    this.sweep()
  }

  get live(): number {
    this.sweep()
    return this.allocator.live
  }

  /** The X-IME-PSTN-Fallback value for an IME call being put through to `user`; undefined: none free. */
  offer(callId: string, user: string, caller: E164 | undefined): string | undefined {
    this.sweep()
    const a = this.allocator.allocate(callId, user, caller)
    if (a === undefined) {
      this.exhausted++
      return undefined
    }
    this.keep()
    return offerHeaderValue(a.did, a.digits, this.settings.digitWindowMs, this.settings.watch)
  }

  /** The IME call ended (BYE, or it was never answered); `moved`: its IP leg was released because it moved. */
  release(callId: string, moved: boolean): boolean {
    const a = this.allocator.release(callId)
    if (a === undefined) return false
    if (moved) this.moves++
    this.keep()
    return true
  }

  /** Drops lapsed offers (kept in the journal when any went). */
  private sweep(): void {
    const gone = this.allocator.sweep()
    this.lapsed += gone.length
    if (gone.length > 0) this.keep()
  }

  private keep(): void {
    this.journal?.save(this.allocator.all())
  }

  /**
   * A PSTN call to `called` from `callerId`: undefined when `called` is no fallback DID (an ordinary call);
   * else the user to hand it to, or why it is refused.
   */
  legFor(called: E164, callerId: E164 | undefined): Result<FallbackLeg> | undefined {
    if (!this.allocator.isDid(called)) return undefined
    this.sweep()
    const candidates = this.allocator.candidates(called, callerId)
    const users = [...new Set(candidates.map((a) => a.user))]
    if (users.length === 0) return err('No IME call to move here')
    if (users.length > 1) return err('More than one IME call could move here; the caller is not known')
    return ok({ user: users[0]!, callIds: candidates.map((a) => a.callId) })
  }
}

/**
 * The node's mid-call fallback with its journal: the offers a previous run left live are taken back (those that
 * lapsed meanwhile are dropped); an unreadable journal is an error naming the file (the node does not start rather
 * than hand out digits a live call may hold).
 */
export function openMidcallFallback(
  settings: MidcallFallbackSettings,
  randomInt: (n: number) => number,
  now: () => number,
  journal: FallbackJournal,
): Result<MidcallFallback> {
  const restored = journal.load()
  if (!restored.ok) return restored
  // Offers for DIDs no longer configured cannot be reached: dropped.
  const kept = restored.value.filter((a) => settings.dids.includes(a.did))
  const m = new MidcallFallback(settings, randomInt, { now, journal, restored: kept })
  if (kept.length !== restored.value.length) journal.save(kept)
  return ok(m)
}
