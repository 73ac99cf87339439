/**
 * The node's event hub: what happened (validation outcomes, routes learned and dropped, calls recorded, ring
 * changes), published once and delivered to every subscriber (the server-sent event stream). Delivery is
 * synchronous and never throws back at the publisher; a subscriber that is slow keeps its own bounded buffer
 * (see sse.ts).
 */
import type { Clock } from '../core/clock.js'
import { ringIdToHex } from '../core/ring.js'
import type { ChordEvent } from '../dht/chord-node.js'
import type { CallRecord } from '../validation/call-record.js'
import type { ValidationOutcome } from '../validation/scheduler.js'

export interface RingNodeView {
  readonly id: string
  readonly peer: string
}

export type ImeEvent =
  | { type: 'validation'; outcome: ValidationOutcome }
  | { type: 'route-learned'; number: string; domain: string; claimer?: string }
  /** A claimer proved a call but its route does not carry calls yet: it needs more proved calls (trust.ts). */
  | { type: 'route-candidate'; number: string; domain: string; provenCalls: number; proofsNeeded: number }
  /**
   * Two domains proved the same number: `domain` proved a call while `established` holds a trusted route to it.
   * The established route stays in use until the newcomer has proved more calls (trusted tells whether it has).
   */
  | {
      type: 'route-conflict'
      number: string
      domain: string
      established: string
      trusted: boolean
      provenCalls: number
      proofsNeeded: number
    }
  | { type: 'route-dropped'; number?: string; domain?: string; count: number; reason: string }
  | { type: 'call'; call: CallRecord }
  | { type: 'ring'; change: 'successor' | 'predecessor' | 'joined' | 'left'; node: RingNodeView | null }
  | {
      type: 'operator'
      act: 'edge-up' | 'edge-down' | 'ticket-key-rotated' | 'number-published' | 'number-withdrawn'
      detail?: string
    }

export type PublishedEvent = ImeEvent & { readonly seq: number; readonly at: number }

export type EventListener = (event: PublishedEvent) => void

export class EventHub {
  private seq = 0
  private readonly listeners = new Set<EventListener>()

  constructor(private readonly clock: Clock) {}

  publish(event: ImeEvent): PublishedEvent {
    const published: PublishedEvent = { ...event, seq: ++this.seq, at: this.clock.now() }
    for (const listener of [...this.listeners]) {
      try {
        listener(published)
      } catch {
        // One broken subscriber does not stop the others, nor the publisher.
      }
    }
    return published
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get subscribers(): number {
    return this.listeners.size
  }
}

/** Who may see an event: an operator sees everything, a user only the records of their own calls. */
export function visibleTo(viewer: { name: string; operator: boolean }, event: ImeEvent): boolean {
  if (viewer.operator) return true
  return event.type === 'call' && event.call.user === viewer.name
}

/** The events a Chord routing change makes (successor, predecessor, joined, left), if any. */
export function ringEvents(event: ChordEvent): ImeEvent[] {
  if (event.type === 'successor' || event.type === 'predecessor') {
    const node = event.node === null ? null : { id: ringIdToHex(event.node.id), peer: event.node.peer }
    return [{ type: 'ring', change: event.type, node }]
  }
  if (event.type === 'joined' || event.type === 'left') return [{ type: 'ring', change: event.type, node: null }]
  return []
}

/**
 * The events a validation outcome makes: the outcome; when it validated, a learned route (or a candidate that
 * needs more proved calls), and a conflict when another domain holds a trusted route to the number.
 */
export function validationEvents(outcome: ValidationOutcome): ImeEvent[] {
  const events: ImeEvent[] = [{ type: 'validation', outcome }]
  if (outcome.outcome !== 'validated' || outcome.domain === undefined) return events
  const { number, domain } = outcome
  const provenCalls = outcome.provenCalls ?? 1
  const proofsNeeded = outcome.proofsNeeded ?? 1
  if (outcome.trusted === false) {
    events.push({ type: 'route-candidate', number, domain, provenCalls, proofsNeeded })
  } else {
    events.push({
      type: 'route-learned',
      number,
      domain,
      ...(outcome.claimer !== undefined && { claimer: outcome.claimer }),
    })
  }
  if (outcome.conflictWith !== undefined) {
    events.push({
      type: 'route-conflict',
      number,
      domain,
      established: outcome.conflictWith,
      trusted: outcome.trusted !== false,
      provenCalls,
      proofsNeeded,
    })
  }
  return events
}
