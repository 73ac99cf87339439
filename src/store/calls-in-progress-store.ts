/**
 * The call agent's calls in progress (SIP Call-ID -> the call record it started) in SQLite: a BYE that comes
 * after the node restarted still ends the record. A row goes when its call ends, or with its record.
 */
import type { ActiveCall } from '../sip/call-agent.js'
import type { Database } from './database.js'

export class SqliteCallsInProgress {
  constructor(private readonly db: Database) {}

  get(sipCallId: string): ActiveCall | undefined {
    const row = this.db
      .prepare('SELECT record_id, start_ms FROM calls_in_progress WHERE sip_call_id = ?')
      .get(sipCallId) as { record_id: string; start_ms: number } | undefined
    return row === undefined ? undefined : { recordId: row.record_id, start: row.start_ms }
  }

  set(sipCallId: string, call: ActiveCall): void {
    // Only for a record that was stored (a refused record leaves nothing to end).
    this.db
      .prepare(
        `INSERT OR REPLACE INTO calls_in_progress (sip_call_id, record_id, start_ms)
         SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM call_records WHERE id = ?)`,
      )
      .run(sipCallId, call.recordId, call.start, call.recordId)
  }

  delete(sipCallId: string): void {
    this.db.prepare('DELETE FROM calls_in_progress WHERE sip_call_id = ?').run(sipCallId)
  }
}
