/**
 * The simulated ring behind `ime bench dht --sim`: N Chord nodes on the in-memory network, each with a real
 * Ed25519 identity. The ring is built converged (every node's predecessor, successor list and fingers set as
 * a finished Chord ring has them), since 65,536 sequential joins would take hours; the join protocol itself
 * is exercised by the Chord test suite. Then: publish, look up, fail a fraction at once, look up again with
 * no repair, run one refresh period, look up again.
 */
import { seededRandom } from '../src/core/seeded-random.js'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { fingerStart, inHalfOpenInterval, inOpenInterval, ringId, RING_BITS, type RingId } from '../src/core/ring.js'
import { ChordNode } from '../src/dht/chord-node.js'
import { claimSignerFor, nodeIdFor } from '../src/dht/identity.js'
import { InMemoryNetwork } from '../src/testing/memory-network.js'
import type { NodeRef } from '../src/dht/messages.js'
import { closestPreceding } from '../src/dht/routing.js'
import { mean, percentile, round } from './report.js'

export interface SimBenchOptions {
  nodes: number
  lookups: number
  fail: number
  /** Nodes that publish the records (kept alive, so "after refresh" measures the ring, not lost owners). */
  owners?: number
  /** One-way network delay (ms) for the modelled latency of iterative and recursive lookups. */
  oneWayDelayMs?: number
  /**
   * Seed of every random choice (identities, keys, owners, victims, askers): the same seed gives the same run.
   * Without one a random seed is drawn, and reported in the result so that a failing run can be replayed.
   */
  seed?: number
  progress?: (line: string) => void
}

/**
 * What finding the responsible node costs, for one routing style, over the same routing tables. Messages
 * and latency are modelled from the path each lookup took: a one-way delay d per message on the critical path,
 * plus one request timeout per request to a dead node.
 *   iterative: the asker sends each request and waits for its answer: 2 messages and 2d per hop.
 *   recursive: each node forwards the query to its own best live next hop and acknowledges what it received
 *              (so the sender can detect a dead next hop and try another); the last one sends the answer
 *              straight back to the asker: 2 messages per hop + 1, but only (hops + 1) d on the critical path.
 */
export interface RoutingCost {
  /** Fraction of lookups whose first live named node is the live node responsible for the key. */
  correct: number
  meanHops: number
  p99Hops: number
  meanMessages: number
  meanLatencyMs: number
  p99LatencyMs: number
  /** Lookups that gave up: no live way forward, or out of steps. */
  gaveUp: number
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
  /** The same keys, routing only (no fetch): iterative as built, and recursive simulated on the same tables. */
  routing: { iterative: RoutingCost; recursive: RoutingCost }
}

export interface SimBenchResult {
  bench: 'dht-sim'
  seed: number
  nodes: number
  lookups: number
  fail: number
  reference: { halfLog2N: number }
  config: { successorListSize: number; replicas: number }
  /** The latency model: one-way delay per message, and the cost of a request to a dead node. */
  model: { oneWayDelayMs: number; timeoutMs: number }
  buildSeconds: number
  healthy: LookupPhase
  afterFailure: LookupPhase | null
  afterRefresh: LookupPhase | null
  refreshSeconds: number | null
  /** Owners' re-stores during the refresh that found no live holder. */
  republishFailures: number
}

function randomBytes(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256))
}

