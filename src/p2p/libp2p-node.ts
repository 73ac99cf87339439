/**
 * The libp2p peer of an IME node: TCP, Noise, Yamux, identify and ping, with the node's own Ed25519 key so
 * that its ring id is fixed by its key.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Metrics, PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { nodeNoiseCrypto } from './noise-crypto.js'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'

export interface ImeLibp2pOptions {
  privateKey: PrivateKey
  /** Listen multiaddrs; default one ephemeral TCP port on 127.0.0.1. */
  listen?: string[]
  /** The addresses to tell other peers instead of the listen ones (a NAT's forwarded address, a DNS name). */
  announce?: string[]
  /** Multiaddr prefixes never rate-limited or pruned (the connection manager's allow list). */
  allow?: string[]
  /** Extra libp2p services, e.g. kad-dht for the comparison benchmark. */
  services?: Record<string, (components: never) => unknown>
  /** libp2p's metrics implementation (e.g. @libp2p/prometheus-metrics on the node's registry). */
  metrics?: (components: never) => Metrics
}

export type ImeLibp2p = Libp2p<{ identify: unknown; ping: unknown } & Record<string, unknown>>

export async function createImeLibp2p(options: ImeLibp2pOptions): Promise<ImeLibp2p> {
  const node = await createLibp2p({
    privateKey: options.privateKey,
    addresses: {
      listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0'],
      ...(options.announce !== undefined && options.announce.length > 0 && { announce: options.announce }),
    },
    transports: [tcp()],
    ...(options.metrics !== undefined && { metrics: options.metrics }),
    connectionEncrypters: [noise({ crypto: nodeNoiseCrypto })],
    streamMuxers: [yamux()],
    connectionManager: {
      // Enterprise rings are small: a node keeps a connection to each of its neighbours and fingers.
      maxConnections: 300,
      allow: options.allow ?? ['/ip4/127.0.0.1', '/ip6/::1'],
    },
    services: {
      identify: identify(),
      ping: ping(),
      ...(options.services as Record<string, never>),
    },
  })
  return node as unknown as ImeLibp2p
}
