/**
 * What `ime bench sip` sends calls to. A target is an address for the SIPp UAC, the port where it delivers calls
 * (a SIPp UAS listens there), and the injection rows (calling domain; called number; ticket) it accepts. Our call
 * agent becomes one more target once it exists; the load runner (sip-load.ts) takes any of them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { baselineKey, mintBaselineTicket } from '../src/testing/interop/baseline-tickets.js'
import { startAgent } from '../src/testing/interop/call-agent.js'
import { ownCpuMs, processGroupCpuMs } from './cpu-time.js'
import { credentialRow, ticketRow, writeInjection } from '../src/testing/interop/injection.js'
import { startKamailio } from '../src/testing/interop/kamailio.js'
import { freePorts, LOCALHOST } from '../src/testing/interop/ports.js'
import { SCENARIOS_DIR, startSipp, type SippProcess } from '../src/testing/interop/sipp.js'
import { testCallerNode } from '../src/testing/caller-node.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../src/tickets/key-ring.js'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

/** Waits until a SIPp -trace_logs file in `dir` contains `text`. */
export async function waitForLog(dir: string, text: string, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    const name = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('_logs.log')) : undefined
    if (name !== undefined && readFileSync(join(dir, name), 'utf8').includes(text)) return
    if (Date.now() > until) throw new Error(`no "${text}" within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export const BENCH_CALLED = '+14085550123'
export const BENCH_CALLING_DOMAIN = 'caller.example'
/** Learned routes the bench's calls come over (calling enterprises' tickets to the called number). */
const BENCH_ROUTES = 16

export interface SipTarget {
  readonly name: string
  /** host:port the UAC sends INVITEs to. */
  readonly address: string
  /** Port on 127.0.0.1 where the target delivers calls; the runner starts a SIPp UAS there. */
  readonly uasPort: number
  /** Injection rows for `n` calls: calling domain; called number; ticket. */
  rows(n: number): string[][]
  /** CPU milliseconds the server has used so far, when the bench can tell (for CPU per call). */
  cpuMs?(): number
  /** Starts the callee when it is not a plain UAS on uasPort (a user registered with the target), ready for calls. */
  startUas?(calls: number, timeoutMs: number, dir: string): Promise<SippProcess>
  stop(): Promise<void>
}

/** SIPp straight to SIPp: the ceiling of the load generator itself on this machine. */
export async function directTarget(): Promise<SipTarget> {
  const uasPort = await freePorts(1)
  return {
    name: 'sipp-direct',
    address: `${LOCALHOST}:${uasPort}`,
    uasPort,
    rows: (n) => Array.from({ length: n }, (_, i) => ticketRow(BENCH_CALLING_DOMAIN, BENCH_CALLED, `direct-${i}`)),
    stop: async () => undefined,
  }
}

/**
 * The Kamailio baseline (src/testing/interop/kamailio/baseline-proxy.cfg): stateful, record-routing, TCP, and with
 * `checkTickets` one HMAC-SHA-256 ticket check per INVITE, as our edge makes.
 */
export async function kamailioTarget(
  checkTickets: boolean,
  children: number,
  memoryManager?: 'qm' | 'fm' | 'tlsf',
): Promise<SipTarget> {
  const uasPort = await freePorts(1)
  const port = await freePorts(1)
  const key = baselineKey()
  const kamailio = await startKamailio({
    config: 'baseline-proxy.cfg',
    params: {
      LISTEN: `${LOCALHOST}:${port}`,
      NEXT_HOP: `${LOCALHOST}:${uasPort}`,
      TICKET_KEY: key,
      CHILDREN: children,
    },
    defines: checkTickets ? ['WITH_TICKETS'] : [],
    modules: ['tm', 'rr', ...(checkTickets ? ['crypto'] : [])],
    ports: [port],
    sharedMb: 1024,
    privateMb: 32,
    ...(memoryManager !== undefined && { memoryManager }),
  })
  const expiresAt = Math.floor(Date.now() / 1000) + 3600
  // Kamailio checks only its HMAC ticket, but each INVITE carries an Identity header of the size ours do, so that
  // both servers parse messages of the same length.
  const identity = sampleIdentity()
  return {
    name: checkTickets ? 'kamailio' : 'kamailio-nocheck',
    address: `${LOCALHOST}:${port}`,
    uasPort,
    ...(kamailio.pid !== undefined && { cpuMs: () => processGroupCpuMs(kamailio.pid!) }),
    rows: (n) =>
      Array.from({ length: n }, () =>
        ticketRow(
          BENCH_CALLING_DOMAIN,
          BENCH_CALLED,
          mintBaselineTicket({ calledNumber: BENCH_CALLED, callingDomain: BENCH_CALLING_DOMAIN, expiresAt }, key),
          identity,
        ),
      ),
    stop: async () => {
      await kamailio.stop()
    },
  }
}

/**
 * Any running SIP server: calls go to `address`, it must deliver them to 127.0.0.1:`uasPort`, and the tickets come
 * from a CSV of "calling domain;called number;ticket" lines (reused in turn when there are fewer than calls).
 * This is how our call agent is measured until the bench starts it itself.
 */
export function externalTarget(address: string, uasPort: number, ticketsCsv: string): SipTarget {
  const lines = readFileSync(ticketsCsv, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'SEQUENTIAL' && l !== 'RANDOM' && !l.startsWith('#'))
  const rows = lines.map((l) => l.split(';'))
  if (rows.length === 0 || rows.some((r) => r.length !== 3 && r.length !== 5)) {
    throw new Error(`${ticketsCsv}: expected lines "calling domain;called number;ticket[;passport;peer]"`)
  }
  for (const r of rows) if (r.length === 3) r.push('none', 'none')
  return {
    name: 'target',
    address,
    uasPort,
    rows: (n) => Array.from({ length: n }, (_, i) => rows[i % rows.length]!),
    stop: async () => undefined,
  }
}

/**
 * Our call agent (src/sip/agent/call-agent.ts) in this process: calls go to its edge over TCP over 16 routes (tickets
 * minted by its keys), each call with its own caller assertion; the callee is a SIPp user registered on its internal face that answers on that connection
 * (uac-register-then-answer.xml with -oocsf uas.xml), since the agent reaches users over their own connection.
 */
export async function agentTarget(): Promise<SipTarget> {
  const user = { name: 'callee', password: randomBytes(12).toString('base64url'), number: BENCH_CALLED }
  const ime = await startAgent('bench.example', [user])
  const uasPort = await freePorts(1)
  // Calls come over routes, as after validation: each route's ticket is minted once and presented with every call
  // over it, each call with an assertion of its own (HS256 under the ticket's call key, checked by the edge).
  const routes = Array.from({ length: BENCH_ROUTES }, () => ime.route(BENCH_CALLED))
  return {
    name: 'ime',
    address: `${LOCALHOST}:${ime.edgeTcp}`,
    uasPort,
    // The agent runs in this process: its CPU includes the bench's own bookkeeping during a run (small: the rows
    // are made before the run starts, SIPp's files are read after it ends).
    cpuMs: ownCpuMs,
    rows: (n) =>
      Array.from({ length: n }, (_, i) =>
        credentialRow(BENCH_CALLING_DOMAIN, BENCH_CALLED, routes[i % routes.length]!.headers()),
      ),
    async startUas(_calls, timeoutMs, dir) {
      const uas = await startSipp({
        scenario: 'uac-register-then-answer.xml',
        target: `${LOCALHOST}:${ime.internalTcp}`,
        port: uasPort,
        injection: writeInjection(join(dir + '.csv'), [[user.name, `${LOCALHOST}:${uasPort}`, 'bench.example']]),
        auth: { user: user.name, password: user.password, uri: 'bench.example' },
        calls: 1,
        logs: true,
        timeoutMs,
        dir,
        extraArgs: ['-oocsf', join(SCENARIOS_DIR, 'uas.xml'), '-d', String(timeoutMs)],
      })
      await waitForLog(dir, 'registered', 10_000, uas.command)
      return uas
    },
    stop: () => ime.agent.stop(),
  }
}

/** A real Identity header (for a throwaway ticket and node): the size of those our edge checks. */
function sampleIdentity(): string {
  const keys = new TicketKeyRing(new MemoryTicketKeyStore(), (k) => new Uint8Array(randomBytes(k)))
  const headers = new Map(testCallerNode().credentials(keys, BENCH_CALLED))
  return headers.get('Identity')!
}
