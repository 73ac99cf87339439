/**
 * `ime bench tickets`: ticket verifications per second on one core (this process's main thread), and full edge
 * checks of who is calling (ticket, caller assertion's MAC under the call key (HS256) or its EdDSA signature,
 * freshness, replay cache): the cost the SIP edge pays on every inter-domain INVITE. Forged tickets are measured too: a flood of them must be cheap
 * to refuse.
 */
import { randomBytes } from 'node:crypto'
import { AssertionReplayCache, checkCaller, PeerKeys, REPLAY_CACHE_MAX_ENTRIES } from '../src/caller-identity/index.js'
import { intOption, numberOption, type Command } from '../src/cli/command.js'
import { testCallerNode } from '../src/testing/caller-node.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../src/tickets/key-ring.js'
import { mintTicket, verifyTicket } from '../src/tickets/mint.js'
import { VerifiedTickets } from '../src/tickets/verified-tickets.js'
import { median, printJson, printTable, round } from './report.js'

const rand = (n: number) => new Uint8Array(randomBytes(n))

/** Runs `verify` in batches for about `seconds`, returning verifications per second of each batch. */
function measure(seconds: number, batch: number, verify: () => boolean): number[] {
  const rates: number[] = []
  const deadline = performance.now() + seconds * 1000
  while (performance.now() < deadline) {
    const start = performance.now()
    for (let i = 0; i < batch; i++) if (!verify()) throw new Error('a verification gave the wrong answer')
    rates.push(batch / ((performance.now() - start) / 1000))
  }
  return rates
}

type EdgeDeps = Parameters<typeof checkCaller>[1]
type Credentials = Parameters<typeof checkCaller>[0]

/**
 * Full edge checks per second: each check needs an assertion of its own (the replay cache refuses a second use),
 * so each batch's calls are signed first, untimed, and only the checks are timed.
 */
async function measureEdgeChecks(
  seconds: number,
  batch: number,
  check: (credentials: Credentials, deps: EdgeDeps) => Promise<boolean>,
  source: { headersFor: () => [string, string][]; deps: EdgeDeps },
): Promise<number[]> {
  const rates: number[] = []
  let timed = 0
  while (timed < seconds * 1000) {
    const calls = Array.from({ length: batch }, () => {
      const headers = new Map(source.headersFor())
      return { ticket: headers.get('X-IME-Ticket'), identity: headers.get('Identity'), calledNumber: '+14085550123' }
    })
    const start = performance.now()
    // As the edge runs them: checks in flight together, signatures on libuv's thread pool.
    const results = await Promise.all(calls.map((c) => check(c, source.deps)))
    const ms = performance.now() - start
    if (results.some((ok) => !ok)) throw new Error('an edge check refused a good call')
    timed += ms
    rates.push(batch / (ms / 1000))
  }
  return rates
}

export const ticketsBench: Command = {
  name: 'tickets',
  summary: 'ticket verifications per second on one core (valid and forged)',
  help: `Usage: ime bench tickets [--seconds S] [--batch B] [--json]

  --seconds S   time spent on each of the two measurements (default 3)
  --batch B     verifications per timed batch; the median batch rate is reported (default 20000)
  --json        print one JSON object as the last line`,
  options: { seconds: { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' } },
  async run(args) {
    const seconds = numberOption(args, 'seconds', 3, 0.1, 600)
    const batch = intOption(args, 'batch', 20_000, 1, 10_000_000)
    const keys = new TicketKeyRing(new MemoryTicketKeyStore(), rand)
    const now = Date.now()
    const caller = testCallerNode()
    const expected = { calledNumber: '+14085550123', callingDomain: 'caller.example', callerPeer: caller.peer }
    const minted = mintTicket(expected, keys, now, rand)
    if (!minted.ok) throw new Error(minted.error)
    const valid = minted.value.text
    const forged = Buffer.from(valid, 'base64url')
    forged[forged.length - 1]! ^= 0x55
    const forgedText = forged.toString('base64url')

    const validRates = measure(seconds, batch, () => verifyTicket(valid, expected, keys, now).ok)
    const forgedRates = measure(seconds, batch, () => !verifyTicket(forgedText, expected, keys, now).ok)
    // As the edge meets them: a route's ticket with every call over it (remembered after the first), each call
    // with an assertion of its own; a ticket the edge has not seen before; a route granted without a call key.
    const edgeChecks = (headersFor: () => [string, string][]) => {
      const tickets = new VerifiedTickets(keys)
      return measureEdgeChecks(
        seconds,
        Math.min(batch, 2_000),
        async (credentials, deps) => (await checkCaller(credentials, deps)).ok,
        {
          headersFor,
          deps: {
            verifyTicket: (text: string | undefined, e: { calledNumber: string }) => tickets.verify(text, e, now),
            peerKeys: new PeerKeys(),
            replays: new AssertionReplayCache(REPLAY_CACHE_MAX_ENTRIES, 70_000, () => now),
            nowMs: now,
          },
        },
      )
    }
    const { callKey } = minted.value
    const edgeRates = await edgeChecks(() => caller.headersFor(valid, expected.calledNumber, { nowMs: now, callKey }))
    const newTicketRates = await edgeChecks(() => caller.credentials(keys, expected.calledNumber, { nowMs: now }))
    const signedRates = await edgeChecks(() => caller.headersFor(valid, expected.calledNumber, { nowMs: now }))
    const result = {
      bench: 'tickets',
      node: process.version,
      ticketBytes: Buffer.from(valid, 'base64url').length,
      ticketChars: valid.length,
      validPerSecond: round(median(validRates), 4),
      forgedPerSecond: round(median(forgedRates), 4),
      microsecondsPerValid: round(1e6 / median(validRates), 3),
      edgeChecksPerSecond: round(median(edgeRates), 4),
      microsecondsPerEdgeCheck: round(1e6 / median(edgeRates), 3),
      newTicketEdgeChecksPerSecond: round(median(newTicketRates), 4),
      microsecondsPerNewTicketEdgeCheck: round(1e6 / median(newTicketRates), 3),
      signedEdgeChecksPerSecond: round(median(signedRates), 4),
      microsecondsPerSignedEdgeCheck: round(1e6 / median(signedRates), 3),
      batches: validRates.length + forgedRates.length + edgeRates.length + newTicketRates.length + signedRates.length,
    }
    printTable('Ticket verification, one core (median of batches)', [
      ['ticket size', `${result.ticketBytes} bytes, ${result.ticketChars} base64url characters`],
      ['valid tickets / s', result.validPerSecond],
      ['forged tickets refused / s', result.forgedPerSecond],
      ['µs per valid ticket', result.microsecondsPerValid],
      ['full edge checks / s (route ticket + HS256 assertion + replay cache)', result.edgeChecksPerSecond],
      ['µs per full edge check', result.microsecondsPerEdgeCheck],
      ['full edge checks / s, a ticket the edge has not seen before', result.newTicketEdgeChecksPerSecond],
      ['µs per edge check with a new ticket', result.microsecondsPerNewTicketEdgeCheck],
      ['full edge checks / s, EdDSA assertion (route without a call key)', result.signedEdgeChecksPerSecond],
      ['µs per EdDSA edge check (wall time; signatures on the thread pool)', result.microsecondsPerSignedEdgeCheck],
    ])
    if (args.values.json === true) printJson(result)
    return 0
  },
}
