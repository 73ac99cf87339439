/** The numbers this node has published and their keys: a number no longer in the plan gets withdrawn. */
import type { E164 } from '../core/e164.js'
import { ringIdFromBytes, ringIdToBytes, type RingId } from '../core/ring.js'
import type { Database } from './database.js'

export class SqlitePublishedNumberStore {
  constructor(private readonly db: Database) {}

  list(): { number: E164; key: RingId }[] {
    const rows = this.db.prepare('SELECT number, ring_key FROM published_numbers').all() as unknown as {
      number: string
      ring_key: Uint8Array
    }[]
    return rows.flatMap((r) => {
      const key = ringIdFromBytes(r.ring_key)
      return key.ok ? [{ number: r.number as E164, key: key.value }] : []
    })
  }

  add(number: E164, key: RingId): void {
    this.db
      .prepare('INSERT OR REPLACE INTO published_numbers (number, ring_key) VALUES (?, ?)')
      .run(number, ringIdToBytes(key))
  }

  remove(number: E164): void {
    this.db.prepare('DELETE FROM published_numbers WHERE number = ?').run(number)
  }
}
