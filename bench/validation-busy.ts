/**
 * `ime bench validation --busy`: the figures of issue 18, without a network. A busy number's validation success
 * (src/validation/busy-number.ts: the claimer's real pick, caps and calibration over simulated calls), the
 * impostor's chance per route (src/validation/guessing.ts, checked against the attack simulation at relaxed
 * parameters, src/validation/impostor-simulation.ts) and the PSTN calls a number needs before IME.
 */
import { DEFAULT_ATTEMPT_CAPS } from '../src/validation/attempt-caps.js'
import { simulateBusyNumber, seededRandom, type BusyNumberResult } from '../src/validation/busy-number.js'
import { PROOFS_TO_TRUST } from '../src/validation/constants.js'
import {
  DEFAULT_CALL_MODEL,
  impostorChanceInCalls,
  impostorChancePerRoute,
  impostorChancePerRun,
} from '../src/validation/guessing.js'
import { simulateImpostor } from '../src/validation/impostor-simulation.js'
import { printTable, round } from './report.js'

const sig = (x: number) => Number(x.toPrecision(3))

/** The soak's load: a call every 10 s from one enterprise's 5 users, each validated 0.5 to 2 s after it ends. */
const SOAK_LOAD = { policy: 'every-call', delayMinMs: 500, delayMaxMs: 2_000, hours: 0.5 } as const
const BEFORE = {
  improvedPick: false,
  caps: { ...DEFAULT_ATTEMPT_CAPS, perPeerPerHour: 20, failuresPerPeerPerHour: Number.MAX_SAFE_INTEGER },
}

const summary = (r: BusyNumberResult) => ({
  validations: r.validations,
  succeeded: r.succeeded,
  wrongPick: r.wrongPick,
  refused: r.refused,
  successRate: round(r.successRate, 4),
  pstnCallsBeforeTrusted: r.pstnCallsBeforeTrusted,
})

export function busyNumberReport() {
  const now = simulateBusyNumber(SOAK_LOAD)
  const before = simulateBusyNumber({ ...SOAK_LOAD, ...BEFORE })
  // The node's own scheduler and timing (one waiting validation per number, 1 to 60 min after the call), over a
  // day, by the per-call jitter between the two ends' records (the pair's fixed offset is learned).
  const scheduler = Object.fromEntries(
    [25, 50, 100, 200].map((jitterMs) => [
      `jitter${jitterMs}ms`,
      summary(simulateBusyNumber({ hours: 24, jitterMs, pairOffsetMs: { start: -200, end: -200 } })),
    ]),
  )
  const perRun = impostorChancePerRun()
  const relaxed = { ...DEFAULT_CALL_MODEL, quantumMs: 120_000, delayMaxMs: 600_000 }
  const relaxedPerRun = impostorChancePerRun(relaxed)
  const attempts = 30_000
  const sim = simulateImpostor(relaxed, PROOFS_TO_TRUST, attempts, seededRandom(12))
  return {
    bench: 'validation-busy',
    busy: { ...summary(now), callIntervalMs: 10_000, users: 5, delayMs: [500, 2_000] },
    busyBefore: summary(before),
    busyWithNodeScheduler: scheduler,
    impostorChancePerRun: sig(perRun),
    proofsToTrust: PROOFS_TO_TRUST,
    impostorChancePerRouteInConflict: sig(impostorChancePerRoute(perRun, PROOFS_TO_TRUST + 1)),
    impostorChancePerDayAt1000Calls: sig(impostorChanceInCalls(perRun, PROOFS_TO_TRUST, 1000)),
    attackSimulation: {
      quantumMs: relaxed.quantumMs,
      delayMaxMs: relaxed.delayMaxMs,
      attempts,
      modelPerRoute: sig(impostorChancePerRoute(relaxedPerRun, PROOFS_TO_TRUST)),
      simulatedPerRoute: sig(sim.routes / attempts),
    },
    pstnCallsBeforeImeBusy: now.pstnCallsBeforeTrusted,
    pstnCallsBeforeImeBusyNodeScheduler: scheduler['jitter50ms']!.pstnCallsBeforeTrusted,
    // The headline figures, last so that they are easy to find.
    busySuccessRate: round(now.successRate, 4),
    impostorChancePerRoute: sig(impostorChancePerRoute(perRun, PROOFS_TO_TRUST)),
    pstnCallsBeforeIme: PROOFS_TO_TRUST,
  }
}

export function printBusyNumberReport(r: ReturnType<typeof busyNumberReport>): void {
  printTable('Busy number (a call every 10 s from one enterprise), the soak load: validations', [
    ['succeeded', `${r.busy.succeeded} of ${r.busy.validations} (${(r.busySuccessRate * 100).toFixed(1)} %)`],
    ['wrong record picked / refused by caps', `${r.busy.wrongPick} / ${r.busy.refused}`],
    ['before issue 18', `${(r.busyBefore.successRate * 100).toFixed(1)} % (${r.busyBefore.refused} refused)`],
    ...Object.entries(r.busyWithNodeScheduler).map(
      ([k, v]) => [`node scheduler, ${k}`, `${(v.successRate * 100).toFixed(1)} % of ${v.validations}`] as const,
    ),
  ])
  printTable('Impostor claimer that knows the caller', [
    ['chance per run (one call)', r.impostorChancePerRun],
    [`per route (${r.proofsToTrust} calls in a row)`, r.impostorChancePerRoute],
    ['per route in a conflict', r.impostorChancePerRouteInConflict],
    ['per day at 1,000 validated calls', r.impostorChancePerDayAt1000Calls],
    [
      'attack simulation, relaxed',
      `model ${r.attackSimulation.modelPerRoute}, simulated ${r.attackSimulation.simulatedPerRoute}`,
    ],
  ])
  printTable('PSTN calls before IME', [
    ['ordinary number (new claimer)', r.pstnCallsBeforeIme],
    ['claimer trusted before', 1],
    ['busy number, soak load', r.pstnCallsBeforeImeBusy],
    ['busy number, node scheduler (1 to 60 min delay)', r.pstnCallsBeforeImeBusyNodeScheduler],
  ])
}
