/**
 * The scheduler's bookkeeping, kept in the node's database so that a restart (or kill -9) between a call and
 * its validation loses nothing: the first validations waiting, the claimers asked about each call and what came
 * of it (so a claimer's guess about one call is never checked twice, even across a crash), and re-validations
 * put off until a time.
 * Times in ms since the epoch.
 */
import type { E164 } from '../core/e164.js'
import type { ProofFailureKind } from './proof-failure.js'

/** What came of one run with a claimer: proven (its route kept or renewed), or how it failed. */
export type AskResult = 'proven' | ProofFailureKind | 'not-kept'

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
  /** Claimers already asked about a call (whatever came of it). */
  asked(callId: string): Set<string>
  /**
   * What came of asking a claimer about a call: undefined if never asked, null if the run never reported (the
   * node stopped during it: its guess may have been checked), else the run's result.
   */
  askedResult(callId: string, claimer: string): AskResult | null | undefined
  /** Notes, before its run, that a claimer is being asked about a call (clearing any earlier result). */
  markAsked(callId: string, claimer: string, at: number): void
  /** Records what came of the run. */
  settle(callId: string, claimer: string, result: AskResult): void
  /** Forgets who was asked about calls asked before `before` (call it with the call records' retention). */
  forgetAskedBefore(before: number): void
  /** The call's first validation is over (or its record is gone): it no longer waits. */
  finish(callId: string): void
  /** When a route's re-validation may next be tried, if it was put off. */
  revalidationNotBefore(route: RouteVersion): number | undefined
  /** Puts a route's re-validation off until `notBefore`; forgotten once the route has expired. */
  deferRevalidation(route: RouteVersion & { expiresAt: number }, notBefore: number): void
  /** Forgets the waits of routes that expired at or before `now`. */
  forgetExpiredRevalidations(now: number): void
}
