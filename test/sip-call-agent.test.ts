/**
 * The SIP side on real sockets: two enterprises' call agents and the PSTN gateway on loopback, with test phones
 * over TCP and WebSocket. Registration with digest, local calls, the ticket gate, PSTN calls with call records at
 * both ends, the learned route over IME, and the automatic fallback to the PSTN when the edge is down.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import { PstnGateway } from '../src/pstn/gateway.js'
import { CallAgent, type RouteToNumber } from '../src/sip/agent/index.js'
import type { DigestOffer } from '../src/sip/auth/index.js'
import { StaticSipDirectory } from '../src/testing/static-sip-directory.js'
import { TicketKeyRing, MemoryTicketKeyStore } from '../src/tickets/key-ring.js'
import { mintTicket } from '../src/tickets/mint.js'
import { callVoucher, edgeCallerCheck } from '../src/node/caller-identity.js'
import { testCallerNode, type TestCallerNode } from '../src/testing/caller-node.js'
import type { CallOutcome, NewCallRecord } from '../src/validation/call-record.js'
import { SipPhone } from '../src/testing/scripted-phone.js'

const n = (s: string) => s as E164
const rand = (k: number) => new Uint8Array(randomBytes(k))

interface Enterprise {
  agent: CallAgent
  keys: TicketKeyRing
  /** The enterprise's node as a caller: its tickets name this peer, and it signs its calls' assertions. */
  node: TestCallerNode
  records: (NewCallRecord & { end?: number | null; outcome?: CallOutcome | null })[]
  routes: Map<string, RouteToNumber>
  events: { type: string; [k: string]: unknown }[]
}

async function enterprise(
  domain: string,
  users: { name: string; number: E164; contact?: string }[],
  gw: PstnGateway,
  digest?: DigestOffer,
): Promise<Enterprise> {
  const keys = new TicketKeyRing(new MemoryTicketKeyStore(), rand)
  const node = testCallerNode()
  const records: Enterprise['records'] = []
  const routes = new Map<string, RouteToNumber>()
  const events: Enterprise['events'] = []
  const agent = await CallAgent.start({
    domain,
    host: '127.0.0.1',
    edge: { tcpPort: 0, wsPort: 0 },
    internal: { tcpPort: 0, wsPort: 0, ...(digest !== undefined && { digest }) },
    pstn: { uri: `sip:127.0.0.1:${gw.tcpPort};transport=tcp`, user: `trunk-${domain}`, password: 'trunk-secret' },
    directory: new StaticSipDirectory(
      domain,
      users.map((u) => ({ ...u, password: `${u.name}-pw` })),
    ),
    routeTo: (num) => routes.get(num),
    checkCaller: edgeCallerCheck({ ticketKeys: keys, clock: systemClock }).check,
    vouchFor: callVoucher({ signer: node.signer, domain, clock: systemClock }),
    calls: {
      started: (r) => void records.push({ ...r }),
      ended: (id, end, outcome) => {
        const r = records.find((x) => x.id === id)!
        r.end = end
        r.outcome = outcome
      },
    },
    clock: systemClock,
    imeTimeoutMs: 1_000,
    onEvent: (e) => void events.push(e),
  })
  return { agent, keys, node, records, routes, events }
}

/** A ticket `to` mints for `from`'s node, to call the number (as validation would grant it). */
function ticketFor(
  to: Enterprise,
  from: Enterprise,
  calledNumber: string,
  options: { validitySeconds?: number; nowMs?: number } = {},
) {
  const request = { calledNumber, callingDomain: 'a.example', callerPeer: from.node.peer, ...options }
  const m = mintTicket(request, to.keys, options.nowMs ?? Date.now(), rand)
  if (!m.ok) throw new Error(m.error)
  return m.value
}

