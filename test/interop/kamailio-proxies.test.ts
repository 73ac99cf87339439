/**
 * The other scenarios and configs, proven against Kamailio before our call agent exists:
 * - uac-register.xml's digest authentication against Kamailio as registrar (the agent's internal listener's job),
 *   then a call to the registered user reaching a SIPp UAS through its registration;
 * - outbound-proxy.cfg both ways: inbound calls to an edge behind it (here the baseline ticket gate standing in for
 *   our agent's edge: tickets pass through, 403 reasons come back unchanged) and outbound calls to a remote edge.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { baselineKey, forge, mintBaselineTicket } from '../../src/testing/interop/baseline-tickets.js'
import { ticketRow, writeInjection } from '../../src/testing/interop/injection.js'
import { killAllKamailio, startKamailio, type KamailioProcess } from '../../src/testing/interop/kamailio.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { explain, killAllSipp, runSipp, startSipp } from '../../src/testing/interop/sipp.js'

const CALLED = '+14085550123'
const CALLING_DOMAIN = 'caller.example'
const dir = mkdtempSync(join(tmpdir(), 'ime-interop-proxies-'))
const started: KamailioProcess[] = []
const tickets = (lines: string[]) => lines.filter((l) => l.startsWith('ticket=')).map((l) => l.slice(7))

afterAll(async () => {
  await Promise.all(started.map((k) => k.stop()))
  killAllSipp()
  killAllKamailio()
  rmSync(dir, { recursive: true, force: true })
})

async function kamailio(
  config: string,
  params: Record<string, string | number>,
  ports: number[],
  defines: string[] = [],
) {
  const k = await startKamailio({ config, params, ports, defines })
  started.push(k)
  return k
}

describe('registrar with digest auth (Kamailio) and uac-register.xml', () => {
  it('registers with the right password, then a call to the user reaches the registered UAS', async () => {
    const port = await freePorts(1)
    const uasPort = await freePorts(1)
    await kamailio(
      'registrar.cfg',
      { LISTEN: `${LOCALHOST}:${port}`, DOMAIN: 'alpha.example', USER: 'alice', PASSWORD: 's3cret' },
      [port],
    )
    const reg = await runSipp({
      scenario: 'uac-register.xml',
      target: `${LOCALHOST}:${port}`,
      injection: writeInjection(join(dir, 'register.csv'), [['alice', `${LOCALHOST}:${uasPort}`, 'alpha.example']]),
      auth: { user: 'alice', password: 's3cret' },
      calls: 1,
      timeoutMs: 10_000,
    })
    expect(reg.exitCode, explain(reg)).toBe(0)
    expect(reg.successful, explain(reg)).toBe(1)

    const uas = await startSipp({ scenario: 'uas.xml', port: uasPort, calls: 3, timeoutMs: 15_000 })
    await uas.listening
    const call = await runSipp({
      scenario: 'uac-call-ticket.xml',
      target: `${LOCALHOST}:${port}`,
      injection: writeInjection(join(dir, 'to-alice.csv'), [
        ticketRow(CALLING_DOMAIN, 'alice', 'no-ticket-needed-inside'),
      ]),
      rate: 10,
      calls: 3,
      timeoutMs: 15_000,
    })
    expect(call.failed, explain(call)).toBe(0)
    expect(call.successful, explain(call)).toBe(3)
    expect((await uas.done).successful).toBe(3)
  })

  it('fails the registration with a wrong password (401 again, never 200)', async () => {
    const port = await freePorts(1)
    await kamailio(
      'registrar.cfg',
      { LISTEN: `${LOCALHOST}:${port}`, DOMAIN: 'alpha.example', USER: 'alice', PASSWORD: 's3cret' },
      [port],
    )
    const reg = await runSipp({
      scenario: 'uac-register.xml',
      target: `${LOCALHOST}:${port}`,
      injection: writeInjection(join(dir, 'register-bad.csv'), [['alice', `${LOCALHOST}:5060`, 'alpha.example']]),
      auth: { user: 'alice', password: 'wrong' },
      calls: 1,
      timeoutMs: 10_000,
    })
    expect(reg.exitCode, explain(reg)).toBe(1)
    expect(reg.failed, explain(reg)).toBe(1)
    expect(reg.errors).toMatch(/401/)
  })
})

describe('outbound proxy (Kamailio) in front of an edge, both ways', () => {
  it('inbound: passes tickets to the edge behind it and its 403 reasons back unchanged', async () => {
    const [outside, inside, edge, uasPort] = [
      await freePorts(1),
      await freePorts(1),
      await freePorts(1),
      await freePorts(1),
    ]
    const key = baselineKey()
    // The baseline ticket gate stands in for our agent's edge listener.
    await kamailio(
      'baseline-proxy.cfg',
      { LISTEN: `${LOCALHOST}:${edge}`, NEXT_HOP: `${LOCALHOST}:${uasPort}`, TICKET_KEY: key, CHILDREN: 2 },
      [edge],
      ['WITH_TICKETS'],
    )
    await kamailio(
      'outbound-proxy.cfg',
      {
        OUTSIDE: `${LOCALHOST}:${outside}`,
        INSIDE: `${LOCALHOST}:${inside}`,
        UPSTREAM: `${LOCALHOST}:${edge}`,
        OUTSIDE_PORT: outside,
      },
      [outside, inside],
    )
    const ticket = () =>
      mintBaselineTicket(
        { calledNumber: CALLED, callingDomain: CALLING_DOMAIN, expiresAt: Date.now() / 1000 + 600 },
        key,
      )
    const uas = await startSipp({ scenario: 'uas.xml', port: uasPort, calls: 5, logs: true, timeoutMs: 15_000 })
    await uas.listening
    const rows = [1, 2, 3, 4, 5].map(() => ticketRow(CALLING_DOMAIN, CALLED, ticket()))
    const ok = await runSipp({
      scenario: 'uac-call-ticket.xml',
      target: `${LOCALHOST}:${outside}`,
      injection: writeInjection(join(dir, 'inbound.csv'), rows),
      rate: 20,
      calls: rows.length,
      timeoutMs: 15_000,
    })
    expect(ok.exitCode, explain(ok)).toBe(0)
    expect(ok.successful, explain(ok)).toBe(5)
    expect(tickets((await uas.done).logLines).sort()).toEqual(rows.map((r) => r[2]).sort())

    const refused = await runSipp({
      scenario: 'uac-call-forbidden.xml',
      target: `${LOCALHOST}:${outside}`,
      injection: writeInjection(join(dir, 'inbound-forged.csv'), [[CALLING_DOMAIN, CALLED, forge(ticket())]]),
      keys: { ticket_header: 'X-IME-Ticket' },
      calls: 1,
      logs: true,
      timeoutMs: 10_000,
    })
    expect(refused.exitCode, explain(refused)).toBe(0)
    expect(refused.logLines).toEqual(['status=SIP/2.0 403 Forged ticket'])
  })

  it('outbound: relays calls from the inside socket to the Request-URI (a remote edge)', async () => {
    const [outside, inside, upstream, remote] = [
      await freePorts(1),
      await freePorts(1),
      await freePorts(1),
      await freePorts(1),
    ]
    await kamailio(
      'outbound-proxy.cfg',
      {
        OUTSIDE: `${LOCALHOST}:${outside}`,
        INSIDE: `${LOCALHOST}:${inside}`,
        UPSTREAM: `${LOCALHOST}:${upstream}`,
        OUTSIDE_PORT: outside,
      },
      [outside, inside],
    )
    const remoteEdge = await startSipp({ scenario: 'uas.xml', port: remote, calls: 5, logs: true, timeoutMs: 15_000 })
    await remoteEdge.listening
    // The UAC stands in for our agent: Request-URI at the remote edge, sent to the proxy's inside socket (-rsa).
    const call = await runSipp({
      scenario: 'uac-call-ticket.xml',
      target: `${LOCALHOST}:${remote}`,
      extraArgs: ['-rsa', `${LOCALHOST}:${inside}`],
      injection: writeInjection(join(dir, 'outbound.csv'), [
        ticketRow(CALLING_DOMAIN, CALLED, 'a-ticket-from-the-remote-side'),
      ]),
      rate: 20,
      calls: 5,
      timeoutMs: 15_000,
    })
    expect(call.exitCode, explain(call)).toBe(0)
    expect(call.successful, explain(call)).toBe(5)
    const seen = await remoteEdge.done
    expect(seen.successful).toBe(5)
    // Double Record-Route: the first one names the socket the call left by (outside).
    const routes = seen.logLines.filter((l) => l.startsWith('record-route='))
    expect(routes).toHaveLength(5)
    for (const r of routes)
      expect(r).toMatch(new RegExp(`^record-route=<sip:${LOCALHOST}:${outside};transport=tcp;r2=on;lr`))
  })
})
