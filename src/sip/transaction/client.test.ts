/**
 * The client transactions' state tables (RFC 3261 figures 5 and 6, RFC 6026): for each row, a transaction is
 * driven to a state, given one event, and checked for the state it ends in, what it sent and what its user was
 * told. Over UDP (retransmissions, lingering) and TCP. No sockets: a recording connection and hand-driven timers.
 */
import { describe, expect, it } from 'vitest'
import { SipHeaders } from '../message/headers.js'
import { newRequest, responseTo, type SipRequest } from '../message/message.js'
import type { SipTransportName } from '../transport/index.js'
import { RecordingConnection } from '../../testing/recording-connection.js'
import { ClientTransaction } from './client.js'
import { ManualTimers } from './timers.js'

function request(method: string, transport: SipTransportName): SipRequest {
  const h = new SipHeaders()
  h.add('Via', `SIP/2.0/${transport} client.invalid;branch=z9hG4bKclient1`)
  h.add('Max-Forwards', '70')
  h.add('From', '<sip:alice@a.example>;tag=a1')
  h.add('To', '<sip:bob@b.example>')
  h.add('Call-ID', 'txn-test')
  h.add('CSeq', `1 ${method}`)
  h.add('Content-Length', '0')
  return newRequest(method, 'sip:bob@b.example', h)
}

/** An event: a response with this status, or time passing. */
type Event = number | { readonly ms: number }

function harness(method: string, transport: SipTransportName) {
  const timers = new ManualTimers()
  const conn = new RecordingConnection(transport)
  const told: string[] = []
  const req = request(method, transport)
  const t = new ClientTransaction(`z9hG4bKclient1|${method}`, req, conn, timers, {
    onProvisional: (r) => told.push(`provisional ${r.status}`),
    onFinal: (r) => told.push(`final ${r.status}`),
    onTimeout: () => told.push('timeout'),
    onTransportError: () => told.push('transport error'),
  })
  const apply = (e: Event) => {
    if (typeof e === 'number') {
      const r = responseTo(req, e, undefined, e === 100 ? {} : { toTag: 'b1' })
      if (!r.ok) throw new Error(r.error)
      t.receive(r.value)
    } else timers.advance(e.ms)
  }
  return { t, conn, told, timers, apply }
}

interface Row {
  readonly transport: SipTransportName
  readonly given: readonly Event[]
  readonly from: string
  readonly event: Event
  readonly to: string
  readonly sent: readonly string[]
  readonly told: readonly string[]
}

function runTable(method: string, rows: readonly Row[]) {
  it.each(rows.map((r) => [`${r.transport} ${r.from} + ${JSON.stringify(r.event)} -> ${r.to}`, r] as const))(
    '%s',
    (_name, row) => {
      const h = harness(method, row.transport)
      h.t.start()
      expect(h.conn.take()).toEqual([method])
      for (const e of row.given) h.apply(e)
      expect(h.t.state).toBe(row.from)
      h.conn.take()
      h.told.length = 0
      h.apply(row.event)
      expect(h.t.state).toBe(row.to)
      expect(h.conn.take()).toEqual(row.sent)
      expect(h.told).toEqual(row.told)
    },
  )
}

const INVITE_x = (n: number) => Array<string>(n).fill('INVITE')

