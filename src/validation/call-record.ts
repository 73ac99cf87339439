/**
 * A call record: what each end keeps of every PSTN call, IME call and internal call (between two users of one
 * enterprise, which the node connects itself). The details of a PSTN call — caller, called, start and end — are
 * the shared secret a later validation proves knowledge of; IME and internal calls are for the history only.
 */
import { isE164, type E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'

export type CallDirection = 'inbound' | 'outbound'
/** pstn: over the PSTN; ime: over a learned route; internal: between two users of this enterprise. */
export type CallPath = 'pstn' | 'ime' | 'internal'
export type CallOutcome = 'answered' | 'busy' | 'no-answer' | 'rejected' | 'failed'

export interface CallRecord {
  readonly id: string
  readonly direction: CallDirection
  readonly caller: E164
  readonly called: E164
  /** Milliseconds since the Unix epoch: when the call was answered (or attempted, if never answered). */
  readonly start: number
  /** When it ended; null while it is in progress. */
  readonly end: number | null
  readonly path: CallPath
  readonly outcome: CallOutcome | null
  /** The local user it belongs to (for their call history), if known. */
  readonly user: string | null
  /**
   * An IME call attempt that fell back to the PSTN (absent: it did not). With path 'ime': an IME call that moved
   * to the PSTN mid-call (src/fallback), one record from its start over IME to its end over the PSTN.
   */
  readonly fallback?: boolean
}

export type NewCallRecord = Omit<CallRecord, 'end' | 'outcome'> & { end?: number | null; outcome?: CallOutcome | null }

const DIRECTIONS: readonly string[] = ['inbound', 'outbound']
export const CALL_PATHS: readonly CallPath[] = ['pstn', 'ime', 'internal']
export const OUTCOMES: readonly CallOutcome[] = ['answered', 'busy', 'no-answer', 'rejected', 'failed']

/** Checks a record before it is stored; the error names the field. */
export function checkCallRecord(r: NewCallRecord): Result<CallRecord> {
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(r.id)) return err('id must be 1..128 letters, digits or ._:-')
  if (!DIRECTIONS.includes(r.direction)) return err(`direction must be inbound or outbound; got ${String(r.direction)}`)
  if (!isE164(r.caller)) return err(`caller ${JSON.stringify(r.caller)} is not an E.164 number`)
  if (!isE164(r.called)) return err(`called ${JSON.stringify(r.called)} is not an E.164 number`)
  if (!Number.isSafeInteger(r.start) || r.start <= 0) return err('start must be a time in ms since the epoch')
  const end = r.end ?? null
  if (end !== null && (!Number.isSafeInteger(end) || end < r.start)) return err('end must be a time not before start')
  if (!CALL_PATHS.includes(r.path)) return err(`path must be one of ${CALL_PATHS.join(', ')}; got ${String(r.path)}`)
  const outcome = r.outcome ?? null
  if (outcome !== null && !OUTCOMES.includes(outcome)) return err(`outcome must be one of ${OUTCOMES.join(', ')}`)
  if (r.user !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(r.user)) return err('user must be 1..64 letters, digits or ._-')
  if (r.fallback !== undefined && typeof r.fallback !== 'boolean') return err('fallback must be true or false')
  return ok({ ...r, end, outcome })
}

/** Where call records are kept (the node's SQLite store). */
export interface CallRecordStore {
  /** Stores a new record; refuses a duplicate id. */
  add(record: NewCallRecord): Result<CallRecord>
  /** Records the end of a call in progress. */
  finish(id: string, end: number, outcome: CallOutcome): Result<CallRecord>
  /** Marks an IME call in progress as moved to the PSTN mid-call (fallback: true; it goes on). */
  markMoved?(id: string): Result<CallRecord>
  get(id: string): CallRecord | undefined
  /** Newest first; optionally one user's only. */
  list(options?: { user?: string; limit?: number }): CallRecord[]
  /**
   * Finished inbound PSTN calls to a number that started in [from, to], earliest first, at most `limit` (default
   * all): what a validation may be about.
   */
  inboundTo(called: E164, from: number, to: number, limit?: number): CallRecord[]
  /**
   * Finished outbound PSTN calls to a number that started in [from, to], earliest first, at most `limit` (default
   * all): the calls a claimer may mistake for the one validated (call-choice.ts).
   */
  outboundTo(called: E164, from: number, to: number, limit?: number): CallRecord[]
  /**
   * The most recent finished, answered outbound PSTN call to a number lasting at least `minDurationMs`: what a
   * route to that number is re-validated with.
   */
  lastOutboundTo(called: E164, minDurationMs: number): CallRecord | undefined
  /** Deletes records that started before `before`; returns how many (retention). */
  purgeBefore(before: number): number
}
