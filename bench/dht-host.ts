/**
 * The nodes of `ime bench dht --real` that one process runs: Chord peers over libp2p, and with --vs kad, once the
 * Chord peers have been measured and stopped, as many libp2p peers running kad-dht alone (each DHT is measured
 * alone on the same machine: docs/chord.md); and what they measure about themselves: per-request timings,
 * event-loop delay, connections opened and closed. The coordinator (dht-real.ts) drives one host in its own process, or one per
 * worker process (dht-worker.ts) over IPC; both answer the same calls with the same fields.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { ringIdToBytes, type RingId } from '../src/core/ring.js'
import type { NodeRef } from '../src/dht/messages.js'
import type { ChordRequestTiming } from '../src/p2p/chord-transport.js'
import { startChordPeer, type ChordPeer } from '../src/p2p/chord-peer.js'
import { createImeLibp2p, type ImeLibp2p } from '../src/p2p/libp2p-node.js'

const KAD_PROTOCOL = '/ime-bench/kad/1.0.0'
/**
 * kad-dht's first self-query, by default 1 s after start, waits as long as its periodic one (5 min): the benchmark
 * runs it itself once the Chord ring is built (kadConnect). Run by every node while the Chord nodes were joining,
 * the self-queries' dials and Noise handshakes filled the shared event loop: 15 joins of 16 nodes in one process
 * took 17.8 s against 5.6 s with it deferred (warm Chord request p50 116 against 29 ms), and at 64 nodes over 4
 * processes joins failed three times through three bootstraps (docs/chord.md). kad-dht gets the same warm-up, later.
 */
const KAD_FIRST_SELF_QUERY_MS = 5 * 60_000

export interface HostOptions {
  vsKad: boolean
}

/** What one host saw since its counters were last reset (times in milliseconds). */
export interface HostStats {
  rssMb: number
  nodes: number
  /** Outbound Chord requests: all, those that had to dial first, those that failed (timeouts included). */
  requests: number
  dialled: number
  failed: number
  /** Failed requests by request type and reason (the first 80 characters of the message). */
  failures: Record<string, number>
  /** Samples (capped) of request times, warm (connection open) and cold (dialled first). */
  warmMs: number[]
  /** Request times (warm and cold) by request type: which requests the slow ones are. */
  byTypeMs: Record<string, number[]>
  /** Requests that had to dial first, by request type. */
  dialledByType: Record<string, number>
  coldOpenMs: number[]
  coldTotalMs: number[]
  /** Connections opened and closed by any of the host's peers (libp2p events). */
  connectionsOpened: number
  connectionsClosed: number
  /** Open connections now, summed over the host's peers. */
  connections: number
  eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number }
}

export interface GetTiming {
  ms: number
  hops: number
  found: boolean
}

export interface KadGetTiming {
  ms: number
  firstMs: number | null
  queried: number
}

const SAMPLE_CAP = 20_000
/** Nodes of one host that stabilise at once in a set-up round. */
const STABILISE_CONCURRENCY = 8
const kadKey = (k: RingId) => new Uint8Array([...new TextEncoder().encode('/ime/'), ...ringIdToBytes(k)])
/**
 * kad-dht's own self-query (what it runs at start), which is not in its public type. Every other query waits for
 * the first one: a getClosestPeers() of our own (the earlier warm-up here) waited for the deferred first
 * self-query, 5 minutes, and so did the puts after it (a 64-node set-up spent 300 s there).
 */
function kadQuerySelf(kad: KadDHT): Promise<void> {
  const self = (
    kad as unknown as { querySelf: { timeoutId?: ReturnType<typeof setTimeout>; querySelf(): Promise<void> } }
  ).querySelf
  // The deferred first self-query's timer: querySelf() replaces its handle with the next one's, so kad-dht's stop()
  // would no longer clear it, and it held a one-process run open for minutes after its report.
  clearTimeout(self.timeoutId)
  return self.querySelf().catch(() => undefined)
}
/** kad-dht's routing table is not in its public type; the benchmark only reads its size to know it is ready. */
const kadRoutingTableSize = (kad: KadDHT): number =>
  (kad as unknown as { routingTable: { size: number } }).routingTable.size

export class BenchHost {
  readonly peers: ChordPeer[] = []
  /** kad-dht's peers (--vs kad), started by kadCreate once the Chord peers are stopped. */
  readonly kadPeers: ImeLibp2p[] = []
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
  private stats = BenchHost.emptyCounters()

  constructor(readonly options: HostOptions) {
    this.loop.enable()
  }

