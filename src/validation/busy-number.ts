/**
 * A busy number, simulated: how often validations succeed when one enterprise's users call one number again and
 * again over the PSTN. The claimer's side is the real logic (pickCallRecord with its calibration and proven
 * records left to last, AttemptCaps over memory, startWindow); what is modelled is the calls (Poisson arrivals,
 * log-normal durations), the two ends' records of each (a fixed offset between the pair plus per-call jitter)
 * and the originator's scheduler (one waiting validation per number, a uniform delay, or every call). A proof
 * succeeds exactly when the claimer picks the right record (the records of one call always agree within the
 * modelled differences, checked by call-secret.test.ts and proof-session.test.ts), so no CPace is run.
 * Deterministic for a seed; no I/O.
 */
import { seededRandom } from '../core/seeded-random.js'
import {
  AttemptCaps,
  MemoryAttemptCapStore,
  type AttemptCapsConfig,
  DEFAULT_ATTEMPT_CAPS,
  clockPrior,
} from './attempt-caps.js'
import {
  CALL_TIME_QUANTUM_MS,
  callerHintFor,
  offsetFromCentre,
  phasesFor,
  pickCallRecord,
  startHintFor,
  startWindow,
} from './call-secret.js'
import type { E164 } from '../core/e164.js'
import { chooseSeparatedCall } from './call-choice.js'
import { MAX_CANDIDATE_RECORDS } from './constants.js'

export interface BusyNumberScenario {
  readonly hours: number
  /** Mean gap between calls to the number from the originator's users (Poisson arrivals). */
  readonly callIntervalMs: number
  /** The originator's users placing the calls, each presenting its own number (1: one main number). */
  readonly users: number
  /** Calls to the number from elsewhere (not IME, never validated), per call of the originator's. */
  readonly otherCallsPerCall: number
  readonly durationMedianMs: number
  readonly durationSigma: number
  readonly minDurationMs: number
  /** The claimer's record minus the originator's, for every call of the pair: clock offset plus setup delay. */
  readonly pairOffsetMs: { readonly start: number; readonly end: number }
  /** Standard deviation of the per-call difference beyond the pair's offset, at each time. */
  readonly jitterMs: number
  /** The scheduler's delay after a call. */
  readonly delayMinMs: number
  readonly delayMaxMs: number
  /** scheduler: one waiting validation per number (the node); every-call: each call validated (the soak's load). */
  readonly policy: 'scheduler' | 'every-call'
  /** The claimer's pick: calibrated per peer and proven records to last (true), or as before issue 18 (false). */
  readonly improvedPick: boolean
  /** The originator sends its caller hint (msg1's callerHint) and the claimer leaves other callers' records out. */
  readonly callerHint: boolean
  /**
   * The part of pairOffsetMs that is the two clocks' difference (the rest is setup and teardown signalling). The
   * originator sends its clock (msg1's sentAt) when `clockHint`, and the claimer, before its first proof for the
   * peer, expects this offset (plus the one-way network delay, networkDelayMs) instead of 0.
   */
  readonly clockOffsetMs: number
  readonly clockHint: boolean
  readonly networkDelayMs: number
  /** The originator validates the best-separated of its eligible calls instead of the scheduled one (call-choice.ts). */
  readonly separatedCall: boolean
  /** The claimer's query limit (MAX_CANDIDATE_RECORDS). */
  readonly maxCandidates: number
  readonly caps: AttemptCapsConfig
  readonly seed: number
}

export const BUSY_NUMBER_SCENARIO: BusyNumberScenario = {
  hours: 2,
  callIntervalMs: 10_000,
  users: 5,
  otherCallsPerCall: 0,
  durationMedianMs: 120_000,
  durationSigma: 1,
  minDurationMs: 10_000,
  // The demo run of issue 18: the originator's times about 1 s (start) and 0.35 s (end) after the claimer's.
  pairOffsetMs: { start: -980, end: -352 },
  jitterMs: 100,
  delayMinMs: 60_000,
  delayMaxMs: 3_600_000,
  policy: 'scheduler',
  improvedPick: true,
  callerHint: true,
  clockOffsetMs: 0,
  clockHint: true,
  networkDelayMs: 20,
  separatedCall: true,
  maxCandidates: MAX_CANDIDATE_RECORDS,
  caps: DEFAULT_ATTEMPT_CAPS,
  seed: 1,
}

