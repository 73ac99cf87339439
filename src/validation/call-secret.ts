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
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { prefixFreeCat } from './cpace.js'

/** Quantum, in ms: the tolerance is half of it (5 s), above the 4 s two ends may differ (2 s each). */
export const CALL_TIME_QUANTUM_MS = 10_000

/** Domain separation and version of the password encoding. */
const LABEL = new TextEncoder().encode('ime-call-secret-v1')

export interface CallDetails {
  readonly caller: E164
  readonly called: E164
  /** ms since the Unix epoch, as this end recorded them. */
  readonly start: number
  readonly end: number
}

/** The phases the originator sends: each in [0, quantum). */
export interface GridPhases {
  readonly start: number
  readonly end: number
}

/** The originator's phases: each of its times sits in the middle of its cell. */
export function phasesFor(call: CallDetails, quantum = CALL_TIME_QUANTUM_MS): GridPhases {
  const phase = (t: number) => (((t - quantum / 2) % quantum) + quantum) % quantum
  return { start: phase(call.start), end: phase(call.end) }
}

export function checkPhases(phases: GridPhases, quantum = CALL_TIME_QUANTUM_MS): Result<GridPhases> {
  for (const p of [phases.start, phases.end]) {
    if (!Number.isInteger(p) || p < 0 || p >= quantum) return err(`a grid phase must be a whole ms in [0, ${quantum})`)
  }
  return ok(phases)
}

/** Cell index of a time on a grid shifted by `phase`. */
export const cellOf = (t: number, phase: number, quantum = CALL_TIME_QUANTUM_MS): number =>
  Math.floor((t - phase) / quantum)

/**
 * The PAKE password (CPace's PRS) for a call, on the grids the originator chose: versioned, every field
 * length-prefixed, so no two different calls encode alike.
 */
export function callPassword(call: CallDetails, phases: GridPhases, quantum = CALL_TIME_QUANTUM_MS): Uint8Array {
  const text = (s: string) => new TextEncoder().encode(s)
  return prefixFreeCat(
    LABEL,
    text(call.caller),
    text(call.called),
    text(String(cellOf(call.start, phases.start, quantum))),
    text(String(cellOf(call.end, phases.end, quantum))),
  )
}
