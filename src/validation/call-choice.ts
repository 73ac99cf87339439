/**
 * Which of its calls the originator validates, for a busy number: the one the claimer can tell apart best. The
 * claimer picks its record by where the records' times sit on the originator's grids (pickCallRecord): the right
 * record's times near its calibrated expectation, every other call's times wherever their distance to the
 * validated call puts them, modulo the quantum. The originator knows all its own calls to the number, so it can
 * see, before asking, how close the nearest other call of the same caller hint and hour would sit to the right one
 * on those grids (the separation), and prefer a call whose nearest neighbour is far. Pure; no I/O.
 *
 * What it costs the secret: nothing that an impostor can use. The separation depends only on the calls' times
 * modulo the quantum relative to each other, which the impostor does not see; the choice is made among calls of
 * the same hinted hour whose end the scheduler's delay already allowed, so the hour, the delay range and the cell
 * indices (the secret) are as uninformative as for the call first scheduled (docs/validation.md).
 */
import type { E164 } from '../core/e164.js'
import type { CallRecord, CallRecordStore } from './call-record.js'
import { callerHintFor, startHintFor, startWindow, type CallDetails } from './call-secret.js'
import { CALL_TIME_QUANTUM_MS, MAX_CANDIDATE_RECORDS, SEPARATION_ENOUGH_MS } from './constants.js'
import type { ValidationQueue } from './validation-queue.js'

/** The signed distance from a to b modulo the quantum, in [-Q/2, Q/2). */
const centred = (d: number, q: number) => ((((d + q / 2) % q) + q) % q) - q / 2

/**
 * How far the nearest of `others` sits from `call` on grids centred on `call`: the larger of its start and end
 * distances, the smaller over the others (Q/2 when there is none).
 */
export function separation(call: CallDetails, others: readonly CallDetails[], quantum = CALL_TIME_QUANTUM_MS): number {
  let nearest = quantum / 2
  for (const o of others) {
    if (o === call) continue // the call itself, when `others` holds it (by reference)
    const d = Math.max(Math.abs(centred(o.start - call.start, quantum)), Math.abs(centred(o.end - call.end, quantum)))
    nearest = Math.min(nearest, d)
  }
  return nearest
}

/**
 * Of the `eligible` calls (the originator's, validatable now: same number, same hinted hour and caller hint as
 * the scheduled one, ended within the scheduler's delay range), the one with the largest separation from the
 * `competitors` (its calls the claimer will consider too: same number, hour and caller hint, ended by now). Ties,
 * and calls separated by `enough` or more, keep `scheduled`.
 */
export function chooseSeparatedCall<T extends CallDetails>(
  scheduled: T,
  eligible: readonly T[],
  competitors: readonly CallDetails[],
  enough: number,
  quantum = CALL_TIME_QUANTUM_MS,
): T {
  let best = scheduled
  let bestSeparation = separation(scheduled, competitors, quantum)
  if (bestSeparation >= enough) return scheduled
  for (const call of eligible) {
    const s = separation(call, competitors, quantum)
    if (s > bestSeparation) {
      best = call
      bestSeparation = s
    }
  }
  return best
}

/**
 * The scheduler's choice at run time: the scheduled call, or a better-separated call of the same hour and caller
 * hint (chooseSeparatedCall) among the originator's records, each finished and answered, at least `minCallMs`
 * long, ended within the delay range before `now` and not asked about before (each call is asked about once).
 */
export function callToValidate(
  scheduled: CallRecord,
  deps: { calls: Pick<CallRecordStore, 'outboundTo'>; queue: Pick<ValidationQueue, 'asked' | 'isPending'> },
  timing: { minCallMs: number; delayMinMs: number; delayMaxMs: number },
  now: number,
): CallRecord {
  if (scheduled.end === null) return scheduled
  const details = (c: CallRecord): CallDetails => ({ caller: c.caller, called: c.called, start: c.start, end: c.end! })
  const hour = startHintFor(details(scheduled))
  const { from, to } = startWindow(hour)
  const hint = callerHintFor(scheduled.caller)
  const sameHint = new Map<string, boolean>([[scheduled.caller, true]])
  const hinted = (caller: E164) =>
    sameHint.get(caller) ?? sameHint.set(caller, callerHintFor(caller) === hint).get(caller)!
  const own = deps.calls
    .outboundTo(scheduled.called, from, to, MAX_CANDIDATE_RECORDS)
    .filter((c) => c.end !== null && c.end <= now && hinted(c.caller))
  const competitors = own.map((c) => ({ ...details(c), record: c }))
  const first = competitors.find((c) => c.record.id === scheduled.id) ?? { ...details(scheduled), record: scheduled }
  const eligible = competitors.filter(
    ({ record: c }) =>
      c.id !== scheduled.id &&
      c.outcome === 'answered' &&
      c.end! - c.start >= timing.minCallMs &&
      c.end! >= now - timing.delayMaxMs &&
      c.end! <= now - timing.delayMinMs &&
      startHintFor(details(c)) === hour &&
      !deps.queue.isPending(c.id) &&
      deps.queue.asked(c.id).size === 0,
  )
  return chooseSeparatedCall(first, eligible, competitors, SEPARATION_ENOUGH_MS).record
}
