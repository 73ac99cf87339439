/**
 * Background validation: after an outbound PSTN call of at least a minimum length, look the number up at a
 * random later time, run the proof with every claimer, and keep a learned route for each that proves it took
 * the call; the route carries calls once its claimer has proved enough distinct calls in a row (trust.ts). A
 * trusted route's claimer that cannot prove two calls in a row loses its route to the number (other claimers
 * keep theirs); one that cannot be reached, times out, refuses or breaks the protocol keeps it until it expires;
 * a candidate goes at the first run that ends without a proof. A
 * learned route is re-validated with the same claimer, on the most recent suitable outbound call to the number,
 * once a set fraction of its lifetime has passed (and again after a while if that run could not be completed);
 * without such a call it simply expires. What waits is kept in an injected ValidationQueue (SQLite in the
 * node), so a restart loses nothing. Never on a call's path: callEnded() only schedules. Collaborators (lookup,
 * proof, stores, clock, randomness) are injected.
 */
import { isOutdatedTicket } from '../tickets/ticket.js'
import type { Clock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import type { Result } from '../core/result.js'
import type { CallRecord, CallRecordStore } from './call-record.js'
import { callToValidate } from './call-choice.js'
import type { CallDetails } from './call-secret.js'
import { FAILED_CALLS_TO_DROP_ROUTE, MAX_ROUTE_LIFETIME_MS, PROOFS_TO_TRUST } from './constants.js'
import type { LearnedRoute, LearnedRouteStore } from './learned-route.js'
import type { ProofFailure, ProofFailureKind } from './proof-failure.js'
import { isTrusted, proofsNeeded } from './trust.js'
import type { AskResult, ValidationQueue } from './validation-queue.js'

export interface ValidationTiming {
  /** Shorter calls are not validated: a few seconds of ringing is not a conversation both ends remember. */
  readonly minCallMs: number
  /** The lookup happens at a random time in this range after the call ended. */
  readonly delayMinMs: number
  readonly delayMaxMs: number
  /**
   * A learned route is re-validated once this fraction of its lifetime (validatedAt to expiresAt) has passed,
   * in (0, 1]: 0.8 of a 7-day ticket leaves 1.4 days to succeed before the route expires.
   */
  readonly revalidateAtFraction: number
  /**
   * A re-validation that could not be completed (claimer unreachable, timed out, refused; the lookup failed) is
   * tried again this long after: 3 h gives a claimer that was restarting or overloaded about ten chances in the
   * 1.4 days before a 7-day route expires, without asking on every poll. A first validation whose lookup failed
   * is tried again after the same delay.
   */
  readonly revalidationRetryMs: number
  /**
   * A first validation whose lookup keeps failing is given up this long after the call ended: 24 h (eight
   * tries at the default delay); by then a later call to the number will usually have been validated.
   */
  readonly firstValidationDeadlineMs: number
  /** The longest a route is kept after a validation, whatever the claimer's offer says. */
  readonly maxRouteLifetimeMs: number
  /**
   * Distinct calls a claimer not trusted for the number before must prove before its route carries calls
   * (PROOFS_TO_TRUST, 2; trust.ts). The demo world sets 1 so that its walkthrough needs one PSTN call.
   */
  readonly proofsToTrust: number
}

export const DEFAULT_VALIDATION_TIMING: ValidationTiming = {
  minCallMs: 10_000,
  delayMinMs: 60_000,
  delayMaxMs: 3600_000,
  revalidateAtFraction: 0.8,
  revalidationRetryMs: 3 * 3600_000,
  firstValidationDeadlineMs: 24 * 3600_000,
  maxRouteLifetimeMs: MAX_ROUTE_LIFETIME_MS,
  proofsToTrust: PROOFS_TO_TRUST,
}

/** A node that claims a number, reachable for a proof. */
export interface Claimer<Ref> {
  readonly nodeId: string
  readonly ref: Ref
}

export interface ProvenRoute {
  readonly domain: string
  readonly sipUri: string
  readonly ticket: string
  readonly expiresAt: number
  /** The ticket's call key, when the claimer granted one. */
  readonly callKey?: Uint8Array | undefined
}

export interface ValidationOutcome {
  /** The call whose details were proved. */
  readonly callId: string
  readonly number: E164
  /**
   * first: the validation a call scheduled, with every claimer (it renews a route learned before);
   * revalidation: a learned route's claimer asked again before the route expires.
   */
  readonly kind: 'first' | 'revalidation'
  readonly outcome: 'no-claim' | 'validated' | 'failed'
  /** Whether this claimer's route to the number was removed (a failed proof, or it no longer claims it). */
  readonly dropped: boolean
  readonly claimer?: string
  readonly domain?: string
  /**
   * With outcome 'validated': whether the route may now carry calls (trust.ts), the distinct calls its claimer
   * has proved in a row, and how many it needs.
   */
  readonly trusted?: boolean
  readonly provenCalls?: number
  readonly proofsNeeded?: number
  /** With outcome 'validated': another claimer holds a trusted route to the number (its domain): a conflict. */
  readonly conflictWith?: string
  /** With outcome 'failed': what kind of failure (see ProofFailureKind; the rest are this side's). */
  readonly failure?: OutcomeFailureKind
  readonly reason?: string
}

/**
 * Why a validation failed: a proof run's failure, or lookup-failed (our DHT lookup), withdrawn (the claimer no
 * longer claims the number), not-kept (proved, but the route could not be stored, e.g. a blocked domain).
 */
export type OutcomeFailureKind = ProofFailureKind | 'lookup-failed' | 'withdrawn' | 'not-kept'

export interface SchedulerDeps<Ref> {
  calls: CallRecordStore
  routes: LearnedRouteStore
  /** Validations waiting and re-validations put off (the node's database). */
  queue: ValidationQueue
  /** Who claims a number (a DHT lookup, then each claimer's address from its Node-ID). */
  findClaimers(number: E164): Promise<Claimer<Ref>[]>
  /** Runs the proof with one claimer and asks for a route; a failure says its kind. */
  prove(claimer: Claimer<Ref>, call: CallDetails): Promise<Result<ProvenRoute, ProofFailure>>
  clock: Clock
  /** Uniform in [0, 1). */
  random: () => number
  /** Defaults: DEFAULT_VALIDATION_TIMING. */
  timing?: Partial<ValidationTiming>
  onOutcome?: (outcome: ValidationOutcome) => void
}

export class ValidationScheduler<Ref> {
  private readonly timing: ValidationTiming

  constructor(private readonly deps: SchedulerDeps<Ref>) {
    this.timing = { ...DEFAULT_VALIDATION_TIMING, ...deps.timing }
    const f = this.timing.revalidateAtFraction
    if (!(f > 0 && f <= 1)) throw new Error(`revalidateAtFraction must be in (0, 1]; got ${f}`)
    const k = this.timing.proofsToTrust
    if (!Number.isSafeInteger(k) || k < 1) throw new Error(`proofsToTrust must be a whole number >= 1; got ${k}`)
  }

  /** Called when a call ends: schedules a validation for a long enough outbound PSTN call. */
  callEnded(record: CallRecord): boolean {
    if (record.direction !== 'outbound' || record.path !== 'pstn' || record.end === null) return false
    if (record.outcome !== 'answered' || record.end - record.start < this.timing.minCallMs) return false
    // One waiting validation per number: while one waits, a newer call to the number is not scheduled (each run
    // asks every claimer once; many calls to one number must not become many runs against the same peers). The
    // waiting one stays: before, the newer call took its place, so a number called more often than the delay
    // (a call centre) was never validated at all.
    for (const p of this.deps.queue.pending()) {
      if (p.callId !== record.id && this.deps.calls.get(p.callId)?.called === record.called) return false
    }
    const span = this.timing.delayMaxMs - this.timing.delayMinMs
    this.deps.queue.schedule(record.id, record.end + this.timing.delayMinMs + Math.floor(this.deps.random() * span))
    return true
  }

  /** Validations waiting, soonest first. */
  pending(): { callId: string; dueAt: number }[] {
    return this.deps.queue.pending()
  }

  /** When a route is due for re-validation. */
  revalidationDueAt(route: LearnedRoute): number {
    // A ticket of the old format (no caller peer) is refused by every edge now: validate again at once.
    if (isOutdatedTicket(route.ticket)) return route.validatedAt
    const lifetime = route.expiresAt - route.validatedAt
    return route.validatedAt + Math.ceil(lifetime * this.timing.revalidateAtFraction)
  }

  /**
   * Runs the call validations that are due (all of them with `everything`, as the operator's "run now"), then
   * the re-validations of routes that are due and not put off.
   */
  async run(options: { everything?: boolean } = {}): Promise<ValidationOutcome[]> {
    const now = this.deps.clock.now()
    const outcomes: ValidationOutcome[] = []
    const report = (list: ValidationOutcome[]) => {
      for (const outcome of list) {
        outcomes.push(outcome)
        this.deps.onOutcome?.(outcome)
      }
    }
    for (const { callId, dueAt } of this.pending()) {
      if (options.everything !== true && dueAt > now) break
      const record = this.deps.calls.get(callId)
      if (record === undefined || record.end === null) {
        this.deps.queue.finish(callId)
        continue
      }
      // The call of that hour the claimer can best tell apart from the others (call-choice.ts): often itself.
      const done = await this.validate(callToValidate(record, this.deps, this.timing, now))
      report(done)
      // Our lookup failed, so nobody was asked: try again later, until the deadline.
      const again = this.deps.clock.now() + this.timing.revalidationRetryMs
      const lookupFailed = done.length === 1 && done[0]!.failure === 'lookup-failed'
      if (lookupFailed && again <= record.end + this.timing.firstValidationDeadlineMs) {
        this.deps.queue.schedule(callId, again)
      } else {
        this.deps.queue.finish(callId)
      }
    }
    this.deps.queue.forgetExpiredRevalidations(this.deps.clock.now())
    for (const route of this.deps.routes.list(this.deps.clock.now())) {
      const t = this.deps.clock.now()
      if (this.revalidationDueAt(route) > t || (this.deps.queue.revalidationNotBefore(route) ?? 0) > t) continue
      report(await this.revalidate(route))
    }
    return outcomes
  }

  /**
   * Asks a route's claimer again, with the most recent suitable outbound call to the number (often the call
   * the route was learned from: the claimer proved that one already, so asking again gives an impostor no new
   * guess). A failed proof, or a claimer that no longer claims the number, drops the route; a run that could
   * not be completed, or a lookup that fails, leaves it and is tried again after revalidationRetryMs. With no
   * suitable call, or one whose own validation is still pending (that validation asks this claimer anyway),
   * nothing is asked now.
   */
  private async revalidate(route: LearnedRoute): Promise<ValidationOutcome[]> {
    const record = this.deps.calls.lastOutboundTo(route.number, this.timing.minCallMs)
    if (record === undefined || record.end === null) {
      this.deps.queue.deferRevalidation(route, route.expiresAt)
      return []
    }
    if (this.deps.queue.isPending(record.id)) return []
    // Put off before anything is asked, so that neither a failure nor a crash mid-run asks again at once.
    this.deps.queue.deferRevalidation(route, this.deps.clock.now() + this.timing.revalidationRetryMs)
    // A claimer whose guess about this call may have been checked already (a run that failed the proof, or one
    // whose end we never saw: the node stopped during it) is not asked about it again; a later call to the
    // number, or the route's expiry, settles the route.
    const earlier = this.deps.queue.askedResult(record.id, route.claimer)
    if (earlier === null || earlier === 'not-proven') return []
    const base = { callId: record.id, number: route.number, kind: 'revalidation' as const, claimer: route.claimer }
    let claimers: Claimer<Ref>[]
    try {
      claimers = await this.deps.findClaimers(route.number)
    } catch (e) {
      const reason = `lookup failed: ${(e as Error).message}`
      return [{ ...base, outcome: 'failed', dropped: false, failure: 'lookup-failed', reason }]
    }
    const claimer = claimers.find((c) => c.nodeId === route.claimer)
    if (claimer === undefined) {
      const dropped = this.deps.routes.dropClaimer(route.number, route.claimer) > 0
      const reason = 'the claimer no longer claims the number'
      return [{ ...base, outcome: 'failed', dropped, failure: 'withdrawn', reason }]
    }
    return [await this.proveAndKeep(claimer, record, 'revalidation')]
  }

  /**
   * Asks every claimer not yet asked about this call (a restart mid-validation asks only the rest). A failed
   * lookup is the single outcome, with failure 'lookup-failed'.
   */
  private async validate(record: CallRecord): Promise<ValidationOutcome[]> {
    const base = { callId: record.id, number: record.called, kind: 'first' as const }
    let claimers: Claimer<Ref>[]
    try {
      claimers = await this.deps.findClaimers(record.called)
    } catch (e) {
      const reason = `lookup failed: ${(e as Error).message}`
      return [{ ...base, outcome: 'failed', dropped: false, failure: 'lookup-failed', reason }]
    }
    // No claim: nothing happens; the next call to the number tries again.
    if (claimers.length === 0) return [{ ...base, outcome: 'no-claim', dropped: false }]
    const asked = this.deps.queue.asked(record.id)
    const outcomes: ValidationOutcome[] = []
    for (const claimer of claimers) {
      if (!asked.has(claimer.nodeId)) outcomes.push(await this.proveAndKeep(claimer, record, 'first'))
    }
    return outcomes
  }

  /**
   * One proof with one claimer, noted before the run and settled after it (a crash during it loses the run
   * rather than giving the claimer a second guess): a success keeps (or renews) its route; a claimer that could
   * not prove the call loses its route to the number; any other failure leaves the route as it is.
   */
  private async proveAndKeep(
    claimer: Claimer<Ref>,
    record: CallRecord,
    kind: ValidationOutcome['kind'],
  ): Promise<ValidationOutcome> {
    this.deps.queue.markAsked(record.id, claimer.nodeId, this.deps.clock.now())
    const { outcome, result } = await this.proveOnce(claimer, record, kind)
    this.deps.queue.settle(record.id, claimer.nodeId, result)
    return outcome
  }

  /**
   * A claimer failed the proof (its reply checked, its tag wrong): an honest claimer's wrong pick looks exactly
   * like an impostor's wrong guess, so one failure does not undo an earlier proof; the route goes once the claimer
   * has failed on FAILED_CALLS_TO_DROP_ROUTE distinct calls in a row. Returns whether it went.
   */
  private failedProof(number: E164, claimer: string): boolean {
    const routes = this.deps.routes.allRoutesTo(number, this.deps.clock.now()).filter((r) => r.claimer === claimer)
    // A candidate (not yet trusted) has no earlier proof to protect: its evidence must come in a row.
    const candidate = routes.length > 0 && routes.every((r) => r.trusted === false)
    const inARow = this.deps.routes.noteFailedProof(number, claimer)
    if (!candidate && inARow < FAILED_CALLS_TO_DROP_ROUTE) return false
    // Evidence against the claimer: its history no longer counts (it must prove PROOFS_TO_TRUST calls again).
    this.deps.routes.forgetTrust(number, claimer)
    return this.deps.routes.dropClaimer(number, claimer) > 0
  }

  /**
   * A run with a candidate's claimer that ended without a proof, of whatever kind (unreachable, timeout,
   * refused...): the candidate goes. Its evidence must be the calls in a row as they come, or an impostor could
   * answer only the runs whose timing favours its guess and play unreachable for the rest (docs/validation.md).
   * A trusted route is not touched: only failed proofs count against it.
   */
  private candidateBroken(number: E164, claimer: string): boolean {
    const routes = this.deps.routes.allRoutesTo(number, this.deps.clock.now()).filter((r) => r.claimer === claimer)
    if (routes.length === 0 || routes.some((r) => r.trusted !== false)) return false
    return this.deps.routes.dropClaimer(number, claimer) > 0
  }

  private async proveOnce(
    claimer: Claimer<Ref>,
    record: CallRecord,
    kind: ValidationOutcome['kind'],
  ): Promise<{ outcome: ValidationOutcome; result: AskResult }> {
    const base = { callId: record.id, number: record.called, kind, claimer: claimer.nodeId }
    const details: CallDetails = { caller: record.caller, called: record.called, start: record.start, end: record.end! }
    const proven = await this.deps.prove(claimer, details)
    if (!proven.ok) {
      const { kind: failure, reason } = proven.error
      const dropped =
        failure === 'not-proven'
          ? this.failedProof(record.called, claimer.nodeId)
          : this.candidateBroken(record.called, claimer.nodeId)
      return { outcome: { ...base, outcome: 'failed', dropped, failure, reason }, result: failure }
    }
    // A claimer that now answers for another domain: its route under the old domain goes.
    const now = this.deps.clock.now()
    const before = this.deps.routes.allRoutesTo(record.called, now)
    const moved = before.some((r) => r.claimer === claimer.nodeId && r.domain !== proven.value.domain)
    const dropped = moved && this.deps.routes.dropClaimer(record.called, claimer.nodeId) > 0
    // The evidence: distinct calls proved in a row (the same call proved again is none), its history, and any
    // other claimer's trusted route (a conflict).
    const mine = moved ? undefined : before.find((r) => r.claimer === claimer.nodeId)
    const provenCalls = mine === undefined ? 1 : (mine.provenCalls ?? 1) + (mine.lastCallId === record.id ? 0 : 1)
    const others = before.filter((r) => r.claimer !== claimer.nodeId && r.trusted !== false)
    const evidence = {
      provenCalls,
      wasTrusted:
        mine?.trusted !== false &&
        (mine !== undefined || this.deps.routes.wasTrusted(record.called, claimer.nodeId, now)),
      incumbents: others.map((r) => r.provenCalls ?? 1),
    }
    const trusted = isTrusted(evidence, this.timing.proofsToTrust)
    const trust = {
      trusted,
      provenCalls,
      proofsNeeded: proofsNeeded(evidence, this.timing.proofsToTrust),
      ...(others.length > 0 && { conflictWith: others[0]!.domain }),
    }
    const stored = this.deps.routes.put({
      number: record.called,
      sipUri: proven.value.sipUri,
      domain: proven.value.domain,
      ticket: proven.value.ticket,
      ...(proven.value.callKey !== undefined && { callKey: proven.value.callKey }),
      claimer: claimer.nodeId,
      validatedAt: now,
      expiresAt: Math.min(proven.value.expiresAt, now + this.timing.maxRouteLifetimeMs),
      provenCalls,
      lastCallId: record.id,
      trusted,
    })
    const domain = proven.value.domain
    return stored.ok
      ? { outcome: { ...base, outcome: 'validated', dropped, domain, ...trust }, result: 'proven' }
      : {
          outcome: { ...base, outcome: 'failed', dropped, domain, failure: 'not-kept', reason: stored.error },
          result: 'not-kept',
        }
  }
}
