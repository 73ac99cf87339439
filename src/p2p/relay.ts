/**
 * Nodes behind NAT: a public ring member relays for them (libp2p circuit relay v2), a node without a public
 * address reserves a slot on one and announces its /p2p-circuit address, and DCUtR upgrades a relayed connection
 * to a direct one where hole punching (or dialling back) works. The relay's limits are explicit: what travels
 * through it is Chord maintenance and validation runs, small and short, never media (that goes through TURN).
 */
import { circuitRelayServer, RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import type { IdentifyPush } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import type { ImeLibp2p } from './libp2p-node.js'
import { isPublicMultiaddr } from './reachability.js'

/** What a public node grants the nodes that reserve a slot on it (docs/deployment.md lists them). */
export const RELAY_LIMITS = {
  /** Nodes holding a reservation at once. */
  maxReservations: 32,
  /** A reservation lasts this long; the relayed node renews it before it ends. */
  reservationTtlMs: 60 * 60_000,
  /** Each relayed connection is reset after this long (a new one is opened when needed). */
  connectionDurationMs: 2 * 60_000,
  /** ...or after this many bytes, both ways together (a validation run is a few KiB). */
  connectionDataBytes: 1n << 20n,
  /** Relayed connections being set up at once. */
  maxInboundHopStreams: 64,
} as const

export function imeRelayServer() {
  return circuitRelayServer({
    reservations: {
      maxReservations: RELAY_LIMITS.maxReservations,
      reservationTtl: RELAY_LIMITS.reservationTtlMs,
      applyDefaultLimit: true,
      defaultDurationLimit: RELAY_LIMITS.connectionDurationMs,
      defaultDataLimit: RELAY_LIMITS.connectionDataBytes,
    },
    maxInboundHopStreams: RELAY_LIMITS.maxInboundHopStreams,
  })
}

export const isCircuitAddr = (multiaddr: string) => multiaddr.includes('/p2p-circuit')

/** How long a node behind NAT waits at start for its reservation before it goes on without one. */
export const RESERVATION_WAIT_MS = 10_000

/**
 * A node behind NAT, before it joins the ring: dials the ring members it was given (its bootstrap) and, if one
 * of them runs a relay, waits until its reservation there is made, so that the address it publishes on the ring
 * already includes the relayed one. Resolves with the relayed addresses (none: no relay took it, in time).
 */
export async function reserveRelaySlot(
  libp2p: ImeLibp2p,
  candidates: readonly string[],
  waitMs = RESERVATION_WAIT_MS,
): Promise<string[]> {
  const relayed = () => libp2p.getMultiaddrs().map(String).filter(isCircuitAddr)
  const deadline = Date.now() + waitMs
  let anyRelay = false
  for (const candidate of candidates) {
    try {
      const connection = await libp2p.dial(multiaddr(candidate), { signal: AbortSignal.timeout(waitMs) })
      // identify tells us the protocols it runs; a ring member that is not public runs no relay.
      while (Date.now() < deadline && relayed().length === 0) {
        const protocols = await libp2p.peerStore
          .get(connection.remotePeer)
          .then((p) => p.protocols)
          .catch((): string[] => [])
        if (protocols.length > 0) {
          anyRelay ||= protocols.includes(RELAY_V2_HOP_CODEC)
          break
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    } catch {
      // unreachable candidate: the ring join reports it
    }
  }
  while (anyRelay && Date.now() < deadline && relayed().length === 0) await new Promise((r) => setTimeout(r, 50))
  // The relay (our bootstrap) identified us before the reservation: tell it our relayed addresses now, before we
  // join through it, or it hands the ring our private address alone.
  if (relayed().length > 0) {
    const push = (libp2p.services as { identifyPush?: IdentifyPush }).identifyPush
    await push?.push().catch(() => undefined)
  }
  return relayed()
}

/**
 * The order libp2p dials a peer's addresses in (one after another, each for up to seconds): public direct ones,
 * then relayed ones, then private or loopback ones. A node behind NAT publishes its private addresses too, and a
 * dial to one from outside its network hangs until it times out, so its relayed addresses come before them;
 * DCUtR then makes the relayed connection direct where that works (the same office, or hole punching).
 */
export function dialRank(multiaddr: string): number {
  if (isCircuitAddr(multiaddr)) return 1
  return isPublicMultiaddr(multiaddr) ? 0 : 2
}

export const relayAwareAddressSorter = (a: { multiaddr: { toString(): string } }, b: typeof a) =>
  Math.sign(dialRank(a.multiaddr.toString()) - dialRank(b.multiaddr.toString())) as -1 | 0 | 1
