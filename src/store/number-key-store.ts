/** The persistent cache of derived number keys (see src/core/number-key.ts). */
import type { E164 } from '../core/e164.js'
import type { NumberKeyStore } from '../core/number-key.js'
import { ringIdFromBytes, ringIdToBytes, type RingId } from '../core/ring.js'
import { transaction, type Database } from './database.js'

export class SqliteNumberKeyStore implements NumberKeyStore {
  private readonly select
  private readonly insert

  constructor(private readonly db: Database) {
    this.select = db.prepare('SELECT ring_key FROM number_keys WHERE params_id = ? AND number = ?')
    this.insert = db.prepare('INSERT OR REPLACE INTO number_keys (params_id, number, ring_key) VALUES (?, ?, ?)')
  }

  get(paramsId: string, number: E164): RingId | undefined {
    const row = this.select.get(paramsId, number) as { ring_key: Uint8Array } | undefined
    if (row === undefined) return undefined
    const id = ringIdFromBytes(row.ring_key)
    return id.ok ? id.value : undefined
  }

  put(paramsId: string, entries: readonly (readonly [E164, RingId])[]): void {
    transaction(this.db, () => {
      for (const [number, key] of entries) this.insert.run(paramsId, number, ringIdToBytes(key))
    })
  }
}
