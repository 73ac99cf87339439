/**
 * The node's side of mid-call fallback: an offer (DID, digits, quality watch) for each IME call it accepts,
 * released when the call ends (or lapsed maxCallMs after, when no BYE came); a PSTN call to a fallback DID handed
 * to the softphone whose IME call it continues (or refused when none); moves counted from the BYE that releases
 * the IP leg (X-IME-Moved). With a store of offers, the live offers outlive a restart of the node (offers.ts).
 */
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { FallbackAllocator, type Allocation } from './allocator.js'
import { offerHeaderValue } from './offer.js'
import type { FallbackOffers } from './offers.js'
import type { MidcallFallbackSettings } from './settings.js'

/** Where a call to a fallback DID goes: the user holding the live IME call(s) it may continue. */
export interface FallbackLeg {
  readonly user: string
  readonly callIds: readonly string[]
}

export class MidcallFallback {
  private readonly allocator: FallbackAllocator
  private readonly offers: FallbackOffers | undefined
  /** IME calls that moved to the PSTN (their IP leg released with X-IME-Moved). */
  moves = 0
  /** IME calls accepted with no free digit sequence (they go on without mid-call fallback). */
  exhausted = 0
  /** Offers that lapsed at maxCallMs with no BYE seen (the call ended while the node was down, or never ended). */
  lapsed = 0

  /**
   * `now`: the node's clock (ms); `offers`: where the live offers are kept across restarts; `restored`: the
   * offers it held (openMidcallFallback reads them).
   */
  constructor(
    readonly settings: MidcallFallbackSettings,
    randomInt: (n: number) => number,
    options: { now?: () => number; offers?: FallbackOffers; restored?: readonly Allocation[] } = {},
  ) {
    this.allocator = new FallbackAllocator(settings, randomInt, options.now ?? Date.now, options.restored)
    this.offers = options.offers
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
    this.offers?.add(a)
    return offerHeaderValue(a.did, a.digits, this.settings.digitWindowMs, this.settings.watch)
  }

  /** The IME call ended (BYE, or it was never answered); `moved`: its IP leg was released because it moved. */
  release(callId: string, moved: boolean): boolean {
    const a = this.allocator.release(callId)
    if (a === undefined) return false
    if (moved) this.moves++
    this.offers?.remove(callId)
    return true
  }

  /** Drops lapsed offers, from the store too when any went. */
  private sweep(): void {
    const gone = this.allocator.sweep()
    if (gone.length === 0) return
    this.lapsed += gone.length
    // Up to the latest expiry among those that went, not the clock read again: exactly the offers dropped here.
    this.offers?.removeLapsed(Math.max(...gone.map((a) => a.expiresAt)))
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
 * The node's mid-call fallback with its stored offers: the offers a previous run left live are taken back (those
 * that lapsed meanwhile, or whose DID is no longer configured, are dropped and deleted). Offers that cannot be
 * read are an error (naming where and which), and the node does not start: see FallbackOffers.load.
 */
export function openMidcallFallback(
  settings: MidcallFallbackSettings,
  randomInt: (n: number) => number,
  now: () => number,
  offers: FallbackOffers,
): Result<MidcallFallback> {
  const restored = offers.load()
  if (!restored.ok) return restored
  // Offers for DIDs no longer configured cannot be reached: dropped.
  const [kept, unreachable] = partition(restored.value, (a) => settings.dids.includes(a.did))
  for (const a of unreachable) offers.remove(a.callId)
  return ok(new MidcallFallback(settings, randomInt, { now, offers, restored: kept }))
}

function partition<T>(items: readonly T[], keep: (item: T) => boolean): [T[], T[]] {
  return [items.filter(keep), items.filter((item) => !keep(item))]
}
