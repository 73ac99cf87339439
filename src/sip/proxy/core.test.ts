/**
 * The proxy core on the transaction layer, without sockets: connections that record what they are sent, and
 * hand-driven timers, so Timer C (180 s) and an IME route's answer timeout are tested in no time.
 */
import { describe, expect, it } from 'vitest'
import { newRequest, responseTo, SipHeaders, type SipMessage, type SipRequest } from '../message/index.js'
import { ManualTimers } from '../transaction/index.js'
import type { SipConnection, SipTransportHub } from '../transport/index.js'
import { SipProxyCore, TRYING_AFTER_MS } from './core.js'

let ids = 0
class FakeConnection implements SipConnection {
  readonly id = `fake${++ids}`
  readonly remoteAddress = '192.0.2.1'
  readonly remotePort = 5060
  readonly isOpen = true
  readonly sent: SipMessage[] = []
  /** Everything ever sent (take() empties only `sent`). */
  private readonly all: SipMessage[] = []
  constructor(
    readonly face: string,
    readonly transport: 'TCP' | 'UDP' = 'TCP',
  ) {}
  send(m: SipMessage): boolean {
    this.sent.push(m)
    this.all.push(m)
    return true
  }
  close(): void {}
  /** What was sent since the last call: methods and status codes. */
  take(): string[] {
    const out = this.sent.map((m) => (m.kind === 'request' ? m.method : String(m.status)))
    this.sent.length = 0
    return out
  }
  lastRequest(method: string): SipRequest {
    const r = this.all.findLast((m): m is SipRequest => m.kind === 'request' && m.method === method)
    if (r === undefined) throw new Error(`no ${method} sent`)
    return r
  }
}

function invite(method = 'INVITE'): SipRequest {
  const h = new SipHeaders()
  h.add('Via', 'SIP/2.0/TCP caller.invalid;branch=z9hG4bKcaller1')
  h.add('Max-Forwards', '70')
  h.add('From', '<sip:alice@a.example>;tag=a1')
  h.add('To', '<sip:bob@b.example>')
  h.add('Call-ID', 'proxy-core-test')
  h.add('CSeq', `1 ${method}`)
  h.add('Content-Length', '0')
  return newRequest(method, 'sip:bob@b.example', h)
}

function setup() {
  const timers = new ManualTimers()
  const hub = { connection: () => undefined } as unknown as SipTransportHub
  const core = new SipProxyCore({
    hub,
    timers,
    connectTimeoutMs: 1_000,
    recordRouteUri: () => 'sip:proxy.example;transport=tcp;lr',
  })
  const caller = new FakeConnection('internal')
  const answer = (to: FakeConnection, status: number, method = 'INVITE') => {
    const r = responseTo(to.lastRequest(method), status, undefined, { toTag: 'callee1' })
    if (!r.ok) throw new Error(r.error)
    core.onResponse(r.value)
  }
  return { timers, core, caller, answer }
}

/** startBranch awaits the connection: let it run. */
const settle = () => new Promise((r) => setImmediate(r))

