/**
 * The edge's memory of tickets it has verified, with their call keys. A route's ticket comes with every call
 * over that route for days, and checking it from its text costs a parse and two HMACs (its MAC and its call
 * key); a remembered ticket costs a map lookup. What can change between two calls is checked on every call: the
 * time (expiry), the key ring (an epoch past its grace is refused at once) and the number called. Only tickets
 * whose MAC held are remembered, so forged ones cannot fill the cache; it is bounded, least recently used first.
 */
import type { LRUCache } from 'lru-cache'
import { boundedCache } from '../core/bounded-cache.js'
import { err, ok, type Result } from '../core/result.js'
import { deriveCallKey } from './call-key.js'
import { VERIFIED_TICKET_CACHE_ENTRIES } from './constants.js'
import type { TicketKeyRing } from './key-ring.js'
import { checkTicketInTime, verifyTicket, type TicketRejection } from './mint.js'
import type { Ticket } from './ticket.js'

export interface VerifiedTicket {
  readonly ticket: Ticket
  /** Its call key (call-key.ts). */
  readonly callKey: Uint8Array
}

export class VerifiedTickets {
  private readonly known: LRUCache<string, VerifiedTicket>

  constructor(
    private readonly keys: TicketKeyRing,
    entries = VERIFIED_TICKET_CACHE_ENTRIES,
  ) {
    this.known = boundedCache<string, VerifiedTicket>(entries)
  }

  verify(
    text: string | undefined,
    expected: { calledNumber: string },
    nowMs: number,
  ): Result<VerifiedTicket, TicketRejection> {
    const known = text === undefined ? undefined : this.known.get(text)
    if (known !== undefined) {
      const key = this.keys.verifyingKey(known.ticket.epoch, nowMs)
      if (!key.ok) {
        this.known.delete(text!)
        return err({ code: 'unknown-epoch', reason: `ticket ${key.error}` })
      }
      const inTime = checkTicketInTime(known.ticket, expected, nowMs)
      return inTime.ok ? ok(known) : inTime
    }
    const ticket = verifyTicket(text, expected, this.keys, nowMs)
    if (!ticket.ok) return ticket
    const key = this.keys.verifyingKey(ticket.value.epoch, nowMs)
    if (!key.ok) return err({ code: 'unknown-epoch', reason: `ticket ${key.error}` })
    const verified = { ticket: ticket.value, callKey: deriveCallKey(key.value.secret, ticket.value.signedBytes) }
    this.known.set(text!, verified)
    return ok(verified)
  }

  /** Tickets remembered now (a gauge). */
  get size(): number {
    return this.known.size
  }
}
