/**
 * `ime bench keys`: what it costs to turn a number into its DHT key, one derivation at a time on one core,
 * and so what it costs to enumerate a country's numbering space (10^10 numbers), beside plain SHA-256.
 */
import { createHash } from 'node:crypto'
import { intOption, numberOption, type Command } from '../src/cli/command.js'
import type { E164 } from '../src/core/e164.js'
import { deriveNumberKey, numberKeyParams, paramsId } from '../src/core/number-key.js'
import { median, percentile, printJson, printTable, round } from './report.js'

const SPACE = 1e10
const SECONDS_PER_YEAR = 365.25 * 24 * 3600

export const keysBench: Command = {
  name: 'keys',
  summary: 'number-key derivations per second on one core, and the cost to enumerate 10^10 numbers',
  help: `Usage: ime bench keys [--seconds S] [--log2n L] [--json]

  --seconds S   time spent deriving keys one after another (default 5)
  --log2n L     scrypt cost N = 2^L to measure (default: the overlay default)
  --json        print one JSON object as the last line`,
  options: { seconds: { type: 'string' }, log2n: { type: 'string' }, json: { type: 'boolean' } },
  async run(args) {
    const seconds = numberOption(args, 'seconds', 5, 0.5, 600)
    const defaults = numberKeyParams('bench')
    const log2n = intOption(args, 'log2n', Math.log2(defaults.N), 1, 22)
    const params = numberKeyParams('bench', { N: 2 ** log2n })
    const times: number[] = []
    const deadline = performance.now() + seconds * 1000
    for (let i = 0; performance.now() < deadline || times.length < 5; i++) {
      const number = `+1408${String(5550000 + i).padStart(7, '0')}` as E164
      const t = performance.now()
      await deriveNumberKey(number, params)
      times.push(performance.now() - t)
    }
    // Plain SHA-256, as Cisco's IME and the ViPR drafts keyed numbers, for comparison.
    const shaRounds = 200_000
    const t = performance.now()
    for (let i = 0; i < shaRounds; i++)
      createHash('sha256')
        .update(`+1408${5550000 + i}`)
        .digest()
    const shaPerSecond = shaRounds / ((performance.now() - t) / 1000)
    const msPerKey = median(times)
    const result = {
      bench: 'keys',
      params: paramsId(params),
      memoryMiB: (128 * params.N * params.r) / 2 ** 20,
      derivations: times.length,
      perSecondOneCore: round(1000 / msPerKey, 4),
      medianMs: round(msPerKey, 4),
      p99Ms: round(percentile(times, 99), 4),
      enumerate1e10CpuYears: round((SPACE * msPerKey) / 1000 / SECONDS_PER_YEAR, 4),
      sha256PerSecond: round(shaPerSecond, 4),
      enumerate1e10Sha256CpuSeconds: round(SPACE / shaPerSecond, 4),
      slowdownVsSha256: round((shaPerSecond * msPerKey) / 1000, 4),
    }
    printTable(`Number keys: ${result.params}, ${result.memoryMiB} MiB each, one core`, [
      ['derivations measured', result.derivations],
      ['per second, one core', result.perSecondOneCore],
      ['median / p99', `${result.medianMs} / ${result.p99Ms} ms`],
      ['10^10 numbers (one country)', `${result.enumerate1e10CpuYears} CPU-years`],
      [
        'plain SHA-256, one core',
        `${result.sha256PerSecond} per second: 10^10 in ${result.enumerate1e10Sha256CpuSeconds} s`,
      ],
      ['slower than SHA-256 by', `${result.slowdownVsSha256} x`],
    ])
    if (args.values.json === true) printJson(result)
    return 0
  },
}
