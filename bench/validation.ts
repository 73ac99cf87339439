/**
 * `ime bench validation`: the knowledge proof between two libp2p nodes over TCP on 127.0.0.1 (one process):
 * one validation's latency (p50, p99) when run one after another, and validations per second with several
 * in flight at once.
 */
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { intOption, type Command } from '../src/cli/command.js'
import { systemClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import { selfNodeRef } from '../src/p2p/chord-transport.js'
import { createImeLibp2p } from '../src/p2p/libp2p-node.js'
import { ValidationProtocol, type ClaimedCall } from '../src/p2p/validation-protocol.js'
import { AttemptCaps, MemoryAttemptCapStore } from '../src/validation/attempt-caps.js'
import { busyNumberReport, printBusyNumberReport } from './validation-busy.js'
import { median, percentile, printJson, printTable, round } from './report.js'

const rand = (n: number) => new Uint8Array(randomBytes(n))

export const validationBench: Command = {
  name: 'validation',
  summary: 'knowledge-proof validations between two libp2p nodes on loopback: latency and rate',
  help: `Usage: ime bench validation [--runs N] [--concurrency C] [--json]
       ime bench validation --busy [--json]

  --runs N         validations in each phase (default 300)
  --concurrency C  validations in flight at once in the rate phase (default 8)
  --busy           no network: a busy number's validation success (simulated over the claimer's real logic),
                   the impostor's chance per route (the model, checked by an attack simulation) and the PSTN
                   calls before IME
  --json           print one JSON object as the last line`,
  options: {
    runs: { type: 'string' },
    concurrency: { type: 'string' },
    busy: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args) {
    if (args.values.busy === true) {
      const result = busyNumberReport()
      printBusyNumberReport(result)
      if (args.values.json === true) printJson(result)
      return 0
    }
    const runs = intOption(args, 'runs', 300, 10, 100_000)
    const concurrency = intOption(args, 'concurrency', 8, 1, 256)
    const record: ClaimedCall = {
      id: 'bench',
      caller: '+12015550100' as E164,
      called: '+12025550102' as E164,
      start: Date.parse('2026-11-25T10:00:03Z'),
      end: Date.parse('2026-11-25T10:04:41Z'),
    }
    const caps = new AttemptCaps(new MemoryAttemptCapStore(), {
      perPeerPerHour: Number.MAX_SAFE_INTEGER,
      failuresPerPeerPerHour: Number.MAX_SAFE_INTEGER,
      failuresPerRecordAndPeer: 3,
      failuresPerRecord: 10,
    })
    const [a, b] = await Promise.all(
      [1, 2].map(async () => createImeLibp2p({ privateKey: await generateKeyPair('Ed25519') })),
    )
    try {
      const originator = new ValidationProtocol(a!, {
        findRecord: () => undefined,
        caps,
        clock: systemClock,
        randomBytes: rand,
      })
      const claimer = new ValidationProtocol(b!, {
        findRecord: () => record,
        caps,
        clock: systemClock,
        randomBytes: rand,
      })
      await claimer.serve()
      const target = selfNodeRef(b!)
      const once = async () => {
        const t = performance.now()
        const r = await originator.prove(target, record, rand(16))
        if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.reason}`)
        return performance.now() - t
      }
      await once() // the first run also dials the connection
      const latencies: number[] = []
      for (let i = 0; i < runs; i++) latencies.push(await once())
      let next = 0
      const started = performance.now()
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < runs) await once()
        }),
      )
      const perSecond = runs / ((performance.now() - started) / 1000)
      const result = {
        bench: 'validation',
        runs,
        p50Ms: round(median(latencies), 3),
        p99Ms: round(percentile(latencies, 99), 3),
        sequentialPerSecond: round(1000 / (latencies.reduce((x, y) => x + y, 0) / latencies.length), 3),
        concurrency,
        perSecond: round(perSecond, 3),
      }
      printTable('Knowledge proof over libp2p (TCP, Noise, Yamux) on 127.0.0.1, both ends in this process', [
        ['latency p50 / p99', `${result.p50Ms} / ${result.p99Ms} ms`],
        ['one after another', `${result.sequentialPerSecond} per second`],
        [`${concurrency} in flight`, `${result.perSecond} per second`],
      ])
      if (args.values.json === true) printJson(result)
      return 0
    } finally {
      await Promise.all([a!.stop(), b!.stop()])
    }
  },
}
