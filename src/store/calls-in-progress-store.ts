/**
 * The call agent's calls in progress (SIP Call-ID -> the call records it started: one, or two for an internal
 * call, the caller's and the callee's) in SQLite: a BYE that comes after the node restarted still ends the
 * records. A row goes when its record's call ends, or with its record.
 */
import type { Database } from './database.js'

/** A call in progress: the record it started, and when (the call agent's CallInProgress, by shape: the store does
 * not import the SIP layer above it). */
export interface CallInProgress {
  readonly recordId: string
  readonly start: number
}

export class SqliteCallsInProgress {
  constructor(private readonly db: Database) {}

  /** The records a SIP call started, if it is in progress (none: not known here). */
  get(sipCallId: string): CallInProgress[] {
    const rows = this.db
      .prepare('SELECT record_id, start_ms FROM calls_in_progress WHERE sip_call_id = ? ORDER BY record_id')
      .all(sipCallId) as unknown as { record_id: string; start_ms: number }[]
    return rows.map((row) => ({ recordId: row.record_id, start: row.start_ms }))
  }

  set(sipCallId: string, call: CallInProgress): void {
    // Only for a record that was stored (a refused record leaves nothing to end).
    this.db
      .prepare(
        `INSERT OR REPLACE INTO calls_in_progress (sip_call_id, record_id, start_ms)
         SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM call_records WHERE id = ?)`,
      )
      .run(sipCallId, call.recordId, call.start, call.recordId)
  }

  /** Forgets one record of a call (its end was recorded), or all of them. */
  delete(sipCallId: string, recordId?: string): void {
    if (recordId === undefined) this.db.prepare('DELETE FROM calls_in_progress WHERE sip_call_id = ?').run(sipCallId)
    else {
      this.db.prepare('DELETE FROM calls_in_progress WHERE sip_call_id = ? AND record_id = ?').run(sipCallId, recordId)
    }
  }
}