const waitFor = async (what: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms
  while (!what()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('call agent and PSTN gateway on loopback', () => {
  let gw: PstnGateway
  let a: Enterprise
  let b: Enterprise
  const phones: SipPhone[] = []
  const phone = async (e: Enterprise, user: string, transport: 'TCP' | 'WS', domain: string) => {
    const port = transport === 'TCP' ? e.agent.addresses.internal.tcp! : e.agent.addresses.internal.ws!
    const p = await SipPhone.connect({ transport, port, user, password: `${user}-pw`, domain })
    phones.push(p)
    return p
  }

  beforeAll(async () => {
    gw = await PstnGateway.start({
      host: '127.0.0.1',
      tcpPort: 0,
      clock: systemClock,
      setupDelayMs: { min: 20, max: 60 },
      subscribers: [
        { account: 'trunk-a.example', password: 'trunk-secret', numbers: [n('+16505550101')] },
        { account: 'trunk-b.example', password: 'trunk-secret', numbers: [n('+14085550100'), n('+14085550111')] },
      ],
    })
    a = await enterprise('a.example', [{ name: 'alice', number: n('+16505550101') }], gw)
    b = await enterprise(
      'b.example',
      [
        { name: 'bob', number: n('+14085550100') },
        { name: 'carol', number: n('+14085550111') },
        { name: 'dave', number: n('+14085550122') },
        // erin's desk phone is gone: calling it fails here, locally (connection refused).
        { name: 'erin', number: n('+14085550133'), contact: 'sip:desk@127.0.0.1:1;transport=tcp' },
      ],
      gw,
      // b's TCP listener offers SHA-256 first, then MD5; its WebSocket listener the default (MD5 only).
      { tcp: ['SHA-256', 'MD5'] },
    )
    await waitFor(() => a.agent.trunkRegistered && b.agent.trunkRegistered)
  })

  afterAll(async () => {
    for (const p of phones) await p.close()
    await a.agent.stop()
    await b.agent.stop()
    await gw.stop()
  })

  it('registers with digest authentication and refuses a wrong password', async () => {
    const bob = await phone(b, 'bob', 'WS', 'b.example')
    const ok = await bob.register()
    expect(ok.status).toBe(200)
    expect(ok.headers.get('Contact')).toContain(bob.contact)
    const sha = await SipPhone.connect({
      transport: 'TCP',
      port: b.agent.addresses.internal.tcp!,
      user: 'bob',
      password: 'bob-pw',
      domain: 'b.example',
      digest: 'SHA-256',
    })
    phones.push(sha)
    expect((await sha.register()).status).toBe(200)
    const mallory = await SipPhone.connect({
      transport: 'TCP',
      port: b.agent.addresses.internal.tcp!,
      user: 'bob',
      password: 'guess',
      domain: 'b.example',
    })
    phones.push(mallory)
    expect((await mallory.register()).status).toBe(401)
    // Unknown users are answered exactly like wrong passwords.
    const nobody = await SipPhone.connect({
      transport: 'TCP',
      port: b.agent.addresses.internal.tcp!,
      user: 'zed',
      password: 'x',
      domain: 'b.example',
    })
    phones.push(nobody)
    expect((await nobody.register()).status).toBe(401)
  })

  it('calls a local user, and the BYE from the callee finds the caller over the Record-Route', async () => {
    const carol = await phone(b, 'carol', 'TCP', 'b.example')
    expect((await carol.register()).status).toBe(200)
    const bob = await phone(b, 'bob', 'WS', 'b.example')
    expect((await bob.register()).status).toBe(200)
    const invited = bob.nextRequest('INVITE')
    const call = await carol.call('sip:bob@b.example')
    expect(call.final.status).toBe(200)
    expect(call.provisional.some((r) => r.status === 180)).toBe(true)
    // The transport changes (TCP in, WebSocket out): a double Record-Route (RFC 5658), each naming the listener
    // of its side's transport; bob uses the top one, carol the bottom one.
    const { tcp, ws } = b.agent.addresses.internal
    expect((await invited).headers.getAll('Record-Route').map((v) => v.replace(/;ime=[^>]*/, ''))).toEqual([
      `<sip:127.0.0.1:${ws};transport=ws;lr>`,
      `<sip:127.0.0.1:${tcp};transport=tcp;lr>`,
    ])
    const byeAtCarol = carol.nextRequest('BYE')
    const bobDialog = [...bob.dialogs.values()].at(-1)!
    expect((await bob.bye(bobDialog)).status).toBe(200)
    await byeAtCarol
  })

  it('records an internal call for both users with path internal, and tells both phones the path', async () => {
    const carol = await phone(b, 'carol', 'TCP', 'b.example')
    expect((await carol.register()).status).toBe(200)
    const bob = await phone(b, 'bob', 'TCP', 'b.example')
    expect((await bob.register()).status).toBe(200)
    const before = b.records.length
    const invited = bob.nextRequest('INVITE')
    // A forged path from the caller is replaced.
    const call = await carol.call('sip:+14085550100@b.example', [['X-IME-Path', 'ime']])
    expect(call.final.status).toBe(200)
    expect((await invited).headers.values('X-IME-Path')).toEqual({ ok: true, value: ['internal'] })
    expect(call.final.headers.get('X-IME-Path')).toBe('internal')
    expect(call.provisional.find((r) => r.status === 180)?.headers.get('X-IME-Path')).toBe('internal')
    const mine = b.records.slice(before)
    const both = { path: 'internal', caller: '+14085550111', called: '+14085550100' }
    expect(mine).toEqual([
      expect.objectContaining({ ...both, direction: 'outbound', user: 'carol' }),
      expect.objectContaining({ ...both, direction: 'inbound', user: 'bob' }),
    ])
    expect(mine.every((r) => r.end === undefined && r.fallback === undefined)).toBe(true)
    expect(b.events.some((e) => e.type === 'call-started' && e.path === 'internal')).toBe(true)
    expect((await carol.bye(call.dialog!)).status).toBe(200)
    await waitFor(() => mine.every((r) => typeof r.end === 'number'))
    expect(mine.map((r) => r.outcome)).toEqual(['answered', 'answered'])
    expect(b.records.length).toBe(before + 2)
  })

  it('phones forget ended dialogs and keep only their last requests (soaks run them for hours)', async () => {
    const carol = await phone(b, 'carol', 'TCP', 'b.example')
    expect((await carol.register()).status).toBe(200)
    const bob = await phone(b, 'bob', 'WS', 'b.example')
    expect((await bob.register()).status).toBe(200)
    // Bob has other registrations (earlier tests): the call forks and any of his phones may answer.
    for (let i = 0; i < 25; i++) {
      const call = await carol.call('sip:bob@b.example')
      expect(call.final.status).toBe(200)
      expect((await carol.bye(call.dialog!)).status).toBe(200)
    }
    expect(carol.dialogs.size).toBe(0)
    expect(Math.max(...phones.map((p) => p.received.length))).toBeLessThanOrEqual(50)
    expect(phones.some((p) => p.received.length === 50)).toBe(true)
  })

  it('refuses INVITEs at the edge without a valid ticket, saying why', async () => {
    const edge = await SipPhone.connect({
      transport: 'TCP',
      port: b.agent.addresses.edge.tcp!,
      user: 'alice',
      password: '',
      domain: 'a.example',
      fromUser: '+16505550101',
    })
    phones.push(edge)
    const missing = await edge.call('sip:+14085550100@b.example', [], false)
    expect(missing.final.status).toBe(403)
    expect(missing.final.reason).toBe('ticket missing')
    const forged = await edge.call('sip:+14085550100@b.example', [['X-IME-Ticket', 'AQ' + 'A'.repeat(73)]], false)
    expect(forged.final.status).toBe(403)
    expect(forged.final.reason).toMatch(/ticket/)
    const otherNumber = ticketFor(b, a, '+14085550111')
    const wrongNumber = await edge.call(
      'sip:+14085550100@b.example',
      a.node.headersFor(otherNumber.text, '+14085550100'),
      false,
    )
    expect(wrongNumber.final.reason).toBe('ticket is for another number (+14085550111)')
    // A good ticket alone, as a bearer token: refused.
    const bearer = await edge.call(
      'sip:+14085550100@b.example',
      [['X-IME-Ticket', ticketFor(b, a, '+14085550100').text]],
      false,
    )
    expect(bearer.final.reason).toBe('caller assertion missing')
    // A's ticket in the hands of someone else, who signs with their own key.
    const stolen = await edge.call(
      'sip:+14085550100@b.example',
      testCallerNode().headersFor(ticketFor(b, a, '+14085550100').text, '+14085550100'),
      false,
    )
    expect(stolen.final.reason).toBe('caller assertion not signed by the node the ticket was issued to')
    const expired = ticketFor(b, a, '+14085550100', { validitySeconds: 60, nowMs: Date.now() - 3_600_000 })
    const old = await edge.call('sip:+14085550100@b.example', a.node.headersFor(expired.text, '+14085550100'), false)
    expect(old.final.reason).toMatch(/^ticket expired at /)
    expect(b.agent.counters.ticketsRefused['missing']).toBeGreaterThanOrEqual(1)
    // REGISTER is not for the edge.
    expect((await edge.register()).status).toBe(405)
  })

  it('lets a ticketed INVITE through the edge to the user owning the number', async () => {
    const bob = await phone(b, 'bob', 'TCP', 'b.example')
    expect((await bob.register()).status).toBe(200)
    const minted = ticketFor(b, a, '+14085550100')
    const caller = await SipPhone.connect({
      transport: 'WS',
      port: b.agent.addresses.edge.ws!,
      user: 'alice',
      password: '',
      domain: 'a.example',
      fromUser: '+16505550101',
    })
    phones.push(caller)
    const before = b.agent.counters.ticketsAccepted
    const headers = a.node.headersFor(minted.text, '+14085550100', { caller: { tn: '16505550101' } })
    const call = await caller.call('sip:+14085550100@b.example', headers, false)
    expect(call.final.status).toBe(200)
    // Bob is told who calls as a's node vouched for it, and gets neither the ticket nor the assertion.
    const invite = bob.received.filter((r) => r.method === 'INVITE').at(-1)!
    expect(invite.headers.get('P-Asserted-Identity')).toBe('<sip:+16505550101@a.example>')
    expect(invite.headers.get('Identity')).toBeUndefined()
    expect(invite.headers.get('X-IME-Ticket')).toBeUndefined()
    expect(b.agent.counters.ticketsAccepted).toBe(before + 1)
    expect((await caller.bye(call.dialog!)).status).toBe(200)
    await waitFor(() =>
      b.records.some((r) => r.path === 'ime' && r.direction === 'inbound' && (r.end ?? null) !== null),
    )
  })

  it('sends a call to an unknown number over the PSTN, and both ends keep a call record', async () => {
    const alice = await phone(a, 'alice', 'WS', 'a.example')
    expect((await alice.register()).status).toBe(200)
    const bob = await phone(b, 'bob', 'WS', 'b.example')
    expect((await bob.register()).status).toBe(200)
    const call = await alice.call('sip:+14085550100@a.example')
    expect(call.final.status).toBe(200)
    const invite = bob.received.filter((r) => r.method === 'INVITE').at(-1)!
    expect(invite.headers.get('P-Asserted-Identity')).toContain('+16505550101')
    await new Promise((r) => setTimeout(r, 1_100))
    expect((await alice.bye(call.dialog!)).status).toBe(200)
    await waitFor(() => b.records.some((r) => r.path === 'pstn' && (r.end ?? null) !== null))
    const out = a.records.find((r) => r.path === 'pstn' && r.direction === 'outbound')!
    const inb = b.records.find((r) => r.path === 'pstn' && r.direction === 'inbound')!
    expect(out).toMatchObject({ caller: '+16505550101', called: '+14085550100', user: 'alice', outcome: 'answered' })
    expect(inb).toMatchObject({ caller: '+16505550101', called: '+14085550100', user: 'bob', outcome: 'answered' })
    // The network's delay makes the two records differ slightly, as in life.
    expect(Math.abs(out.start - inb.start)).toBeLessThan(1_000)
    expect(gw.records.some((r) => r.called === '+14085550100' && r.outcome === 'answered')).toBe(true)
  })

  it('the PSTN answers an unknown number with 404', async () => {
    const alice = await phone(a, 'alice', 'TCP', 'a.example')
    const call = await alice.call('sip:+19995550000@a.example')
    expect(call.final.status).toBe(404)
  })

  it('calls a learned route over IME with the ticket, and falls back to the PSTN when the edge is down', async () => {
    const minted = ticketFor(b, a, '+14085550100')
    a.routes.set('+14085550100', {
      sipUri: `sip:+14085550100@127.0.0.1:${b.agent.addresses.edge.tcp};transport=tcp`,
      ticket: minted.text,
      domain: 'b.example',
    })
    const alice = await phone(a, 'alice', 'TCP', 'a.example')
    expect((await alice.register()).status).toBe(200)
    const bob = await phone(b, 'bob', 'TCP', 'b.example')
    expect((await bob.register()).status).toBe(200)
    const accepted = b.agent.counters.ticketsAccepted
    const ime = await alice.call('sip:+14085550100@a.example')
    expect(ime.final.status).toBe(200)
    expect(b.agent.counters.ticketsAccepted).toBe(accepted + 1)
    expect((await alice.bye(ime.dialog!)).status).toBe(200)

    await b.agent.edgeDown()
    const started = Date.now()
    const fallback = await alice.call('sip:+14085550100@a.example')
    expect(fallback.final.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(a.events.some((e) => e.type === 'fallback')).toBe(true)
    expect((await alice.bye(fallback.dialog!)).status).toBe(200)
    await b.agent.edgeUp()
  })

  it("a softphone's fallback call (X-IME-Fallback: 1) takes the PSTN, not the learned route, and is recorded so", async () => {
    const minted = ticketFor(b, a, '+14085550100')
    a.routes.set('+14085550100', {
      sipUri: `sip:+14085550100@127.0.0.1:${b.agent.addresses.edge.tcp};transport=tcp`,
      ticket: minted.text,
      domain: 'b.example',
    })
    const alice = await phone(a, 'alice', 'TCP', 'a.example')
    expect((await alice.register()).status).toBe(200)
    const bob = await phone(b, 'bob', 'TCP', 'b.example')
    expect((await bob.register()).status).toBe(200)
    const accepted = b.agent.counters.ticketsAccepted
    const invited = bob.nextRequest('INVITE')
    const call = await alice.call('sip:+14085550100@a.example', [['X-IME-Fallback', '1']])
    expect(call.final.status).toBe(200)
    expect((await invited).headers.get('X-IME-Path')).toBe('pstn')
    expect(b.agent.counters.ticketsAccepted).toBe(accepted)
    expect(a.records.at(-1)).toMatchObject({ direction: 'outbound', path: 'pstn', fallback: true })
    expect((await alice.bye(call.dialog!)).status).toBe(200)
    a.routes.delete('+14085550100')
  })

  it.each([486, 603])('an IME call answered %i ends there: busy or declined on any path, no PSTN', async (status) => {
    const minted = ticketFor(b, a, '+14085550122')
    a.routes.set('+14085550122', {
      sipUri: `sip:+14085550122@127.0.0.1:${b.agent.addresses.edge.tcp};transport=tcp`,
      ticket: minted.text,
      domain: 'b.example',
    })
    const alice = await phone(a, 'alice', 'TCP', 'a.example')
    const dave = await phone(b, 'dave', 'WS', 'b.example')
    expect((await dave.register()).status).toBe(200)
    dave.incoming = { answer: false, status }
    const fallbacks = a.agent.counters.fallbacks
    const call = await alice.call('sip:+14085550122@a.example')
    expect(call.final.status).toBe(status)
    expect(a.agent.counters.fallbacks).toBe(fallbacks)
    expect(a.records.at(-1)).toMatchObject({ path: 'ime', outcome: status === 486 ? 'busy' : 'rejected' })
    await dave.close()
    a.routes.delete('+14085550122')
  })

  it('forks to every registration of a user; the first to answer wins and the others are cancelled', async () => {
    const carolDesk = await phone(b, 'carol', 'TCP', 'b.example')
    const carolWeb = await phone(b, 'carol', 'WS', 'b.example')
    expect((await carolDesk.register()).status).toBe(200)
    expect((await carolWeb.register()).status).toBe(200)
    carolDesk.incoming = { answer: 'ring' }
    carolWeb.incoming = { answer: true, delayMs: 100 }
    const cancelled = carolDesk.nextRequest('CANCEL')
    const bob = await phone(b, 'bob', 'TCP', 'b.example')
    const call = await bob.call('sip:carol@b.example')
    expect(call.final.status).toBe(200)
    await cancelled
    expect((await bob.bye(call.dialog!)).status).toBe(200)
  })

  it('passes a busy answer through, and a caller CANCEL ends a ringing call with 487', async () => {
    const carol = await phone(b, 'carol', 'TCP', 'b.example')
    expect((await carol.register()).status).toBe(200)
    // Every registration of carol (earlier tests left some) is busy.
    for (const p of phones) if (p.options.user === 'carol') p.incoming = { answer: false, status: 486 }
    const bob = await phone(b, 'bob', 'TCP', 'b.example')
    expect((await bob.call('sip:carol@b.example')).final.status).toBe(486)

    for (const p of phones) if (p.options.user === 'carol') p.incoming = { answer: 'ring' }
    const edgeCaller = await SipPhone.connect({
      transport: 'TCP',
      port: b.agent.addresses.edge.tcp!,
      user: 'x',
      password: '',
      domain: 'a.example',
      fromUser: '+16505550101',
    })
    phones.push(edgeCaller)
    const minted = ticketFor(b, a, '+14085550111')
    const ringing = edgeCaller.startCall('sip:+14085550111@b.example', a.node.headersFor(minted.text, '+14085550111'))
    await carol.nextRequest('INVITE')
    await new Promise((r) => setTimeout(r, 50))
    expect((await edgeCaller.cancel(ringing.request)).final.status).toBe(200)
    expect((await ringing.done).final.status).toBe(487)
  })

  it("a WebSocket client's bindings go with its connection: no call is sent to a closed flow", async () => {
    const tab = await phone(b, 'dave', 'WS', 'b.example')
    expect((await tab.register()).status).toBe(200)
    expect(b.agent.registrations.current('dave', Date.now())).toHaveLength(1)
    await tab.close() // the tab is closed without unregistering
    await waitFor(() => b.agent.registrations.current('dave', Date.now()).length === 0)
    const caller = await phone(b, 'bob', 'TCP', 'b.example')
    const call = await caller.call('sip:dave@b.example')
    expect(call.final.status).toBe(480)
    expect(call.final.reason).not.toMatch(/invalid|ENOTFOUND|getaddrinfo/)
  })

  it.each([486, 603])(
    'a real %i beats the local 503 of an unreachable contact, and no internal error text goes out',
    async (status) => {
      const web = await phone(b, 'erin', 'WS', 'b.example')
      expect((await web.register()).status).toBe(200)
      web.incoming = { answer: false, status }
      const caller = await phone(b, 'bob', 'TCP', 'b.example')
      expect((await caller.call('sip:erin@b.example')).final.status).toBe(status)
      // Over the edge too (another enterprise's caller), and with no phone answering: a generic reason only.
      await web.close()
      await waitFor(() => b.agent.registrations.current('erin', Date.now()).length === 0)
      const edgeCaller = await SipPhone.connect({
        transport: 'TCP',
        port: b.agent.addresses.edge.tcp!,
        user: 'x',
        password: '',
        domain: 'a.example',
        fromUser: '+16505550101',
      })
      phones.push(edgeCaller)
      const minted = ticketFor(b, a, '+14085550133')
      const failed = await edgeCaller.call('sip:+14085550133@b.example', a.node.headersFor(minted.text, '+14085550133'))
      expect(failed.final.status).toBe(503)
      expect(failed.final.reason).toBe('Unreachable')
    },
  )

  it('a re-INVITE (hold) follows the Record-Route to the other party', async () => {
    const carol = await phone(b, 'carol', 'WS', 'b.example')
    expect((await carol.register()).status).toBe(200)
    carol.incoming = { answer: true }
    const bob = await phone(b, 'bob', 'TCP', 'b.example')
    const call = await bob.call('sip:carol@b.example')
    expect(call.final.status).toBe(200)
    const seen = carol.nextRequest('INVITE')
    expect((await bob.reInvite(call.dialog!)).status).toBe(200)
    const reinvite = await seen
    expect(new TextDecoder().decode(reinvite.body)).toContain('a=sendonly')
    expect((await bob.bye(call.dialog!)).status).toBe(200)
  })

  it('answers 480 for a user who is not registered, and 481 for a forged in-dialog request', async () => {
    const bob = await phone(b, 'bob', 'TCP', 'b.example')
    expect((await bob.call('sip:nobody-registered@b.example')).final.status).toBe(404)
    const edge = await SipPhone.connect({
      transport: 'TCP',
      port: b.agent.addresses.edge.tcp!,
      user: 'x',
      password: '',
      domain: 'a.example',
    })
    phones.push(edge)
    const forged = await edge.bye({
      callId: 'forged',
      localTag: 'a',
      remoteTag: 'b',
      localUri: 'sip:x@a.example',
      remoteUri: 'sip:bob@b.example',
      remoteTarget: 'sip:bob@b.example',
      routeSet: [`<sip:127.0.0.1:${b.agent.addresses.edge.tcp};transport=tcp;lr;ime=AAAA.BBBB>`],
      cseq: 1,
    })
    expect(forged.status).toBe(481)
  })

  it('after a key rotation, tickets of the previous epoch pass during the grace period, then are refused', async () => {
    const carol = await phone(b, 'carol', 'TCP', 'b.example')
    expect((await carol.register()).status).toBe(200)
    for (const p of phones) if (p.options.user === 'carol') p.incoming = { answer: true }
    const edge = await SipPhone.connect({
      transport: 'TCP',
      port: b.agent.addresses.edge.tcp!,
      user: 'x',
      password: '',
      domain: 'a.example',
      fromUser: '+16505550101',
    })
    phones.push(edge)
    const mint = () => ticketFor(b, a, '+14085550111')
    const callWith = (t: string) => edge.call('sip:+14085550111@b.example', a.node.headersFor(t, '+14085550111'), false)
    const old = mint()
    // Rotated just now: the old epoch's ticket is still good (grace period), and so is one from the new key.
    expect(b.keys.rotate(Date.now()).ok).toBe(true)
    const fresh = mint()
    expect(fresh.epoch).not.toBe(old.epoch)
    for (const t of [old, fresh]) {
      const c = await callWith(t.text)
      expect(c.final.status).toBe(200)
      await edge.bye(c.dialog!)
    }
    // Rotated again, as if a day and more ago: the middle epoch is past its grace period and refused, saying so.
    expect(b.keys.rotate(Date.now() - 25 * 3600_000).ok).toBe(true)
    const refused = await callWith(fresh.text)
    expect(refused.final.status).toBe(403)
    expect(refused.final.reason).toMatch(
      new RegExp(`^ticket key epoch ${fresh.epoch} retired at .* grace period ended$`),
    )
  })
})
