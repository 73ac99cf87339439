/**
 * Background validation: after an outbound PSTN call of at least a minimum length, look the number up at a
 * random later time, run the proof with every claimer, and keep a learned route for each that proves it took
 * the call. Never on a call's path: callEnded() only schedules. Collaborators (lookup, proof, stores, clock,
 * randomness) are injected.
 */
import type { Clock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import type { Result } from '../core/result.js'
import type { CallRecord, CallRecordStore } from './call-record.js'
import type { CallDetails } from './call-secret.js'
import type { LearnedRouteStore } from './learned-route.js'

export interface ValidationTiming {
  /** Shorter calls are not validated: a few seconds of ringing is not a conversation both ends remember. */
  readonly minCallMs: number
  /** The lookup happens at a random time in this range after the call ended. */
  readonly delayMinMs: number
  readonly delayMaxMs: number
}

export const DEFAULT_VALIDATION_TIMING: ValidationTiming = {
  minCallMs: 10_000,
  delayMinMs: 60_000,
  delayMaxMs: 3600_000,
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
  readonly callId: string
  readonly number: E164
  readonly outcome: 'no-claim' | 'validated' | 'failed'
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

export class ValidationScheduler<Ref> {
  private readonly due = new Map<string, number>()
  private readonly timing: ValidationTiming

  constructor(private readonly deps: SchedulerDeps<Ref>) {
    this.timing = deps.timing ?? DEFAULT_VALIDATION_TIMING
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

  /** Runs the validations that are due (all of them with `everything`, as the operator's "run now"). */
  async run(options: { everything?: boolean } = {}): Promise<ValidationOutcome[]> {
    const now = this.deps.clock.now()
    const outcomes: ValidationOutcome[] = []
    for (const { callId, dueAt } of this.pending()) {
      if (options.everything !== true && dueAt > now) break
      this.due.delete(callId)
      const record = this.deps.calls.get(callId)
      if (record === undefined || record.end === null) continue
      for (const outcome of await this.validate(record)) {
        outcomes.push(outcome)
        this.deps.onOutcome?.(outcome)
      }
    }
    return outcomes
  }

  private async validate(record: CallRecord): Promise<ValidationOutcome[]> {
    const base = { callId: record.id, number: record.called }
    let claimers: Claimer<Ref>[]
    try {
      claimers = await this.deps.findClaimers(record.called)
    } catch (e) {
      return [{ ...base, outcome: 'failed', reason: `lookup failed: ${(e as Error).message}` }]
    }
    // No claim: nothing happens; the next call to the number tries again.
    if (claimers.length === 0) return [{ ...base, outcome: 'no-claim' }]
    const details: CallDetails = { caller: record.caller, called: record.called, start: record.start, end: record.end! }
    const outcomes: ValidationOutcome[] = []
    for (const claimer of claimers) {
      const proven = await this.deps.prove(claimer, details)
      if (!proven.ok) {
        outcomes.push({ ...base, outcome: 'failed', claimer: claimer.nodeId, reason: proven.error })
        continue
      }
      const stored = this.deps.routes.put({
        number: record.called,
        sipUri: proven.value.sipUri,
        domain: proven.value.domain,
        ticket: proven.value.ticket,
        claimer: claimer.nodeId,
        validatedAt: this.deps.clock.now(),
        expiresAt: proven.value.expiresAt,
      })
      outcomes.push(
        stored.ok
          ? { ...base, outcome: 'validated', claimer: claimer.nodeId, domain: proven.value.domain }
          : { ...base, outcome: 'failed', claimer: claimer.nodeId, reason: stored.error },
      )
    }
    return outcomes
  }
}
