/**
 * The fuzz targets at test size: a few thousand inputs each (FUZZ_RUNS overrides; FUZZ_SEED replays a run).
 * The long run is `ime bench fuzz --runs 100000`. See docs/reliability.md.
 */
import { describe, expect, it } from 'vitest'
import { describeFailure, runTarget } from '../../src/testing/fuzz/harness.js'
import { targetsOf } from '../../src/testing/fuzz/targets.js'

/** Inputs per target: the CPace-heavy proof target costs ~3 ms an input, the rest well under 1 ms. */
const RUNS: Record<string, number> = { 'validation.proof': 600, 'sip.SipStreamFramer': 2_000 }
const DEFAULT_RUNS = 3_000
const override = process.env.FUZZ_RUNS === undefined ? undefined : Number(process.env.FUZZ_RUNS)
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)

const targets = await targetsOf(['sip', 'chord', 'validation', 'ticket'])

describe('fuzzing', () => {
  for (const target of targets) {
    it(`${target.name}: every input is accepted (and round-trips) or refused with a reason, in time`, async () => {
      const numRuns = override ?? RUNS[target.name] ?? DEFAULT_RUNS
      // Under a shared 2-core machine a GC pause can exceed 50 ms; slow inputs are re-timed before failing.
      const report = await runTarget(target, { numRuns, ...(seed !== undefined && { seed }) })
      if (report.failure !== undefined) throw new Error(describeFailure(report))
      expect(report.runs).toBe(numRuns)
      expect(report.accepted + report.refused).toBe(numRuns)
    })
  }
})
