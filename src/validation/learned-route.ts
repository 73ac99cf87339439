/**
 * A learned route: after a successful validation, the callee domain's SIP URI and the ticket it minted for
 * this domain, kept by the caller's node so the next call to the number can go over IP.
 */
import { isE164, type E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'

export interface LearnedRoute {
  readonly number: E164
  /** Where to send the INVITE, e.g. sip:+14085550100@b.example;transport=ws */
  readonly sipUri: string
  /** The domain that proved it took the PSTN call (the callee side). */
  readonly domain: string
  /** The X-IME-Ticket value the callee side minted for this domain. */
  readonly ticket: string
  /**
   * The ticket's call key (src/tickets/call-key.ts), 32 bytes, when the claimer granted one: the node MACs each
   * call's assertion with it. Kept by the node; never shown to users.
   */
  readonly callKey?: Uint8Array | undefined
  /** The claimer's Node-ID (32 hex digits), to re-validate with the same node. */
  readonly claimer: string
  readonly validatedAt: number
  readonly expiresAt: number
  /** Distinct calls this claimer proved for the number, in a row (default 1). */
  readonly provenCalls?: number
  /** The call last proved (a re-validation of the same call is no new evidence). */
  readonly lastCallId?: string | null
  /**
   * Whether calls may use the route (default true): only once its claimer has proved enough distinct calls
   * (trust.ts); until then it is a candidate, kept for the evidence.
   */
  readonly trusted?: boolean
}

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

export function checkLearnedRoute(r: LearnedRoute): Result<LearnedRoute> {
  if (!isE164(r.number)) return err(`number ${JSON.stringify(r.number)} is not an E.164 number`)
  if (!/^sips?:[^\s<>"]{1,500}$/.test(r.sipUri)) return err(`sipUri ${JSON.stringify(r.sipUri)} is not a SIP URI`)
  if (!DOMAIN.test(r.domain)) return err(`domain ${JSON.stringify(r.domain)} is not a lowercase domain name`)
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(r.ticket)) return err('ticket must be base64url, at most 512 characters')
  if (r.callKey !== undefined && r.callKey.length !== 32) return err('callKey must have 32 bytes')
  if (!/^[0-9a-f]{32}$/.test(r.claimer)) return err('claimer must be a node id of 32 lowercase hex digits')
  if (!Number.isSafeInteger(r.validatedAt) || r.validatedAt <= 0) return err('validatedAt must be a time')
  if (!Number.isSafeInteger(r.expiresAt) || r.expiresAt <= r.validatedAt) {
    return err('expiresAt must be a time after validatedAt')
  }
  return ok(r)
}

/** Where learned routes and the operator's block list are kept (the node's SQLite store). */
export interface LearnedRouteStore {
  /** Keeps a route; replaces the one for the same number and domain. Refused if the domain is blocked. */
  put(route: LearnedRoute): Result<LearnedRoute>
  /** The unexpired TRUSTED routes to a number, newest validation first: what calls may use. */
  routesTo(number: E164, now: number): LearnedRoute[]
  /** Every unexpired route to a number, candidates included (the evidence so far). */
  allRoutesTo(number: E164, now: number): LearnedRoute[]
  /** Every unexpired route, candidates included. */
  list(now: number): LearnedRoute[]
  /** Whether this claimer was trusted for the number before (a route re-learned from it needs one proof). */
  wasTrusted(number: E164, claimer: string, now: number): boolean
  /** Forgets that this claimer was trusted for the number (it failed the proof on calls in a row). */
  forgetTrust(number: E164, claimer: string): void
  /** Unexpired routes: trusted ones (what calls may use) and candidates (still gathering evidence). */
  countTrusted(now: number): { trusted: number; candidates: number }
  /**
   * Retention: deletes routes expired by `now` (no call or validation reads them again) and the memory of claimers
   * trusted for a number whose last trusted proof is older than the trust memory (90 days, which wasTrusted
   * already ignores); returns how many of each.
   */
  purgeExpired(now: number): { routes: number; trustedClaimers: number }
  /** Removes every route to a number; returns how many. */
  remove(number: E164): number
  /**
   * Counts one more call whose proof the claimer failed, on its routes to the number (a success, put, resets the
   * count); returns the count now: failures on distinct calls in a row since its last proof (0: no route).
   */
  noteFailedProof(number: E164, claimer: string): number
  /** Removes the routes to a number learned from one claimer (Node-ID), leaving other claimers'; returns how many. */
  dropClaimer(number: E164, claimer: string): number
  /** Blocks a domain: its routes go, and none are learned from it again until unblocked. */
  blockDomain(domain: string): number
  unblockDomain(domain: string): void
  isBlocked(domain: string): boolean
}