  private static emptyCounters() {
    return {
      requests: 0,
      dialled: 0,
      failed: 0,
      failures: {} as Record<string, number>,
      warmMs: [] as number[],
      byTypeMs: {} as Record<string, number[]>,
      dialledByType: {} as Record<string, number>,
      coldOpenMs: [] as number[],
      coldTotalMs: [] as number[],
      opened: 0,
      closed: 0,
    }
  }

  private observe = (t: ChordRequestTiming): void => {
    const s = this.stats
    s.requests++
    if (!t.ok) {
      s.failed++
      const why = `${t.type}${t.dialled ? ' (dialled)' : ''}: ${(t.error ?? '').slice(0, 80)}`
      s.failures[why] = (s.failures[why] ?? 0) + 1
    }
    if (t.dialled) {
      s.dialled++
      s.dialledByType[t.type] = (s.dialledByType[t.type] ?? 0) + 1
      if (s.coldOpenMs.length < SAMPLE_CAP && Number.isFinite(t.openMs)) s.coldOpenMs.push(t.openMs)
      if (s.coldTotalMs.length < SAMPLE_CAP) s.coldTotalMs.push(t.totalMs)
    } else if (s.warmMs.length < SAMPLE_CAP) s.warmMs.push(t.totalMs)
    const byType = (s.byTypeMs[t.type] ??= [])
    if (byType.length < SAMPLE_CAP) byType.push(t.totalMs)
  }

  private kad(local: number): KadDHT {
    return (this.kadPeers[local]!.services as unknown as { kad: KadDHT }).kad
  }

  /**
   * Starts `count` more nodes, 4 at a time, each alone on a ring of its own; returns their refs. All at once,
   * 48 nodes stalled their process's event loop for 2.4 s, and joins through them timed out.
   */
  async create(count: number): Promise<NodeRef[]> {
    const refs: NodeRef[] = []
    for (let i = 0; i < count; i += 4) {
      const started = await Promise.all(Array.from({ length: Math.min(4, count - i) }, () => this.startOne()))
      this.peers.push(...started)
      refs.push(...started.map((p) => p.chord.self))
    }
    return refs
  }

  /** Node `local` joins the ring that `bootstrap` is on. */
  async join(local: number, bootstrap: NodeRef): Promise<void> {
    await this.peers[local]!.chord.join(bootstrap)
  }

  private async startOne(): Promise<ChordPeer> {
    const peer = await startChordPeer({
      privateKey: await generateKeyPair('Ed25519'),
      maintain: false,
      observeRequests: this.observe,
    })
    this.count(peer.libp2p)
    return peer
  }

  private count(libp2p: ImeLibp2p): void {
    libp2p.addEventListener('connection:open', () => this.stats.opened++)
    libp2p.addEventListener('connection:close', () => this.stats.closed++)
  }

  /** Stops every Chord peer here (the Chord measurement is over; kad-dht's follows, alone). */
  async stopChord(): Promise<void> {
    await Promise.all(this.peers.splice(0).map((p) => p.kill()))
  }

  /**
   * Starts `count` kad-dht peers (libp2p with kad-dht alone, k = 20, alpha = 10, a private protocol), 4 at a time
   * as Chord's; returns their addresses. kad-dht's first self-query is deferred: kadConnect runs it.
   */
  async kadCreate(count: number): Promise<string[][]> {
    for (let i = 0; i < count; i += 4) {
      const started = await Promise.all(
        Array.from({ length: Math.min(4, count - i) }, async () =>
          createImeLibp2p({
            privateKey: await generateKeyPair('Ed25519'),
            services: {
              kad: kadDHT({
                protocol: KAD_PROTOCOL,
                clientMode: false,
                peerInfoMapper: passthroughMapper,
                validators: { ime: async () => {} },
                selectors: { ime: () => 0 },
                initialQuerySelfInterval: KAD_FIRST_SELF_QUERY_MS,
              }) as never,
            },
          }),
        ),
      )
      for (const p of started) this.count(p)
      this.kadPeers.push(...started)
    }
    return this.kadPeers.map((p) => p.getMultiaddrs().map((a) => a.toString()))
  }

  /**
   * One stabilisation of every node here, STABILISE_CONCURRENCY at a time; returns how many changed their
   * successor. One at a time, a round of 128 nodes in one process took seconds, mostly waiting on answers.
   */
  async stabiliseAll(): Promise<number> {
    let changed = 0
    let next = 0
    await Promise.all(
      Array.from({ length: STABILISE_CONCURRENCY }, async () => {
        while (next < this.peers.length) {
          const p = this.peers[next++]!
          const before = p.chord.snapshot().successors[0]?.id
          await p.chord.stabilise()
          if (p.chord.snapshot().successors[0]?.id !== before) changed++
        }
      }),
    )
    return changed
  }

