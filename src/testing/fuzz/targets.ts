/** Every fuzz target, by group: what the vitest suite and `ime bench fuzz` run. */
import { chordTargets } from './chord-targets.js'
import type { FuzzTarget } from './harness.js'
import { sipTargets } from './sip-targets.js'
import { ticketTargets } from './ticket-targets.js'
import { validationTargets } from './validation-targets.js'

export const GROUPS = ['sip', 'chord', 'validation', 'ticket'] as const
export type Group = (typeof GROUPS)[number]

/** The targets of the groups asked for (the Chord ones need keys generated first). */
export async function targetsOf(groups: readonly Group[]): Promise<FuzzTarget<never>[]> {
  const out: FuzzTarget<never>[] = []
  for (const g of groups) {
    if (g === 'sip') out.push(...(sipTargets as FuzzTarget<never>[]))
    if (g === 'chord') out.push(...(await chordTargets()))
    if (g === 'validation') out.push(...(validationTargets as FuzzTarget<never>[]))
    if (g === 'ticket') out.push(...(ticketTargets as FuzzTarget<never>[]))
  }
  return out
}