describe('INVITE client transaction (figure 5, RFC 6026)', () => {
  runTable('INVITE', [
    { transport: 'UDP', given: [], from: 'Calling', event: 100, to: 'Proceeding', sent: [], told: ['provisional 100'] },
    { transport: 'TCP', given: [], from: 'Calling', event: 180, to: 'Proceeding', sent: [], told: ['provisional 180'] },
    { transport: 'UDP', given: [], from: 'Calling', event: 200, to: 'Accepted', sent: [], told: ['final 200'] },
    { transport: 'UDP', given: [], from: 'Calling', event: 486, to: 'Completed', sent: ['ACK'], told: ['final 486'] },
    { transport: 'TCP', given: [], from: 'Calling', event: 486, to: 'Terminated', sent: ['ACK'], told: ['final 486'] },
    // Timer A: T1, then doubling (0.5, 1.5, 3.5 s...).
    { transport: 'UDP', given: [], from: 'Calling', event: { ms: 500 }, to: 'Calling', sent: INVITE_x(1), told: [] },
    { transport: 'UDP', given: [], from: 'Calling', event: { ms: 3_500 }, to: 'Calling', sent: INVITE_x(3), told: [] },
    { transport: 'TCP', given: [], from: 'Calling', event: { ms: 3_500 }, to: 'Calling', sent: [], told: [] },
    // Timer B: 64*T1; over UDP six retransmissions before it (0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s).
    {
      transport: 'UDP',
      given: [],
      from: 'Calling',
      event: { ms: 32_000 },
      to: 'Terminated',
      sent: INVITE_x(6),
      told: ['timeout'],
    },
    {
      transport: 'TCP',
      given: [],
      from: 'Calling',
      event: { ms: 32_000 },
      to: 'Terminated',
      sent: [],
      told: ['timeout'],
    },
    // Proceeding: no retransmissions, no Timer B (the user's Timer C governs).
    { transport: 'UDP', given: [180], from: 'Proceeding', event: { ms: 60_000 }, to: 'Proceeding', sent: [], told: [] },
    {
      transport: 'UDP',
      given: [180],
      from: 'Proceeding',
      event: 183,
      to: 'Proceeding',
      sent: [],
      told: ['provisional 183'],
    },
    { transport: 'UDP', given: [180], from: 'Proceeding', event: 200, to: 'Accepted', sent: [], told: ['final 200'] },
    {
      transport: 'UDP',
      given: [180],
      from: 'Proceeding',
      event: 603,
      to: 'Completed',
      sent: ['ACK'],
      told: ['final 603'],
    },
    // Completed: a retransmitted failure is acknowledged again, not passed up; Timer D (32 s over UDP).
    { transport: 'UDP', given: [486], from: 'Completed', event: 486, to: 'Completed', sent: ['ACK'], told: [] },
    { transport: 'UDP', given: [486], from: 'Completed', event: { ms: 31_999 }, to: 'Completed', sent: [], told: [] },
    { transport: 'UDP', given: [486], from: 'Completed', event: { ms: 32_000 }, to: 'Terminated', sent: [], told: [] },
    // Accepted: every 2xx goes up (forks); anything else is dropped; Timer M.
    { transport: 'UDP', given: [200], from: 'Accepted', event: 200, to: 'Accepted', sent: [], told: ['final 200'] },
    { transport: 'TCP', given: [200], from: 'Accepted', event: 486, to: 'Accepted', sent: [], told: [] },
    { transport: 'TCP', given: [200], from: 'Accepted', event: { ms: 32_000 }, to: 'Terminated', sent: [], told: [] },
  ])

  it('ends with a transport error when the transport refuses the request', () => {
    const h = harness('INVITE', 'TCP')
    h.conn.refuses = true
    h.t.start()
    expect(h.t.state).toBe('Terminated')
    expect(h.told).toEqual(['transport error'])
    expect(h.timers.pendingCount).toBe(0)
  })

  it('acknowledges a failure with the To tag of the response and the INVITE branch', () => {
    const h = harness('INVITE', 'UDP')
    h.t.start()
    h.conn.take()
    h.apply(486)
    const ack = h.conn.sent[0]
    expect(ack?.kind === 'request' && ack.headers.get('To')).toBe('<sip:bob@b.example>;tag=b1')
    expect(ack?.headers.get('Via')).toContain('branch=z9hG4bKclient1')
    expect(ack?.headers.get('CSeq')).toBe('1 ACK')
  })

  it('lets go of its request once a final response came (it lingers in Accepted holding nothing big)', () => {
    const h = harness('INVITE', 'TCP')
    h.t.start()
    h.apply(180)
    expect(h.t.request?.method).toBe('INVITE')
    h.apply(200)
    expect(h.t.state).toBe('Accepted')
    expect(h.t.request).toBeUndefined()
  })

  it('leaves no timer behind once Terminated', () => {
    const h = harness('INVITE', 'UDP')
    h.t.start()
    h.apply(486)
    h.apply({ ms: 32_000 })
    expect(h.t.state).toBe('Terminated')
    expect(h.timers.pendingCount).toBe(0)
  })
})

