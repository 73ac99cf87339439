/**
 * Background validation: after an outbound PSTN call of at least a minimum length, look the number up at a
 * random later time, run the proof with every claimer, and keep a learned route for each that proves it took
 * the call. A claimer that fails a proof loses its route to the number (other claimers keep theirs). A learned
 * route is re-validated with the same claimer, on the most recent suitable outbound call to the number, once a
 * set fraction of its lifetime has passed; without such a call it simply expires. Never on a call's path:
 * callEnded() only schedules. Collaborators (lookup, proof, stores, clock, randomness) are injected.
 */
import type { Clock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import type { Result } from '../core/result.js'
import type { CallRecord, CallRecordStore } from './call-record.js'
import type { CallDetails } from './call-secret.js'
import type { LearnedRoute, LearnedRouteStore } from './learned-route.js'

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
}

export const DEFAULT_VALIDATION_TIMING: ValidationTiming = {
  minCallMs: 10_000,
  delayMinMs: 60_000,
  delayMaxMs: 3600_000,
  revalidateAtFraction: 0.8,
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
  readonly reason?: string
}

export interface SchedulerDeps<Ref> {
  calls: CallRecordStore
  routes: LearnedRouteStore
  /** Who claims a number (a DHT lookup, then each claimer's address from its Node-ID). */
  findClaimers(number: E164): Promise<Claimer<Ref>[]>
  /** Runs the proof with one claimer and asks for a route. */
  prove(claimer: Claimer<Ref>, call: CallDetails): Promise<Result<ProvenRoute>>
  clock: Clock
  /** Uniform in [0, 1). */
  random: () => number
  timing?: ValidationTiming
  onOutcome?: (outcome: ValidationOutcome) => void
}

const routeKey = (r: LearnedRoute) => `${r.number} ${r.claimer} ${r.validatedAt}`

export class ValidationScheduler<Ref> {
  private readonly due = new Map<string, number>()
  /** Routes (at one validation) whose re-validation was tried and neither renewed nor dropped them. */
  private readonly revalidationTried = new Set<string>()
  private readonly timing: ValidationTiming

  constructor(private readonly deps: SchedulerDeps<Ref>) {
    this.timing = deps.timing ?? DEFAULT_VALIDATION_TIMING
    const f = this.timing.revalidateAtFraction
    if (!(f > 0 && f <= 1)) throw new Error(`revalidateAtFraction must be in (0, 1]; got ${f}`)
  }

  /** Called when a call ends: schedules a validation for a long enough outbound PSTN call. */
  callEnded(record: CallRecord): boolean {
    if (record.direction !== 'outbound' || record.path !== 'pstn' || record.end === null) return false
    if (record.outcome !== 'answered' || record.end - record.start < this.timing.minCallMs) return false
    const span = this.timing.delayMaxMs - this.timing.delayMinMs
    this.due.set(record.id, record.end + this.timing.delayMinMs + Math.floor(this.deps.random() * span))
    return true
  }

  /** Validations waiting, soonest first. */
  pending(): { callId: string; dueAt: number }[] {
    return [...this.due].map(([callId, dueAt]) => ({ callId, dueAt })).sort((a, b) => a.dueAt - b.dueAt)
  }

  /** When a route is due for re-validation. */
  revalidationDueAt(route: LearnedRoute): number {
    const lifetime = route.expiresAt - route.validatedAt
    return route.validatedAt + Math.ceil(lifetime * this.timing.revalidateAtFraction)
  }

