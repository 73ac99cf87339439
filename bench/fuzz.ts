/**
 * `ime bench fuzz`: the long fuzz run. Runs every fuzz target of src/testing/fuzz (the same ones the test suite runs
 * a few thousand times) with --runs inputs each, and reports per target the inputs run, how many were accepted
 * and refused, the slowest and p99 time per input, and the heap before and after (after a full GC). Exits 1 on
 * any failure (a thrown error, a broken round trip, an input over the time limit, or the heap growing past
 * --max-heap-growth), printing the seed, the path and the shrunk counterexample.
 */
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { intOption, UsageError, type Command } from '../src/cli/command.js'
import { describeFailure, runTarget, type FuzzReport } from '../src/testing/fuzz/harness.js'
import { GROUPS, targetsOf, type Group } from '../src/testing/fuzz/targets.js'
import { printJson, printTable } from './report.js'

/** A full GC, so that heap figures are live data and not garbage. */
function collect(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

export const fuzzBench: Command = {
  name: 'fuzz',
  summary: 'the long fuzz run: N inputs per target, accepted/refused, time per input, heap (exit 1 on failure)',
  help: `Usage: ime bench fuzz [--runs N] [--target sip|chord|validation|ticket|all] [--seed S] [--json]

  --runs N              inputs per target (default 100000)
  --target T            one group of targets, or all (default all)
  --seed S              replay a run with this seed (default: random, printed)
  --max-ms M            time limit per input in ms; a slower input is timed again before failing (default 50)
  --max-heap-growth MB  heap growth allowed over the whole run, after GC (default 64)
  --json                print one JSON object as the last line`,
  options: {
    runs: { type: 'string' },
    target: { type: 'string' },
    seed: { type: 'string' },
    'max-ms': { type: 'string' },
    'max-heap-growth': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args) {
    const runs = intOption(args, 'runs', 100_000, 1, 100_000_000)
    const maxMs = intOption(args, 'max-ms', 50, 1, 60_000)
    const maxGrowth = intOption(args, 'max-heap-growth', 64, 1, 100_000)
    const seedText = args.values.seed
    const seed = typeof seedText === 'string' ? Number(seedText) : undefined
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError('--seed must be an integer')
    const which = typeof args.values.target === 'string' ? args.values.target : 'all'
    if (which !== 'all' && !(GROUPS as readonly string[]).includes(which))
      throw new UsageError(`--target must be one of ${GROUPS.join(', ')} or all`)
    const groups: readonly Group[] = which === 'all' ? GROUPS : [which as Group]

    const targets = await targetsOf(groups)
    collect()
    const heapBefore = process.memoryUsage().heapUsed
    const reports: (FuzzReport & { heapAfterMiB: number })[] = []
    for (const target of targets) {
      const report = await runTarget(target, {
        numRuns: runs,
        maxMsPerInput: maxMs,
        ...(seed !== undefined && { seed }),
      })
      collect()
      reports.push({ ...report, heapAfterMiB: mib(process.memoryUsage().heapUsed) })
      if (report.failure !== undefined) process.stderr.write(describeFailure(report) + '\n')
    }
    collect()
    const heapAfter = process.memoryUsage().heapUsed
    const growth = mib(heapAfter - heapBefore)
    const failed = reports.filter((r) => r.failure !== undefined)
    const heapOk = growth <= maxGrowth
    if (!heapOk) process.stderr.write(`heap grew by ${growth} MiB (limit ${maxGrowth} MiB)\n`)

    printTable(
      `Fuzzing, ${runs} inputs per target (time per input: max / p99)`,
      reports.map((r) => [
        r.target,
        `${r.failure === undefined ? 'ok    ' : 'FAILED'} ${r.runs} run, ${r.accepted} accepted, ${r.refused} refused, ` +
          `max ${r.maxMs} ms, p99 ${r.p99Ms} ms, ${Math.round(r.totalMs / 1000)} s, seed ${r.seed}`,
      ]),
    )
    printTable('Heap (after GC)', [
      ['before', `${mib(heapBefore)} MiB`],
      ['after', `${mib(heapAfter)} MiB`],
      ['growth', `${growth} MiB (limit ${maxGrowth})`],
    ])
    if (args.values.json === true)
      printJson({
        bench: 'fuzz',
        node: process.version,
        runsPerTarget: runs,
        maxMsPerInput: maxMs,
        ok: failed.length === 0 && heapOk,
        heapBeforeMiB: mib(heapBefore),
        heapAfterMiB: mib(heapAfter),
        heapGrowthMiB: growth,
        targets: reports,
      })
    return failed.length === 0 && heapOk ? 0 : 1
  },
}
