/**
 * `ime bench validation --busy`: the figures of issue 18, without a network. A busy number's validation success
 * (src/validation/busy-number.ts: the claimer's real pick, caps and calibration over simulated calls), the
 * impostor's chance per route (src/validation/guessing.ts, checked against the attack simulation at relaxed
 * parameters, src/validation/impostor-simulation.ts) and the PSTN calls a number needs before IME.
 */
import { DEFAULT_ATTEMPT_CAPS } from '../src/validation/attempt-caps.js'
import {
  simulateBusyNumber,
  seededRandom,
  type BusyNumberResult,
  type BusyNumberScenario,
} from '../src/validation/busy-number.js'
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

/** The pair's records differ by 200 ms at each time, learned after the first proof. */
const STEADY = { pairOffsetMs: { start: -200, end: -200 } } as const
/** Clocks 1.5 s apart (the claimer's ahead), setup signalling 200 ms the other way: 1.3 s in all. */
const CLOCKS_1500 = { pairOffsetMs: { start: 1_300, end: 1_300 }, clockOffsetMs: 1_500, jitterMs: 100 } as const
const WITHOUT_HINTS = { callerHint: false, clockHint: false, separatedCall: false } as const

/** `seeds` simulated days of a busy number under the node's scheduler, added up. */
function days(scenario: Partial<BusyNumberScenario>, seeds = 10) {
  let validations = 0
  let succeeded = 0
  let firstProofs = 0
  for (let seed = 1; seed <= seeds; seed++) {
    const r = simulateBusyNumber({ hours: 24, seed, ...scenario })
    validations += r.validations
    succeeded += r.succeeded
    if (r.firstSuccessAt === 1) firstProofs++
  }
  return { days: seeds, validations, succeeded, successRate: round(succeeded / validations, 4), firstProofs }
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
  // The node's own scheduler and timing (one waiting validation per number, 1 to 60 min after the call), over ten
  // simulated days, by the per-call jitter between the two ends' records (the pair's fixed offset is learned); and
  // the same without this second round (caller hint, clock hint, the originator's choice of a call).
  const scheduler = Object.fromEntries(
    [25, 50, 100, 200].map((jitterMs) => [`jitter${jitterMs}ms`, days({ jitterMs, ...STEADY })]),
  )
  const schedulerBefore = Object.fromEntries(
    [25, 50, 100, 200].map((jitterMs) => [`jitter${jitterMs}ms`, days({ jitterMs, ...STEADY, ...WITHOUT_HINTS })]),
  )
  // Pairs whose records differ by a second or more, twenty simulated days each: first validations that succeed.
  const firstProof = {
    clocks1500ms: days(CLOCKS_1500, 20),
    clocks1500msBefore: days({ ...CLOCKS_1500, ...WITHOUT_HINTS }, 20),
    demoSetupOffsets: days({ jitterMs: 100 }, 20),
    demoSetupOffsetsBefore: days({ jitterMs: 100, ...WITHOUT_HINTS }, 20),
  }
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
    busyWithNodeSchedulerBefore: schedulerBefore,
    firstProof,
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
    pstnCallsBeforeImeBusyNodeScheduler: simulateBusyNumber({ hours: 24, jitterMs: 100, ...STEADY })
      .pstnCallsBeforeTrusted,
    busySuccessRateNodeScheduler100ms: scheduler['jitter100ms']!.successRate,
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
      ([k, v]) =>
        [
          `node scheduler (10 days), ${k}`,
          `${(v.successRate * 100).toFixed(1)} % of ${v.validations} (without the hints: ${(
            r.busyWithNodeSchedulerBefore[k]!.successRate * 100
          ).toFixed(1)} %)`,
        ] as const,
    ),
  ])
  const f = r.firstProof
  printTable('Pairs whose records differ by a second or more (20 days each): first validations that succeed', [
    ['clocks 1.5 s apart', `${f.clocks1500ms.firstProofs} of 20 (before: ${f.clocks1500msBefore.firstProofs})`],
    [
      "the demo's setup offsets (-980, -352 ms)",
      `${f.demoSetupOffsets.firstProofs} of 20 (before: ${f.demoSetupOffsetsBefore.firstProofs})`,
    ],
    [
      'all validations, clocks / demo offsets',
      `${(f.clocks1500ms.successRate * 100).toFixed(1)} % / ${(f.demoSetupOffsets.successRate * 100).toFixed(1)} %`,
    ],
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
