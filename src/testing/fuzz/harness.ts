/**
 * Runs fuzz targets with fast-check: each input must be accepted (and then satisfy the target's round-trip
 * property) or refused with a clear reason, within a time bound. A thrown error, a broken property or a slow
 * input is a failure, reported with the seed, the path and the shrunk counterexample so that it can be replayed.
 * The vitest files (a few thousand inputs) and `ime bench fuzz` (100,000) run the same targets.
 */
import fc from 'fast-check'

export type Outcome = 'accepted' | 'refused'

export interface FuzzTarget<T> {
  /** `group.name`, e.g. `sip.parseMessage`. */
  readonly name: string
  readonly group: 'sip' | 'chord' | 'validation' | 'ticket'
  readonly arbitrary: fc.Arbitrary<T>
  /** Untimed set-up for one input (e.g. a fresh protocol run up to the message being fuzzed). */
  prepare?(input: T): unknown
  /** Checks one input (timed); throws (an assertion error) when a property does not hold. */
  check(input: T, prepared?: unknown): Outcome | Promise<Outcome>
  /** How to show an input in a report (defaults to fast-check's stringify). */
  show?(input: T): string
}

export interface FuzzOptions {
  readonly numRuns: number
  readonly seed?: number
  /** Largest time one input may take (ms): a slower input is timed again, and fails if it stays slow. */
  readonly maxMsPerInput?: number
}

export interface FuzzReport {
  readonly target: string
  readonly group: string
  readonly seed: number
  readonly runs: number
  readonly accepted: number
  readonly refused: number
  readonly maxMs: number
  readonly p99Ms: number
  readonly totalMs: number
  readonly failure?: { readonly path: string; readonly counterexample: string; readonly error: string }
}

/**
 * Refusal reasons must say what was wrong: non-empty, one line, no control characters, bounded. With `phrase`,
 * DEL is refused too: a SIP reason phrase cannot hold it.
 */
export function checkReason(reason: unknown, phrase = false): void {
  if (typeof reason !== 'string' || reason.trim().length === 0) throw new Error(`reason is empty: ${String(reason)}`)
  // eslint-disable-next-line no-control-regex
  const control = phrase ? /[\x00-\x08\x0a-\x1f\x7f]/ : /[\x00-\x08\x0a-\x1f]/
  if (control.test(reason)) throw new Error(`reason has a control character: ${JSON.stringify(reason)}`)
  if (reason.length > 1_024) throw new Error(`reason is ${reason.length} characters long`)
}

/** An error of the target, thrown from `check`: the property it states does not hold. */
export function fail(message: string): never {
  throw new Error(message)
}

const DEFAULT_MAX_MS = 50

export async function runTarget<T>(target: FuzzTarget<T>, options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
  const maxMs = options.maxMsPerInput ?? DEFAULT_MAX_MS
  // Times in tenths of a millisecond, bucketed: a 100,000-run report keeps no per-input array.
  const buckets = new Uint32Array(100_000)
  let timed = 0
  let slowest = 0
  let accepted = 0
  let refused = 0
  let shrinking = false
  const once = async (input: T): Promise<[Outcome, number]> => {
    const prepared = target.prepare?.(input)
    const t0 = performance.now()
    const outcome = await target.check(input, prepared)
    return [outcome, performance.now() - t0]
  }
  const started = performance.now()
  const result = await fc.check(
    fc.asyncProperty(target.arbitrary, async (input) => {
      try {
        const [outcome, first] = await once(input)
        let ms = first
        if (ms > maxMs) {
          // A pause of the shared machine or a GC is not the input's fault: time it again.
          for (let i = 0; i < 3 && ms > maxMs; i++) ms = Math.min(ms, (await once(input))[1])
          if (ms > maxMs) throw new Error(`took ${ms.toFixed(1)} ms (limit ${maxMs} ms), every time`)
        }
        if (shrinking) return
        if (outcome === 'accepted') accepted++
        else refused++
        timed++
        buckets[Math.min(buckets.length - 1, Math.round(ms * 10))]! += 1
        slowest = Math.max(slowest, ms)
      } catch (e) {
        // Shrinking re-runs the property: count only the runs before the first failure.
        shrinking = true
        throw e
      }
    }),
    { numRuns: options.numRuns, seed },
  )
  const totalMs = performance.now() - started
  let p99 = 0
  let seen = 0
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i] ?? 0
    if (seen >= timed * 0.99) {
      p99 = i / 10
      break
    }
  }
  const report = {
    target: target.name,
    group: target.group,
    seed,
    runs: timed,
    accepted,
    refused,
    maxMs: Math.round(slowest * 100) / 100,
    p99Ms: p99,
    totalMs: Math.round(totalMs),
  }
  if (!result.failed) return report
  const example = result.counterexample?.[0] as T | undefined
  const shown =
    example === undefined ? '(none)' : target.show !== undefined ? target.show(example) : fc.stringify(example)
  const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)
  return {
    ...report,
    failure: {
      path: result.counterexamplePath ?? '',
      counterexample: shown.slice(0, 4_000),
      error: error.slice(0, 2_000),
    },
  }
}

/** One line for a failed target: enough to replay it (`fc.assert(..., { seed, path })`) and see why. */
export function describeFailure(r: FuzzReport): string {
  if (r.failure === undefined) return `${r.target}: ok`
  return [
    `${r.target} FAILED (seed ${r.seed}, path "${r.failure.path}")`,
    `  error: ${r.failure.error}`,
    `  counterexample: ${r.failure.counterexample}`,
  ].join('\n')
}