  /**
   * Runs the call validations that are due (all of them with `everything`, as the operator's "run now"), then
   * the re-validations of routes that are due.
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
      this.due.delete(callId)
      const record = this.deps.calls.get(callId)
      if (record === undefined || record.end === null) continue
      report(await this.validate(record))
    }
    const routes = this.deps.routes.list(this.deps.clock.now())
    const current = new Set(routes.map(routeKey))
    for (const key of this.revalidationTried) if (!current.has(key)) this.revalidationTried.delete(key)
    for (const route of routes) {
      if (this.revalidationDueAt(route) > this.deps.clock.now() || this.revalidationTried.has(routeKey(route))) continue
      report(await this.revalidate(route))
    }
    return outcomes
  }

  /**
   * Asks a route's claimer again, with the most recent suitable outbound call to the number (often the call
   * the route was learned from: the claimer proved that one already, so asking again gives an impostor no new
   * guess). A failed proof, or a claimer that no longer claims the number, drops the route; a lookup that
   * fails leaves it to expire. With no suitable call, or one whose own validation is still pending (that
   * validation asks this claimer anyway), nothing is asked now.
   */
  private async revalidate(route: LearnedRoute): Promise<ValidationOutcome[]> {
    const record = this.deps.calls.lastOutboundTo(route.number, this.timing.minCallMs)
    if (record === undefined || record.end === null) {
      this.revalidationTried.add(routeKey(route))
      return []
    }
    if (this.due.has(record.id)) return []
    const base = { callId: record.id, number: route.number, kind: 'revalidation' as const, claimer: route.claimer }
    let claimers: Claimer<Ref>[]
    try {
      claimers = await this.deps.findClaimers(route.number)
    } catch (e) {
      this.revalidationTried.add(routeKey(route))
      return [{ ...base, outcome: 'failed', dropped: false, reason: `lookup failed: ${(e as Error).message}` }]
    }
    const claimer = claimers.find((c) => c.nodeId === route.claimer)
    if (claimer === undefined) {
      const dropped = this.deps.routes.dropClaimer(route.number, route.claimer) > 0
      return [{ ...base, outcome: 'failed', dropped, reason: 'the claimer no longer claims the number' }]
    }
    const outcome = await this.proveAndKeep(claimer, record, 'revalidation')
    if (!outcome.dropped && outcome.outcome === 'failed') this.revalidationTried.add(routeKey(route))
    return [outcome]
  }

  private async validate(record: CallRecord): Promise<ValidationOutcome[]> {
    const base = { callId: record.id, number: record.called, kind: 'first' as const }
    let claimers: Claimer<Ref>[]
    try {
      claimers = await this.deps.findClaimers(record.called)
    } catch (e) {
      return [{ ...base, outcome: 'failed', dropped: false, reason: `lookup failed: ${(e as Error).message}` }]
    }
    // No claim: nothing happens; the next call to the number tries again.
    if (claimers.length === 0) return [{ ...base, outcome: 'no-claim', dropped: false }]
    const outcomes: ValidationOutcome[] = []
    for (const claimer of claimers) outcomes.push(await this.proveAndKeep(claimer, record, 'first'))
    return outcomes
  }

  /** One proof with one claimer: a success keeps (or renews) its route, a failure drops its route to the number. */
  private async proveAndKeep(
    claimer: Claimer<Ref>,
    record: CallRecord,
    kind: ValidationOutcome['kind'],
  ): Promise<ValidationOutcome> {
    const base = { callId: record.id, number: record.called, kind, claimer: claimer.nodeId }
    const details: CallDetails = { caller: record.caller, called: record.called, start: record.start, end: record.end! }
    const proven = await this.deps.prove(claimer, details)
    if (!proven.ok) {
      const dropped = this.deps.routes.dropClaimer(record.called, claimer.nodeId) > 0
      return { ...base, outcome: 'failed', dropped, reason: proven.error }
    }
    // A claimer that now answers for another domain: its route under the old domain goes.
    const before = this.deps.routes.routesTo(record.called, this.deps.clock.now())
    const moved = before.some((r) => r.claimer === claimer.nodeId && r.domain !== proven.value.domain)
    const dropped = moved && this.deps.routes.dropClaimer(record.called, claimer.nodeId) > 0
    const stored = this.deps.routes.put({
      number: record.called,
      sipUri: proven.value.sipUri,
      domain: proven.value.domain,
      ticket: proven.value.ticket,
      claimer: claimer.nodeId,
      validatedAt: this.deps.clock.now(),
      expiresAt: proven.value.expiresAt,
    })
    return stored.ok
      ? { ...base, outcome: 'validated', dropped, domain: proven.value.domain }
      : { ...base, outcome: 'failed', dropped, domain: proven.value.domain, reason: stored.error }
  }
}
