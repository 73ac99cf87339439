/**
 * Where the node's live fallback offers are kept across a restart: a node that came back while IME calls it
 * accepted go on (their media does not pass through it) must not give a new call a DID and digits one of those
 * calls still holds (its caller's PSTN leg could then be spliced into the wrong call), and those calls can still
 * move. One entry per offer, written as it is made and deleted as it ends, so that the cost of a call does not
 * grow with the calls in progress (the node keeps them in its database: src/store/fallback-offer-store.ts).
 */
import { isE164 } from '../core/e164.js'
import type { Result } from '../core/result.js'
import type { Allocation } from './allocator.js'

export interface FallbackOffers {
  /**
   * Every offer kept (lapsed ones too: the caller drops them), in the order they were made; or, when one fails
   * offerProblem, an error naming where it is kept and that entry. An error, not a skip with a warning: skipping
   * an offer could hand out the DID and digits a live call still holds, the very splice this store is there to
   * prevent, and only a hand edit or a damaged store makes such an entry (the node writes its own offers, all
   * valid), which the operator should see; deleting that one entry is the way on, and the error says how.
   */
  load(): Result<Allocation[]>
  add(offer: Allocation): void
  remove(callId: string): void
  /** Deletes the offers that lapsed at or before `at` (ms since the epoch). */
  removeLapsed(at: number): void
}

/** What is wrong with an offer read back (undefined: nothing); the node's own offers always pass. */
export function offerProblem(a: Allocation): string | undefined {
  if (a.callId === '') return 'the call ID is empty'
  if (!isE164(a.did)) return `the DID ${JSON.stringify(a.did)} is not an E.164 number`
  if (!/^[0-9]{4,12}$/.test(a.digits)) return `the digits ${JSON.stringify(a.digits)} are not 4 to 12 decimal digits`
  if (a.user === '') return 'the user is empty'
  if (a.caller !== undefined && !isE164(a.caller)) {
    return `the caller ${JSON.stringify(a.caller)} is not an E.164 number`
  }
  if (!Number.isFinite(a.expiresAt)) return `the expiry ${JSON.stringify(a.expiresAt)} is not a time`
  return undefined
}
