/** How the operator page shows learned routes: the evidence behind each, and numbers in conflict. Pure. */
import type { RouteDto } from './api.js'

/** Numbers that more than one domain has proved: a conflict the operator must see. */
export function conflictedNumbers(routes: readonly RouteDto[]): Set<string> {
  const domains = new Map<string, Set<string>>()
  for (const r of routes) domains.set(r.number, (domains.get(r.number) ?? new Set()).add(r.domain))
  return new Set([...domains].filter(([, d]) => d.size > 1).map(([n]) => n))
}

/** A route's evidence in words: proved calls, and whether it carries calls yet. */
export const evidenceOf = (r: RouteDto): string =>
  r.provenCalls === undefined
    ? ''
    : `${r.provenCalls} call${r.provenCalls === 1 ? '' : 's'} proved${r.trusted === false ? ', candidate' : ''}`
