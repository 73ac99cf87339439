/**
 * `ime bench dht --real`: N libp2p nodes over TCP on 127.0.0.1 forming our Chord ring by the join protocol, with
 * their maintenance timers running. Claims are published, then gets (lookup + fetch + signature checks) are
 * timed from random nodes. With --vs kad, once Chord's gets are timed, its nodes stop and as many libp2p nodes
 * running @libp2p/kad-dht alone (k = 20, alpha = 10, private protocol) start on the same processes; the same
 * keys are put and got through them. Each DHT is measured alone on the same machine: run together, each one's
 * work stalled the other's event loops (docs/chord.md, "Measuring each DHT alone").
 *
 * Two modes, the same fields: all nodes in this process (--procs 0, one event loop for all), or spread over K
 * worker processes (--procs K), closer to real nodes that each have a process of their own.
 */
import { ringId, type RingId } from '../src/core/ring.js'
import type { NodeRef } from '../src/dht/messages.js'
import { BenchHost, type HostStats } from './dht-host.js'
import { startWorker, type RemoteHost } from './dht-worker.js'
import { reportRealBench, type KadPhase } from './dht-real-report.js'
import { median, percentile } from './report.js'

export interface RealBenchOptions {
  nodes: number
  lookups: number
  vsKad: boolean
  json: boolean
  /** Worker processes; 0 runs every node in this process. */
  procs: number
}

/** Chord puts in flight at once while publishing. */
const PUT_CONCURRENCY = 16
/**
 * kad-dht puts in flight at once, per process: each one dials and stores on 20 peers; 16 at once saturated one
 * process while Chord ran there too. Alone, 4 at once left 64 nodes over 4 processes 111 s of puts. With --procs
 * K, K times as many (each put runs on its node's process).
 */
const KAD_PUT_CONCURRENCY = 8
/** How long kad-dht's set-up waits for every routing table to hold 10 peers before its puts start. */
const KAD_READY_WAIT_MS = 15_000
/** The most nodes that join at once (batches double up to it). */
const JOIN_BATCH_MAX = 16
/**
 * Tries per join, each through a random node already in. A join's first requests dial (TCP, Noise); with 32 at
 * once over 4 processes at load average 12, one join timed out through three bootstraps in a row.
 */
const JOIN_ATTEMPTS = 5
/** Nodes per host that fix their fingers at once. */
const FINGER_CONCURRENCY = 2
/** Stabilisation rounds allowed for the ring to come right once every node has joined. */
const RING_ROUNDS_MAX = 32

function randomKey(): RingId {
  return ringId(BigInt('0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')))
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!
const rssMb = () => process.memoryUsage().rss / 2 ** 20

/** A BenchHost in this process, called as a worker would be. */
function localHost(host: BenchHost): RemoteHost {
  return {
    create: (n) => host.create(n),
    join: (l, b) => host.join(l, b),
    stabiliseAll: () => host.stabiliseAll(),
    fixFingers: (l) => host.fixFingers(l),
    neighbours: () => host.neighbours(),
    holding: (k) => host.holding(k),
    startMaintenance: async () => host.startMaintenance(),
    stopChord: () => host.stopChord(),
    kadCreate: (n) => host.kadCreate(n),
    kadConnect: (a) => host.kadConnect(a),
    kadMinTable: async () => host.kadMinTable(),
    publish: (l, k) => host.publish(l, k),
    kadPut: (l, k) => host.kadPut(l, k),
    get: (l, k) => host.get(l, k),
    kadGet: (l, k) => host.kadGet(l, k),
    resetStats: async () => host.resetStats(),
    readStats: async () => host.readStats(),
    stop: () => host.stop(),
    exit: () => host.stop(),
  }
}

