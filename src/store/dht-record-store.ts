/**
 * The node's share of the DHT in SQLite, so that a restarted node still holds the claims it was responsible
 * for or replicated (until they expire or their owners re-store them elsewhere).
 */
import { err, ok, type Result } from '../core/result.js'
import { ringIdFromBytes, ringIdToBytes, type RingId } from '../core/ring.js'
import type { ClaimRecord } from '../dht/messages.js'
import { replacement, type PutOutcome, type RecordStore } from '../dht/record-store.js'
import { transaction, type Database } from './database.js'

interface Row {
  key: Uint8Array
  owner: Uint8Array
  owner_public_key: Uint8Array
  seq: Uint8Array
  expires_at: number
  withdrawn: number
  signature: Uint8Array
}

const COLUMNS = 'key, owner, owner_public_key, seq, expires_at, withdrawn, signature'

function u64(value: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, value)
  return out
}

function fromRow(r: Row): ClaimRecord {
  const key = ringIdFromBytes(r.key)
  const owner = ringIdFromBytes(r.owner)
  if (!key.ok || !owner.ok) throw new Error('corrupt dht_records row: ids are not 16 bytes')
  return {
    key: key.value,
    owner: owner.value,
    ownerPublicKey: new Uint8Array(r.owner_public_key),
    seq: new DataView(new Uint8Array(r.seq).buffer).getBigUint64(0),
    expiresAt: r.expires_at,
    withdrawn: r.withdrawn === 1,
    signature: new Uint8Array(r.signature),
  }
}

export class SqliteRecordStore implements RecordStore {
  constructor(
    private readonly db: Database,
    private readonly limits: { maxRecordsPerKey: number; maxRecordsPerStore: number },
  ) {}

  put(record: ClaimRecord, nowMs: number): Result<PutOutcome> {
    return transaction(this.db, () => {
      const key = ringIdToBytes(record.key)
      const owner = ringIdToBytes(record.owner)
      const row = this.db.prepare(`SELECT ${COLUMNS} FROM dht_records WHERE key = ? AND owner = ?`).get(key, owner) as
        Row | undefined
      const rule = replacement(row === undefined ? undefined : fromRow(row), record, nowMs)
      if (!rule.ok || rule.value === 'unchanged') return rule
      if (row === undefined) {
        const live = (sql: string, ...args: (Uint8Array | number)[]) =>
          (this.db.prepare(sql).get(...args) as { n: number }).n
        if (
          live('SELECT count(*) AS n FROM dht_records WHERE key = ? AND expires_at > ?', key, nowMs) >=
          this.limits.maxRecordsPerKey
        ) {
          return err(`key already has ${this.limits.maxRecordsPerKey} claims, the most allowed`)
        }
        if (
          live('SELECT count(*) AS n FROM dht_records WHERE expires_at > ?', nowMs) >= this.limits.maxRecordsPerStore
        ) {
          return err('store is full')
        }
      }
      this.db
        .prepare(`INSERT OR REPLACE INTO dht_records (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(
          key,
          owner,
          record.ownerPublicKey,
          u64(record.seq),
          record.expiresAt,
          record.withdrawn ? 1 : 0,
          record.signature,
        )
      return ok(row === undefined ? 'stored' : 'replaced')
    })
  }

  get(key: RingId, nowMs: number): ClaimRecord[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM dht_records WHERE key = ? AND expires_at > ?`)
      .all(ringIdToBytes(key), nowMs) as unknown as Row[]
    return rows.map(fromRow)
  }

  range(from: RingId, to: RingId, nowMs: number): ClaimRecord[] {
    // Keys are 16-byte big-endian blobs, so SQLite's blob order is ring order; (from, to] may wrap past zero.
    const a = ringIdToBytes(from)
    const b = ringIdToBytes(to)
    const where = from === to ? '1' : from < to ? 'key > ? AND key <= ?' : '(key > ? OR key <= ?)'
    const args = from === to ? [] : [a, b]
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM dht_records WHERE ${where} AND expires_at > ?`)
      .all(...args, nowMs) as unknown as Row[]
    return rows.map(fromRow)
  }

  purgeExpired(nowMs: number): number {
    return Number(this.db.prepare('DELETE FROM dht_records WHERE expires_at <= ?').run(nowMs).changes)
  }

  size(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM dht_records').get() as { n: number }).n
  }
}
