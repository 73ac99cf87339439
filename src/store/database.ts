/**
 * The node's embedded database: SQLite through node:sqlite, in WAL mode with synchronous=FULL, so a
 * committed transaction survives kill -9 (and power loss, as far as the disk honours fsync). Schema changes
 * are numbered migrations applied in order, each in its own transaction.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'

/** Migrations in order; never edit a released one, only append. Index + 1 is the schema version. */
const MIGRATIONS: readonly string[] = [
  // 1: the node's identity (its libp2p private key: its ring id follows from it).
  `CREATE TABLE node_identity (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     private_key BLOB NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  // 2: derived number keys (scrypt is slow on purpose: derive once, keep).
  `CREATE TABLE number_keys (
     params_id TEXT NOT NULL,
     number TEXT NOT NULL,
     ring_key BLOB NOT NULL,
     PRIMARY KEY (params_id, number)
   ) WITHOUT ROWID`,
  // 3: ticket keys by epoch (the secrets that mint and check this enterprise's tickets).
  `CREATE TABLE ticket_keys (
     epoch INTEGER PRIMARY KEY CHECK (epoch BETWEEN 1 AND 255),
     secret BLOB NOT NULL,
     activated_at INTEGER NOT NULL,
     retired_at INTEGER
   )`,
  // 4: call records (both ends keep one of every PSTN call; validations prove knowledge of them).
  `CREATE TABLE call_records (
     id TEXT PRIMARY KEY,
     direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
     caller TEXT NOT NULL,
     called TEXT NOT NULL,
     start_ms INTEGER NOT NULL,
     end_ms INTEGER,
     path TEXT NOT NULL CHECK (path IN ('pstn', 'ime')),
     outcome TEXT,
     user_name TEXT
   );
   CREATE INDEX call_records_by_called ON call_records (called, start_ms);
   CREATE INDEX call_records_by_user ON call_records (user_name, start_ms);
   CREATE INDEX call_records_by_start ON call_records (start_ms)`,
  // 5: learned routes (one per number and proving domain) and the operator's block list.
  `CREATE TABLE learned_routes (
     number TEXT NOT NULL,
     domain TEXT NOT NULL,
     sip_uri TEXT NOT NULL,
     ticket TEXT NOT NULL,
     claimer TEXT NOT NULL,
     validated_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (number, domain)
   );
   CREATE TABLE blocked_domains (domain TEXT PRIMARY KEY)`,
  // 6: this node's share of the DHT: claim records it is responsible for or replicates.
  `CREATE TABLE dht_records (
     key BLOB NOT NULL,
     owner BLOB NOT NULL,
     owner_public_key BLOB NOT NULL,
     seq BLOB NOT NULL,
     expires_at INTEGER NOT NULL,
     withdrawn INTEGER NOT NULL,
     signature BLOB NOT NULL,
     PRIMARY KEY (key, owner)
   ) WITHOUT ROWID;
   CREATE INDEX dht_records_by_expiry ON dht_records (expires_at)`,
  // 7: the numbers this node has published, so that a number dropped from its plan is withdrawn.
  `CREATE TABLE published_numbers (number TEXT PRIMARY KEY, ring_key BLOB NOT NULL) WITHOUT ROWID`,
  // 8: the validation attempt caps' counts (runs per remote peer in the last hour, failures per call record),
  // kept so that a restart does not give a guessing peer a fresh allowance.
  `CREATE TABLE proof_runs (peer TEXT NOT NULL, started_at INTEGER NOT NULL);
   CREATE INDEX proof_runs_by_peer ON proof_runs (peer, started_at);
   CREATE INDEX proof_runs_by_start ON proof_runs (started_at);
   CREATE TABLE proof_record_failures (
     record_id TEXT PRIMARY KEY,
     failures INTEGER NOT NULL,
     last_failed_at INTEGER NOT NULL
   ) WITHOUT ROWID`,
  // 9: users of the HTTP API and the softphone (salted scrypt password hash; SIP digest HA1 values for the node's
  // realm, which are password equivalents for SIP only), their sessions and one-time sign-in tokens (only a
  // hash of each token is kept), and whether a call in the history fell back to the PSTN.
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('user', 'operator')),
     number TEXT,
     password_hash TEXT NOT NULL,
     realm TEXT NOT NULL,
     ha1_md5 TEXT NOT NULL,
     ha1_sha256 TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE user_sessions (
     token_hash TEXT PRIMARY KEY,
     user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
     kind TEXT NOT NULL CHECK (kind IN ('session', 'login')),
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX user_sessions_by_expiry ON user_sessions (expires_at);
   CREATE INDEX user_sessions_by_user ON user_sessions (user_name);
   ALTER TABLE call_records ADD COLUMN fallback INTEGER NOT NULL DEFAULT 0 CHECK (fallback IN (0, 1))`,
  // 10: the validation scheduler's bookkeeping, so that a restart loses nothing: first validations waiting
  // (validations_due); each claimer asked about a call, noted before the run, with the run's result once known
  // (validation_asked: result NULL = interrupted; never a second checked guess per call and claimer, even across
  // a crash); re-validations put off until a time (revalidation_waits, by route: number, claimer, validatedAt);
  // and the caps' failures per call record and remote peer.
  `CREATE TABLE validations_due (call_id TEXT PRIMARY KEY, due_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE INDEX validations_due_by_time ON validations_due (due_at);
   CREATE TABLE validation_asked (
     call_id TEXT NOT NULL,
     claimer TEXT NOT NULL,
     asked_at INTEGER NOT NULL,
     result TEXT,
     PRIMARY KEY (call_id, claimer)
   ) WITHOUT ROWID;
   CREATE INDEX validation_asked_by_time ON validation_asked (asked_at);
   CREATE TABLE revalidation_waits (
     number TEXT NOT NULL,
     claimer TEXT NOT NULL,
     validated_at INTEGER NOT NULL,
     not_before INTEGER NOT NULL,
     route_expires_at INTEGER NOT NULL,
     PRIMARY KEY (number, claimer, validated_at)
   ) WITHOUT ROWID;
   CREATE TABLE proof_record_peer_failures (
     record_id TEXT NOT NULL,
     peer TEXT NOT NULL,
     failures INTEGER NOT NULL,
     last_failed_at INTEGER NOT NULL,
     PRIMARY KEY (record_id, peer)
   ) WITHOUT ROWID`,
  // 11: the call agent's calls in progress (SIP Call-ID -> call record), so that a BYE after a restart still
  // ends the record; purged with their records.
  `CREATE TABLE calls_in_progress (
     sip_call_id TEXT PRIMARY KEY,
     record_id TEXT NOT NULL REFERENCES call_records (id) ON DELETE CASCADE,
     start_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX calls_in_progress_by_record ON calls_in_progress (record_id)`,
  // 12: the outcomes of validations, newest kept (the operator page shows them; GET /api/validations).
  `CREATE TABLE validation_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at_ms INTEGER NOT NULL,
     outcome TEXT NOT NULL
   );
   CREATE INDEX validation_log_by_time ON validation_log (at_ms)`,
  // 13: the path 'internal' (a call between two users of this enterprise) in call records. SQLite cannot change
  // a CHECK constraint: the table is rebuilt. calls_in_progress (which refers to it) is rebuilt around it, keyed by
  // SIP Call-ID and record now, since an internal call keeps two records (the caller's and the callee's).
  `CREATE TEMP TABLE calls_in_progress_before AS SELECT * FROM calls_in_progress;
   DROP TABLE calls_in_progress;
   CREATE TABLE call_records_new (
     id TEXT PRIMARY KEY,
     direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
     caller TEXT NOT NULL,
     called TEXT NOT NULL,
     start_ms INTEGER NOT NULL,
     end_ms INTEGER,
     path TEXT NOT NULL CHECK (path IN ('pstn', 'ime', 'internal')),
     outcome TEXT,
     user_name TEXT,
     fallback INTEGER NOT NULL DEFAULT 0 CHECK (fallback IN (0, 1))
   );
   INSERT INTO call_records_new (id, direction, caller, called, start_ms, end_ms, path, outcome, user_name, fallback)
     SELECT id, direction, caller, called, start_ms, end_ms, path, outcome, user_name, fallback FROM call_records;
   DROP TABLE call_records;
   ALTER TABLE call_records_new RENAME TO call_records;
   CREATE INDEX call_records_by_called ON call_records (called, start_ms);
   CREATE INDEX call_records_by_user ON call_records (user_name, start_ms);
   CREATE INDEX call_records_by_start ON call_records (start_ms);
   CREATE TABLE calls_in_progress (
     sip_call_id TEXT NOT NULL,
     record_id TEXT NOT NULL REFERENCES call_records (id) ON DELETE CASCADE,
     start_ms INTEGER NOT NULL,
     PRIMARY KEY (sip_call_id, record_id)
   ) WITHOUT ROWID;
   CREATE INDEX calls_in_progress_by_record ON calls_in_progress (record_id);
   INSERT INTO calls_in_progress (sip_call_id, record_id, start_ms)
     SELECT sip_call_id, record_id, start_ms FROM calls_in_progress_before;
   DROP TABLE calls_in_progress_before`,
  // 14: the claimer's proofs per call record and asking peer (a record proven for a peer is not picked again for
  // it while another candidate remains), and the originator's count of a route's claimer failing the proof on
  // distinct calls in a row since its last success (one honest wrong pick does not drop a proven route).
  `CREATE TABLE proof_record_proofs (
     record_id TEXT NOT NULL,
     peer TEXT NOT NULL,
     proven_at INTEGER NOT NULL,
     PRIMARY KEY (record_id, peer)
   ) WITHOUT ROWID;
   CREATE INDEX proof_record_proofs_by_time ON proof_record_proofs (proven_at);
   ALTER TABLE learned_routes ADD COLUMN failed_calls INTEGER NOT NULL DEFAULT 0`,
  // 15: the caps count a peer's FAILED runs per hour (proof_peer_failures; all runs stay in proof_runs as a bound
  // on work), and each proof keeps where the record's times sat on the originator's grids (the claimer's
  // per-peer calibration of its pick).
  `CREATE TABLE proof_peer_failures (peer TEXT NOT NULL, failed_at INTEGER NOT NULL);
   CREATE INDEX proof_peer_failures_by_peer ON proof_peer_failures (peer, failed_at);
   CREATE INDEX proof_peer_failures_by_time ON proof_peer_failures (failed_at);
   ALTER TABLE proof_record_proofs ADD COLUMN start_offset INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE proof_record_proofs ADD COLUMN end_offset INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX proof_record_proofs_by_peer ON proof_record_proofs (peer, proven_at)`,
  // 16: evidence before trust: each route counts the distinct calls its claimer proved (proven_calls, the last
  // one in last_call_id) and is used for calls only once trusted; claimers once trusted for a number are
  // remembered (trusted_claimers), so that a route re-learned from the same claimer needs one proof. Routes
  // learned before are kept as trusted.
  `ALTER TABLE learned_routes ADD COLUMN proven_calls INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE learned_routes ADD COLUMN last_call_id TEXT;
   ALTER TABLE learned_routes ADD COLUMN trusted INTEGER NOT NULL DEFAULT 1 CHECK (trusted IN (0, 1));
   CREATE TABLE trusted_claimers (
     number TEXT NOT NULL,
     claimer TEXT NOT NULL,
     since INTEGER NOT NULL,
     PRIMARY KEY (number, claimer)
   ) WITHOUT ROWID;
   INSERT OR IGNORE INTO trusted_claimers (number, claimer, since)
     SELECT number, claimer, validated_at FROM learned_routes`,
  // 17: a learned route keeps the call key its claimer granted with the ticket (src/tickets/call-key.ts), with
  // which the node MACs each call's caller assertion; routes learned before have none and sign with the node key.
  `ALTER TABLE learned_routes ADD COLUMN call_key BLOB CHECK (call_key IS NULL OR length(call_key) = 32)`,
  // 18: the live mid-call fallback offers (src/fallback/offers.ts), one row per IME call the node accepted with an
  // offer, so that a restart neither forgets a live call's DID and digits nor hands them out again. Before, a JSON
  // file in the data directory (midcall-fallback-offers.json) rewritten whole per call; it is not read any more.
  `CREATE TABLE midcall_fallback_offers (
     call_id TEXT PRIMARY KEY,
     did TEXT NOT NULL,
     digits TEXT NOT NULL,
     user_name TEXT NOT NULL,
     caller TEXT,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX midcall_fallback_offers_by_expiry ON midcall_fallback_offers (expires_at)`,
]

export type Database = DatabaseSync

/** Opens (creating if need be) the database at `path`, or an in-memory one for ':memory:'. */
export function openDatabase(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = FULL')
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA foreign_keys = ON')
  migrate(db)
  return db
}

export function schemaVersion(db: Database): number {
  return (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
}

/** Applies the migrations after the database's version, up to `upTo` (all: a test may stop at an older one). */
export function migrate(db: Database, upTo = MIGRATIONS.length): void {
  const current = schemaVersion(db)
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this program knows (${MIGRATIONS.length}); upgrade the program`,
    )
  }
  for (let version = current + 1; version <= Math.min(upTo, MIGRATIONS.length); version++) {
    transaction(db, () => {
      db.exec(MIGRATIONS[version - 1]!)
      db.exec(`PRAGMA user_version = ${version}`)
    })
  }
}

/** Runs `work` in one transaction: all of it is committed, or none. */
export function transaction<T>(db: Database, work: () => T): T {
  db.exec('BEGIN IMMEDIATE')
  try {
    const result = work()
    db.exec('COMMIT')
    return result
  } catch (e) {
    db.exec('ROLLBACK')
    throw e
  }
}
