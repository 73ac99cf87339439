/** `ime bench dht`: Chord lookups, simulated (--sim) or over real libp2p connections (--real, optionally --vs kad). */
import { intOption, numberOption, UsageError, type Command } from '../src/cli/command.js'
import { printJson, printTable } from './report.js'
import { runSimBench, type LookupPhase } from './dht-sim.js'

const phaseRows = (label: string, p: LookupPhase): [string, string][] => [
  [`${label}: success`, `${p.success} (${p.lookups} lookups)`],
  [`${label}: hops mean / p99 / max`, `${p.meanHops} / ${p.p99Hops} / ${p.maxHops}`],
  [`${label}: unanswered requests per lookup`, `${p.meanUnanswered}`],
  [`${label}: lookups that gave up`, `${p.lookupErrors}`],
  ...(['iterative', 'recursive'] as const).map((style): [string, string] => {
    const c = p.routing[style]
    return [
      `${label}: ${style} routing`,
      `correct ${c.correct}, hops ${c.meanHops} / p99 ${c.p99Hops}, messages ${c.meanMessages}, ` +
        `latency ${c.meanLatencyMs} / p99 ${c.p99LatencyMs} ms, gave up ${c.gaveUp}`,
    ]
  }),
]

export const dhtBench: Command = {
  name: 'dht',
  summary: 'Chord lookups: hops and success in a simulated ring (--sim), latency over libp2p (--real)',
  help: `Usage: ime bench dht --sim --nodes N --lookups L [--fail F] [--seed S] [--json]
       ime bench dht --real --nodes N [--lookups L] [--vs kad] [--procs K] [--json]

  --sim          simulated ring on the in-memory network (real Ed25519 identities and signed records)
  --real         N libp2p nodes over TCP on 127.0.0.1 in this process
  --nodes N      ring size (sim default 1024, real default 16)
  --lookups L    lookups to time (default 1000 sim, 200 real); each looks up a published record
  --fail F       (sim) fraction of nodes that fail at once before the second measurement (default 0)
  --seed S       (sim) seed of every random choice, to replay a run (default: drawn, and printed)
  --delay MS     (sim) one-way network delay for the modelled latency of iterative and recursive routing
                 (default 20; a request to a dead node costs the request timeout, 3000)
  --vs kad       (real) then stop Chord's nodes and run the same puts and gets through as many
                 @libp2p/kad-dht nodes in the same processes (each DHT measured alone)
  --procs K      (real) spread the nodes over K worker processes (default 0: all in this process)
  --json         print one JSON object as the last line`,
  options: {
    sim: { type: 'boolean' },
    real: { type: 'boolean' },
    nodes: { type: 'string' },
    lookups: { type: 'string' },
    fail: { type: 'string' },
    delay: { type: 'string' },
    vs: { type: 'string' },
    procs: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    // Internal: a worker process of --procs, driven by its parent over IPC.
    worker: { type: 'boolean' },
  },
  async run(args) {
    const json = args.values.json === true
    if (args.values.worker === true) {
      if (process.send === undefined) throw new UsageError('--worker is started by "ime bench dht --real --procs K"')
      const { serveHost } = await import('./dht-worker.js')
      await serveHost({ vsKad: args.values.vs === 'kad' })
      return 0
    }
    if (args.values.sim === true) {
      const result = await runSimBench({
        nodes: intOption(args, 'nodes', 1024, 2, 1_000_000),
        lookups: intOption(args, 'lookups', 1000, 1, 10_000_000),
        fail: numberOption(args, 'fail', 0, 0, 0.9),
        oneWayDelayMs: numberOption(args, 'delay', 20, 0, 10_000),
        ...(args.values.seed !== undefined && { seed: intOption(args, 'seed', 0, 0, 2 ** 32 - 1) }),
        progress: (line) => process.stderr.write(`  ${line}\n`),
      })
      printTable(`Chord, simulated ring of ${result.nodes} nodes (built converged), ${result.lookups} lookups`, [
        ['reference 1/2 log2 N', `${result.reference.halfLog2N}`],
        ['successor list / replicas', `${result.config.successorListSize} / ${result.config.replicas}`],
        [
          'latency model',
          `${result.model.oneWayDelayMs} ms one way per message, ${result.model.timeoutMs} ms per dead node asked`,
        ],
        ...phaseRows('healthy', result.healthy),
        ...(result.afterFailure ? phaseRows(`${result.fail * 100}% failed, no repair`, result.afterFailure) : []),
        ...(result.afterRefresh ? phaseRows('after one refresh period', result.afterRefresh) : []),
      ])
      if (json) printJson(result)
      return 0
    }
    if (args.values.real === true) {
      const vs = args.values.vs
      if (vs !== undefined && vs !== 'kad') throw new UsageError(`--vs takes "kad"; got ${JSON.stringify(vs)}`)
      const { runRealBench } = await import('./dht-real.js')
      await runRealBench({
        nodes: intOption(args, 'nodes', 16, 2, 256),
        lookups: intOption(args, 'lookups', 200, 1, 100_000),
        vsKad: vs === 'kad',
        json,
        procs: intOption(args, 'procs', 0, 0, 64),
      })
      return 0
    }
    throw new UsageError('give --sim or --real; see "ime bench dht --help"')
  },
}
