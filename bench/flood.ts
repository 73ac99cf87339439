/**
 * `ime bench flood --invites N --rate R [--calls C] [--json]`: a burst of unticketed INVITEs from SIPp at the
 * edge (from 127.0.0.2), while a second SIPp places ticketed calls (from 127.0.0.1) to a user whose fixed contact
 * is a SIPp UAS. Reports how the flood was refused (403 per ticket, then the per-source limits: 403 without
 * checking, then silence), and the ticketed calls' INVITE -> 200 times with and without the flood.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import { intOption, type Command } from '../src/cli/command.js'
import { CallAgent } from '../src/sip/agent/index.js'
import { StaticSipDirectory } from '../src/testing/static-sip-directory.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../src/tickets/key-ring.js'
import { credentialRow, writeInjection } from '../src/testing/interop/injection.js'
import { testCallerNode } from '../src/testing/caller-node.js'
import { edgeCallerCheck } from '../src/node/caller-identity.js'
import { freePorts } from '../src/testing/interop/ports.js'
import { runSipp, startSipp } from '../src/testing/interop/sipp.js'
import { median, percentile, printJson, printTable } from './report.js'

const BOB = '+14085550100' as E164

export interface FloodResult {
  invites: number
  rate: number
  flood: { sent: number; refusedWithReason: number; rateLimited: number; ignored: number; seconds: number }
  ticketed: {
    calls: number
    alone: { ok: number; failed: number; p50: number; p99: number }
    underFlood: { ok: number; failed: number; p50: number; p99: number }
  }
  extraSetupMsP50: number
}

export async function runFlood(options: { invites: number; rate: number; calls: number }): Promise<FloodResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ime-flood-'))
  const keys = new TicketKeyRing(new MemoryTicketKeyStore(), (n) => new Uint8Array(randomBytes(n)))
  const uasPort = await freePorts(1)
  const agent = await CallAgent.start({
    domain: 'b.example',
    host: '127.0.0.1',
    edge: { tcpPort: 0 },
    internal: { tcpPort: 0 },
    directory: new StaticSipDirectory('b.example', [
      { name: 'bob', password: 'x', number: BOB, contact: `sip:bob@127.0.0.1:${uasPort};transport=tcp` },
    ]),
    routeTo: () => undefined,
    checkCaller: edgeCallerCheck({ ticketKeys: keys, clock: systemClock }).check,
    vouchFor: () => ({ ok: false, error: 'the flooded edge places no calls' }),
    clock: systemClock,
  })
  const edge = `127.0.0.1:${agent.addresses.edge.tcp}`
  const caller = testCallerNode()
  const tickets = (n: number) =>
    Array.from({ length: n }, () => credentialRow('a.example', BOB, caller.credentials(keys, BOB)))
  const ticketed = async (name: string) => {
    const uas = await startSipp({ scenario: 'uas.xml', port: uasPort, calls: options.calls, timeoutMs: 120_000 })
    await uas.listening
    const run = await runSipp({
      scenario: 'uac-call-ticket.xml',
      target: edge,
      injection: writeInjection(join(dir, `${name}.csv`), tickets(options.calls)),
      rate: Math.max(1, Math.min(50, options.calls)),
      calls: options.calls,
      timeoutMs: 120_000,
    })
    await uas.done
    return {
      ok: run.successful,
      failed: run.failed,
      p50: median(run.rtdMs),
      p99: percentile(run.rtdMs, 99),
    }
  }
  try {
    const alone = await ticketed('alone')
    const before = {
      ...agent.counters,
      refused: Object.values(agent.counters.ticketsRefused).reduce((a, b) => a + b, 0),
    }
    const started = Date.now()
    const flood = runSipp({
      scenario: 'flood-invite.xml',
      target: edge,
      rate: options.rate,
      calls: options.invites,
      limit: 2_000,
      timeoutMs: Math.max(30_000, (options.invites / options.rate) * 3_000),
      // The flood comes from another address of the loopback network than the ticketed calls.
      extraArgs: ['-i', '127.0.0.2'],
    })
    const underFlood = await ticketed('under-flood')
    const floodDone = await flood
    const seconds = (Date.now() - started) / 1000
    const refused = Object.values(agent.counters.ticketsRefused).reduce((a, b) => a + b, 0) - before.refused
    return {
      invites: options.invites,
      rate: options.rate,
      flood: {
        sent: floodDone.created,
        refusedWithReason: refused,
        rateLimited: agent.counters.rateLimited - before.rateLimited,
        ignored: agent.counters.scansBlocked - before.scansBlocked,
        seconds,
      },
      ticketed: { calls: options.calls, alone, underFlood },
      extraSetupMsP50: underFlood.p50 - alone.p50,
    }
  } finally {
    await agent.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export const floodBench: Command = {
  name: 'flood',
  summary: 'unticketed INVITEs (or idle connections: --connections) flooding the node while ticketed calls go on',
  help: `Usage: ime bench flood [--invites N] [--rate R] [--calls C] [--json]
       ime bench flood --connections N [--listener L] [--half-sent] [--calls C] [--json]

  --invites N      unticketed INVITEs in the burst (default 10000, at most 100000)
  --rate R         their rate per second (default 2000)
  --calls C        ticketed calls placed alone, then during the flood (default 200; 100 with --connections)

  --connections N  instead: N connections held from 127.0.0.1 (at most 60000) against one listener, while from
                   127.0.0.2 bob registers, ticketed calls are placed, the ring pings and /api/health is asked
  --listener L     sip-tcp, sip-ws, sip-tls, sip-wss, http or libp2p (default sip-tcp; libp2p: the flood comes
                   from 127.0.0.2, since the ring member dials from 127.0.0.1)
  --half-sent      each connection sends the start of a message (or handshake) that never ends (default idle)
  --sustained      reopen each connection the node closes, a second later (at most 50 times each)
  --unlimited      lift the SIP and HTTP connection limits, for comparison (how the node fared without them)

The bench holds both ends of every connection: raise its descriptor limit first (ulimit -n 65536).
Needs SIPp for --invites (apt-get install -y sip-tester) and openssl for --connections.`,
  options: {
    invites: { type: 'string' },
    rate: { type: 'string' },
    calls: { type: 'string' },
    connections: { type: 'string' },
    listener: { type: 'string' },
    'half-sent': { type: 'boolean' },
    sustained: { type: 'boolean' },
    unlimited: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args) {
    if (args.values.connections !== undefined) {
      return (await import('./connection-flood.js')).connectionFloodCommand(args)
    }
    const r = await runFlood({
      invites: intOption(args, 'invites', 10_000, 1, 100_000),
      rate: intOption(args, 'rate', 2_000, 1, 20_000),
      calls: intOption(args, 'calls', 200, 1, 10_000),
    })
    if (args.values.json === true) printJson({ bench: 'flood', ...r })
    else {
      printTable('flood at the edge, with ticketed calls at the same time', [
        ['unticketed INVITEs sent', `${r.flood.sent} at ${r.rate}/s`],
        ['refused with a reason (403, ticket checked)', r.flood.refusedWithReason],
        ['refused without checking (403, source over its limit)', r.flood.rateLimited],
        ['not answered (source taken for a scanner)', r.flood.ignored],
        [
          'ticketed calls alone: ok / failed, p50 / p99 ms',
          `${r.ticketed.alone.ok} / ${r.ticketed.alone.failed}, ${r.ticketed.alone.p50} / ${r.ticketed.alone.p99}`,
        ],
        [
          'ticketed calls under the flood',
          `${r.ticketed.underFlood.ok} / ${r.ticketed.underFlood.failed}, ${r.ticketed.underFlood.p50} / ${r.ticketed.underFlood.p99}`,
        ],
        ['extra setup time, p50 (ms)', r.extraSetupMsP50],
      ])
    }
    return r.ticketed.underFlood.failed === 0 && r.ticketed.alone.failed === 0 ? 0 : 1
  },
}