const REGISTER_x = (n: number) => Array<string>(n).fill('REGISTER')

describe('non-INVITE client transaction (figure 6)', () => {
  runTable('REGISTER', [
    { transport: 'UDP', given: [], from: 'Trying', event: 100, to: 'Proceeding', sent: [], told: ['provisional 100'] },
    { transport: 'UDP', given: [], from: 'Trying', event: 200, to: 'Completed', sent: [], told: ['final 200'] },
    { transport: 'TCP', given: [], from: 'Trying', event: 401, to: 'Terminated', sent: [], told: ['final 401'] },
    // Timer E: T1 doubling up to T2 (0.5, 1.5, 3.5, 7.5, 11.5 s...).
    { transport: 'UDP', given: [], from: 'Trying', event: { ms: 11_500 }, to: 'Trying', sent: REGISTER_x(5), told: [] },
    { transport: 'TCP', given: [], from: 'Trying', event: { ms: 11_500 }, to: 'Trying', sent: [], told: [] },
    // Timer F: 64*T1, in Trying and in Proceeding.
    {
      transport: 'TCP',
      given: [],
      from: 'Trying',
      event: { ms: 32_000 },
      to: 'Terminated',
      sent: [],
      told: ['timeout'],
    },
    {
      transport: 'UDP',
      given: [],
      from: 'Trying',
      event: { ms: 32_000 },
      // 0.5, 1.5, 3.5, 7.5, then every 4 s up to 31.5: 10 retransmissions.
      to: 'Terminated',
      sent: REGISTER_x(10),
      told: ['timeout'],
    },
    // Proceeding: Timer E keeps going, at T2 once it fires.
    {
      transport: 'UDP',
      given: [100],
      from: 'Proceeding',
      event: { ms: 4_500 },
      to: 'Proceeding',
      sent: REGISTER_x(2),
      told: [],
    },
    {
      transport: 'TCP',
      given: [100],
      from: 'Proceeding',
      event: { ms: 32_000 },
      to: 'Terminated',
      sent: [],
      told: ['timeout'],
    },
    { transport: 'UDP', given: [100], from: 'Proceeding', event: 200, to: 'Completed', sent: [], told: ['final 200'] },
    // Completed: retransmitted responses are absorbed; Timer K (T4 over UDP).
    { transport: 'UDP', given: [200], from: 'Completed', event: 200, to: 'Completed', sent: [], told: [] },
    { transport: 'UDP', given: [200], from: 'Completed', event: { ms: 4_999 }, to: 'Completed', sent: [], told: [] },
    { transport: 'UDP', given: [200], from: 'Completed', event: { ms: 5_000 }, to: 'Terminated', sent: [], told: [] },
  ])

  it('ends with a transport error when a retransmission is refused', () => {
    const h = harness('OPTIONS', 'UDP')
    h.t.start()
    h.conn.refuses = true
    h.timers.advance(500)
    expect(h.t.state).toBe('Terminated')
    expect(h.told).toEqual(['transport error'])
  })
})

describe('a released transaction', () => {
  it('tells its user nothing more, and still absorbs, acknowledges and ends as before', () => {
    const { t, conn, told, timers, apply } = harness('INVITE', 'UDP')
    apply(180)
    t.release()
    apply(486)
    expect(told).toEqual(['provisional 180'])
    expect(t.state).toBe('Completed')
    const sent = conn.sent.length
    apply(486) // a retransmitted final response: acknowledged again, as in the table
    expect(conn.sent.length).toBe(sent + 1)
    timers.advance(32_000)
    expect(t.state).toBe('Terminated')
    expect(told).toEqual(['provisional 180'])
  })

  it('in Accepted, ends at once: its user would hear no retransmitted 2xx', () => {
    const { t, told, apply, timers } = harness('INVITE', 'TCP')
    apply(200)
    expect(t.state).toBe('Accepted')
    t.release()
    expect(t.state).toBe('Terminated')
    apply(200)
    expect(told).toEqual(['final 200'])
    expect(timers.pendingCount).toBe(0)
  })
})