export interface BusyNumberResult {
  readonly calls: number
  readonly validations: number
  readonly succeeded: number
  /** The claimer proved another record (a wrong pick). */
  readonly wrongPick: number
  /** Refused by the claimer's caps (the per-peer allowance). */
  readonly refused: number
  readonly successRate: number
  /** Validations until the first success, and until the second (0: never). */
  readonly firstSuccessAt: number
  readonly secondSuccessAt: number
  /**
   * The originator's calls placed (over the PSTN) before the second successful validation ran: with two proved
   * calls needed, the PSTN calls before IME for this number (0: not reached).
   */
  readonly pstnCallsBeforeTrusted: number
  /**
   * Of each validated call (after the originator's choice), what an impostor sees of it: the delay from its end to
   * the run, and where in its hinted hour it started. The choice must leave both as spread as the scheduler's.
   */
  readonly validatedCalls: readonly { readonly delayMs: number; readonly startInHourMs: number }[]
}

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

interface SimCall {
  readonly id: string
  readonly caller: E164
  readonly called: E164
  /** The originator's record (undefined for calls from elsewhere). */
  readonly mine?: { readonly start: number; readonly end: number }
  /** The claimer's record. */
  readonly start: number
  readonly end: number
}

const CALLED = '+12025550102' as E164
const PEER = 'originator'
/** Each end's record may be off by up to 2 s, so two records of one call differ by at most 4 s. */
const MAX_DIFFERENCE_MS = 4_000
const SEPARATION_ENOUGH_MS = 2_000

