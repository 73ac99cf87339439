/**
 * The simulated ring behind `ime bench dht --sim`: N Chord nodes on the in-memory network, each with a real
 * Ed25519 identity. The ring is built converged (every node's predecessor, successor list and fingers set as
 * a finished Chord ring has them), since 65,536 sequential joins would take hours; the join protocol itself
 * is exercised by the Chord test suite. Then: publish, look up, fail a fraction at once, look up again with
 * no repair, run one refresh period, look up again.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { fingerStart, inHalfOpenInterval, ringId, RING_BITS, type RingId } from '../src/core/ring.js'
import { ChordNode } from '../src/dht/chord-node.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import { InMemoryNetwork } from '../src/dht/memory-network.js'
import type { NodeRef } from '../src/dht/messages.js'
import { mean, percentile, round } from './report.js'

export interface SimBenchOptions {
  nodes: number
  lookups: number
  fail: number
  /** Nodes that publish the records (kept alive, so "after refresh" measures the ring, not lost owners). */
  owners?: number
  progress?: (line: string) => void
}

export interface LookupPhase {
  lookups: number
  success: number
  meanHops: number
  p99Hops: number
  maxHops: number
  meanUnanswered: number
  /** Lookups that gave up (ran out of steps or candidates) rather than finding the responsible node. */
  lookupErrors: number
}

export interface SimBenchResult {
  bench: 'dht-sim'
  nodes: number
  lookups: number
  fail: number
  reference: { halfLog2N: number }
  config: { successorListSize: number; replicas: number }
  buildSeconds: number
  healthy: LookupPhase
  afterFailure: LookupPhase | null
  afterRefresh: LookupPhase | null
  refreshSeconds: number | null
  /** Owners' re-stores during the refresh that found no live holder. */
  republishFailures: number
}

function randomKey(): RingId {
  return ringId(BigInt('0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')))
}

/** Index of the first sorted id >= x, wrapping to 0. */
function successorIndex(sorted: readonly RingId[], x: RingId): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo === sorted.length ? 0 : lo
}

export async function runSimBench(options: SimBenchOptions): Promise<SimBenchResult> {
  const say = options.progress ?? (() => {})
  const started = performance.now()
  const network = new InMemoryNetwork()
  const nodes: ChordNode[] = []
  for (let i = 0; i < options.nodes; i++) {
    const key = await generateKeyPair('Ed25519')
    const self: NodeRef = { id: nodeIdFor(key), peer: `sim-${i}`, addrs: [] }
    const node: ChordNode = new ChordNode({
      self,
      transport: network.attach(self, (from, req) => node.handleRequest(from, req)),
      signer: claimSignerFor(key),
    })
    nodes.push(node)
  }
  nodes.sort((a, b) => (a.self.id < b.self.id ? -1 : 1))
  const ids = nodes.map((n) => n.self.id)
  const n = nodes.length
  const r = nodes[0]!.config.successorListSize
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!
    const next = nodes[(i + 1) % n]!
    const fingers: (NodeRef | undefined)[] = new Array(RING_BITS)
    for (let f = 0; f < RING_BITS; f++) {
      const start = fingerStart(node.self.id, f)
      // Low fingers all land on the immediate successor: no search needed.
      fingers[f] = inHalfOpenInterval(start, node.self.id, next.self.id)
        ? next.self
        : nodes[successorIndex(ids, start)]!.self
    }
    node.installRoutingState({
      predecessor: nodes[(i - 1 + n) % n]!.self,
      successors: Array.from({ length: Math.min(r, n - 1) }, (_, k) => nodes[(i + 1 + k) % n]!.self),
      fingers,
    })
  }
  const buildSeconds = (performance.now() - started) / 1000
  say(`built a converged ring of ${n} nodes in ${buildSeconds.toFixed(1)} s`)

  const ownerCount = Math.min(options.owners ?? 64, n)
  const owners = new Set<ChordNode>()
  while (owners.size < ownerCount) owners.add(nodes[Math.floor(Math.random() * n)]!)
  const ownerList = [...owners]
  const keys = Array.from({ length: options.lookups }, randomKey)
  const publishedBy = new Map<RingId, ChordNode>()
  for (let i = 0; i < keys.length; i++) {
    const owner = ownerList[i % ownerList.length]!
    await owner.publish(keys[i]!)
    publishedBy.set(keys[i]!, owner)
  }
  say(`published ${keys.length} claims from ${ownerList.length} owners`)

  const measure = async (live: readonly ChordNode[]): Promise<LookupPhase> => {
    const hops: number[] = []
    const unanswered: number[] = []
    let found = 0
    let lookupErrors = 0
    for (const key of keys) {
      const from = live[Math.floor(Math.random() * live.length)]!
      try {
        const path = await from.lookup(key)
        hops.push(path.hops)
        unanswered.push(path.failures)
        const got = await from.get(key)
        if (got.records.some((rec) => rec.owner === publishedBy.get(key)!.self.id)) found++
      } catch {
        lookupErrors++
      }
    }
    return {
      lookups: keys.length,
      success: found / keys.length,
      meanHops: round(mean(hops), 4),
      p99Hops: percentile(hops, 99),
      maxHops: Math.max(...hops),
      meanUnanswered: round(mean(unanswered), 3),
      lookupErrors,
    }
  }

  const healthy = await measure(nodes)
  say(`healthy: success ${healthy.success}, mean hops ${healthy.meanHops}`)
  let afterFailure: LookupPhase | null = null
  let afterRefresh: LookupPhase | null = null
  let refreshSeconds: number | null = null
  let republishFailures = 0
  if (options.fail > 0) {
    const candidates = nodes.filter((x) => !owners.has(x))
    const victims = new Set<ChordNode>()
    const target = Math.min(Math.floor(options.fail * n), candidates.length)
    while (victims.size < target) victims.add(candidates[Math.floor(Math.random() * candidates.length)]!)
    for (const v of victims) network.kill(v.self.peer)
    const live = nodes.filter((x) => !victims.has(x))
    afterFailure = await measure(live)
    say(`after ${victims.size} nodes failed at once: success ${afterFailure.success}`)
    // One refresh period: every live node runs its periodic tasks once (check the predecessor, stabilise,
    // fix its fingers), and every owner re-stores its claims.
    const refreshStarted = performance.now()
    for (const node of live) {
      await node.checkPredecessor()
      await node.stabilise()
    }
    for (const node of live) await node.fixFingers()
    for (const key of keys)
      await publishedBy
        .get(key)!
        .publish(key)
        .catch(() => republishFailures++)
    refreshSeconds = round((performance.now() - refreshStarted) / 1000, 3)
    afterRefresh = await measure(live)
    say(`after one refresh period: success ${afterRefresh.success}`)
  }
  return {
    bench: 'dht-sim',
    nodes: n,
    lookups: keys.length,
    fail: options.fail,
    reference: { halfLog2N: round(Math.log2(n) / 2, 4) },
    config: { successorListSize: r, replicas: nodes[0]!.config.replicas },
    buildSeconds: round(buildSeconds, 3),
    healthy,
    afterFailure,
    afterRefresh,
    refreshSeconds,
    republishFailures,
  }
}
