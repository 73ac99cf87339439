/**
 * Composes one enterprise node from its parts: the store (identity, number-key cache, its share of the DHT),
 * the libp2p peer with its Chord ring membership, and the publication of the enterprise's numbers. The only
 * place parts meet.
 */
import { join } from 'node:path'
import type { E164 } from './core/e164.js'
import { NumberKeyCache, numberKeyParams } from './core/number-key.js'
import type { RingId } from './core/ring.js'
import type { ChordConfig, ChordEvent } from './dht/chord-node.js'
import type { NodeRef } from './dht/messages.js'
import { startChordPeer, type ChordPeer } from './p2p/chord-peer.js'
import { openDatabase, type Database } from './store/database.js'
import { SqliteNodeIdentityStore } from './store/identity-store.js'
import { SqliteNumberKeyStore } from './store/number-key-store.js'
import { SqliteRecordStore } from './store/dht-record-store.js'
import { DEFAULT_CHORD_CONFIG } from './dht/constants.js'

export interface EnterpriseNodeConfig {
  /** Where the database lives; a restart with the same directory keeps the node's identity and caches. */
  dataDir: string
  /** The overlay's name: salts number keys, so it must be the same on every node of one ring. */
  overlay: string
  /** Numbers this enterprise owns and publishes. */
  numbers?: readonly E164[]
  listen?: string[]
  bootstrap?: NodeRef
  chord?: Partial<ChordConfig>
  onChordEvent?: (event: ChordEvent) => void
  onPublishProgress?: (done: number, total: number) => void
}

export interface EnterpriseNode {
  readonly peer: ChordPeer
  readonly numberKeys: NumberKeyCache
  /** Numbers published, with their keys. */
  readonly published: ReadonlyMap<E164, RingId>
  /** Who claims a number: the Node-IDs of its claimers (empty when nobody does). */
  claimsOn(number: E164): Promise<{ owners: RingId[]; hops: number }>
  /** Graceful: leaves the ring (records handed over), closes the store. */
  stop(): Promise<void>
}

export async function startEnterpriseNode(config: EnterpriseNodeConfig): Promise<EnterpriseNode> {
  const db: Database = openDatabase(join(config.dataDir, 'node.db'))
  try {
    const privateKey = await new SqliteNodeIdentityStore(db).loadOrCreate()
    const numberKeys = new NumberKeyCache(numberKeyParams(config.overlay), new SqliteNumberKeyStore(db))
    const chordConfig = { ...DEFAULT_CHORD_CONFIG, ...config.chord }
    const peer = await startChordPeer({
      privateKey,
      records: new SqliteRecordStore(db, chordConfig),
      ...(config.listen !== undefined && { listen: config.listen }),
      ...(config.bootstrap !== undefined && { bootstrap: config.bootstrap }),
      ...(config.chord !== undefined && { config: config.chord }),
      ...(config.onChordEvent !== undefined && { log: config.onChordEvent }),
    })
    const numbers = config.numbers ?? []
    const keys = await numberKeys.keys(numbers, {
      ...(config.onPublishProgress !== undefined && { onProgress: config.onPublishProgress }),
    })
    const published = new Map<E164, RingId>()
    for (let i = 0; i < numbers.length; i++) {
      await peer.chord.publish(keys[i]!)
      published.set(numbers[i]!, keys[i]!)
    }
    return {
      peer,
      numberKeys,
      published,
      async claimsOn(number) {
        const found = await peer.chord.get(await numberKeys.key(number))
        return { owners: found.records.map((r) => r.owner), hops: found.hops }
      },
      async stop() {
        try {
          await peer.leave()
        } finally {
          db.close()
        }
      },
    }
  } catch (e) {
    db.close()
    throw e
  }
}