export function simulateBusyNumber(overrides: Partial<BusyNumberScenario> = {}): BusyNumberResult {
  const s = { ...BUSY_NUMBER_SCENARIO, ...overrides }
  const random = seededRandom(s.seed)
  const t0 = Date.UTC(2026, 10, 25, 9, 0, 0)
  const duration = () =>
    Math.max(s.minDurationMs, Math.round(s.durationMedianMs * Math.exp(s.durationSigma * normal(random))))
  const clamp = (d: number) => Math.max(-MAX_DIFFERENCE_MS, Math.min(MAX_DIFFERENCE_MS, Math.round(d)))
  const calls: SimCall[] = []
  const horizon = t0 + s.hours * 3_600_000
  for (let t = t0, i = 0; t < horizon; i++) {
    t += Math.round(-Math.log(Math.max(random(), 1e-12)) * s.callIntervalMs)
    const start = t
    const end = start + duration()
    const user = i % s.users
    const caller = `+1201555${String(100 + user).padStart(4, '0')}` as E164
    const dStart = clamp(s.pairOffsetMs.start + s.jitterMs * normal(random))
    const dEnd = clamp(s.pairOffsetMs.end + s.jitterMs * normal(random))
    calls.push({
      id: `c${i}`,
      caller,
      called: CALLED,
      mine: { start, end },
      start: start + dStart,
      end: Math.max(start + dStart, end + dEnd),
    })
    for (let k = 0; k < s.otherCallsPerCall; k++) {
      const os = start + Math.round(random() * s.callIntervalMs)
      calls.push({ id: `x${i}-${k}`, caller: '+13125550000' as E164, called: CALLED, start: os, end: os + duration() })
    }
  }
  const mine = calls.filter((c) => c.mine !== undefined).sort((a, b) => a.mine!.end - b.mine!.end)
  const byStart = [...calls].sort((a, b) => a.start - b.start)
  const caps = new AttemptCaps(new MemoryAttemptCapStore(), s.caps)
  const delay = () => s.delayMinMs + Math.floor(random() * (s.delayMaxMs - s.delayMinMs))

  // Validations due: (due time, call), kept sorted by due time.
  const due: { at: number; call: SimCall }[] = []
  let validations = 0
  let succeeded = 0
  let wrongPick = 0
  let refused = 0
  let firstSuccessAt = 0
  let secondSuccessAt = 0
  let trustedAt = 0
  const validated = new Set<string>()
  const validatedCalls: { delayMs: number; startInHourMs: number }[] = []
  // The originator's own calls (its records) of the scheduled one's hour and caller: eligible if they ended within
  // the delay range and were not validated yet; competing if they ended by now.
  const separatedChoice = (scheduled: SimCall, at: number): SimCall => {
    const hour = startHintFor({ caller: scheduled.caller, called: CALLED, ...scheduled.mine! })
    const same = mine.filter(
      (c) =>
        c.caller === scheduled.caller &&
        c.mine!.end <= at &&
        startHintFor({ caller: c.caller, called: CALLED, ...c.mine! }) === hour,
    )
    const own = new Map(same.map((c) => [c.id, { caller: c.caller, called: CALLED, ...c.mine!, call: c }]))
    const eligible = same
      .filter((c) => !validated.has(c.id) && c.mine!.end >= at - s.delayMaxMs && c.mine!.end <= at - s.delayMinMs)
      .map((c) => own.get(c.id)!)
    const first = own.get(scheduled.id) ?? {
      caller: scheduled.caller,
      called: CALLED,
      ...scheduled.mine!,
      call: scheduled,
    }
    const chosen = chooseSeparatedCall(first, eligible, [...own.values()], SEPARATION_ENOUGH_MS)
    validated.add(chosen.call.id)
    return chosen.call
  }
  const runDue = (until: number) => {
    due.sort((a, b) => a.at - b.at)
    while (due.length > 0 && due[0]!.at <= until) {
      const { at, call: scheduled } = due.shift()!
      validations++
      const call = s.separatedCall ? separatedChoice(scheduled, at) : scheduled
      validatedCalls.push({ delayMs: at - call.mine!.end, startInHourMs: call.mine!.start % 3_600_000 })
      if (!caps.admitPeer(PEER, at).ok) {
        refused++
        continue
      }
      const phases = phasesFor({ caller: call.caller, called: CALLED, start: call.mine!.start, end: call.mine!.end })
      const { from, to } = startWindow(startHintFor({ caller: call.caller, called: CALLED, ...call.mine! }))
      // As the node's query: finished records of the window, earliest first, at most maxCandidates; then usable.
      const candidates = byStart
        .filter((c) => c.start >= from && c.start <= to && c.end <= at)
        .slice(0, s.maxCandidates)
        .filter((c) => caps.recordUsable(c.id, PEER))
      const prior = s.clockHint ? clockPrior(at - s.clockOffsetMs, at + s.networkDelayMs) : undefined
      const picked = s.improvedPick
        ? pickCallRecord(candidates, phases, {
            provenBefore: (c) => caps.provenFor(c.id),
            expectedOffset: caps.expectedOffset(PEER, prior),
            ...(s.callerHint && { callerHint: callerHintFor(call.caller) }),
          })
        : pickCallRecord(candidates, phases)
      if (picked?.id === call.id) {
        succeeded++
        if (succeeded === 1) firstSuccessAt = validations
        if (succeeded === 2) {
          secondSuccessAt = validations
          trustedAt = at
        }
        const offsets = {
          start: offsetFromCentre(picked.start, phases.start, CALL_TIME_QUANTUM_MS),
          end: offsetFromCentre(picked.end, phases.end, CALL_TIME_QUANTUM_MS),
        }
        caps.recordProof(picked.id, PEER, at, offsets)
      } else {
        wrongPick++
        caps.peerFailure(PEER, at)
        if (picked !== undefined) caps.recordFailure(picked.id, PEER, at)
      }
    }
  }
  for (const call of mine) {
    const ended = call.mine!.end
    runDue(ended)
    if (s.policy === 'every-call' || due.length === 0) due.push({ at: ended + delay(), call })
  }
  runDue(Number.MAX_SAFE_INTEGER)
  return {
    calls: mine.length,
    validations,
    succeeded,
    wrongPick,
    refused,
    successRate: validations === 0 ? 0 : succeeded / validations,
    firstSuccessAt,
    secondSuccessAt,
    pstnCallsBeforeTrusted: trustedAt === 0 ? 0 : mine.filter((c) => c.mine!.start < trustedAt).length,
    validatedCalls,
  }
}

export { seededRandom }
