/**
 * Interop tests of our call agent (src/sip/agent/call-agent.ts) with SIPp and Kamailio, peers no one here wrote:
 * - internal TCP: REGISTER with MD5 digest (SIPp answers only the first challenge, and only MD5: the agent offers
 *   MD5 alone by default); calls to a registered user go over the connection it registered on.
 * - Kamailio as a client: registers with uac_reg, and calls as that account answering the 407 with uac_auth().
 * - edge TCP: INVITE with X-IME-Ticket reaches the user whose number it is; missing, forged, expired, malformed and
 *   other-number tickets get 403 with the reason phrase verifyTicket gives.
 * - Record-Route on the edge, so ACK and BYE come back through it, also behind a Kamailio outbound proxy.
 * SIPp has no WebSocket transport: the WebSocket faces are covered by the other tests and the browser tests.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestHa1 } from '../../src/sip/auth/index.js'
import { mintTicket, verifyTicket } from '../../src/tickets/mint.js'
import { startAgent, rand, type StartedAgent } from '../../src/testing/interop/call-agent.js'
import { credentialRow, ticketRow, writeInjection } from '../../src/testing/interop/injection.js'
import { killAllKamailio, startKamailio, type KamailioProcess } from '../../src/testing/interop/kamailio.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import {
  explain,
  killAllSipp,
  runSipp,
  SCENARIOS_DIR,
  startSipp,
  type SippProcess,
} from '../../src/testing/interop/sipp.js'

const DOMAIN = 'bravo.example'
const CALLING_DOMAIN = 'alpha.example'
const ALICE = { name: 'alice', password: 'alice-secret', number: '+14085550123' }
/** The account a Kamailio (as a client: a PBX in front of its own phones) registers and calls with. */
const PBX = { name: 'pbx', password: 'pbx-secret', number: '+14085550124' }
const CALLS = 10

function readLog(dir: string): string {
  const name = readdirSync(dir).find((f) => f.endsWith('_logs.log'))
  return name === undefined ? '' : readFileSync(join(dir, name), 'utf8')
}

