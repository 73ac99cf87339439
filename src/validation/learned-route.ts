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
  /** The claimer's Node-ID (32 hex digits), to re-validate with the same node. */
  readonly claimer: string
  readonly validatedAt: number
  readonly expiresAt: number
}

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

export function checkLearnedRoute(r: LearnedRoute): Result<LearnedRoute> {
  if (!isE164(r.number)) return err(`number ${JSON.stringify(r.number)} is not an E.164 number`)
  if (!/^sips?:[^\s<>"]{1,500}$/.test(r.sipUri)) return err(`sipUri ${JSON.stringify(r.sipUri)} is not a SIP URI`)
  if (!DOMAIN.test(r.domain)) return err(`domain ${JSON.stringify(r.domain)} is not a lowercase domain name`)
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(r.ticket)) return err('ticket must be base64url, at most 512 characters')
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
  /** The unexpired routes to a number, newest validation first (several domains may have proved it). */
  routesTo(number: E164, now: number): LearnedRoute[]
  list(now: number): LearnedRoute[]
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
