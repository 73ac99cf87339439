/**
 * The operator page's plots over time (GET /api/activity): calls by path, validations by outcome, conflicts and
 * ticket refusals by reason, counted in equal buckets over the last hour or day. Pure: the API hands it the
 * node's call records, its validation log and its recent ticket refusals.
 */
import type { CallRecord } from '../validation/call-record.js'
import type { ValidationOutcome } from '../validation/scheduler.js'

export type ActivityWindow = 'hour' | 'day'

/** Each window's span and bucket count: 5-minute buckets over an hour, hourly ones over a day. */
export const ACTIVITY_WINDOWS: Record<ActivityWindow, { spanMs: number; buckets: number }> = {
  hour: { spanMs: 3_600_000, buckets: 12 },
  day: { spanMs: 86_400_000, buckets: 24 },
}

/** Counts per label, one per bucket, oldest bucket first. */
export type Series = Record<string, number[]>

export interface Activity {
  readonly window: ActivityWindow
  /** Start of the first bucket (ms since the epoch) and each bucket's width. */
  readonly from: number
  readonly bucketMs: number
  readonly calls: Series
  readonly validations: Series
  readonly conflicts: Series
  readonly ticketRefusals: Series
  /** Numbers with a conflict in the window. */
  readonly conflictedNumbers: string[]
}

/** Counts timed, labelled items into the window's buckets; items outside it are left out. */
export function bucketize(
  items: Iterable<{ readonly at: number; readonly label: string }>,
  now: number,
  window: ActivityWindow,
): { from: number; bucketMs: number; series: Series } {
  const { spanMs, buckets } = ACTIVITY_WINDOWS[window]
  const bucketMs = spanMs / buckets
  // Buckets end at the next whole bucket after now, so they line up from one request to the next.
  const end = (Math.floor(now / bucketMs) + 1) * bucketMs
  const from = end - spanMs
  const series: Series = {}
  for (const { at, label } of items) {
    if (at < from || at >= end) continue
    const counts = (series[label] ??= new Array<number>(buckets).fill(0))
    counts[Math.floor((at - from) / bucketMs)]!++
  }
  return { from, bucketMs, series }
}

/** What a call record counts as on the plot: its path, or "fallback" for an IME call that went over the PSTN. */
export const callLabel = (c: CallRecord): string => (c.fallback === true ? 'fallback' : c.path)

export interface ActivityInput {
  readonly calls: readonly CallRecord[]
  readonly validations: readonly { readonly at: number; readonly outcome: ValidationOutcome }[]
  readonly ticketRefusals: readonly { readonly at: number; readonly code: string }[]
}

export function activity(input: ActivityInput, now: number, window: ActivityWindow): Activity {
  // An internal call keeps two records (caller and callee): counted once, by the caller's.
  const calls = input.calls
    .filter((c) => !(c.path === 'internal' && c.direction === 'inbound'))
    .map((c) => ({ at: c.start, label: callLabel(c) }))
  const validations = input.validations.map((v) => ({
    at: v.at,
    label: v.outcome.outcome === 'failed' ? `failed: ${v.outcome.failure ?? 'other'}` : v.outcome.outcome,
  }))
  const conflictsIn = input.validations.filter((v) => v.outcome.conflictWith !== undefined)
  const conflicts = conflictsIn.map((v) => ({ at: v.at, label: 'conflict' }))
  const refusals = input.ticketRefusals.map((r) => ({ at: r.at, label: r.code }))
  const c = bucketize(calls, now, window)
  const { from, bucketMs } = c
  const inWindow = (at: number) => at >= from && at < from + ACTIVITY_WINDOWS[window].spanMs
  return {
    window,
    from,
    bucketMs,
    calls: c.series,
    validations: bucketize(validations, now, window).series,
    conflicts: bucketize(conflicts, now, window).series,
    ticketRefusals: bucketize(refusals, now, window).series,
    conflictedNumbers: [...new Set(conflictsIn.filter((v) => inWindow(v.at)).map((v) => v.outcome.number))].sort(),
  }
}

/** The last `max` ticket refusals within `keepMs`, in memory (lost on restart): what the plot of refusals shows. */
export class RecentRefusals {
  private readonly items: { at: number; code: string }[] = []

  constructor(
    private readonly max = 10_000,
    private readonly keepMs = ACTIVITY_WINDOWS.day.spanMs,
  ) {}

  add(at: number, code: string): void {
    this.items.push({ at, code })
    const cut = this.items.findIndex((r) => r.at >= at - this.keepMs)
    if (cut > 0) this.items.splice(0, cut)
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max)
  }

  list(): readonly { at: number; code: string }[] {
    return this.items
  }
}