describe('our call agent with SIPp (and Kamailio in front)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ime-interop-agent-'))
  let ime: StartedAgent
  let alice: SippProcess
  let outbound: KamailioProcess | undefined

  const valid = (calledNumber = ALICE.number, nowMs = Date.now(), validitySeconds?: number) => {
    const t = mintTicket(
      {
        calledNumber,
        callingDomain: CALLING_DOMAIN,
        callerPeer: ime.caller.peer,
        ...(validitySeconds !== undefined && { validitySeconds }),
      },
      ime.keys,
      nowMs,
      rand,
    )
    if (!t.ok) throw new Error(t.error)
    return t.value.text
  }
  /** A call's injection line: a valid ticket for alice's number and its caller assertion. */
  const validRow = () => credentialRow(CALLING_DOMAIN, ALICE.number, ime.credentials(ALICE.number))
  const forged = (ticket: string) => {
    const bytes = Buffer.from(ticket, 'base64url')
    bytes[bytes.length - 1]! ^= 0x55
    return bytes.toString('base64url')
  }
  /** The reason phrase the agent must give: what verifyTicket says about this ticket. */
  const reasonFor = (ticket: string | undefined) => {
    const v = verifyTicket(ticket, { calledNumber: ALICE.number }, ime.keys, Date.now())
    if (v.ok) throw new Error('expected a ticket that is refused')
    return v.error.reason
  }

  beforeAll(async () => {
    ime = await startAgent(DOMAIN, [ALICE, PBX])
    // Alice: a SIPp that registers on the internal face and answers calls arriving on that connection.
    alice = await startSipp({
      scenario: 'uac-register-then-answer.xml',
      target: `${LOCALHOST}:${ime.internalTcp}`,
      injection: writeInjection(join(dir, 'alice.csv'), [[ALICE.name, `${LOCALHOST}:5060`, DOMAIN]]),
      auth: { user: ALICE.name, password: ALICE.password, uri: DOMAIN },
      calls: 1,
      logs: true,
      timeoutMs: 120_000,
      extraArgs: ['-oocsf', join(SCENARIOS_DIR, 'uas.xml'), '-d', '110000'],
    })
    // Registered once the 200 came: the scenario logs "registered" (SIPp flushes its log per line).
    const until = Date.now() + 10_000
    while (!existsSync(alice.dir) || !readLog(alice.dir).includes('registered')) {
      if (Date.now() > until) throw new Error(`alice did not register: ${alice.command}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  })

  afterAll(async () => {
    await outbound?.stop()
    await alice?.stop(500)
    await ime?.agent.stop()
    killAllSipp()
    killAllKamailio()
    rmSync(dir, { recursive: true, force: true })
  })

  it('registers a SIPp user with digest auth on the internal face, and refuses a wrong password', async () => {
    const csv = writeInjection(join(dir, 'register.csv'), [[ALICE.name, `${LOCALHOST}:5999`, DOMAIN]])
    const target = `${LOCALHOST}:${ime.internalTcp}`
    const ok = await runSipp({
      scenario: 'uac-register.xml',
      target,
      injection: csv,
      auth: { user: ALICE.name, password: ALICE.password, uri: DOMAIN },
      calls: 1,
      timeoutMs: 10_000,
    })
    expect(ok.exitCode, explain(ok)).toBe(0)
    const bad = await runSipp({
      scenario: 'uac-register.xml',
      target,
      injection: csv,
      auth: { user: ALICE.name, password: 'wrong', uri: DOMAIN },
      calls: 1,
      timeoutMs: 10_000,
    })
    expect(bad.exitCode, explain(bad)).toBe(1)
    expect(bad.errors).toMatch(/401/)
  })

  it(`completes ${CALLS} calls at the edge with valid tickets, 0 failed, to the registered user`, async () => {
    const rows = Array.from({ length: CALLS }, validRow)
    const uac = await runSipp({
      scenario: 'uac-call-ticket.xml',
      target: `${LOCALHOST}:${ime.edgeTcp}`,
      injection: writeInjection(join(dir, 'valid.csv'), rows),
      rate: 20,
      calls: CALLS,
      timeoutMs: 20_000,
    })
    expect(uac.exitCode, explain(uac)).toBe(0)
    expect(uac.successful, explain(uac)).toBe(CALLS)
    expect(ime.agent.counters.ticketsAccepted).toBeGreaterThanOrEqual(CALLS)
    // Each call reached alice's SIPp (its UAS scenario logs the X-IME-Ticket it saw, empty if none).
    const answered = readLog(alice.dir)
      .split('\n')
      .filter((l) => l.startsWith('ticket='))
    expect(answered.length).toBeGreaterThanOrEqual(CALLS)
  })

  const refused: [string, () => [string, string]][] = [
    ['a forged ticket', () => ['X-IME-Ticket', forged(valid())]],
    ['an expired ticket', () => ['X-IME-Ticket', valid(ALICE.number, Date.now() - 3_600_000, 60)]],
    ["another number's ticket", () => ['X-IME-Ticket', valid('+14085550199')]],
    ['a malformed ticket', () => ['X-IME-Ticket', 'not-a-ticket']],
    ['no ticket header', () => ['X-Not-A-Ticket', 'anything']],
    // A good ticket with no caller assertion: a bearer token, which no longer places a call.
    ['a valid ticket without a caller assertion', () => ['X-IME-Ticket', valid()]],
  ]

  it.each(refused)('refuses %s at the edge with 403 and the verifier’s reason', async (name, make) => {
    const [header, ticket] = make()
    const uac = await runSipp({
      scenario: 'uac-call-forbidden.xml',
      target: `${LOCALHOST}:${ime.edgeTcp}`,
      injection: writeInjection(join(dir, `refused-${name.replace(/\W+/g, '-')}.csv`), [
        [CALLING_DOMAIN, ALICE.number, ticket],
      ]),
      keys: { ticket_header: header },
      calls: 1,
      logs: true,
      timeoutMs: 10_000,
    })
    expect(uac.exitCode, explain(uac)).toBe(0)
    const ticketValid =
      header === 'X-IME-Ticket' && verifyTicket(ticket, { calledNumber: ALICE.number }, ime.keys, Date.now()).ok
    const reason = ticketValid ? 'caller assertion missing' : reasonFor(header === 'X-IME-Ticket' ? ticket : undefined)
    expect(uac.logLines).toEqual([`status=SIP/2.0 403 ${reason}`])
  })

  it('Kamailio as a client registers (uac_reg) and calls (uac_auth) with digest, under the default offer', async () => {
    const listen = await freePorts(1)
    const db = join(dir, 'kamailio-db')
    mkdirSync(db, { recursive: true })
    copyFileSync('/usr/share/kamailio/dbtext/kamailio/version', join(db, 'version'))
    const esc = (v: string) => v.replace(/:/g, '\\:')
    const row = [
      '1', // id
      PBX.name, // l_uuid
      PBX.name, // l_username
      DOMAIN, // l_domain
      PBX.name, // r_username
      DOMAIN, // r_domain
      DOMAIN, // realm
      PBX.name, // auth_username
      PBX.password, // auth_password
      digestHa1('MD5', PBX.name, DOMAIN, PBX.password), // auth_ha1 (db_text takes no empty field)
      esc(`sip:${LOCALHOST}:${ime.internalTcp};transport=tcp`), // auth_proxy
      '300', // expires
      '0', // flags
      '0', // reg_delay
      esc(`${LOCALHOST}:${listen};transport=tcp`), // contact_addr (host:port)
      esc(`tcp:${LOCALHOST}:${listen}`), // socket
    ]
    writeFileSync(
      join(db, 'uacreg'),
      readFileSync('/usr/share/kamailio/dbtext/kamailio/uacreg', 'utf8').trimEnd() + '\n' + row.join(':') + '\n',
    )
    const pbx = await startKamailio({
      config: 'uac-client.cfg',
      params: {
        LISTEN: `${LOCALHOST}:${listen}`,
        UPSTREAM: `${LOCALHOST}:${ime.internalTcp}`,
        USER: PBX.name,
        PASSWORD: PBX.password,
        REALM: DOMAIN,
        DB_DIR: db,
      },
      ports: [listen],
      modules: ['uac', 'db_text'],
    })
    try {
      const until = Date.now() + 15_000
      while (ime.agent.registrations.current(PBX.name, Date.now()).length === 0) {
        if (Date.now() > until) throw new Error(`Kamailio did not register:\n${pbx.log().slice(-4000)}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      const failures = ime.agent.counters.authFailures
      // A call from behind the Kamailio to alice: it answers the agent's 407 with uac_auth().
      const call = await runSipp({
        scenario: 'uac-call-ticket.xml',
        target: `${LOCALHOST}:${listen}`,
        injection: writeInjection(join(dir, 'via-kamailio-client.csv'), [ticketRow(DOMAIN, ALICE.number, 'none')]),
        calls: 1,
        timeoutMs: 15_000,
      })
      expect(call.exitCode, explain(call) + '\n' + pbx.log().slice(-4000)).toBe(0)
      expect(call.successful).toBe(1)
      expect(ime.agent.counters.authFailures).toBe(failures)
      expect(pbx.log()).toMatch(/407 challenge, answering with uac_auth/)
    } finally {
      await pbx.stop()
    }
  })

  it('takes calls through a Kamailio outbound proxy in front of the edge; 403 reasons come back unchanged', async () => {
    const [outside, inside] = [await freePorts(1), await freePorts(1)]
    outbound = await startKamailio({
      config: 'outbound-proxy.cfg',
      params: {
        OUTSIDE: `${LOCALHOST}:${outside}`,
        INSIDE: `${LOCALHOST}:${inside}`,
        UPSTREAM: `${LOCALHOST}:${ime.edgeTcp}`,
        OUTSIDE_PORT: outside,
      },
      ports: [outside, inside],
    })
    const rows = Array.from({ length: 5 }, validRow)
    const ok = await runSipp({
      scenario: 'uac-call-ticket.xml',
      target: `${LOCALHOST}:${outside}`,
      injection: writeInjection(join(dir, 'via-proxy.csv'), rows),
      rate: 20,
      calls: rows.length,
      timeoutMs: 20_000,
    })
    expect(ok.exitCode, explain(ok) + '\n' + outbound.log().slice(-3000)).toBe(0)
    const bad = forged(valid())
    const no = await runSipp({
      scenario: 'uac-call-forbidden.xml',
      target: `${LOCALHOST}:${outside}`,
      injection: writeInjection(join(dir, 'via-proxy-forged.csv'), [ticketRow(CALLING_DOMAIN, ALICE.number, bad)]),
      keys: { ticket_header: 'X-IME-Ticket' },
      calls: 1,
      logs: true,
      timeoutMs: 10_000,
    })
    expect(no.exitCode, explain(no)).toBe(0)
    expect(no.logLines).toEqual([`status=SIP/2.0 403 ${reasonFor(bad)}`])
  })
})
