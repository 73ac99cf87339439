/** The validation attempt caps' counts in SQLite, so that a restart does not reset them. */
import type { AttemptCapStore, ProofOffsets } from '../validation/attempt-caps.js'
import { transaction, type Database } from './database.js'

export class SqliteAttemptCapStore implements AttemptCapStore {
  constructor(private readonly db: Database) {}

  peerRunsSince(peer: string, since: number): number {
    const row = this.db
      .prepare('SELECT count(*) AS n FROM proof_runs WHERE peer = ? AND started_at >= ?')
      .get(peer, since) as { n: number }
    return row.n
  }

  addPeerRun(peer: string, at: number): void {
    this.db.prepare('INSERT INTO proof_runs (peer, started_at) VALUES (?, ?)').run(peer, at)
  }

  forgetPeerRunsBefore(before: number): void {
    this.db.prepare('DELETE FROM proof_runs WHERE started_at < ?').run(before)
    this.db.prepare('DELETE FROM proof_peer_failures WHERE failed_at < ?').run(before)
  }

  peerFailuresSince(peer: string, since: number): number {
    const row = this.db
      .prepare('SELECT count(*) AS n FROM proof_peer_failures WHERE peer = ? AND failed_at >= ?')
      .get(peer, since) as { n: number }
    return row.n
  }

  addPeerFailure(peer: string, at: number): void {
    this.db.prepare('INSERT INTO proof_peer_failures (peer, failed_at) VALUES (?, ?)').run(peer, at)
  }

  recordFailures(recordId: string): number {
    const row = this.db.prepare('SELECT failures FROM proof_record_failures WHERE record_id = ?').get(recordId) as
      { failures: number } | undefined
    return row?.failures ?? 0
  }

  recordPeerFailures(recordId: string, peer: string): number {
    const row = this.db
      .prepare('SELECT failures FROM proof_record_peer_failures WHERE record_id = ? AND peer = ?')
      .get(recordId, peer) as { failures: number } | undefined
    return row?.failures ?? 0
  }

  addRecordFailure(recordId: string, peer: string, at: number): void {
    transaction(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO proof_record_failures (record_id, failures, last_failed_at) VALUES (?, 1, ?)
           ON CONFLICT (record_id) DO UPDATE SET failures = failures + 1, last_failed_at = excluded.last_failed_at`,
        )
        .run(recordId, at)
      this.db
        .prepare(
          `INSERT INTO proof_record_peer_failures (record_id, peer, failures, last_failed_at) VALUES (?, ?, 1, ?)
           ON CONFLICT (record_id, peer) DO UPDATE SET failures = failures + 1, last_failed_at = excluded.last_failed_at`,
        )
        .run(recordId, peer, at)
    })
  }

  recordProvenFor(recordId: string, peer?: string): boolean {
    if (peer === undefined) {
      return this.db.prepare('SELECT 1 FROM proof_record_proofs WHERE record_id = ?').get(recordId) !== undefined
    }
    const sql = 'SELECT 1 FROM proof_record_proofs WHERE record_id = ? AND peer = ?'
    return this.db.prepare(sql).get(recordId, peer) !== undefined
  }

  addRecordProof(recordId: string, peer: string, at: number, offsets: ProofOffsets): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO proof_record_proofs (record_id, peer, proven_at, start_offset, end_offset)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(recordId, peer, at, Math.round(offsets.start), Math.round(offsets.end))
  }

  recentProofOffsets(peer: string, limit: number): ProofOffsets[] {
    const rows = this.db
      .prepare(
        `SELECT start_offset AS start, end_offset AS "end" FROM proof_record_proofs WHERE peer = ?
         ORDER BY proven_at DESC LIMIT ?`,
      )
      .all(peer, limit) as unknown as ProofOffsets[]
    return rows.map((r) => ({ start: r.start, end: r.end }))
  }

  forgetRecordProofsBefore(before: number): void {
    this.db.prepare('DELETE FROM proof_record_proofs WHERE proven_at < ?').run(before)
  }

  forgetRecordFailuresBefore(before: number): void {
    transaction(this.db, () => {
      // A record's per-peer rows go with its total, so that a forgotten record starts afresh for every peer.
      this.db
        .prepare(
          `DELETE FROM proof_record_peer_failures WHERE record_id IN
             (SELECT record_id FROM proof_record_failures WHERE last_failed_at < ?)`,
        )
        .run(before)
      this.db.prepare('DELETE FROM proof_record_failures WHERE last_failed_at < ?').run(before)
    })
  }
}
