/**
 * The outcomes of validations, as they happened (the operator page lists them; GET /api/validations): the newest
 * MAX_ENTRIES are kept, and none older than the call records' retention.
 */
import type { ValidationOutcome } from '../validation/scheduler.js'
import type { Database } from './database.js'

/** Outcomes kept at most, newest first. */
export const MAX_VALIDATION_LOG_ENTRIES = 1_000

export interface LoggedValidation {
  /** When the outcome was known (ms since the epoch). */
  readonly at: number
  readonly outcome: ValidationOutcome
}

export class SqliteValidationLog {
  constructor(
    private readonly db: Database,
    private readonly maxEntries = MAX_VALIDATION_LOG_ENTRIES,
  ) {}

  add(outcome: ValidationOutcome, at: number): void {
    this.db.prepare('INSERT INTO validation_log (at_ms, outcome) VALUES (?, ?)').run(at, JSON.stringify(outcome))
    this.db
      .prepare('DELETE FROM validation_log WHERE seq <= (SELECT MAX(seq) FROM validation_log) - ?')
      .run(this.maxEntries)
  }

  /** The newest `limit` outcomes, newest first. */
  recent(limit: number): LoggedValidation[] {
    const rows = this.db
      .prepare('SELECT at_ms, outcome FROM validation_log ORDER BY seq DESC LIMIT ?')
      .all(limit) as unknown as { at_ms: number; outcome: string }[]
    return rows.map((r) => ({ at: r.at_ms, outcome: JSON.parse(r.outcome) as ValidationOutcome }))
  }

  purgeBefore(before: number): number {
    return Number(this.db.prepare('DELETE FROM validation_log WHERE at_ms < ?').run(before).changes)
  }
}
