/**
 * Ticket fuzz targets: parseTicket on random and mutated header values (what parses must write back to the
 * same text), and verifyTicket on mutated valid tickets (never accepted unless the text is the minted one).
 */
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { MemoryTicketKeyStore, TicketKeyRing } from '../../tickets/key-ring.js'
import { mintTicket, verifyTicket } from '../../tickets/mint.js'
import { parseTicket, ticketToText } from '../../tickets/ticket.js'
import { checkReason, fail, type FuzzTarget, type Outcome } from './harness.js'
import { mutateText, mutations, type Mutation } from './mutate.js'

const T0 = Date.parse('2026-11-25T10:00:00Z')
const rand = (n: number) => new Uint8Array(randomBytes(n))
const keys = new TicketKeyRing(new MemoryTicketKeyStore(), rand)

/** Tickets of several lengths (number and domain lengths vary the base64 padding), all valid at T0. */
const REQUESTS = [
  { calledNumber: '+14085550123', callingDomain: 'a.example' },
  { calledNumber: '+1', callingDomain: 'b.example.org' },
  { calledNumber: '+442079460958', callingDomain: 'x' },
  { calledNumber: '+123456789012345', callingDomain: 'very-long-label.sub.enterprise.example' },
  { calledNumber: '+33142685300', callingDomain: 'ab.cd' },
]
const TICKETS = REQUESTS.map((r) => {
  const t = mintTicket({ ...r, callerPeer: rand(38), validitySeconds: 3600 }, keys, T0, rand)
  if (!t.ok) throw new Error(t.error)
  return { text: t.value.text, expected: r }
})

interface TicketInput {
  readonly seed: number
  readonly mutations: Mutation[]
}
const textOf = (i: TicketInput | string): string =>
  typeof i === 'string' ? i : mutateText(TICKETS[i.seed % TICKETS.length]?.text ?? '', i.mutations)

const ticketInput = fc.record({ seed: fc.nat(), mutations: mutations(3) })

export const parseTicketTarget: FuzzTarget<TicketInput | string> = {
  name: 'ticket.parseTicket',
  group: 'ticket',
  arbitrary: fc.oneof(
    { weight: 4, arbitrary: ticketInput },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 120 }).map((s) => s.replaceAll('=', '')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 120, unit: 'binary' }) },
  ),
  check(input): Outcome {
    const text = textOf(input)
    const r = parseTicket(text)
    if (!r.ok) {
      checkReason(r.error)
      return 'refused'
    }
    // One ticket, one text: what parses must be exactly the text its bytes encode to.
    const written = ticketToText(r.value.signedBytes, r.value.mac)
    if (written !== text)
      fail(`ticket ${JSON.stringify(text)} parses, but its bytes write as ${JSON.stringify(written)}`)
    return 'accepted'
  },
  show: (input) => JSON.stringify(textOf(input)),
}

export const verifyTicketTarget: FuzzTarget<TicketInput> = {
  name: 'ticket.verifyTicket',
  group: 'ticket',
  arbitrary: ticketInput,
  check(input): Outcome {
    const seed = TICKETS[input.seed % TICKETS.length]
    if (seed === undefined) fail('no seed')
    const text = textOf(input)
    const r = verifyTicket(text, seed.expected, keys, T0 + 60_000)
    if (!r.ok) {
      checkReason(r.error.reason)
      return 'refused'
    }
    // verifyTicket trims the header value (SIP has already); anything else that differs must be refused.
    if (text.trim() !== seed.text) fail(`mutated ticket ${JSON.stringify(text)} was accepted (minted ${seed.text})`)
    return 'accepted'
  },
  show: (input) => JSON.stringify(textOf(input)),
}

export const ticketTargets = [parseTicketTarget, verifyTicketTarget]
