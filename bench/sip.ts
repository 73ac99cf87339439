/**
 * `ime bench sip`: calls per second through a SIP server over TCP, driven by SIPp (UAC -t t1 at a fixed rate, UAS
 * behind), every INVITE carrying a ticket. Reports, per target and rate, the achieved calls/s, failed calls and the
 * INVITE -> 200 time (median, p99). `--vs kamailio` runs the Kamailio baseline (stateful, record-routing, HMAC
 * ticket check) side by side; `--vs direct` measures SIPp to SIPp, the load generator's own ceiling.
 * Our call agent (src/sip/agent/call-agent.ts) runs in this process when the branch has it; --target measures any
 * running SIP server instead.
 */
import { intOption, numberOption, stringOption, UsageError, type Command, type ParsedArgs } from '../src/cli/command.js'
import { median, printJson, printTable, round } from './report.js'
import { runLoad, type LoadRun } from './sip-load.js'
import { agentTarget, directTarget, externalTarget, kamailioTarget, type SipTarget } from './sip-targets.js'

const VS = ['kamailio', 'kamailio-nocheck', 'direct'] as const
type Vs = (typeof VS)[number]

function rates(args: ParsedArgs): number[] {
  const raw = stringOption(args, 'rate') ?? '500'
  const list = raw.split(',').map((r) => Number(r.trim()))
  if (list.some((r) => !Number.isInteger(r) || r < 1 || r > 100_000)) {
    throw new UsageError(`--rate takes whole numbers of calls/s from 1 to 100000, comma separated; got ${raw}`)
  }
  return list
}

/**
 * Kamailio's memory manager. Debian's build has memory debugging, and with its default manager (qm) the baseline
 * fell behind from 2,000 calls/s offered here, where tlsf keeps up to about 5,800 (docs/interop.md): the baseline
 * should be Kamailio at its best.
 */
function memoryManager(args: ParsedArgs): 'qm' | 'fm' | 'tlsf' {
  const m = stringOption(args, 'kamailio-mem') ?? 'tlsf'
  if (m === 'qm' || m === 'fm' || m === 'tlsf') return m
  throw new UsageError(`--kamailio-mem takes qm, fm or tlsf; got ${m}`)
}

function vsList(args: ParsedArgs): Vs[] {
  const raw = args.values.vs
  const items = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) => String(v).split(','))
  for (const v of items) {
    if (!(VS as readonly string[]).includes(v)) throw new UsageError(`--vs takes ${VS.join(', ')}; got ${v}`)
  }
  return items as Vs[]
}

async function startTargets(args: ParsedArgs, children: number): Promise<(() => Promise<SipTarget>)[]> {
  const starters: (() => Promise<SipTarget>)[] = []
  const address = stringOption(args, 'target')
  if (address === undefined && args.values['vs-only'] !== true) {
    starters.push(agentTarget)
  }
  if (address !== undefined) {
    const tickets = stringOption(args, 'tickets')
    const uasPort = intOption(args, 'uas-port', 0, 1, 65535)
    if (tickets === undefined || uasPort === 0) throw new UsageError('--target needs --tickets FILE and --uas-port P')
    starters.push(async () => externalTarget(address, uasPort, tickets))
  }
  for (const vs of vsList(args)) {
    if (vs === 'direct') starters.push(directTarget)
    else starters.push(() => kamailioTarget(vs === 'kamailio', children, memoryManager(args)))
  }
  if (starters.length === 0) {
    throw new UsageError('nothing to measure: no call agent on this branch; give --vs kamailio or --target HOST:PORT')
  }
  return starters
}

export interface SipSummary {
  target: string
  rate: number
  runs: number
  /** Median over runs. */
  achievedPerSecond: number
  failedCalls: number
  inviteTo200P50Ms: number
  inviteTo200P99Ms: number
  /** achievedPerSecond / the Kamailio baseline's at the same rate, when it ran too. */
  vsKamailio?: number
  /** The server's CPU time per call during the runs (µs, median), when the bench can tell. */
  cpuUsPerCall?: number
  /** cpuUsPerCall / the Kamailio baseline's at the same rate: below 1, cheaper per call than Kamailio. */
  cpuVsKamailio?: number
}

function summarize(runs: LoadRun[]): SipSummary[] {
  const keys = [...new Set(runs.map((r) => `${r.target}@${r.rate}`))]
  const summary = keys.map((k): SipSummary => {
    const group = runs.filter((r) => `${r.target}@${r.rate}` === k)
    return {
      target: group[0]!.target,
      rate: group[0]!.rate,
      runs: group.length,
      achievedPerSecond: round(median(group.map((r) => r.achievedPerSecond)), 4),
      failedCalls: group.reduce((a, r) => a + r.failed + (r.calls - r.successful - r.failed), 0),
      inviteTo200P50Ms: median(group.map((r) => r.inviteTo200P50Ms)),
      inviteTo200P99Ms: median(group.map((r) => r.inviteTo200P99Ms)),
    }
  })
  for (const s of summary) {
    const cpu = runs.filter((r) => r.target === s.target && r.rate === s.rate).map((r) => r.cpuUsPerCall)
    if (cpu.every((c) => c !== undefined)) s.cpuUsPerCall = round(median(cpu as number[]), 1)
  }
  for (const s of summary) {
    const base = summary.find((b) => b.target === 'kamailio' && b.rate === s.rate)
    if (base !== undefined && s !== base) {
      s.vsKamailio = round(s.achievedPerSecond / base.achievedPerSecond, 3)
      if (s.cpuUsPerCall !== undefined && base.cpuUsPerCall !== undefined) {
        s.cpuVsKamailio = round(s.cpuUsPerCall / base.cpuUsPerCall, 3)
      }
    }
  }
  return summary
}

