/**
 * The libp2p peer of an IME node: TCP, Noise, Yamux, identify and ping, with the node's own Ed25519 key so
 * that its ring id is fixed by its key. For real networks (docs/deployment.md): AutoNAT (peers dial back the
 * addresses identify observed, so the node learns which are reachable), circuit relay v2 (a public node relays
 * for ring members behind NAT, within the limits in relay.ts; a node behind NAT reserves a slot and announces its
 * /p2p-circuit address) and DCUtR (a relayed connection becomes direct where hole punching works).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNAT } from '@libp2p/autonat'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify, identifyPush } from '@libp2p/identify'
import { FaultTolerance, type Metrics, type PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { nodeNoiseCrypto } from './noise-crypto.js'
import { reachability } from './reachability.js'
import { imeRelayServer, isCircuitAddr, relayAwareAddressSorter, reserveRelaySlot } from './relay.js'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { networkInterfaces } from 'node:os'

export interface ImeLibp2pOptions {
  privateKey: PrivateKey
  /** Listen multiaddrs; default one ephemeral TCP port on 127.0.0.1. */
  listen?: string[]
  /** The addresses to tell other peers instead of the listen ones (a NAT's forwarded address, a DNS name). */
  announce?: string[]
  /**
   * Ring members to reserve a relay slot on when this node has no public address (its bootstrap): the node
   * waits for the reservation (relay.ts) before it returns, so its published addresses include the relayed one.
   */
  relayCandidates?: readonly string[]
  /** Multiaddr prefixes never rate-limited or pruned (the connection manager's allow list). */
  allow?: string[]
  /** Extra libp2p services, e.g. kad-dht for the comparison benchmark. */
  services?: Record<string, (components: never) => unknown>
  /** libp2p's metrics implementation (e.g. @libp2p/prometheus-metrics on the node's registry). */
  metrics?: (components: never) => Metrics
}

/**
 * The connection manager's limits, set on purpose (docs/security.md, "Floods of connections"; measured by
 * test/hardening/connection-flood.test.ts). A connection is *pending* from accept until Noise and Yamux are
 * negotiated. One host may open 5 connections a second (libp2p's rate limiter, per IP address) and each pending one
 * is dropped after 5 s, so one host holds at most about 25 pending connections: below the 64 that all hosts
 * together may hold, so a single source that never handshakes cannot lock the ring's members out (with libp2p's
 * defaults, 10 pending for 10 s each, it can). Enterprise rings are small: a node keeps a connection to each
 * neighbour and finger, so 300 upgraded connections is ample; the allow list (the ring's own loopback in tests and
 * the demo) bypasses these limits.
 */
export const P2P_CONNECTION_LIMITS = {
  maxConnections: 300,
  maxIncomingPendingConnections: 64,
  inboundConnectionThreshold: 5,
  inboundUpgradeTimeout: 5_000,
} as const

/** Sockets the TCP listener holds at most (upgraded and pending): beyond, the kernel's accept is refused. */
export const P2P_MAX_SOCKETS = 400

export type ImeLibp2p = Libp2p<{ identify: unknown; ping: unknown } & Record<string, unknown>>

/**
 * The node's role for nodes behind NAT, from its configured addresses: a node with a public address relays for
 * others; one that listens only on private addresses (not loopback alone: a test or demo node) needs a relay.
 * A wildcard listen address (0.0.0.0, ::) stands for the machine's own addresses (`hostAddrs`).
 */
