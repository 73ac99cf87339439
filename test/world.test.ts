/**
 * The IME story end to end on real sockets, in the demo world: alice at alpha calls bob's number; the first call
 * goes over the PSTN and both ends record it; alpha's node validates over libp2p (CPace) and learns bravo's route
 * and ticket; the second call goes over IME straight to bravo's edge with the ticket; with bravo's edge down, the
 * third falls back to the PSTN within the timeout; that call's validation keeps the route (issue 18: the claimer
 * used to pick the first call, already proven, and the failed proof dropped the good route).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startWorld, type World } from '../src/demo/world.js'
import type { CallAgentEvent } from '../src/sip/agent/index.js'
import { SipPhone } from '../src/testing/scripted-phone.js'

describe('demo world: PSTN first, validation, then IME, then fallback', () => {
  let world: World
  let dir: string
  const events: { name: string; e: CallAgentEvent }[] = []
  const phones: SipPhone[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ime-world-'))
    world = await startWorld({
      dataDir: dir,
      enterprises: 3,
      basePort: 0,
      validation: { minCallMs: 1_000, delayMinMs: 0, delayMaxMs: 0 },
      validationPollMs: 3_600_000,
      imeTimeoutMs: 1_500,
      onSipEvent: (name, e) => void events.push({ name, e }),
    })
  }, 60_000)

  afterAll(async () => {
    for (const p of phones) await p.close()
    await world?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const phoneOf = async (enterprise: number, user: number) => {
    const e = world.enterprises[enterprise]!
    const u = e.users[user]!
    const p = await SipPhone.connect({
      transport: 'WS',
      port: e.node.sip!.addresses.internal.ws!,
      user: u.user,
      password: u.password,
      domain: e.spec.domain,
    })
    phones.push(p)
    expect((await p.register()).status).toBe(200)
    return p
  }

  it('runs the whole story', async () => {
    const [alpha, bravo] = world.enterprises as [World['enterprises'][0], World['enterprises'][0]]
    const alice = await phoneOf(0, 0)
    await phoneOf(1, 0)
    const bobNumber = bravo.users[0]!.number

    // 1. No route: the call goes via the PSTN gateway; both ends keep a record.
    const first = await alice.call(`sip:${bobNumber}@${alpha.spec.domain}`)
    expect(first.final.status).toBe(200)
    await new Promise((r) => setTimeout(r, 1_300))
    expect((await alice.bye(first.dialog!)).status).toBe(200)
    await new Promise((r) => setTimeout(r, 600))
    const out = alpha.node.calls.list({ user: 'alice' })[0]!
    expect(out).toMatchObject({ direction: 'outbound', path: 'pstn', called: bobNumber, outcome: 'answered' })
    const inbound = bravo.node.calls.list({ user: 'bob' })[0]!
    expect(inbound).toMatchObject({ direction: 'inbound', path: 'pstn', caller: alpha.users[0]!.number })
    expect(inbound.start).not.toBe(out.start)
    expect(inbound.end).not.toBeNull()

    // 2. Validation (the operator's "run now" over HTTP): alpha proves the call to bravo over libp2p and learns
    // the route; alice, signed in, sees it (never its ticket), and her node vouches for one call over it.
    const api = alpha.node.http!.url
    expect((await fetch(`${api}/api/validation/run`, { method: 'POST' })).status).toBe(401)
    const run = await fetch(`${api}/api/validation/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alpha.operatorToken}` },
    })
    expect(run.status).toBe(200)
    const { outcomes } = (await run.json()) as { outcomes: { outcome: string; domain?: string }[] }
    expect(outcomes).toContainEqual(expect.objectContaining({ outcome: 'validated', domain: 'bravo.example' }))
    const signIn = await fetch(`${api}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ime-csrf': '1' },
      body: JSON.stringify({ user: 'alice', password: alpha.users[0]!.password, bearer: true }),
    })
    const { token, softphone } = (await signIn.json()) as { token: string; softphone: { sipWsPort: number } }
    expect(softphone.sipWsPort).toBe(alpha.node.sip!.addresses.internal.ws)
    const routes = await fetch(`${api}/api/routes/${encodeURIComponent(bobNumber)}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(routes.status).toBe(200)
    const body = JSON.stringify(await routes.json())
    expect(body).toContain('bravo.example')
    expect(body).toContain(`:${bravo.node.sip!.addresses.edge.ws};transport=ws`)
    expect(body).not.toMatch(/ticket|callKey|call_key/i)
    const vouched = await fetch(`${api}/api/calls/authorize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ number: bobNumber }),
    })
    expect(vouched.status).toBe(200)
    const { headers } = (await vouched.json()) as { headers: Record<string, string> }
    expect(headers['X-IME-Ticket']).toMatch(/^[A-Za-z0-9_-]{100,}$/)
    // bravo granted a call key with the ticket: alpha MACs each call's assertion with it (HS256), and never shows it.
    expect(headers.Identity).toMatch(/;info=<urn:ime:peer:12D3Koo\w+>;alg=HS256;ppt=ime$/)
    expect(Object.keys(headers).sort()).toEqual(['Identity', 'X-IME-Ticket'])

    // 3. The next call goes over IME, straight to bravo's edge, and bravo checks the ticket.
    const accepted = bravo.node.sip!.counters.ticketsAccepted
    const second = await alice.call(`sip:${bobNumber}@${alpha.spec.domain}`)
    expect(second.final.status).toBe(200)
    expect(bravo.node.sip!.counters.ticketsAccepted).toBe(accepted + 1)
    expect(events.some((x) => x.name === 'bravo' && x.e.type === 'call-started' && x.e.path === 'ime')).toBe(true)
    expect((await alice.bye(second.dialog!)).status).toBe(200)

    // 4. Bravo's edge goes down: the call still goes through, over the PSTN, within the timeout.
    const asOperator = (e: typeof alpha, path: string, method = 'POST') =>
      fetch(`${e.node.http!.url}${path}`, { method, headers: { authorization: `Bearer ${e.operatorToken}` } })
    expect(await (await asOperator(bravo, '/api/edge/down')).json()).toEqual({ up: false })
    const t0 = Date.now()
    const third = await alice.call(`sip:${bobNumber}@${alpha.spec.domain}`)
    expect(third.final.status).toBe(200)
    expect(Date.now() - t0).toBeLessThan(4_000)
    expect(events.some((x) => x.name === 'alpha' && x.e.type === 'fallback')).toBe(true)
    await new Promise((r) => setTimeout(r, 1_300))
    expect((await alice.bye(third.dialog!)).status).toBe(200)
    expect(await (await asOperator(bravo, '/api/edge/up')).json()).toEqual({ up: true })
    await new Promise((r) => setTimeout(r, 600))

    // 5. The fallback call's validation, within the hour of the first: bravo proves that call (not the first,
    // already proven for alpha) and the route stays.
    const before = alpha.node.routes.routesTo(bobNumber, Date.now())
    const again = await asOperator(alpha, '/api/validation/run')
    const { outcomes: later } = (await again.json()) as { outcomes: { outcome: string; dropped: boolean }[] }
    expect(later).toEqual([expect.objectContaining({ outcome: 'validated', dropped: false, domain: 'bravo.example' })])
    const after = alpha.node.routes.routesTo(bobNumber, Date.now())
    expect(after.map((r) => [r.domain, r.claimer])).toEqual(before.map((r) => [r.domain, r.claimer]))

    // 6. What happened shows in each node's metrics (operator only), next to libp2p's own.
    const scrape = async (e: typeof alpha) =>
      (await fetch(`${e.node.http!.url}/metrics`, { headers: { authorization: `Bearer ${e.operatorToken}` } })).text()
    expect((await fetch(`${api}/metrics`)).status).toBe(401)
    const alphaMetrics = await scrape(alpha)
    expect(alphaMetrics).toMatch(/^ime_fallbacks_total 1$/m)
    expect(alphaMetrics).toMatch(/^ime_validations_total\{outcome="validated",kind="first"\} 2$/m)
    expect(alphaMetrics).toMatch(/^ime_calls_total\{path="ime",direction="outbound"\} 1$/m)
    expect(alphaMetrics).toMatch(/^ime_learned_routes 1$/m)
    expect(alphaMetrics).toMatch(/^libp2p_/m)
    expect(await scrape(bravo)).toMatch(/^ime_tickets_checked_total\{outcome="accepted"\} 1$/m)
  }, 60_000)

  it('a softphone signed in over HTTP registers on its WebSocket with the session cookie, without a password', async () => {
    const bravo = world.enterprises[1]!
    const api = bravo.node.http!.url
    const signIn = await fetch(`${api}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ime-csrf': '1' },
      body: JSON.stringify({ user: 'bob', password: bravo.users[0]!.password }),
    })
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    const origin = api
    const register = (headers: Record<string, string>, aor = 'bob') =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${bravo.node.sip!.addresses.internal.ws}`, 'sip', { headers })
        ws.on('error', reject)
        ws.on('open', () =>
          ws.send(
            [
              'REGISTER sip:bravo.example SIP/2.0',
              'Via: SIP/2.0/WS x.invalid;branch=z9hG4bK' + Math.random().toString(36).slice(2),
              'Max-Forwards: 70',
              `From: <sip:${aor}@bravo.example>;tag=1`,
              `To: <sip:${aor}@bravo.example>`,
              'Call-ID: reg-' + Math.random().toString(36).slice(2),
              'CSeq: 1 REGISTER',
              'Contact: <sip:x@x.invalid;transport=ws>',
              'Content-Length: 0',
              '',
              '',
            ].join('\r\n'),
          ),
        )
        ws.on('message', (data: Buffer) => {
          resolve(data.toString().split('\r\n')[0]!)
          ws.close()
        })
      })
    expect(await register({ cookie, origin })).toBe('SIP/2.0 200 OK')
    expect(await register({ cookie, origin }, 'bert')).toMatch(/^SIP\/2.0 403 Signed in as bob/)
    expect(await register({ origin })).toMatch(/^SIP\/2.0 401/)
    expect(await register({ cookie, origin: 'http://evil.example' })).toMatch(/^SIP\/2.0 401/)
  })

  it('the operator publishes and withdraws a number at run time; the ring follows', async () => {
    const [alpha, bravo] = world.enterprises as [World['enterprises'][0], World['enterprises'][0]]
    const act = (method: string, number: string) =>
      fetch(`${bravo.node.http!.url}/api/numbers/${encodeURIComponent(number)}`, {
        method,
        headers: { authorization: `Bearer ${bravo.operatorToken}` },
      })
    expect((await act('POST', '+12025550199')).status).toBe(200)
    const claimed = await alpha.node.claimsOn('+12025550199' as never)
    expect(claimed.owners).toContain(bravo.node.peer.chord.self.id)
    expect((await act('DELETE', '+12025550199')).status).toBe(200)
    expect((await alpha.node.claimsOn('+12025550199' as never)).owners).toEqual([])
    expect((await act('DELETE', '+12025550199')).status).toBe(409)
    expect((await act('POST', 'not-a-number')).status).toBe(400)
  })
})