export const sipBench: Command = {
  name: 'sip',
  summary: 'calls/s through a SIP server over TCP with SIPp (tickets in every INVITE), vs Kamailio',
  help: `Usage: ime bench sip [--rate R[,R...]] [--seconds S | --calls N] [--runs K] [--vs kamailio] [--json]
       ime bench sip --target HOST:PORT --tickets FILE --uas-port P [...]

  --rate R,...     offered call rates, calls/s (default 500)
  --seconds S      length of each run at each rate: calls = R * S (default 5)
  --calls N        calls per run instead (overrides --seconds)
  --runs K         runs per target and rate; medians are reported (default 1)
  --vs LIST        also measure: kamailio (baseline with the HMAC ticket check), kamailio-nocheck (the same
                   proxy without it), direct (SIPp to SIPp: the load generator's ceiling); comma separated
  --vs-only        do not measure our call agent (by default it runs in this process when the branch has it)
  --children C     Kamailio TCP workers (default 2)
  --kamailio-mem M Kamailio's memory manager (-x, -X): tlsf (default here), fm, or qm (Kamailio's default;
                   much slower in Debian's build, which has memory debugging)
  --target H:P     a running SIP server to measure instead of our agent; it must deliver calls to
                   127.0.0.1:--uas-port, where the bench runs a SIPp UAS, and accept the tickets in
                   --tickets FILE (lines "calling domain;called number;ticket")
  --json           print one JSON object as the last line

  Needs SIPp and Kamailio: apt-get install -y sip-tester kamailio kamailio-tls-modules`,
  options: {
    rate: { type: 'string' },
    seconds: { type: 'string' },
    calls: { type: 'string' },
    runs: { type: 'string' },
    vs: { type: 'string', multiple: true },
    children: { type: 'string' },
    'kamailio-mem': { type: 'string' },
    target: { type: 'string' },
    tickets: { type: 'string' },
    'uas-port': { type: 'string' },
    'vs-only': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args) {
    const rateList = rates(args)
    const seconds = numberOption(args, 'seconds', 5, 0.1, 600)
    const fixedCalls = args.values.calls === undefined ? undefined : intOption(args, 'calls', 0, 1, 2_000_000)
    const runs = intOption(args, 'runs', 1, 1, 50)
    const children = intOption(args, 'children', 2, 1, 64)
    const starters = await startTargets(args, children)
    const results: LoadRun[] = []
    // Every target runs at each rate in turn within a round, so that load from elsewhere on a shared machine falls
    // on all of them alike; rounds repeat --runs times.
    const targets: SipTarget[] = []
    try {
      for (const start of starters) targets.push(await start())
      for (let k = 0; k < runs; k++) {
        for (const rate of rateList) {
          for (const target of targets) {
            const calls = fixedCalls ?? Math.max(1, Math.round(rate * seconds))
            const run = await runLoad(target, rate, calls)
            results.push(run)
            process.stderr.write(
              `${run.target} rate ${rate}: ${run.successful}/${calls} ok, ${run.failed} failed, ` +
                `${run.achievedPerSecond} calls/s, INVITE->200 p50 ${run.inviteTo200P50Ms} ms` +
                (run.cpuUsPerCall !== undefined ? `, CPU ${run.cpuUsPerCall} µs/call` : '') +
                ` (${run.exit})\n`,
            )
          }
        }
      }
    } finally {
      for (const target of targets) await target.stop()
    }
    const summary = summarize(results)
    printTable(
      'SIP calls over TCP (SIPp -t t1, INVITE/180/200/ACK/BYE, medians over runs)',
      summary.map((s) => [
        `${s.target} @ ${s.rate}/s`,
        `${s.achievedPerSecond} calls/s, ${s.failedCalls} failed, INVITE->200 p50 ${s.inviteTo200P50Ms} ms, ` +
          `p99 ${s.inviteTo200P99Ms} ms` +
          (s.vsKamailio !== undefined ? `, ${s.vsKamailio} x Kamailio` : '') +
          (s.cpuUsPerCall !== undefined ? `; CPU ${s.cpuUsPerCall} µs/call` : '') +
          (s.cpuVsKamailio !== undefined ? ` (${s.cpuVsKamailio} x Kamailio's)` : ''),
      ]),
    )
    if (args.values.json === true) {
      printJson({ bench: 'sip', transport: 'tcp', sipp: 't1', seconds, runs, summary, results })
    }
    return summary.every((s) => s.failedCalls === 0) ? 0 : 1
  },
}
