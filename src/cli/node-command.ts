/** `ime node`: runs one IME node (today: its libp2p peer and Chord ring membership). */
import { join } from 'node:path'
import { ringIdToHex } from '../core/ring.js'
import type { ChordEvent } from '../dht/chord-node.js'
import { startChordPeer, type ChordPeer } from '../p2p/chord-peer.js'
import { nodeRefFromMultiaddr } from '../p2p/chord-transport.js'
import { openDatabase } from '../store/database.js'
import { SqliteNodeIdentityStore } from '../store/identity-store.js'
import { UsageError, type Command } from './command.js'
import { describeChordEvent, type Logger, createLogger } from './log.js'

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [])

/** Joins via the first bootstrap peer that answers; the error lists why each one failed. */
async function joinAny(start: (bootstrap?: string) => Promise<ChordPeer>, bootstraps: string[], log: Logger) {
  if (bootstraps.length === 0) return start()
  const reasons: string[] = []
  for (const address of bootstraps) {
    try {
      return await start(address)
    } catch (e) {
      reasons.push(`${address}: ${(e as Error).message}`)
      log.warn(`could not join via ${address}: ${(e as Error).message}`)
    }
  }
  throw new Error(`could not join the ring through any bootstrap peer:\n  ${reasons.join('\n  ')}`)
}

export const nodeCommand: Command = {
  name: 'node',
  summary: 'run an IME node: a new ring, or join one with --bootstrap',
  help: `Usage: ime node [--listen MULTIADDR]... [--bootstrap MULTIADDR]... [--data DIR] [--log-json]

  --listen MULTIADDR     libp2p listen address (default /ip4/127.0.0.1/tcp/0); repeatable
  --bootstrap MULTIADDR  a ring member, ending in /p2p/PEER-ID; repeatable (tried in order).
                         Without it, this node starts a new ring.
  --data DIR             where the node keeps its database and identity (default .data/node)
  --log-json             logs as JSON lines on stderr

When up, prints one line on stdout:  ready {"peerId", "nodeId", "multiaddrs", "data"}
Ctrl-C or SIGTERM leaves the ring gracefully (records handed to the successor) and exits.`,
  options: {
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    data: { type: 'string' },
    'log-json': { type: 'boolean' },
  },
  async run(args) {
    const log = createLogger({ json: args.values['log-json'] === true })
    const dataDir = typeof args.values.data === 'string' ? args.values.data : join('.data', 'node')
    const bootstraps = asList(args.values.bootstrap)
    for (const b of bootstraps) {
      try {
        nodeRefFromMultiaddr(b)
      } catch (e) {
        throw new UsageError(`--bootstrap ${(e as Error).message}`)
      }
    }
    const listen = asList(args.values.listen)
    const db = openDatabase(join(dataDir, 'node.db'))
    const privateKey = await new SqliteNodeIdentityStore(db).loadOrCreate()
    const onEvent = (event: ChordEvent) => log.info(describeChordEvent(event))
    const peer = await joinAny(
      (bootstrap) =>
        startChordPeer({
          privateKey,
          ...(listen.length > 0 && { listen }),
          log: onEvent,
          ...(bootstrap !== undefined && { bootstrap: nodeRefFromMultiaddr(bootstrap) }),
        }),
      bootstraps,
      log,
    )
    const self = peer.chord.self
    process.stdout.write(
      `ready ${JSON.stringify({ peerId: self.peer, nodeId: ringIdToHex(self.id), multiaddrs: self.addrs, data: dataDir })}\n`,
    )
    log.info(bootstraps.length === 0 ? 'started a new ring' : 'joined the ring')
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        log.info(`${signal}: leaving the ring`)
        peer
          .leave()
          .catch((e: unknown) => log.warn(`leave: ${(e as Error).message}`))
          .finally(() => {
            db.close()
            resolve()
          })
      }
      process.once('SIGINT', () => shutdown('SIGINT'))
      process.once('SIGTERM', () => shutdown('SIGTERM'))
    })
    return 0
  },
}
