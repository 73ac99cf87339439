/**
 * `ime bench dht --real`: N libp2p nodes over TCP on 127.0.0.1 in this process, forming our Chord ring by the
 * join protocol. Claims are published, then gets (lookup + fetch + signature checks) are timed from random
 * nodes. With --vs kad the same libp2p nodes also run @libp2p/kad-dht (k = 20, alpha = 10, private protocol),
 * the same number of values are put, and gets through both are timed interleaved, so machine noise falls on
 * both alike.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { ringId, ringIdToBytes, type RingId } from '../src/core/ring.js'
import { startChordPeer, type ChordPeer } from '../src/p2p/chord-peer.js'
import { mean, median, percentile, printJson, printTable, round } from './report.js'

export interface RealBenchOptions {
  nodes: number
  lookups: number
  vsKad: boolean
  json: boolean
}

const KAD_PROTOCOL = '/ime-bench/kad/1.0.0'

function randomKey(): RingId {
  return ringId(BigInt('0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')))
}

/** kad-dht's routing table is not in its public type; the benchmark only reads its size to know it is ready. */
const kadRoutingTableSize = (kad: KadDHT): number =>
  (kad as unknown as { routingTable: { size: number } }).routingTable.size

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!
const rssMb = () => process.memoryUsage().rss / 2 ** 20

export async function runRealBench(options: RealBenchOptions): Promise<void> {
  const say = (line: string) => process.stderr.write(`  ${line}\n`)
  const rssBefore = rssMb()
  const started = performance.now()
  const peers: ChordPeer[] = []
  const kadOf = (p: ChordPeer) => (p.libp2p.services as unknown as { kad: KadDHT }).kad
  for (let i = 0; i < options.nodes; i++) {
    const services = options.vsKad
      ? {
          kad: kadDHT({
            protocol: KAD_PROTOCOL,
            clientMode: false,
            peerInfoMapper: passthroughMapper,
            validators: { ime: async () => {} },
            selectors: { ime: () => 0 },
          }) as never,
        }
      : undefined
    const peer = await startChordPeer({
      privateKey: await generateKeyPair('Ed25519'),
      maintain: false,
      ...(services !== undefined && { services }),
      ...(peers.length > 0 && { bootstrap: pick(peers).chord.self }),
    })
    peers.push(peer)
    for (const p of peers) await p.chord.stabilise()
  }
  // Settle: a few maintenance rounds so successor lists and fingers are complete.
  for (let round = 0; round < 3; round++) for (const p of peers) await p.chord.maintain()
  const joinSeconds = (performance.now() - started) / 1000
  say(`${peers.length} nodes joined the Chord ring in ${joinSeconds.toFixed(1)} s`)

  let kadReadySeconds: number | null = null
  if (options.vsKad) {
    const kadStarted = performance.now()
    // kad-dht learns peers from connections; give each node a few, then wait for its routing table.
    for (const p of peers) {
      for (let k = 0; k < 3; k++) {
        const other = pick(peers)
        if (other !== p) await p.libp2p.dial(other.libp2p.getMultiaddrs()).catch(() => undefined)
      }
    }
    const want = Math.min(peers.length - 1, 10)
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline && peers.some((p) => kadRoutingTableSize(kadOf(p)) < want)) {
      await new Promise((r) => setTimeout(r, 200))
    }
    kadReadySeconds = (performance.now() - kadStarted) / 1000
    say(`kad-dht routing tables filled in ${kadReadySeconds.toFixed(1)} s`)
  }

  const keys = Array.from({ length: options.lookups }, randomKey)
  const kadKey = (k: RingId) => new Uint8Array([...new TextEncoder().encode('/ime/'), ...ringIdToBytes(k)])
  for (const key of keys) {
    await pick(peers).chord.publish(key)
    if (options.vsKad) {
      for await (const _ of kadOf(pick(peers)).put(kadKey(key), new TextEncoder().encode('claim'))) {
        // drain the query
      }
    }
  }
  say(`published ${keys.length} claims${options.vsKad ? ' and put as many kad-dht values' : ''}`)

  const ours = { ms: [] as number[], hops: [] as number[], found: 0 }
  const kad = { ms: [] as number[], firstMs: [] as number[], queried: [] as number[], found: 0 }
  for (const key of keys) {
    const from = pick(peers)
    const t0 = performance.now()
    const got = await from.chord.get(key).catch(() => ({ records: [], hops: 0 }))
    ours.ms.push(performance.now() - t0)
    ours.hops.push(got.hops)
    if (got.records.length > 0) ours.found++
    if (options.vsKad) {
      const t1 = performance.now()
      let first: number | null = null
      let queried = 0
      try {
        for await (const event of kadOf(pick(peers)).get(kadKey(key))) {
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
      kad.ms.push(performance.now() - t1)
      kad.queried.push(queried)
      if (first !== null) {
        kad.firstMs.push(first)
        kad.found++
      }
    }
  }
  const rssAfter = rssMb()
  await Promise.all(peers.map((p) => p.kill()))

  const result = {
    bench: 'dht-real',
    nodes: peers.length,
    lookups: keys.length,
    joinSeconds: round(joinSeconds, 3),
    rssPerNodeMb: round((rssAfter - rssBefore) / peers.length, 3),
    chord: {
      getP50Ms: round(median(ours.ms), 3),
      getP99Ms: round(percentile(ours.ms, 99), 3),
      meanHops: round(mean(ours.hops), 3),
      success: ours.found / keys.length,
    },
    kad: options.vsKad
      ? {
          readySeconds: round(kadReadySeconds!, 3),
          getP50Ms: round(median(kad.ms), 3),
          getP99Ms: round(percentile(kad.ms, 99), 3),
          firstValueP50Ms: round(median(kad.firstMs), 3),
          meanPeersQueried: round(mean(kad.queried), 3),
          success: kad.found / keys.length,
        }
      : null,
    ratio: options.vsKad
      ? {
          getP50OursOverKad: round(median(ours.ms) / median(kad.ms), 3),
          getP50OursOverKadFirstValue: round(median(ours.ms) / median(kad.firstMs), 3),
        }
      : null,
  }
  const rows: [string, string | number][] = [
    ['nodes / gets', `${result.nodes} / ${result.lookups}`],
    ['start + join (all nodes)', `${result.joinSeconds} s`],
    [`RSS growth per node${options.vsKad ? ' (Chord + kad-dht)' : ''}`, `${result.rssPerNodeMb} MB`],
    ['Chord get p50 / p99', `${result.chord.getP50Ms} / ${result.chord.getP99Ms} ms`],
    ['Chord mean hops', result.chord.meanHops],
    ['Chord success', result.chord.success],
  ]
  if (result.kad && result.ratio) {
    rows.push(
      ['kad-dht get p50 / p99', `${result.kad.getP50Ms} / ${result.kad.getP99Ms} ms`],
      ['kad-dht first value p50', `${result.kad.firstValueP50Ms} ms`],
      ['kad-dht peers queried per get', result.kad.meanPeersQueried],
      ['kad-dht success', result.kad.success],
      ['ratio Chord / kad-dht (get p50)', result.ratio.getP50OursOverKad],
      ['ratio Chord / kad-dht first value (p50)', result.ratio.getP50OursOverKadFirstValue],
    )
  }
  printTable(`Chord over libp2p (TCP, Noise, Yamux) on 127.0.0.1, one process`, rows)
  if (options.json) printJson(result)
}
