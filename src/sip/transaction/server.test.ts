/**
 * The server transactions' state tables (RFC 3261 figures 7 and 8, RFC 6026), in the manner of sipgo's
 * server-transaction tests: a transaction over a recording connection, driven to a state, given one event (its
 * user's response, a retransmitted request, an ACK, time), and checked for its state and what it sent.
 */
import { describe, expect, it } from 'vitest'
import { SipHeaders } from '../message/headers.js'
import { newRequest, responseTo, type SipRequest } from '../message/message.js'
import type { SipTransportName } from '../transport/index.js'
import { RecordingConnection } from '../../testing/recording-connection.js'
import { ServerTransaction } from './server.js'
import { ManualTimers } from './timers.js'

function request(method: string): SipRequest {
  const h = new SipHeaders()
  h.add('Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKserver1')
  h.add('Max-Forwards', '70')
  h.add('From', '<sip:alice@a.example>;tag=a1')
  h.add('To', '<sip:bob@b.example>')
  h.add('Call-ID', 'txn-server-test')
  h.add('CSeq', `1 ${method}`)
  h.add('Content-Length', '0')
  return newRequest(method, 'sip:bob@b.example', h)
}

/** The user answers with a status; the peer retransmits the request or ACKs; time passes. */
type Event = { readonly respond: number } | 'retransmission' | 'ACK' | { readonly ms: number }

function harness(method: string, transport: SipTransportName) {
  const timers = new ManualTimers()
  const conn = new RecordingConnection(transport)
  const told: string[] = []
  const req = request(method)
  const t = new ServerTransaction(`key|${method}`, method, conn, timers, {
    onTimeout: () => told.push('timeout'),
    onTransportError: () => told.push('transport error'),
  })
  const results: string[] = []
  const apply = (e: Event) => {
    if (e === 'retransmission') results.push(t.receive(req))
    else if (e === 'ACK') {
      const ack = request('ACK')
      ack.headers.set('CSeq', '1 ACK')
      results.push(t.receive(ack))
    } else if ('ms' in e) timers.advance(e.ms)
    else {
      const r = responseTo(req, e.respond, undefined, e.respond === 100 ? {} : { toTag: 'b1' })
      if (!r.ok) throw new Error(r.error)
      results.push(String(t.respond(r.value)))
    }
  }
  return { t, conn, told, timers, apply, results }
}

interface Row {
  readonly transport: SipTransportName
  readonly given: readonly Event[]
  readonly from: string
  readonly event: Event
  readonly to: string
  readonly sent: readonly string[]
  readonly told?: readonly string[]
  /** What respond() or receive() returned, when it matters. */
  readonly result?: string
}

function runTable(method: string, rows: readonly Row[]) {
  it.each(rows.map((r) => [`${r.transport} ${r.from} + ${JSON.stringify(r.event)} -> ${r.to}`, r] as const))(
    '%s',
    (_name, row) => {
      const h = harness(method, row.transport)
      for (const e of row.given) h.apply(e)
      expect(h.t.state).toBe(row.from)
      h.conn.take()
      h.results.length = 0
      h.apply(row.event)
      expect(h.t.state).toBe(row.to)
      expect(h.conn.take()).toEqual(row.sent)
      expect(h.told).toEqual(row.told ?? [])
      if (row.result !== undefined) expect(h.results).toEqual([row.result])
    },
  )
}

const x = (what: string, n: number) => Array<string>(n).fill(what)