  /** How many nodes here hold a record on each key (a diagnostic: where the puts went). */
  async holding(keys: RingId[]): Promise<number[]> {
    return Promise.all(
      keys.map(async (key) => {
        let n = 0
        for (const p of this.peers) {
          const a = await p.chord.handleRequest(p.chord.self, { type: 'fetch', key })
          if (a.type === 'records' && a.records.length > 0) n++
        }
        return n
      }),
    )
  }

  /** Each node's id, successor and predecessor (to check the ring against the sorted ids). */
  async neighbours(): Promise<{ id: bigint; successor: bigint | null; predecessor: bigint | null }[]> {
    return this.peers.map((p) => {
      const s = p.chord.snapshot()
      return { id: s.self.id, successor: s.successors[0]?.id ?? null, predecessor: s.predecessor?.id ?? null }
    })
  }

  /** Node `local`'s fingers, all of them now (the coordinator runs a few nodes at a time). */
  async fixFingers(local: number): Promise<void> {
    await this.peers[local]!.chord.fixFingers()
  }

  /** Starts every node's maintenance timers, as a running node has them. */
  startMaintenance(): void {
    for (const p of this.peers) p.chord.start()
  }

  /**
   * kad-dht learns peers from connections: each node here dials a few of the given addresses; then each runs its
   * first self-query (the closest peers to its own id, as kad-dht does at start), 4 nodes at a time.
   */
  async kadConnect(addrsPerNode: string[][][]): Promise<void> {
    const { multiaddr } = await import('@multiformats/multiaddr')
    await Promise.all(
      this.kadPeers.map(async (p, i) => {
        for (const addrs of addrsPerNode[i] ?? []) {
          await p.dial(addrs.map((a) => multiaddr(a))).catch(() => undefined)
        }
      }),
    )
    let next = 0
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < this.kadPeers.length) await kadQuerySelf(this.kad(next++))
      }),
    )
  }

  /** The smallest kad-dht routing table here. */
  kadMinTable(): number {
    return Math.min(...this.kadPeers.map((_, i) => kadRoutingTableSize(this.kad(i))))
  }

  async publish(local: number, key: RingId): Promise<void> {
    await this.peers[local]!.chord.publish(key)
  }

  async kadPut(local: number, key: RingId): Promise<void> {
    for await (const _ of this.kad(local).put(kadKey(key), new TextEncoder().encode('claim'))) {
      // drain the query
    }
  }

  async get(local: number, key: RingId): Promise<GetTiming> {
    const t0 = performance.now()
    const got = await this.peers[local]!.chord.get(key).catch(() => ({ records: [], hops: 0 }))
    return { ms: performance.now() - t0, hops: got.hops, found: got.records.length > 0 }
  }

  async kadGet(local: number, key: RingId): Promise<KadGetTiming> {
    const t1 = performance.now()
    let first: number | null = null
    let queried = 0
    try {
      for await (const event of this.kad(local).get(kadKey(key))) {
        if (event.name === 'SEND_QUERY') queried++
        // get() holds VALUE events back until the whole query ends; the first value is the first peer's
        // answer that carries the record.
        const carriesValue =
          event.name === 'VALUE' || (event.name === 'PEER_RESPONSE' && (event.record ?? null) !== null)
        if (carriesValue && first === null) first = performance.now() - t1
      }
    } catch {
      // a failed query counts as not found
    }
    return { ms: performance.now() - t1, firstMs: first, queried }
  }

  /** Forgets the counters and the event-loop histogram: what follows is measured alone. */
  resetStats(): void {
    this.stats = BenchHost.emptyCounters()
    this.loop.reset()
  }

  readStats(): HostStats {
    const s = this.stats
    return {
      rssMb: process.memoryUsage().rss / 2 ** 20,
      nodes: this.peers.length + this.kadPeers.length,
      requests: s.requests,
      dialled: s.dialled,
      failed: s.failed,
      failures: s.failures,
      warmMs: s.warmMs,
      byTypeMs: s.byTypeMs,
      dialledByType: s.dialledByType,
      coldOpenMs: s.coldOpenMs,
      coldTotalMs: s.coldTotalMs,
      connectionsOpened: s.opened,
      connectionsClosed: s.closed,
      connections:
        this.peers.reduce((n, p) => n + p.libp2p.getConnections().length, 0) +
        this.kadPeers.reduce((n, p) => n + p.getConnections().length, 0),
      eventLoopDelay: {
        p50Ms: this.loop.percentile(50) / 1e6,
        p99Ms: this.loop.percentile(99) / 1e6,
        maxMs: this.loop.max / 1e6,
      },
    }
  }

  async stop(): Promise<void> {
    this.loop.disable()
    await Promise.all([...this.peers.map((p) => p.kill()), ...this.kadPeers.map((p) => p.stop())])
  }
}
