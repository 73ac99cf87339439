/** Call records in SQLite: committed on every change, so nothing recorded is lost to a crash. */
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import {
  checkCallRecord,
  type CallOutcome,
  type CallRecord,
  type CallRecordStore,
  type NewCallRecord,
} from '../validation/call-record.js'
import type { Database } from './database.js'

interface Row {
  id: string
  direction: CallRecord['direction']
  caller: string
  called: string
  start_ms: number
  end_ms: number | null
  path: CallRecord['path']
  outcome: CallOutcome | null
  user_name: string | null
  fallback: number
}

const fromRow = (r: Row): CallRecord => ({
  id: r.id,
  direction: r.direction,
  caller: r.caller as E164,
  called: r.called as E164,
  start: r.start_ms,
  end: r.end_ms,
  path: r.path,
  outcome: r.outcome,
  user: r.user_name,
  ...(r.fallback === 1 && { fallback: true }),
})

const COLUMNS = 'id, direction, caller, called, start_ms, end_ms, path, outcome, user_name, fallback'

export class SqliteCallRecordStore implements CallRecordStore {
  constructor(private readonly db: Database) {}

  add(record: NewCallRecord): Result<CallRecord> {
    const checked = checkCallRecord(record)
    if (!checked.ok) return checked
    const r = checked.value
    const result = this.db
      .prepare(`INSERT OR IGNORE INTO call_records (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        r.id,
        r.direction,
        r.caller,
        r.called,
        r.start,
        r.end,
        r.path,
        r.outcome,
        r.user,
        r.fallback === true ? 1 : 0,
      )
    if (result.changes === 0) return err(`a call record with id ${r.id} exists already`)
    return ok(r)
  }

  finish(id: string, end: number, outcome: CallOutcome): Result<CallRecord> {
    const existing = this.get(id)
    if (existing === undefined) return err(`no call record with id ${id}`)
    if (existing.end !== null) return err(`call ${id} already ended at ${new Date(existing.end).toISOString()}`)
    const checked = checkCallRecord({ ...existing, end, outcome })
    if (!checked.ok) return checked
    this.db.prepare('UPDATE call_records SET end_ms = ?, outcome = ? WHERE id = ?').run(end, outcome, id)
    return ok(checked.value)
  }

  markMoved(id: string): Result<CallRecord> {
    const existing = this.get(id)
    if (existing === undefined) return err(`no call record with id ${id}`)
    if (existing.path !== 'ime') return err(`call ${id} went over ${existing.path}, not IME: it cannot move`)
    this.db.prepare('UPDATE call_records SET fallback = 1 WHERE id = ?').run(id)
    return ok({ ...existing, fallback: true })
  }

  get(id: string): CallRecord | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM call_records WHERE id = ?`).get(id) as Row | undefined
    return row === undefined ? undefined : fromRow(row)
  }

  list(options: { user?: string; limit?: number } = {}): CallRecord[] {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 10_000)
    const rows = (options.user === undefined
      ? this.db.prepare(`SELECT ${COLUMNS} FROM call_records ORDER BY start_ms DESC LIMIT ?`).all(limit)
      : this.db
          .prepare(`SELECT ${COLUMNS} FROM call_records WHERE user_name = ? ORDER BY start_ms DESC LIMIT ?`)
          .all(options.user, limit)) as unknown as Row[]
    return rows.map(fromRow)
  }

  inboundTo(called: E164, from: number, to: number, limit = -1): CallRecord[] {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM call_records
         WHERE direction = 'inbound' AND path = 'pstn' AND called = ? AND end_ms IS NOT NULL
           AND start_ms BETWEEN ? AND ? ORDER BY start_ms LIMIT ?`,
      )
      .all(called, from, to, limit) as unknown as Row[]
    return rows.map(fromRow)
  }

  outboundTo(called: E164, from: number, to: number, limit = -1): CallRecord[] {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM call_records
         WHERE direction = 'outbound' AND path = 'pstn' AND called = ? AND end_ms IS NOT NULL
           AND start_ms BETWEEN ? AND ? ORDER BY start_ms LIMIT ?`,
      )
      .all(called, from, to, limit) as unknown as Row[]
    return rows.map(fromRow)
  }

  lastOutboundTo(called: E164, minDurationMs: number): CallRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM call_records
         WHERE direction = 'outbound' AND path = 'pstn' AND called = ? AND outcome = 'answered'
           AND end_ms IS NOT NULL AND end_ms - start_ms >= ? ORDER BY start_ms DESC LIMIT 1`,
      )
      .get(called, minDurationMs) as Row | undefined
    return row === undefined ? undefined : fromRow(row)
  }

  purgeBefore(before: number): number {
    return Number(this.db.prepare('DELETE FROM call_records WHERE start_ms < ?').run(before).changes)
  }
}
