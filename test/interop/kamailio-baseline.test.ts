/**
 * Proves the interop harness end to end with no IME code involved: SIPp UAC -> Kamailio (the baseline stateful,
 * record-routing proxy over TCP, checking tickets with HMAC-SHA-256) -> SIPp UAS. Valid tickets get through with
 * zero failed calls; forged, expired, wrong-number, malformed and missing tickets are refused with 403 and the
 * expected reason phrase. Needs sipp and kamailio (+ crypto.so): missing tools fail with the apt-get command.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baselineKey, forge, mintBaselineTicket } from '../../src/testing/interop/baseline-tickets.js'
import { ticketRow, writeInjection } from '../../src/testing/interop/injection.js'
import { killAllKamailio, startKamailio, type KamailioProcess } from '../../src/testing/interop/kamailio.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { explain, killAllSipp, runSipp, startSipp } from '../../src/testing/interop/sipp.js'

const CALLED = '+14085550123'
const CALLING_DOMAIN = 'caller.example'
const CALLS = 20
const tickets = (lines: string[]) => lines.filter((l) => l.startsWith('ticket=')).map((l) => l.slice(7))

describe('SIPp -> Kamailio baseline proxy -> SIPp over TCP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ime-interop-baseline-'))
  const key = baselineKey()
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600
  let kamailio: KamailioProcess
  let proxyPort: number
  let uasPort: number

  beforeAll(async () => {
    proxyPort = await freePorts(1)
    uasPort = await freePorts(1)
    kamailio = await startKamailio({
      config: 'baseline-proxy.cfg',
      params: {
        LISTEN: `${LOCALHOST}:${proxyPort}`,
        NEXT_HOP: `${LOCALHOST}:${uasPort}`,
        TICKET_KEY: key,
        CHILDREN: 2,
      },
      defines: ['WITH_TICKETS'],
      modules: ['tm', 'rr', 'crypto'],
      ports: [proxyPort],
    })
  })

  afterAll(async () => {
    await kamailio?.stop()
    killAllSipp()
    killAllKamailio()
    rmSync(dir, { recursive: true, force: true })
  })

  it(`completes ${CALLS} calls with valid tickets and no failure, the ticket passed on to the UAS`, async () => {
    const uas = await startSipp({ scenario: 'uas.xml', port: uasPort, calls: CALLS, logs: true, timeoutMs: 20_000 })
    await uas.listening
    const rows = Array.from({ length: CALLS }, () =>
      ticketRow(
        CALLING_DOMAIN,
        CALLED,
        mintBaselineTicket({ calledNumber: CALLED, callingDomain: CALLING_DOMAIN, expiresAt: inAnHour() }, key),
      ),
    )
    const uac = await runSipp({
      scenario: 'uac-call-ticket.xml',
      target: `${LOCALHOST}:${proxyPort}`,
      injection: writeInjection(join(dir, 'valid.csv'), rows),
      rate: 50,
      calls: CALLS,
      timeoutMs: 20_000,
    })
    const callee = await uas.done
    expect(uac.exitCode, explain(uac)).toBe(0)
    expect(uac.successful, explain(uac)).toBe(CALLS)
    expect(uac.failed, explain(uac)).toBe(0)
    expect(uac.rtdMs).toHaveLength(CALLS)
    expect(callee.exitCode, explain(callee)).toBe(0)
    expect(callee.successful, explain(callee)).toBe(CALLS)
    expect(tickets(callee.logLines).sort()).toEqual(rows.map((r) => r[2]).sort())
  })

  const refused: [string, () => string, string, string][] = [
    [
      'a forged ticket',
      () =>
        forge(mintBaselineTicket({ calledNumber: CALLED, callingDomain: CALLING_DOMAIN, expiresAt: inAnHour() }, key)),
      'X-IME-Ticket',
      'Forged ticket',
    ],
    [
      'an expired ticket',
      () => mintBaselineTicket({ calledNumber: CALLED, callingDomain: CALLING_DOMAIN, expiresAt: 1_700_000_000 }, key),
      'X-IME-Ticket',
      'Expired ticket',
    ],
    [
      "another number's ticket",
      () =>
        mintBaselineTicket({ calledNumber: '+14085550199', callingDomain: CALLING_DOMAIN, expiresAt: inAnHour() }, key),
      'X-IME-Ticket',
      'Ticket for another number',
    ],
    ['a malformed ticket', () => 'not-a-ticket', 'X-IME-Ticket', 'Malformed ticket'],
    ['no ticket header', () => 'anything', 'X-Not-A-Ticket', 'Missing ticket'],
  ]

  it.each(refused)('refuses %s with 403 and its reason phrase', async (name, ticket, header, reason) => {
    const rows = [0, 1].map(() => [CALLING_DOMAIN, CALLED, ticket()])
    const uac = await runSipp({
      scenario: 'uac-call-forbidden.xml',
      target: `${LOCALHOST}:${proxyPort}`,
      injection: writeInjection(join(dir, `refused-${name.replace(/\W+/g, '-')}.csv`), rows),
      keys: { ticket_header: header },
      rate: 10,
      calls: rows.length,
      logs: true,
      timeoutMs: 15_000,
    })
    expect(uac.exitCode, explain(uac)).toBe(0)
    expect(uac.successful, explain(uac)).toBe(rows.length)
    expect(uac.logLines).toEqual(rows.map(() => `status=SIP/2.0 403 ${reason}`))
  })
})