/** Runs `task` over `items` with at most `limit` in flight; `progress` is told every 15 s how many are done. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
  progress?: (done: number) => void,
): Promise<void> {
  let next = 0
  let done = 0
  const ticker = progress === undefined ? undefined : setInterval(() => progress(done), 15_000)
  try {
    await Promise.all(
      Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
          await task(items[next++]!)
          done++
        }
      }),
    )
  } finally {
    clearInterval(ticker)
  }
}

/** How many nodes have the right successor and predecessor, by the sorted ids of all nodes. */
async function ringCheck(hosts: readonly RemoteHost[]): Promise<{ successors: number; predecessors: number }> {
  const all = (await Promise.all(hosts.map((h) => h.neighbours()))).flat()
  const ids = all.map((n) => n.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const index = new Map(ids.map((id, i) => [id, i]))
  let successors = 0
  let predecessors = 0
  for (const n of all) {
    const i = index.get(n.id)!
    if (n.successor === ids[(i + 1) % ids.length]) successors++
    if (n.predecessor === ids[(i - 1 + ids.length) % ids.length]) predecessors++
  }
  return { successors, predecessors }
}

/** Failed Chord requests by type and reason, summed over hosts. */
function merged(list: readonly HostStats[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const st of list) for (const [k, v] of Object.entries(st.failures)) out[k] = (out[k] ?? 0) + v
  return out
}

interface Placed {
  host: RemoteHost
  local: number
  ref: NodeRef
}

export async function runRealBench(options: RealBenchOptions): Promise<void> {
  const benchStarted = performance.now()
  const say = (line: string) =>
    process.stderr.write(`  [${((performance.now() - benchStarted) / 1000).toFixed(0)} s] ${line}\n`)
  const rssBefore = rssMb()
  const hosts: RemoteHost[] =
    options.procs === 0
      ? [localHost(new BenchHost({ vsKad: options.vsKad }))]
      : await Promise.all(Array.from({ length: options.procs }, () => startWorker({ vsKad: options.vsKad })))
  try {
    const nodes: Placed[] = []
    const all = <T>(f: (h: RemoteHost) => Promise<T>) => Promise.all(hosts.map(f))
    const stabiliseRound = async () => (await all((h) => h.stabiliseAll())).reduce((a, b) => a + b, 0)

    // Nodes start at once, each host its share; then they join in batches that double (1, 1, 2, 4, ... nodes at
    // once, at most JOIN_BATCH_MAX), each through a random node already in. Nodes of one batch that land in one
    // gap of the ring sort themselves out by stabilise and notify: after each batch every node stabilises (a few
    // rounds), and after the last, rounds run until every successor and predecessor is right. Then every
    // finger, and the check again.
    const started = performance.now()
    const refs = await all((h) =>
      h.create(Math.floor(options.nodes / hosts.length) + (hosts.indexOf(h) < options.nodes % hosts.length ? 1 : 0)),
    )
    say(`${options.nodes} nodes started`)
    const placed: Placed[] = []
    for (let g = 0; g < options.nodes; g++) {
      const h = g % hosts.length
      const local = Math.floor(g / hosts.length)
      placed.push({ host: hosts[h]!, local, ref: refs[h]![local]! })
    }
    nodes.push(placed[0]!)
    let joinRetries = 0
    while (nodes.length < placed.length) {
      const batch = placed.slice(nodes.length, nodes.length + Math.min(nodes.length, JOIN_BATCH_MAX))
      const inRing = [...nodes]
      await Promise.all(
        batch.map(async (node) => {
          // A join that fails (its bootstrap's process stalled past the request timeout) is tried through others.
          for (let attempt = 1; ; attempt++) {
            try {
              return await node.host.join(node.local, pick(inRing).ref)
            } catch (e) {
              if (attempt === JOIN_ATTEMPTS) throw e
              joinRetries++
            }
          }
        }),
      )
      nodes.push(...batch)
      await stabiliseRound()
      say(`${nodes.length} of ${placed.length} nodes joined`)
    }
    const joinedSeconds = (performance.now() - started) / 1000
    const converge = async () => {
      let rounds = 0
      for (; rounds < RING_ROUNDS_MAX; rounds++) {
        const ring = await ringCheck(hosts)
        if (ring.successors === nodes.length && ring.predecessors === nodes.length) return { rounds, ...ring }
        if (rounds > 0) {
          const failures = Object.entries(merged(await all((h) => h.readStats())))
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
          say(
            `ring: ${ring.successors} successors, ${ring.predecessors} predecessors right; most failed requests ` +
              `so far: ${JSON.stringify(Object.fromEntries(failures))}`,
          )
        }
        await stabiliseRound()
      }
      return { rounds, ...(await ringCheck(hosts)) }
    }
    const ringBuilt = await converge()
    const ringSeconds = (performance.now() - started) / 1000
    say(
      `${nodes.length} nodes joined in ${joinedSeconds.toFixed(1)} s (batches doubling up to ${JOIN_BATCH_MAX}, ` +
        `${joinRetries} joins retried); ring right after ${ringSeconds.toFixed(1)} s ` +
        `(${ringBuilt.rounds} more stabilisation rounds; successors right ${ringBuilt.successors}, predecessors ` +
        `right ${ringBuilt.predecessors})`,
    )
    // Every node's fingers, FINGER_CONCURRENCY nodes per host at a time (each runs its ~log2 N lookups at once):
    // more at once, the dials and Noise handshakes queued on loaded processes past the request timeout.
    await pool(
      nodes,
      FINGER_CONCURRENCY * hosts.length,
      (n) => n.host.fixFingers(n.local),
      (done) =>
        void all((h) => h.readStats()).then((st) =>
          say(`fingers: ${done} of ${nodes.length} nodes; failed requests so far: ${JSON.stringify(merged(st))}`),
        ),
    )
    const fingered = await converge()
    const joinSeconds = (performance.now() - started) / 1000
    say(
      `fingers by ${joinSeconds.toFixed(1)} s (then ${fingered.rounds} stabilisation rounds; successors right ` +
        `${fingered.successors}, predecessors right ${fingered.predecessors})`,
    )
    if (fingered.successors !== nodes.length || fingered.predecessors !== nodes.length) {
      throw new Error(
        `the ring did not converge in ${RING_ROUNDS_MAX} stabilisation rounds: ${fingered.successors} of ` +
          `${nodes.length} successors and ${fingered.predecessors} predecessors right`,
      )
    }
    await all((h) => h.startMaintenance())

    const keys = Array.from({ length: options.lookups }, randomKey)
    const putStarted = performance.now()
    let putFailures = 0
    await pool(keys, PUT_CONCURRENCY, async (key) => {
      const a = pick(nodes)
      await a.host.publish(a.local, key).catch(() => putFailures++)
    })
    const chordPutSeconds = (performance.now() - putStarted) / 1000
    say(`published ${keys.length} Chord claims in ${chordPutSeconds.toFixed(1)} s`)
    if (putFailures > 0) say(`${putFailures} Chord publications failed`)

    const held = (await all((h) => h.holding(keys))).reduce((a, b) => a.map((x, i) => x + b[i]!))
    const copies = new Map<number, number>()
    for (const c of held) copies.set(c, (copies.get(c) ?? 0) + 1)
    say(`copies per key after the puts (copies: keys): ${JSON.stringify(Object.fromEntries(copies))}`)
    const setup = await all((h) => h.readStats())
    const setupFailures = merged(setup)
    say(
      `while joining and putting: ${setup.reduce((a, st) => a + st.requests, 0)} Chord requests, ` +
        `${setup.reduce((a, st) => a + st.dialled, 0)} dialled first; event-loop delay p99 / max ` +
        `${Math.max(...setup.map((st) => st.eventLoopDelay.p99Ms)).toFixed(0)} / ` +
        `${Math.max(...setup.map((st) => st.eventLoopDelay.maxMs)).toFixed(0)} ms; cold open p50 / p99 ` +
        `${median(setup.flatMap((st) => st.coldOpenMs)).toFixed(0)} / ${percentile(
          setup.flatMap((st) => st.coldOpenMs),
          99,
        ).toFixed(0)} ms; ${setup.reduce((a, st) => a + st.connections, 0)} connections open`,
    )
    if (Object.keys(setupFailures).length > 0)
      say(`failed Chord requests while joining and putting: ${JSON.stringify(setupFailures)}`)

    // Chord's gets, with its maintenance timers running as on a live node, and nothing else on the processes.
    await all((h) => h.resetStats())
    const ours = { ms: [] as number[], hops: [] as number[], found: 0 }
    const chordTicker = setInterval(() => say(`Chord gets: ${ours.ms.length} of ${keys.length}`), 15_000).unref()
    for (const key of keys) {
      const a = pick(nodes)
      const got = await a.host.get(a.local, key)
      ours.ms.push(got.ms)
      ours.hops.push(got.hops)
      if (got.found) ours.found++
    }
    clearInterval(chordTicker)
    const stats = await all((h) => h.readStats())
    const rssPerNodeMb =
      options.procs === 0
        ? (stats[0]!.rssMb - rssBefore) / nodes.length
        : stats.reduce((sum, s) => sum + s.rssMb - rssBefore, 0) / nodes.length
    say(
      `Chord gets done: p50 / p99 ${median(ours.ms).toFixed(1)} / ${percentile(ours.ms, 99).toFixed(1)} ms; ` +
        `${stats.reduce((a, st) => a + st.connections, 0)} connections open`,
    )

    // kad-dht measured alone: the Chord peers stop, and as many kad-dht peers start on the same hosts. Together,
    // each DHT's work stalled the other's event loops (docs/chord.md, "Measuring each DHT alone").
    let kadPhase: KadPhase | null = null
    if (options.vsKad) {
      await all((h) => h.stopChord())
      kadPhase = await runKadPhase(hosts, nodes, keys, say)
    }
    reportRealBench(options, {
      nodes: nodes.length,
      keys: keys.length,
      joinSeconds,
      ringSeconds,
      chordPutSeconds,
      rssPerNodeMb,
      stats,
      ours,
      kad: kadPhase,
      benchSeconds: () => (performance.now() - benchStarted) / 1000,
    })
  } finally {
    await Promise.all(hosts.map((h) => h.exit().catch(() => undefined)))
  }
}

/**
 * kad-dht alone: as many nodes as Chord had, on the same hosts, connected to 3 random others each and
 * self-queried (kad-dht's start-up), then the same keys put (KAD_PUT_CONCURRENCY per host at once) and got.
 */
async function runKadPhase(
  hosts: readonly RemoteHost[],
  chordNodes: readonly Placed[],
  keys: readonly RingId[],
  say: (line: string) => void,
): Promise<KadPhase> {
  const started = performance.now()
  const counts = hosts.map((h) => chordNodes.filter((n) => n.host === h).length)
  const addrs = await Promise.all(hosts.map((h, i) => h.kadCreate(counts[i]!)))
  const nodes = hosts.flatMap((host, i) => addrs[i]!.map((a, local) => ({ host, local, addrs: a })))
  await Promise.all(
    hosts.map((h, i) =>
      h.kadConnect(
        addrs[i]!.map((own) => {
          const out: string[][] = []
          for (let k = 0; k < 3; k++) {
            const other = pick(nodes).addrs
            if (other[0] !== own[0]) out.push([...other])
          }
          return out
        }),
      ),
    ),
  )
  say(
    `kad-dht: ${nodes.length} nodes started, connected and self-queried in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )
  // Wait (up to KAD_READY_WAIT_MS) for every routing table to hold 10 peers. At 128 nodes a few tables stayed
  // below that for the whole minute this once waited; kad-dht's puts fill them (their queries meet the peers).
  const want = Math.min(nodes.length - 1, 10)
  const deadline = Date.now() + KAD_READY_WAIT_MS
  const smallest = async () => Math.min(...(await Promise.all(hosts.map((h) => h.kadMinTable()))))
  while (Date.now() < deadline && (await smallest()) < want) {
    await new Promise((r) => setTimeout(r, 200))
  }
  const readySeconds = (performance.now() - started) / 1000
  say(`kad-dht routing tables: smallest ${await smallest()} peers (wanted ${want}) after ${readySeconds.toFixed(1)} s`)
  const putStarted = performance.now()
  let putFailures = 0
  await pool(
    keys,
    KAD_PUT_CONCURRENCY * hosts.length,
    async (key) => {
      const b = pick(nodes)
      await b.host.kadPut(b.local, key).catch(() => putFailures++)
    },
    (done) => say(`kad-dht puts: ${done} of ${keys.length}`),
  )
  const putSeconds = (performance.now() - putStarted) / 1000
  say(`put ${keys.length} kad-dht values in ${putSeconds.toFixed(1)} s (${putFailures} failed)`)
  await Promise.all(hosts.map((h) => h.resetStats()))
  const kad = { ms: [] as number[], firstMs: [] as number[], queried: [] as number[], found: 0 }
  const ticker = setInterval(() => say(`kad-dht gets: ${kad.ms.length} of ${keys.length}`), 15_000).unref()
  for (const key of keys) {
    const b = pick(nodes)
    const k = await b.host.kadGet(b.local, key)
    kad.ms.push(k.ms)
    kad.queried.push(k.queried)
    if (k.firstMs !== null) {
      kad.firstMs.push(k.firstMs)
      kad.found++
    }
  }
  clearInterval(ticker)
  const stats = await Promise.all(hosts.map((h) => h.readStats()))
  return { readySeconds, putSeconds, ...kad, stats }
}
