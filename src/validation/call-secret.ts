/**
 * The secret of a PSTN call, as both ends can compute it from their own call records: caller, called, and
 * the start and end times quantised so that the two ends' clocks and setup delays (up to +/-2 s at each end)
 * still agree.
 *
 * Rounding to a fixed grid fails whenever a time falls near a cell boundary. Instead the originator chooses,
 * for each of its two times, a grid phase that puts its time in the middle of its cell, and sends the phases
 * in the clear. A phase is the time modulo the quantum, i.e. below the quantum, so it says nothing about the
 * cell index, which is what the secret is made of. The other end quantises its own times with those phases:
 * it lands in the same cell whenever its time is within half a quantum of the originator's.
 */
import { createHash } from 'node:crypto'
import { isE164, type E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { CALL_TIME_QUANTUM_MS, PROVEN_RECORD_MARGIN_MS, START_HINT_PERIOD_MS } from './constants.js'
import { prefixFreeCat } from './cpace.js'

export { CALL_TIME_QUANTUM_MS } from './constants.js'

/** Domain separation and version of the password encoding. */
const LABEL = new TextEncoder().encode('ime/call-secret/v1')

export interface CallDetails {
  readonly caller: E164
  readonly called: E164
  /** ms since the Unix epoch, as this end recorded them. */
  readonly start: number
  readonly end: number
}

/** The phases the originator sends: each a whole ms in [0, quantum). */
export interface GridPhases {
  readonly start: number
  readonly end: number
}

/** Checks a call record's details before they become a password; the error names the field. */
export function checkCallDetails(call: CallDetails): Result<CallDetails> {
  if (!isE164(call.caller)) return err(`caller ${JSON.stringify(call.caller)} is not an E.164 number`)
  if (!isE164(call.called)) return err(`called ${JSON.stringify(call.called)} is not an E.164 number`)
  if (!Number.isSafeInteger(call.start) || call.start <= 0) return err('start must be a whole ms since the epoch')
  if (!Number.isSafeInteger(call.end) || call.end < call.start) return err('end must be a whole ms, not before start')
  return ok(call)
}

/** The originator's phases: each of its times sits in the middle of its cell. */
export function phasesFor(call: CallDetails, quantum = CALL_TIME_QUANTUM_MS): GridPhases {
  const phase = (t: number) => (((t - quantum / 2) % quantum) + quantum) % quantum
  return { start: phase(call.start), end: phase(call.end) }
}

export function checkPhases(phases: GridPhases, quantum = CALL_TIME_QUANTUM_MS): Result<GridPhases> {
  for (const [name, p] of [
    ['start', phases.start],
    ['end', phases.end],
  ] as const) {
    if (!Number.isInteger(p) || p < 0 || p >= quantum) {
      return err(`the ${name} grid phase must be a whole ms in [0, ${quantum}); got ${String(p)}`)
    }
  }
  return ok(phases)
}

/** Cell index of a time on a grid shifted by `phase`. */
export const cellOf = (t: number, phase: number, quantum = CALL_TIME_QUANTUM_MS): number =>
  Math.floor((t - phase) / quantum)

/** How far a time is from the middle of its cell on a phased grid, in ms: in [-quantum/2, quantum/2). */
export function offsetFromCentre(t: number, phase: number, quantum = CALL_TIME_QUANTUM_MS): number {
  return t - phase - cellOf(t, phase, quantum) * quantum - quantum / 2
}

function int64(n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigInt64(0, BigInt(n))
  return out
}

/**
 * The PAKE password (CPace's PRS) for a call, on the grids the originator chose: a versioned label, the
 * quantum, then each field length-prefixed (numbers as ASCII, cells as 64-bit big-endian), so no two
 * different calls or settings encode alike. Call details are assumed checked (checkCallDetails).
 */
export function callPassword(call: CallDetails, phases: GridPhases, quantum = CALL_TIME_QUANTUM_MS): Uint8Array {
  const text = (s: string) => new TextEncoder().encode(s)
  return prefixFreeCat(
    LABEL,
    int64(quantum),
    text(call.caller),
    text(call.called),
    int64(cellOf(call.start, phases.start, quantum)),
    int64(cellOf(call.end, phases.end, quantum)),
  )
}

/** The hint the originator sends: the hour (since the Unix epoch) its record of the call started in. */
export const startHintFor = (call: CallDetails): number => Math.floor(call.start / START_HINT_PERIOD_MS)

/**
 * The start times (ms, inclusive) the claimer's record of a hinted call may have: the hinted hour, widened by
 * half a quantum each side, since a record further than that from the originator's cannot agree anyway.
 */
export function startWindow(hint: number, quantum = CALL_TIME_QUANTUM_MS): { from: number; to: number } {
  return { from: hint * START_HINT_PERIOD_MS - quantum / 2, to: (hint + 1) * START_HINT_PERIOD_MS + quantum / 2 }
}

/**
 * The caller hint the originator sends: 1 + the first byte of SHA-256 over a label and the caller number, so
 * 1..256 (0 on the wire: not sent). It lets the claimer leave out the records of other callers (a busy number's
 * other users and other enterprises) at the cost of at most 8 bits about the caller, and none about the call's
 * times: the guessing model already assumes the impostor knows the caller (docs/validation.md).
 */
export function callerHintFor(caller: E164): number {
  return 1 + createHash('sha256').update(`ime/caller-hint/v1:${caller}`).digest()[0]!
}

/** What the claimer knows beyond the originator's clear fields, for its pick (all of it costs the secret nothing). */
export interface PickOptions<T> {
  readonly quantum?: number
  /**
   * Records this claimer already proved (for the asking peer, or for another: a call has one originator): an
   * originator validates a call once per claimer, so such a record is rarely the one it means now (a call-back
   * within the hour after a validated call is the ordinary case). Its score is worsened by
   * PROVEN_RECORD_MARGIN_MS: the right, unproven record wins unless it sits that much further from the
   * expectation, while a re-validation of the same call still finds it unless another record fits within the
   * margin too.
   */
  readonly provenBefore?: (record: T) => boolean
  /**
   * Where the asking peer's times usually sit against this claimer's records (clock offset, setup delay), in
   * ms: the record closest to that expectation wins instead of the one closest to the cells' middles.
   */
  readonly expectedOffset?: { readonly start: number; readonly end: number }
  /** The originator's caller hint (callerHintFor), when it sent one: records of callers with another are left out. */
  readonly callerHint?: number
}

/**
 * Picks which of the claimer's candidate records (inbound, finished, to the number, start in the window) to
 * prove, using only what the originator sent in the clear: the honest originator's times sit in the middle of
 * their cells, so the right record's times sit near the middle too (within the two ends' difference, usually
 * well under a second), while another call's offsets are spread evenly over the cell. The record whose larger
 * offset (from the expected offset, when the claimer has learned one for this peer) is smallest wins; ties go to
 * the earlier start. This costs the secret nothing (no extra data is sent), but it is a guess: with n other
 * calls in the hour each beats the right one with probability (2d/Q)^2, d the right one's larger distance from
 * the expectation (d = 1 s: 4 % per other call; d = 0.1 s: 0.04 %). Returns undefined when there is no candidate.
 */
export function pickCallRecord<T extends CallDetails>(
  candidates: readonly T[],
  phases: GridPhases,
  options: PickOptions<T> = {},
): T | undefined {
  const { quantum = CALL_TIME_QUANTUM_MS, provenBefore = () => false, expectedOffset = { start: 0, end: 0 } } = options
  const { callerHint } = options
  const hints = new Map<E164, number>() // a busy hour's records come from few callers: one hash each
  const hintOf = (caller: E164) => hints.get(caller) ?? hints.set(caller, callerHintFor(caller)).get(caller)!
  let best: { record: T; score: number } | undefined
  for (const record of candidates) {
    if (callerHint !== undefined && hintOf(record.caller) !== callerHint) continue
    const margin = provenBefore(record) ? PROVEN_RECORD_MARGIN_MS : 0
    const score = fitScore(record, phases, expectedOffset, quantum) + margin
    if (best === undefined || score < best.score || (score === best.score && record.start < best.record.start)) {
      best = { record, score }
    }
  }
  return best?.record
}

/**
 * How far a record's times sit from where they would be expected on the originator's grids: the larger distance.
 * Not modulo the quantum: a record is proved only when its offsets are within the cells, [-Q/2, Q/2).
 */
export function fitScore(
  record: CallDetails,
  phases: GridPhases,
  expected: { readonly start: number; readonly end: number } = { start: 0, end: 0 },
  quantum = CALL_TIME_QUANTUM_MS,
): number {
  return Math.max(
    Math.abs(offsetFromCentre(record.start, phases.start, quantum) - expected.start),
    Math.abs(offsetFromCentre(record.end, phases.end, quantum) - expected.end),
  )
}