export function natRole(
  listen: readonly string[],
  announce: readonly string[],
  hostAddrs: readonly string[] = machineAddrs(),
): 'relay' | 'relayed' | 'none' {
  const wildcard = listen.some((a) => /^\/ip[46]\/(0\.0\.0\.0|::)\//.test(a))
  const host = wildcard ? hostAddrs.map((ip) => (ip.includes(':') ? `/ip6/${ip}/tcp/0` : `/ip4/${ip}/tcp/0`)) : []
  if (reachability([...listen, ...announce, ...host]).public) return 'relay'
  const onlyLoopback = [...listen, ...announce].every((a) => /^\/(ip4\/127\.|ip6\/::1\/|dns4?\/localhost\/)/.test(a))
  return onlyLoopback ? 'none' : 'relayed'
}

function machineAddrs(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((i) => (i === undefined ? [] : [i.address]))
}

export async function createImeLibp2p(options: ImeLibp2pOptions): Promise<ImeLibp2p> {
  const listen = options.listen ?? ['/ip4/127.0.0.1/tcp/0']
  const role = natRole(listen, options.announce ?? [])
  // Behind NAT: reserve a slot on each ring member we were given (ADDR/p2p-circuit). Not '/p2p-circuit' (any relay
  // we meet): with no peer routing, libp2p's random walk for relays spins the CPU.
  const relayListen =
    role === 'relayed'
      ? (options.relayCandidates ?? [])
          .filter((a) => a.includes('/p2p/') && !isCircuitAddr(a))
          .map((a) => `${a}/p2p-circuit`)
      : []
  const node = await createLibp2p({
    privateKey: options.privateKey,
    // A ring member that does not relay (not public) refuses the reservation: the node goes on without one, and
    // says so (reachability.ts). The TCP listen addresses are checked below instead.
    ...(relayListen.length > 0 && { transportManager: { faultTolerance: FaultTolerance.NO_FATAL } }),
    addresses: {
      listen: [...listen, ...relayListen],
      ...(options.announce !== undefined && options.announce.length > 0 && { announce: options.announce }),
    },
    transports: [tcp({ maxConnections: P2P_MAX_SOCKETS }), circuitRelayTransport()],
    ...(options.metrics !== undefined && { metrics: options.metrics }),
    connectionEncrypters: [noise({ crypto: nodeNoiseCrypto })],
    streamMuxers: [yamux()],
    // libp2p's connection monitor pings every open connection every 10 s (a new stream, multistream-select, a
    // 32-byte echo), all of a node's connections in one burst, from both ends, and by default closes a connection
    // whose ping times out. The closing cost live connections under load (issue 24: 3,660 opened and 3,892 closed
    // during 64 nodes' gets); with it turned off, the pings alone still stalled the event loops: a ring of N
    // nodes keeps about N x (2 log2 N + 16) connection ends open (routing peers both ways, plus the holders that
    // lookups fetch from), 6,000-8,000 at 128 nodes over 4 processes, and their bursts made Chord's get p99 7.7 s
    // (event-loop delay max 2.6 s); without the monitor, 72 ms (max 27 ms). What it gave is an RTT figure nothing
    // reads. Dead peers are noticed without it: a closed socket closes the connection, Chord suspects then drops a
    // peer that stops answering, and Yamux's own keep-alive (one frame every 30 s per connection, each on its own
    // timer) keeps NAT mappings open.
    connectionMonitor: { enabled: false },
    connectionManager: {
      ...P2P_CONNECTION_LIMITS,
      allow: options.allow ?? ['/ip4/127.0.0.1', '/ip6/::1'],
      addressSorter: relayAwareAddressSorter,
    },
    services: {
      identify: identify(),
      // Tells connected peers when this node's addresses change (a relay reservation, an address AutoNAT confirmed).
      identifyPush: identifyPush(),
      ping: ping(),
      // Only on a real network: a node on loopback alone (tests, the demo) has nothing to learn or punch through.
      ...(role !== 'none' && { autoNAT: autoNAT(), dcutr: dcutr() }),
      ...(role === 'relay' && { relay: imeRelayServer() }),
      ...(options.services as Record<string, never>),
    },
  })
  if (relayListen.length > 0) {
    const direct = node.getMultiaddrs().filter((a) => !isCircuitAddr(a.toString()))
    if (direct.length === 0 && (options.announce ?? []).length === 0) {
      await node.stop()
      throw new Error(`could not listen on ${listen.join(', ')} (in use, or not an address of this machine)`)
    }
    await reserveRelaySlot(node as unknown as ImeLibp2p, options.relayCandidates!)
  }
  return node as unknown as ImeLibp2p
}
