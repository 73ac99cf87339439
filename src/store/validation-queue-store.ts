/** The validation scheduler's bookkeeping in SQLite (migration 9): each change is committed at once. */
import type { AskResult, RouteVersion, ValidationQueue } from '../validation/validation-queue.js'
import type { Database } from './database.js'

export class SqliteValidationQueue implements ValidationQueue {
  constructor(private readonly db: Database) {}

  schedule(callId: string, dueAt: number): void {
    this.db
      .prepare(
        `INSERT INTO validations_due (call_id, due_at) VALUES (?, ?)
         ON CONFLICT (call_id) DO UPDATE SET due_at = excluded.due_at`,
      )
      .run(callId, dueAt)
  }

  pending(): { callId: string; dueAt: number }[] {
    const rows = this.db
      .prepare('SELECT call_id, due_at FROM validations_due ORDER BY due_at, call_id')
      .all() as unknown as { call_id: string; due_at: number }[]
    return rows.map((r) => ({ callId: r.call_id, dueAt: r.due_at }))
  }

  isPending(callId: string): boolean {
    return this.db.prepare('SELECT 1 FROM validations_due WHERE call_id = ?').get(callId) !== undefined
  }

  asked(callId: string): Set<string> {
    const rows = this.db.prepare('SELECT claimer FROM validation_asked WHERE call_id = ?').all(callId) as unknown as {
      claimer: string
    }[]
    return new Set(rows.map((r) => r.claimer))
  }

  askedResult(callId: string, claimer: string): AskResult | null | undefined {
    const row = this.db
      .prepare('SELECT result FROM validation_asked WHERE call_id = ? AND claimer = ?')
      .get(callId, claimer) as { result: AskResult | null } | undefined
    return row?.result
  }

  markAsked(callId: string, claimer: string, at: number): void {
    this.db
      .prepare(
        `INSERT INTO validation_asked (call_id, claimer, asked_at, result) VALUES (?, ?, ?, NULL)
         ON CONFLICT (call_id, claimer) DO UPDATE SET asked_at = excluded.asked_at, result = NULL`,
      )
      .run(callId, claimer, at)
  }

  settle(callId: string, claimer: string, result: AskResult): void {
    this.db
      .prepare('UPDATE validation_asked SET result = ? WHERE call_id = ? AND claimer = ?')
      .run(result, callId, claimer)
  }

  forgetAskedBefore(before: number): void {
    this.db.prepare('DELETE FROM validation_asked WHERE asked_at < ?').run(before)
  }

  finish(callId: string): void {
    this.db.prepare('DELETE FROM validations_due WHERE call_id = ?').run(callId)
  }

  revalidationNotBefore(route: RouteVersion): number | undefined {
    const row = this.db
      .prepare('SELECT not_before FROM revalidation_waits WHERE number = ? AND claimer = ? AND validated_at = ?')
      .get(route.number, route.claimer, route.validatedAt) as { not_before: number } | undefined
    return row?.not_before
  }

  deferRevalidation(route: RouteVersion & { expiresAt: number }, notBefore: number): void {
    this.db
      .prepare(
        `INSERT INTO revalidation_waits (number, claimer, validated_at, not_before, route_expires_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (number, claimer, validated_at) DO UPDATE SET not_before = excluded.not_before`,
      )
      .run(route.number, route.claimer, route.validatedAt, notBefore, route.expiresAt)
  }

  forgetExpiredRevalidations(now: number): void {
    this.db.prepare('DELETE FROM revalidation_waits WHERE route_expires_at <= ?').run(now)
  }
}
