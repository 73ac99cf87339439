/** The node's libp2p private key, kept so that a restarted node rejoins the ring with the same id. */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import type { Database } from './database.js'

export interface NodeIdentityStore {
  /** The stored key, or a new Ed25519 key stored now. */
  loadOrCreate(): Promise<PrivateKey>
}

export class SqliteNodeIdentityStore implements NodeIdentityStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async loadOrCreate(): Promise<PrivateKey> {
    const row = this.db.prepare('SELECT private_key FROM node_identity WHERE id = 1').get() as
      { private_key: Uint8Array } | undefined
    if (row !== undefined) return privateKeyFromProtobuf(row.private_key)
    const key = await generateKeyPair('Ed25519')
    this.db
      .prepare('INSERT INTO node_identity (id, private_key, created_at) VALUES (1, ?, ?)')
      .run(privateKeyToProtobuf(key), this.now())
    return key
  }
}
