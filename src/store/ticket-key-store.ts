/** Ticket keys by epoch, kept so that tickets minted before a restart still verify after it. */
import type { TicketKey, TicketKeyStore } from '../tickets/key-ring.js'
import type { Database } from './database.js'

interface Row {
  epoch: number
  secret: Uint8Array
  activated_at: number
  retired_at: number | null
}

export class SqliteTicketKeyStore implements TicketKeyStore {
  constructor(private readonly db: Database) {}

  loadKeys(): TicketKey[] {
    const rows = this.db
      .prepare('SELECT epoch, secret, activated_at, retired_at FROM ticket_keys')
      .all() as unknown as Row[]
    return rows.map((r) => ({
      epoch: r.epoch,
      secret: new Uint8Array(r.secret),
      activatedAt: r.activated_at,
      retiredAt: r.retired_at,
    }))
  }

  saveKey(key: TicketKey): void {
    this.db
      .prepare(
        `INSERT INTO ticket_keys (epoch, secret, activated_at, retired_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (epoch) DO UPDATE SET secret = excluded.secret, activated_at = excluded.activated_at,
           retired_at = excluded.retired_at`,
      )
      .run(key.epoch, key.secret, key.activatedAt, key.retiredAt)
  }
}
