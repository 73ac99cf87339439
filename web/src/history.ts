/** Call history as the softphone shows it: time, the other party's number, duration and path. */
import type { CallRecordDto } from './api.js'
import { displayNumber } from './number.js'
import { pathLabel, type PathLabel } from './routing.js'

export interface HistoryEntry {
  readonly id: string
  /** The other party, E.164 (what a click calls back). */
  readonly number: string
  readonly display: string
  readonly direction: 'in' | 'out'
  readonly time: string
  /** ISO time for <time datetime>. */
  readonly datetime: string
  readonly duration: string
  readonly path: PathLabel
  readonly outcome: string
  /** One sentence for screen readers and the title attribute. */
  readonly summary: string
}

/** 0:07, 12:34, 1:02:03. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** Talk time: from answer (or start, when the server does not say) to end; none for calls not answered. */
export function talkTime(c: Pick<CallRecordDto, 'start' | 'end' | 'answeredAt' | 'outcome'>): number | undefined {
  if (c.end === undefined) return undefined
  if (c.outcome !== 'answered' && c.answeredAt === undefined) return undefined
  return Math.max(0, c.end - (c.answeredAt ?? c.start))
}

const OUTCOME_WORDS: Record<string, string> = {
  answered: 'answered',
  busy: 'busy',
  declined: 'declined',
  'no-answer': 'no answer',
  cancelled: 'cancelled',
  missed: 'missed',
  failed: 'failed',
}

export interface FormatOptions {
  readonly now: number
  readonly locale?: string
  readonly timeZone?: string
}

/** Today's calls show the time only; older ones the date too. */
export function formatWhen(at: number, { now, locale, timeZone }: FormatOptions): string {
  const tz = timeZone === undefined ? {} : { timeZone }
  const day = (t: number) => new Intl.DateTimeFormat('en-CA', { ...tz, dateStyle: 'short' }).format(t)
  const time = new Intl.DateTimeFormat(locale, { ...tz, hour: '2-digit', minute: '2-digit' }).format(at)
  if (day(at) === day(now)) return time
  const date = new Intl.DateTimeFormat(locale, { ...tz, month: 'short', day: 'numeric' }).format(at)
  return `${date} ${time}`
}

export function toHistoryEntry(c: CallRecordDto, options: FormatOptions): HistoryEntry {
  const number = c.direction === 'in' ? c.from : c.to
  const talk = talkTime(c)
  const path = pathLabel(c.path, c.fallback)
  const display = displayNumber(number)
  const time = formatWhen(c.start, options)
  const duration = talk === undefined ? '' : formatDuration(talk)
  const outcome = c.outcome === 'answered' || c.outcome === 'unknown' ? '' : (OUTCOME_WORDS[c.outcome] ?? c.outcome)
  const dir = c.direction === 'in' ? 'from' : 'to'
  const summary = [
    `Call ${dir} ${display}`,
    time,
    duration ? `duration ${duration}` : outcome || 'not answered',
    `via ${path}`,
  ].join(', ')
  return {
    id: c.id,
    number,
    display,
    direction: c.direction,
    time,
    datetime: new Date(c.start).toISOString(),
    duration,
    path,
    outcome,
    summary,
  }
}

/** Newest first. */
export function historyEntries(calls: readonly CallRecordDto[], options: FormatOptions): HistoryEntry[] {
  return [...calls].sort((a, b) => b.start - a.start).map((c) => toHistoryEntry(c, options))
}
