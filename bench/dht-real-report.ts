/** The report of `ime bench dht --real`: one table, and with --json one object with the same fields. */
import type { HostStats } from './dht-host.js'
import type { RealBenchOptions } from './dht-real.js'
import { mean, median, percentile, printJson, printTable, round } from './report.js'

/** What kad-dht's phase measured, alone on the hosts (--vs kad). */
export interface KadPhase {
  readySeconds: number
  putSeconds: number
  ms: number[]
  firstMs: number[]
  queried: number[]
  found: number
  stats: HostStats[]
}

export function reportRealBench(
  options: RealBenchOptions,
  m: {
    nodes: number
    keys: number
    joinSeconds: number
    ringSeconds: number
    chordPutSeconds: number
    rssPerNodeMb: number
    stats: HostStats[]
    ours: { ms: number[]; hops: number[]; found: number }
    kad: KadPhase | null
    benchSeconds: () => number
  },
): void {
  const { ours, kad, stats } = m
  const sum = (f: (s: HostStats) => number) => stats.reduce((a, s) => a + f(s), 0)
  const cat = (f: (s: HostStats) => number[]) => stats.flatMap(f)
  const requests = sum((s) => s.requests)
  const result = {
    bench: 'dht-real',
    mode: options.procs === 0 ? 'one-process' : 'processes',
    processes: Math.max(1, options.procs),
    nodes: m.nodes,
    lookups: m.keys,
    joinSeconds: round(m.joinSeconds, 3),
    ringRightSeconds: round(m.ringSeconds, 3),
    chordPutSeconds: round(m.chordPutSeconds, 3),
    benchSeconds: round(m.benchSeconds(), 3),
    rssPerNodeMb: round(m.rssPerNodeMb, 3),
    chord: {
      getP50Ms: round(median(ours.ms), 3),
      getP99Ms: round(percentile(ours.ms, 99), 3),
      meanHops: round(mean(ours.hops), 3),
      success: ours.found / m.keys,
    },
    kad: kad
      ? {
          readySeconds: round(kad.readySeconds, 3),
          putSeconds: round(kad.putSeconds, 3),
          getP50Ms: round(median(kad.ms), 3),
          getP99Ms: round(percentile(kad.ms, 99), 3),
          firstValueP50Ms: round(median(kad.firstMs), 3),
          meanPeersQueried: round(mean(kad.queried), 3),
          success: kad.found / m.keys,
          // Over kad-dht's gets, alone on the hosts.
          eventLoopDelayP99Ms: round(Math.max(...kad.stats.map((s) => s.eventLoopDelay.p99Ms)), 3),
          eventLoopDelayMaxMs: round(Math.max(...kad.stats.map((s) => s.eventLoopDelay.maxMs)), 3),
          connectionsOpened: kad.stats.reduce((a, s) => a + s.connectionsOpened, 0),
          connectionsClosed: kad.stats.reduce((a, s) => a + s.connectionsClosed, 0),
          connectionsAtEnd: kad.stats.reduce((a, s) => a + s.connections, 0),
        }
      : null,
    ratio: kad
      ? {
          getP50OursOverKad: round(median(ours.ms) / median(kad.ms), 3),
          getP99OursOverKad: round(percentile(ours.ms, 99) / percentile(kad.ms, 99), 3),
          getP50OursOverKadFirstValue: round(median(ours.ms) / median(kad.firstMs), 3),
        }
      : null,
    // Where the time goes, over Chord's gets only (its maintenance timers included; kad-dht not running).
    during: {
      chordRequests: requests,
      dialledShare: round(sum((s) => s.dialled) / Math.max(1, requests), 3),
      failedRequests: sum((s) => s.failed),
      failures: Object.fromEntries(
        stats
          .flatMap((s) => Object.entries(s.failures))
          .reduce((m, [k, v]) => m.set(k, (m.get(k) ?? 0) + v), new Map<string, number>()),
      ),
      requestsByType: Object.fromEntries(
        [...new Set(stats.flatMap((s) => Object.keys(s.byTypeMs)))].map((type) => {
          const sample = cat((s) => s.byTypeMs[type] ?? [])
          return [
            type,
            {
              count: sample.length,
              dialled: stats.reduce((n, s) => n + (s.dialledByType[type] ?? 0), 0),
              p50Ms: round(median(sample), 3),
              p99Ms: round(percentile(sample, 99), 3),
            },
          ]
        }),
      ),
      warmRequestP50Ms: round(median(cat((s) => s.warmMs)), 3),
      warmRequestP99Ms: round(
        percentile(
          cat((s) => s.warmMs),
          99,
        ),
        3,
      ),
      coldOpenP50Ms: round(median(cat((s) => s.coldOpenMs)), 3),
      coldOpenP99Ms: round(
        percentile(
          cat((s) => s.coldOpenMs),
          99,
        ),
        3,
      ),
      coldRequestP99Ms: round(
        percentile(
          cat((s) => s.coldTotalMs),
          99,
        ),
        3,
      ),
      connectionsOpened: sum((s) => s.connectionsOpened),
      connectionsClosed: sum((s) => s.connectionsClosed),
      connectionsAtEnd: sum((s) => s.connections),
      eventLoopDelayP99Ms: round(Math.max(...stats.map((s) => s.eventLoopDelay.p99Ms)), 3),
      eventLoopDelayMaxMs: round(Math.max(...stats.map((s) => s.eventLoopDelay.maxMs)), 3),
    },
  }
  const d = result.during
  const rows: [string, string | number][] = [
    ['mode', `${result.mode} (${result.processes} process${result.processes === 1 ? '' : 'es'})`],
    ['nodes / gets', `${result.nodes} / ${result.lookups}`],
    ['start + join until every successor and predecessor is right', `${result.ringRightSeconds} s`],
    [
      'start + join (all nodes) / Chord puts / whole run',
      `${result.joinSeconds} / ${result.chordPutSeconds} / ${result.benchSeconds} s`,
    ],
    ['RSS growth per Chord node', `${result.rssPerNodeMb} MB`],
    ['Chord get p50 / p99', `${result.chord.getP50Ms} / ${result.chord.getP99Ms} ms`],
    ['Chord mean hops', result.chord.meanHops],
    ['Chord success', result.chord.success],
  ]
  if (result.kad && result.ratio) {
    rows.push(
      ['kad-dht (alone) ready / puts', `${result.kad.readySeconds} / ${result.kad.putSeconds} s`],
      ['kad-dht get p50 / p99', `${result.kad.getP50Ms} / ${result.kad.getP99Ms} ms`],
      ['kad-dht first value p50', `${result.kad.firstValueP50Ms} ms`],
      ['kad-dht peers queried per get', result.kad.meanPeersQueried],
      ['kad-dht success', result.kad.success],
      ['ratio Chord / kad-dht get p50 / p99', `${result.ratio.getP50OursOverKad} / ${result.ratio.getP99OursOverKad}`],
      ['ratio Chord / kad-dht first value (p50)', result.ratio.getP50OursOverKadFirstValue],
      [
        'kad-dht gets: event-loop delay p99 / max; connections opened / closed / open at end',
        `${result.kad.eventLoopDelayP99Ms} / ${result.kad.eventLoopDelayMaxMs} ms; ${result.kad.connectionsOpened} / ` +
          `${result.kad.connectionsClosed} / ${result.kad.connectionsAtEnd}`,
      ],
    )
  }
  rows.push(
    ['during Chord gets: Chord requests, dialled first', `${d.chordRequests}, ${round(d.dialledShare * 100, 3)}%`],
    ['  failed requests (timeouts included)', d.failedRequests],
    [
      '  requests by type: count (dialled first), p50 / p99',
      Object.entries(d.requestsByType)
        .map(([type, t]) => `${type} ${t.count} (${t.dialled}), ${t.p50Ms} / ${t.p99Ms} ms`)
        .join('; '),
    ],
    ['  warm request p50 / p99', `${d.warmRequestP50Ms} / ${d.warmRequestP99Ms} ms`],
    ['  cold: stream open p50 / p99, request p99', `${d.coldOpenP50Ms} / ${d.coldOpenP99Ms}, ${d.coldRequestP99Ms} ms`],
    [
      '  connections opened / closed / open at end',
      `${d.connectionsOpened} / ${d.connectionsClosed} / ${d.connectionsAtEnd}`,
    ],
    ['  event-loop delay p99 / max (worst process)', `${d.eventLoopDelayP99Ms} / ${d.eventLoopDelayMaxMs} ms`],
  )
  printTable(`Chord over libp2p (TCP, Noise, Yamux) on 127.0.0.1, ${result.mode}`, rows)
  if (options.json) printJson(result)
}
