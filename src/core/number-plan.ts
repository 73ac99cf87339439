/**
 * The numbers an enterprise publishes, as an operator writes them: single numbers and ranges (e.g. +1 408 555
 * 0100 to 0199), minus exclusions, within a quota. Going over the quota is an error, never a silent cut.
 */
import { normaliseNumber, type E164, type NumberOptions } from './e164.js'
import { err, ok, type Result } from './result.js'

export interface NumberPlan {
  readonly numbers?: readonly string[]
  /** Inclusive ranges; both ends have the same length and differ only in their last digits. */
  readonly ranges?: readonly { readonly from: string; readonly to: string }[]
  readonly exclusions?: readonly string[]
  /** Most numbers this node may publish (default 10,000). */
  readonly quota?: number
}

export const DEFAULT_NUMBER_QUOTA = 10_000

export function expandNumberPlan(plan: NumberPlan, options: NumberOptions = {}): Result<E164[]> {
  const quota = plan.quota ?? DEFAULT_NUMBER_QUOTA
  if (!Number.isInteger(quota) || quota < 0) return err(`quota must be a whole number; got ${plan.quota}`)
  const parse = (text: string, what: string): Result<E164> => {
    const n = normaliseNumber(text, options)
    return n.ok ? n : err(`${what}: ${n.error}`)
  }
  const chosen = new Set<E164>()
  for (const text of plan.numbers ?? []) {
    const n = parse(text, 'number')
    if (!n.ok) return n
    chosen.add(n.value)
  }
  for (const range of plan.ranges ?? []) {
    const from = parse(range.from, 'range start')
    if (!from.ok) return from
    const to = parse(range.to, 'range end')
    if (!to.ok) return to
    if (from.value.length !== to.value.length) {
      return err(`range ${from.value} to ${to.value}: both ends must have the same number of digits`)
    }
    const start = BigInt(from.value.slice(1))
    const end = BigInt(to.value.slice(1))
    if (end < start) return err(`range ${from.value} to ${to.value} runs backwards`)
    if (end - start + 1n > BigInt(quota)) {
      return err(`range ${from.value} to ${to.value} has ${end - start + 1n} numbers, more than the quota of ${quota}`)
    }
    for (let v = start; v <= end; v++) chosen.add(`+${v.toString().padStart(from.value.length - 1, '0')}` as E164)
  }
  for (const text of plan.exclusions ?? []) {
    const n = parse(text, 'exclusion')
    if (!n.ok) return n
    chosen.delete(n.value)
  }
  if (chosen.size > quota) {
    return err(`the plan has ${chosen.size} numbers, more than the quota of ${quota}; raise the quota or exclude some`)
  }
  return ok([...chosen].sort())
}
