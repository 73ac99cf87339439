/**
 * The scheduler's bookkeeping, kept in the node's database so that a restart (or kill -9) between a call and
 * its validation loses nothing: the first validations waiting, the claimers already asked about each (so a
 * claimer is never asked twice about one call, even across a crash), and re-validations put off until a time.
 * Times in ms since the epoch.
 */
import type { E164 } from '../core/e164.js'

/** A learned route as re-validation knows it: one claimer's route to a number, at one validation. */
export interface RouteVersion {
  readonly number: E164
  readonly claimer: string
  readonly validatedAt: number
}

export interface ValidationQueue {
  /** Schedules (or moves) a call's first validation. */
  schedule(callId: string, dueAt: number): void
  /** Waiting validations, soonest first. */
  pending(): { callId: string; dueAt: number }[]
  isPending(callId: string): boolean
  /** Claimers already asked about a waiting call. */
  asked(callId: string): Set<string>
  /** Notes, before its run, that a claimer is being asked about a waiting call. */
  markAsked(callId: string, claimer: string): void
  /** The call's validation is over (or its record is gone): forgets it and whom it asked. */
  finish(callId: string): void
  /** When a route's re-validation may next be tried, if it was put off. */
  revalidationNotBefore(route: RouteVersion): number | undefined
  /** Puts a route's re-validation off until `notBefore`; forgotten once the route has expired. */
  deferRevalidation(route: RouteVersion & { expiresAt: number }, notBefore: number): void
  /** Forgets the waits of routes that expired at or before `now`. */
  forgetExpiredRevalidations(now: number): void
}