describe('INVITE server transaction (figure 7, RFC 6026)', () => {
  runTable('INVITE', [
    { transport: 'UDP', given: [], from: 'Proceeding', event: { respond: 100 }, to: 'Proceeding', sent: ['100'] },
    { transport: 'UDP', given: [], from: 'Proceeding', event: 'retransmission', to: 'Proceeding', sent: [] },
    {
      transport: 'UDP',
      given: [{ respond: 180 }],
      from: 'Proceeding',
      event: 'retransmission',
      to: 'Proceeding',
      sent: ['180'],
      result: 'absorbed',
    },
    { transport: 'TCP', given: [], from: 'Proceeding', event: { respond: 200 }, to: 'Accepted', sent: ['200'] },
    { transport: 'UDP', given: [], from: 'Proceeding', event: { respond: 486 }, to: 'Completed', sent: ['486'] },
    { transport: 'TCP', given: [], from: 'Proceeding', event: { respond: 486 }, to: 'Completed', sent: ['486'] },
    // Completed: the failure again for a retransmitted INVITE; Timer G retransmits it over UDP (T1 doubling to T2).
    {
      transport: 'TCP',
      given: [{ respond: 486 }],
      from: 'Completed',
      event: 'retransmission',
      to: 'Completed',
      sent: ['486'],
    },
    {
      transport: 'UDP',
      given: [{ respond: 486 }],
      from: 'Completed',
      event: { ms: 7_500 },
      to: 'Completed',
      sent: x('486', 4),
    },
    { transport: 'TCP', given: [{ respond: 486 }], from: 'Completed', event: { ms: 7_500 }, to: 'Completed', sent: [] },
    // Timer H: no ACK within 64*T1; over UDP ten retransmissions before it.
    {
      transport: 'UDP',
      given: [{ respond: 486 }],
      from: 'Completed',
      event: { ms: 32_000 },
      to: 'Terminated',
      sent: x('486', 10),
      told: ['timeout'],
    },
    {
      transport: 'TCP',
      given: [{ respond: 486 }],
      from: 'Completed',
      event: { ms: 32_000 },
      to: 'Terminated',
      sent: [],
      told: ['timeout'],
    },
    {
      transport: 'TCP',
      given: [{ respond: 486 }],
      from: 'Completed',
      event: { respond: 500 },
      to: 'Completed',
      sent: [],
      result: 'false',
    },
    // The ACK: Confirmed, then Timer I (T4 over UDP, at once over TCP).
    {
      transport: 'UDP',
      given: [{ respond: 486 }],
      from: 'Completed',
      event: 'ACK',
      to: 'Confirmed',
      sent: [],
      result: 'absorbed',
    },
    {
      transport: 'TCP',
      given: [{ respond: 486 }],
      from: 'Completed',
      event: 'ACK',
      to: 'Terminated',
      sent: [],
      result: 'absorbed',
    },
    { transport: 'UDP', given: [{ respond: 486 }, 'ACK'], from: 'Confirmed', event: 'ACK', to: 'Confirmed', sent: [] },
    {
      transport: 'UDP',
      given: [{ respond: 486 }, 'ACK'],
      from: 'Confirmed',
      event: 'retransmission',
      to: 'Confirmed',
      sent: [],
    },
    {
      transport: 'UDP',
      given: [{ respond: 486 }, 'ACK'],
      from: 'Confirmed',
      event: { ms: 4_999 },
      to: 'Confirmed',
      sent: [],
    },
    {
      transport: 'UDP',
      given: [{ respond: 486 }, 'ACK'],
      from: 'Confirmed',
      event: { ms: 5_000 },
      to: 'Terminated',
      sent: [],
    },
    // Accepted: a retransmitted INVITE is absorbed (its 2xx is the user's to retransmit); more 2xx go out (forks);
    // an ACK reusing the INVITE's branch is the user's; Timer L.
    {
      transport: 'UDP',
      given: [{ respond: 200 }],
      from: 'Accepted',
      event: 'retransmission',
      to: 'Accepted',
      sent: [],
      result: 'absorbed',
    },
    {
      transport: 'UDP',
      given: [{ respond: 200 }],
      from: 'Accepted',
      event: { respond: 200 },
      to: 'Accepted',
      sent: ['200'],
    },
    {
      transport: 'UDP',
      given: [{ respond: 200 }],
      from: 'Accepted',
      event: { respond: 486 },
      to: 'Accepted',
      sent: [],
      result: 'false',
    },
    {
      transport: 'TCP',
      given: [{ respond: 200 }],
      from: 'Accepted',
      event: 'ACK',
      to: 'Accepted',
      sent: [],
      result: 'to-user',
    },
    {
      transport: 'TCP',
      given: [{ respond: 200 }],
      from: 'Accepted',
      event: { ms: 32_000 },
      to: 'Terminated',
      sent: [],
    },
  ])

  it('ends when the transport refuses a response, and tells its user', () => {
    const h = harness('INVITE', 'TCP')
    h.conn.refuses = true
    h.apply({ respond: 486 })
    expect(h.t.state).toBe('Terminated')
    expect(h.told).toEqual(['transport error'])
    expect(h.timers.pendingCount).toBe(0)
  })
})

describe('non-INVITE server transaction (figure 8)', () => {
  runTable('REGISTER', [
    {
      transport: 'UDP',
      given: [],
      from: 'Trying',
      event: 'retransmission',
      to: 'Trying',
      sent: [],
      result: 'absorbed',
    },
    { transport: 'UDP', given: [], from: 'Trying', event: { respond: 100 }, to: 'Proceeding', sent: ['100'] },
    { transport: 'UDP', given: [], from: 'Trying', event: { respond: 200 }, to: 'Completed', sent: ['200'] },
    { transport: 'TCP', given: [], from: 'Trying', event: { respond: 401 }, to: 'Terminated', sent: ['401'] },
    {
      transport: 'UDP',
      given: [{ respond: 100 }],
      from: 'Proceeding',
      event: 'retransmission',
      to: 'Proceeding',
      sent: ['100'],
    },
    {
      transport: 'UDP',
      given: [{ respond: 100 }],
      from: 'Proceeding',
      event: { respond: 200 },
      to: 'Completed',
      sent: ['200'],
    },
    // Completed: the final response again for a retransmission; other final responses are dropped; Timer J.
    {
      transport: 'UDP',
      given: [{ respond: 200 }],
      from: 'Completed',
      event: 'retransmission',
      to: 'Completed',
      sent: ['200'],
    },
    {
      transport: 'UDP',
      given: [{ respond: 200 }],
      from: 'Completed',
      event: { respond: 500 },
      to: 'Completed',
      sent: [],
      result: 'false',
    },
    {
      transport: 'UDP',
      given: [{ respond: 200 }],
      from: 'Completed',
      event: { ms: 31_999 },
      to: 'Completed',
      sent: [],
    },
    {
      transport: 'UDP',
      given: [{ respond: 200 }],
      from: 'Completed',
      event: { ms: 32_000 },
      to: 'Terminated',
      sent: [],
    },
  ])

  it('sends nothing once Terminated', () => {
    const h = harness('BYE', 'TCP')
    h.apply({ respond: 200 })
    h.conn.take()
    h.results.length = 0
    h.apply('retransmission')
    h.apply({ respond: 200 })
    expect(h.conn.take()).toEqual([])
    expect(h.results).toEqual(['absorbed', 'false'])
  })
})
