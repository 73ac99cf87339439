/**
 * The live mid-call fallback offers in SQLite (src/fallback/offers.ts): a row inserted as an IME call gets its
 * offer and deleted as the call ends or its offer lapses, a few hundred bytes per call however many are live.
 */
import type { StatementSync } from 'node:sqlite'
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import type { Allocation } from '../fallback/allocator.js'
import { offerProblem, type FallbackOffers } from '../fallback/offers.js'
import type { Database } from './database.js'

interface Row {
  call_id: string
  did: string
  digits: string
  user_name: string
  caller: string | null
  expires_at: number
}

const fromRow = (r: Row): Allocation => ({
  callId: r.call_id,
  did: r.did as E164,
  digits: r.digits,
  user: r.user_name,
  caller: r.caller === null ? undefined : (r.caller as E164),
  expiresAt: r.expires_at,
})

const TABLE = 'midcall_fallback_offers'

export class SqliteFallbackOffers implements FallbackOffers {
  // Prepared once: add and remove run for every IME call the edge accepts.
  private readonly insert: StatementSync
  private readonly deleteOne: StatementSync
  private readonly deleteLapsed: StatementSync

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO ${TABLE} (call_id, did, digits, user_name, caller, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
    )
    this.deleteOne = db.prepare(`DELETE FROM ${TABLE} WHERE call_id = ?`)
    this.deleteLapsed = db.prepare(`DELETE FROM ${TABLE} WHERE expires_at <= ?`)
  }

  load(): Result<Allocation[]> {
    const rows = this.db
      .prepare(`SELECT call_id, did, digits, user_name, caller, expires_at FROM ${TABLE} ORDER BY expires_at, call_id`)
      .all() as unknown as Row[]
    const offers = rows.map(fromRow)
    for (const a of offers) {
      const problem = offerProblem(a)
      if (problem === undefined) continue
      const key = `'${a.callId.replaceAll("'", "''")}'`
      return err(
        `table ${TABLE}, row call_id = ${key}: ${problem}; the node writes no such row (edited by hand, or the ` +
          `database is damaged): delete it (DELETE FROM ${TABLE} WHERE call_id = ${key}) and start again`,
      )
    }
    return ok(offers)
  }

  add(a: Allocation): void {
    this.insert.run(a.callId, a.did, a.digits, a.user, a.caller ?? null, a.expiresAt)
  }

  remove(callId: string): void {
    this.deleteOne.run(callId)
  }

  removeLapsed(at: number): void {
    this.deleteLapsed.run(at)
  }
}