describe('SipProxyCore on the transaction layer', () => {
  it('forwards an INVITE and its answers: 100 after 200 ms of silence, 180 and 200 upstream without its own Via', async () => {
    const { core, caller, answer, timers } = setup()
    const callee = new FakeConnection('internal')
    core.forward(invite(), caller, { groups: [[{ uri: 'sip:bob@192.0.2.2', connection: callee }]], recordRoute: true })
    await settle()
    expect(callee.take()).toEqual(['INVITE'])
    timers.advance(TRYING_AFTER_MS - 1)
    expect(caller.take()).toEqual([])
    timers.advance(1)
    expect(caller.take()).toEqual(['100'])
    answer(callee, 180)
    answer(callee, 200)
    expect(caller.take()).toEqual(['180', '200'])
    expect(core.transactionCount).toBe(0)
  })

  it('over UDP upstream, passes each retransmitted 2xx on as first sent, until Timer M (RFC 6026 section 8.7)', async () => {
    const { core, answer, timers } = setup()
    const caller = new FakeConnection('internal', 'UDP')
    const callee = new FakeConnection('internal')
    core.forward(invite(), caller, { groups: [[{ uri: 'sip:bob@192.0.2.2', connection: callee }]], recordRoute: true })
    await settle()
    answer(callee, 200)
    const first = caller.sent.at(-1)!
    expect(caller.take()).toEqual(['200'])
    // The callee has heard no ACK (the 200 was lost on its way to the caller): it sends the 200 again, twice.
    answer(callee, 200)
    answer(callee, 200)
    expect(caller.sent).toEqual([first, first])
    caller.take()
    // Another dialog's 2xx on this branch (a fork further on, after the call was set up) is not this one.
    const other = responseTo(callee.lastRequest('INVITE'), 200, undefined, { toTag: 'callee2' })
    core.onResponse(other.ok ? other.value : (undefined as never))
    expect(caller.take()).toEqual([])
    // Timer M (and the server's Timer L): the transactions end, and a later copy is a stray, dropped.
    timers.advance(32_000)
    expect(core.transactionCount).toBe(0)
    answer(callee, 200)
    expect(caller.take()).toEqual([])
  })

  it('over TCP, drops retransmitted 2xx once the call is set up: nothing sent was lost', async () => {
    const { core, caller, answer } = setup()
    const callee = new FakeConnection('internal', 'UDP')
    core.forward(invite(), caller, { groups: [[{ uri: 'sip:bob@192.0.2.2', connection: callee }]], recordRoute: true })
    await settle()
    answer(callee, 200)
    expect(caller.take()).toEqual(['200'])
    expect(core.transactionCount).toBe(0)
    answer(callee, 200)
    expect(caller.take()).toEqual([])
  })

  it('sends no 100 Trying when the callee answers within 200 ms (RFC 3261 section 17.2.1)', async () => {
    const { core, caller, answer, timers } = setup()
    const callee = new FakeConnection('internal')
    core.forward(invite(), caller, { groups: [[{ uri: 'sip:bob@192.0.2.2', connection: callee }]], recordRoute: true })
    await settle()
    answer(callee, 180)
    timers.advance(TRYING_AFTER_MS)
    answer(callee, 200)
    timers.advance(TRYING_AFTER_MS)
    expect(caller.take()).toEqual(['180', '200'])
    // A call refused at once gets no 100 either, before or after.
    const other = new FakeConnection('internal')
    const second = invite()
    second.headers.set('Via', 'SIP/2.0/TCP caller.invalid;branch=z9hG4bKcaller2')
    second.headers.set('Call-ID', 'proxy-core-test-2')
    core.forward(second, caller, { groups: [[{ uri: 'sip:bob@192.0.2.2', connection: other }]], recordRoute: true })
    await settle()
    answer(other, 486)
    timers.advance(TRYING_AFTER_MS)
    expect(caller.take()).toEqual(['486'])
  })

  it('strips its Via from what goes upstream', async () => {
    const { core, caller, answer } = setup()
    const callee = new FakeConnection('internal')
    core.forward(invite(), caller, { groups: [[{ uri: 'sip:bob@192.0.2.2', connection: callee }]], recordRoute: true })
    await settle()
    expect(callee.lastRequest('INVITE').headers.getAll('Via')).toHaveLength(2)
    answer(callee, 486)
    const up = caller.sent.at(-1)!
    expect(up.kind === 'response' && up.status).toBe(486)
    expect(up.headers.getAll('Via')).toEqual(['SIP/2.0/TCP caller.invalid;branch=z9hG4bKcaller1'])
    // The failure was acknowledged downstream by the INVITE client transaction.
    expect(callee.take()).toEqual(['INVITE', 'ACK'])
  })

  it('Timer C: a branch ringing for 180 s is cancelled, the caller gets 408, and the 487 is acknowledged', async () => {
    const { core, caller, answer, timers } = setup()
    const callee = new FakeConnection('internal')
    core.forward(invite(), caller, { groups: [[{ uri: 'sip:bob@192.0.2.2', connection: callee }]], recordRoute: true })
    await settle()
    answer(callee, 180)
    caller.take()
    callee.take()
    timers.advance(179_999)
    expect(callee.take()).toEqual([])
    timers.advance(1)
    expect(callee.take()).toEqual(['CANCEL'])
    expect(caller.take()).toEqual(['408'])
    answer(callee, 200, 'CANCEL')
    answer(callee, 487)
    expect(callee.take()).toEqual(['ACK'])
    expect(caller.take()).toEqual([])
  })

  it('an upstream CANCEL: 200 to it, CANCEL downstream, then 487 upstream', async () => {
    const { core, caller, answer } = setup()
    const callee = new FakeConnection('internal')
    const req = invite()
    core.forward(req, caller, { groups: [[{ uri: 'sip:bob@192.0.2.2', connection: callee }]], recordRoute: true })
    await settle()
    answer(callee, 180)
    caller.take()
    callee.take()
    const cancel = invite('CANCEL')
    core.onCancel(cancel, caller)
    expect(caller.take()).toEqual(['200'])
    expect(callee.take()).toEqual(['CANCEL'])
    answer(callee, 487)
    expect(caller.take()).toEqual(['487'])
    expect(callee.take()).toEqual(['ACK'])
    // A CANCEL from another sent-by names no transaction here.
    const stranger = invite('CANCEL')
    stranger.headers.set('Via', 'SIP/2.0/TCP elsewhere.invalid;branch=z9hG4bKcaller1')
    core.onCancel(stranger, caller)
    expect(caller.take()).toEqual(['481'])
  })

  it("fails over after an IME route's answer timeout, and drops that route's late answer", async () => {
    const { core, caller, timers, answer } = setup()
    const ime = new FakeConnection('outbound')
    const pstn = new FakeConnection('outbound')
    const failovers: number[] = []
    core.forward(invite(), caller, {
      groups: [
        [{ uri: 'sip:+15551230001@ime.example', connection: ime, answerTimeoutMs: 2_000, label: 'ime' }],
        [{ uri: 'sip:+15551230001@pstn.example', connection: pstn, label: 'pstn' }],
      ],
      recordRoute: true,
      failover: (best, label) => label === 'ime' && best.status === 408,
      onFailover: (best) => failovers.push(best.status),
    })
    await settle()
    expect(ime.take()).toEqual(['INVITE'])
    timers.advance(2_000)
    await settle()
    expect(failovers).toEqual([408])
    expect(pstn.take()).toEqual(['INVITE'])
    answer(ime, 200) // too late: its transaction is gone
    answer(pstn, 200)
    expect(caller.take()).toEqual(['100', '200'])
  })
})
