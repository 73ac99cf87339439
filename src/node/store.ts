/**
 * The node's store: one SQLite database in the data directory, and the stores on it (identity, number keys,
 * call records and calls in progress, learned routes, ticket keys, users, published numbers, attempt caps,
 * the validation queue and log, and its share of the DHT). Its stop closes the database.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { PrivateKey } from '@libp2p/interface'
import type { Clock } from '../core/clock.js'
import { NumberKeyCache, numberKeyParams } from '../core/number-key.js'
import type { ChordConfig } from '../dht/chord-node.js'
import { SqliteAttemptCapStore } from '../store/attempt-cap-store.js'
import { SqliteCallRecordStore } from '../store/call-record-store.js'
import { SqliteCallsInProgress } from '../store/calls-in-progress-store.js'
import { openDatabase, type Database } from '../store/database.js'
import { SqliteRecordStore } from '../store/dht-record-store.js'
import { SqliteNodeIdentityStore } from '../store/identity-store.js'
import { SqliteLearnedRouteStore } from '../store/learned-route-store.js'
import { SqliteNumberKeyStore } from '../store/number-key-store.js'
import { SqlitePublishedNumberStore } from '../store/published-number-store.js'
import { SqliteTicketKeyStore } from '../store/ticket-key-store.js'
import { SqliteUserStore, type UserInput } from '../store/user-store.js'
import { SqliteValidationLog } from '../store/validation-log-store.js'
import { SqliteValidationQueue } from '../store/validation-queue-store.js'
import { TicketKeyRing } from '../tickets/key-ring.js'
import { AttemptCaps } from '../validation/attempt-caps.js'
import type { Part } from './startup.js'

export const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

export interface NodeStore extends Part {
  readonly db: Database
  /** The node's libp2p key (its ring id follows from it), created at first start. */
  readonly privateKey: PrivateKey
  readonly numberKeys: NumberKeyCache
  readonly calls: SqliteCallRecordStore
  readonly callsInProgress: SqliteCallsInProgress
  readonly routes: SqliteLearnedRouteStore
  readonly ticketKeys: TicketKeyRing
  readonly users: SqliteUserStore
  readonly publishedNumbers: SqlitePublishedNumberStore
  readonly caps: AttemptCaps
  readonly validationQueue: SqliteValidationQueue
  readonly validationLog: SqliteValidationLog
  /** The node's share of the DHT. */
  readonly dhtRecords: SqliteRecordStore
}

export interface NodeStoreOptions {
  readonly dataDir: string
  readonly overlay: string
  /** The SIP digest realm of the users. */
  readonly domain: string
  readonly chord: ChordConfig
  /** Users added or updated now (passwords set anew). */
  readonly users: readonly UserInput[]
  readonly clock: Clock
}

export async function openNodeStore(options: NodeStoreOptions): Promise<NodeStore> {
  const db = openDatabase(join(options.dataDir, 'node.db'))
  try {
    const privateKey = await new SqliteNodeIdentityStore(db).loadOrCreate()
    const users = new SqliteUserStore(db, { realm: options.domain })
    for (const user of options.users) {
      const stored = await users.put(user, options.clock.now())
      if (!stored.ok) throw new Error(`user ${user.name}: ${stored.error}`)
    }
    return {
      db,
      privateKey,
      numberKeys: new NumberKeyCache(numberKeyParams(options.overlay), new SqliteNumberKeyStore(db)),
      calls: new SqliteCallRecordStore(db),
      callsInProgress: new SqliteCallsInProgress(db),
      routes: new SqliteLearnedRouteStore(db),
      ticketKeys: new TicketKeyRing(new SqliteTicketKeyStore(db), rand),
      users,
      publishedNumbers: new SqlitePublishedNumberStore(db),
      caps: new AttemptCaps(new SqliteAttemptCapStore(db)),
      validationQueue: new SqliteValidationQueue(db),
      validationLog: new SqliteValidationLog(db),
      dhtRecords: new SqliteRecordStore(db, options.chord),
      stop: () => db.close(),
    }
  } catch (e) {
    db.close()
    throw e
  }
}