function randomKey(random: () => number): RingId {
  return ringId(BigInt('0x' + Buffer.from(randomBytes(random, 16)).toString('hex')))
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

interface RoutedLookup {
  /** The answer's node list (responsible first), or null when the lookup gave up. */
  successors: readonly NodeRef[] | null
  hops: number
  unanswered: number
}

/**
 * A recursive lookup, simulated on the nodes' own routing tables: each node answers find-next from its tables
 * as it would for an iterative asker, then forwards the query itself to the first live candidate (those before
 * the key nearest first, then the rest of its table before the key, then the nodes it offered just after the
 * key). No node's tables change, so it never benefits from what earlier lookups learned.
 */
async function recursiveLookup(
  origin: ChordNode,
  key: RingId,
  byPeer: ReadonlyMap<string, ChordNode>,
  isAlive: (peer: string) => boolean,
  maxSteps: number,
): Promise<RoutedLookup> {
  let current = origin
  let sender = origin.self
  let hops = 0
  let unanswered = 0
  const tried = new Set<RingId>()
  for (let step = 0; step < maxSteps; step++) {
    tried.add(current.self.id)
    const answer = await current.handleRequest(sender, { type: 'find-next', key })
    if (answer.type === 'found') return { successors: answer.successors, hops, unanswered }
    if (answer.type !== 'next') break
    const here = current.self.id
    const snap = current.snapshot()
    const before = answer.candidates.filter((c) => inOpenInterval(c.id, here, key))
    const after = answer.candidates.filter((c) => !inOpenInterval(c.id, here, key))
    const table = closestPreceding(here, key, [...snap.successors, ...snap.fingers], Number.MAX_SAFE_INTEGER)
    let next: ChordNode | undefined
    for (const c of [...before, ...table, ...after]) {
      if (tried.has(c.id)) continue
      tried.add(c.id)
      if (!isAlive(c.peer)) {
        unanswered++
        continue
      }
      next = byPeer.get(c.peer)
      if (next !== undefined) break
    }
    if (next === undefined) break
    hops++
    sender = current.self
    current = next
  }
  return { successors: null, hops, unanswered }
}

function routingCost(
  lookups: readonly RoutedLookup[],
  correct: number,
  latency: (l: RoutedLookup) => number,
  messages: (l: RoutedLookup) => number,
): RoutingCost {
  const done = lookups.filter((l) => l.successors !== null)
  const latencies = done.map(latency)
  return {
    correct: round(correct / lookups.length, 6),
    meanHops: round(mean(done.map((l) => l.hops)), 4),
    p99Hops: percentile(
      done.map((l) => l.hops),
      99,
    ),
    meanMessages: round(mean(done.map(messages)), 4),
    meanLatencyMs: round(mean(latencies), 4),
    p99LatencyMs: round(percentile(latencies, 99), 4),
    gaveUp: lookups.length - done.length,
  }
}

/**
 * Sorts the nodes by ring id and sets each one's routing state as a finished Chord ring has it: predecessor,
 * successor list and every finger.
 */
export function convergeRing(nodes: ChordNode[]): void {
  nodes.sort((a, b) => (a.self.id < b.self.id ? -1 : 1))
  const ids = nodes.map((x) => x.self.id)
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
}

export async function runSimBench(options: SimBenchOptions): Promise<SimBenchResult> {
  const say = options.progress ?? (() => {})
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32)
  const random = seededRandom(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const started = performance.now()
  const network = new InMemoryNetwork()
  const nodes: ChordNode[] = []
  for (let i = 0; i < options.nodes; i++) {
    const key = await generateKeyPairFromSeed('Ed25519', randomBytes(random, 32))
    const self: NodeRef = { id: nodeIdFor(key), peer: `sim-${i}`, addrs: [] }
    const node: ChordNode = new ChordNode({
      self,
      transport: network.attach(self, (from, req) => node.handleRequest(from, req)),
      signer: claimSignerFor(key),
    })
    nodes.push(node)
  }
  convergeRing(nodes)
  const n = nodes.length
  const r = nodes[0]!.config.successorListSize
  const buildSeconds = (performance.now() - started) / 1000
  say(`built a converged ring of ${n} nodes in ${buildSeconds.toFixed(1)} s (seed ${seed})`)

  const ownerCount = Math.min(options.owners ?? 64, n)
  const owners = new Set<ChordNode>()
  while (owners.size < ownerCount) owners.add(pick(nodes))
  const ownerList = [...owners]
  const keys = Array.from({ length: options.lookups }, () => randomKey(random))
  const publishedBy = new Map<RingId, ChordNode>()
  for (let i = 0; i < keys.length; i++) {
    const owner = ownerList[i % ownerList.length]!
    await owner.publish(keys[i]!)
    publishedBy.set(keys[i]!, owner)
  }
  say(`published ${keys.length} claims from ${ownerList.length} owners`)

  const d = options.oneWayDelayMs ?? 20
  const timeoutMs = nodes[0]!.config.requestTimeoutMs
  const byPeer = new Map(nodes.map((x) => [x.self.peer, x]))
  const isAlive = (peer: string) => network.isAlive(peer)

  /** Routing only, both styles, over the same tables; recursive first, since iterative askers learn. */
  const compareRouting = async (live: readonly ChordNode[]): Promise<LookupPhase['routing']> => {
    const liveIds = live.map((x) => x.self.id).sort((a, b) => (a < b ? -1 : 1))
    const isCorrect = (key: RingId, l: RoutedLookup) =>
      l.successors !== null && l.successors.find((x) => isAlive(x.peer))?.id === liveIds[successorIndex(liveIds, key)]
    const origins = keys.map(() => pick(live))
    const recursive: RoutedLookup[] = []
    let recursiveCorrect = 0
    for (let i = 0; i < keys.length; i++) {
      const l = await recursiveLookup(origins[i]!, keys[i]!, byPeer, isAlive, nodes[0]!.config.maxLookupSteps)
      recursive.push(l)
      if (isCorrect(keys[i]!, l)) recursiveCorrect++
    }
    const iterative: RoutedLookup[] = []
    let iterativeCorrect = 0
    for (let i = 0; i < keys.length; i++) {
      const sent = network.stats.requests
      const lost = network.stats.unreachable
      let l: RoutedLookup
      try {
        const path = await origins[i]!.lookup(keys[i]!)
        l = { successors: path.successors, hops: path.hops, unanswered: path.failures }
      } catch {
        l = { successors: null, hops: 0, unanswered: network.stats.unreachable - lost }
      }
      // Counted on the network, not taken from the lookup's own report.
      const unanswered = network.stats.unreachable - lost
      iterative.push({ ...l, hops: network.stats.requests - sent - unanswered, unanswered })
      if (isCorrect(keys[i]!, l)) iterativeCorrect++
    }
    return {
      iterative: routingCost(
        iterative,
        iterativeCorrect,
        (l) => 2 * d * l.hops + timeoutMs * l.unanswered,
        (l) => 2 * l.hops + l.unanswered,
      ),
      recursive: routingCost(
        recursive,
        recursiveCorrect,
        (l) => (l.hops === 0 ? 0 : (l.hops + 1) * d) + timeoutMs * l.unanswered,
        (l) => (l.hops === 0 ? 0 : 2 * l.hops + 1) + l.unanswered,
      ),
    }
  }

  const measure = async (live: readonly ChordNode[]): Promise<LookupPhase> => {
    const routing = await compareRouting(live)
    const hops: number[] = []
    const unanswered: number[] = []
    let found = 0
    let lookupErrors = 0
    for (const key of keys) {
      const from = pick(live)
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
      routing,
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
    while (victims.size < target) victims.add(pick(candidates))
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
    seed,
    nodes: n,
    lookups: keys.length,
    fail: options.fail,
    reference: { halfLog2N: round(Math.log2(n) / 2, 4) },
    config: { successorListSize: r, replicas: nodes[0]!.config.replicas },
    model: { oneWayDelayMs: d, timeoutMs },
    buildSeconds: round(buildSeconds, 3),
    healthy,
    afterFailure,
    afterRefresh,
    refreshSeconds,
    republishFailures,
  }
}
