/**
 * Whether other enterprises' nodes can reach this one, judged from the libp2p addresses it announces: a node
 * whose addresses are all loopback or private (behind a NAT without a forwarded port) can still dial out (join
 * the ring, originate validations, learn routes), but nobody can dial it, so its own numbers cannot be validated.
 * It is told so plainly (at start, in /api/health and /api/status) rather than left to wonder. Unless it holds a
 * reservation on a ring member that relays for it (relay.ts): then its /p2p-circuit addresses make it reachable
 * through that relay. The addresses judged are the ones libp2p publishes: configured, announced, and those that
 * identify observed and AutoNAT confirmed by dialling back.
 */
import { isIP } from 'node:net'

export interface Reachability {
  /** Some announced address is public (or a DNS name, taken as public). */
  readonly public: boolean
  readonly publicAddrs: readonly string[]
  /** Whether other nodes can reach it to validate its numbers: directly, through a relay, or not at all. */
  readonly claimer: 'public' | 'relayed' | 'unreachable'
  /** The relays (peer ids) it holds a reservation on, and its addresses through them. */
  readonly relays: readonly string[]
  readonly relayedAddrs: readonly string[]
  /** What it means, for the operator. */
  readonly note: string
}

const PRIVATE_V4: readonly [number, number][] = [
  [0x0a000000, 8], // 10/8
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0x64400000, 10], // 100.64/10, carrier-grade NAT
  [0xa9fe0000, 16], // 169.254/16, link-local
  [0x7f000000, 8], // 127/8, loopback
  [0x00000000, 8], // 0/8 ("this network", e.g. 0.0.0.0)
]

function v4Private(address: string): boolean {
  const n = address.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0
  return PRIVATE_V4.some(([net, bits]) => n >>> (32 - bits) === net >>> (32 - bits))
}

function v6Private(address: string): boolean {
  const a = address.toLowerCase()
  return a === '::' || a === '::1' || /^f[cd]/.test(a) || /^fe[89ab]/.test(a)
}

/** Is this multiaddr one that a node elsewhere on the Internet could dial? */
export function isPublicMultiaddr(multiaddr: string): boolean {
  if (multiaddr.includes('/p2p-circuit')) return false // reachable through a relay, not directly
  const m = /^\/(ip4|ip6|dns4|dns6|dns|dnsaddr)\/([^/]+)/.exec(multiaddr)
  if (m === null) return false
  const [, proto, host] = m
  if (proto!.startsWith('dns')) return host !== 'localhost'
  if (proto === 'ip4') return isIP(host!) === 4 && !v4Private(host!)
  return isIP(host!) === 6 && !v6Private(host!)
}

export function reachability(multiaddrs: readonly string[]): Reachability {
  const publicAddrs = multiaddrs.filter(isPublicMultiaddr)
  const relayedAddrs = multiaddrs.filter((a) => a.includes('/p2p-circuit'))
  const relays = [...new Set(relayedAddrs.map((a) => /\/p2p\/([^/]+)\/p2p-circuit/.exec(a)?.[1]).filter((p) => p))]
  const base = { publicAddrs, relays: relays as string[], relayedAddrs }
  if (publicAddrs.length > 0) {
    return { ...base, public: true, claimer: 'public', note: 'other nodes can dial this node at its public addresses' }
  }
  if (relays.length > 0) {
    return {
      ...base,
      public: false,
      claimer: 'relayed',
      note:
        `no public address, but reachable through the relay ${relays.join(', ')} (a ring member): other nodes can ` +
        "validate its numbers through it, within the relay's limits; a public address is better",
    }
  }
  return {
    ...base,
    public: false,
    claimer: 'unreachable',
    note:
      'no public address and no relay: this node can join the ring, call, validate others and learn routes, but ' +
      'it cannot be validated (other enterprises cannot reach it) until it has a public address (p2p.listen on ' +
      'a public address, or p2p.announce with the address and port its NAT forwards) or a relay (a bootstrap ' +
      'node with a public address, which relays for ring members)',
  }
}
