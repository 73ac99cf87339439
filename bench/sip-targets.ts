/**
 * What `ime bench sip` sends calls to. A target is an address for the SIPp UAC, the port where it delivers calls
 * (a SIPp UAS listens there), and the injection rows (calling domain; called number; ticket) it accepts. Our call
 * agent becomes one more target once it exists; the load runner (sip-load.ts) takes any of them.
 */
import { readFileSync } from 'node:fs'
import { baselineKey, mintBaselineTicket } from '../test/interop/support/baseline-tickets.js'
import { startKamailio } from '../test/interop/support/kamailio.js'
import { freePorts, LOCALHOST } from '../test/interop/support/ports.js'

export const BENCH_CALLED = '+14085550123'
export const BENCH_CALLING_DOMAIN = 'caller.example'

export interface SipTarget {
  readonly name: string
  /** host:port the UAC sends INVITEs to. */
  readonly address: string
  /** Port on 127.0.0.1 where the target delivers calls; the runner starts a SIPp UAS there. */
  readonly uasPort: number
  /** Injection rows for `n` calls: calling domain; called number; ticket. */
  rows(n: number): string[][]
  stop(): Promise<void>
}

/** SIPp straight to SIPp: the ceiling of the load generator itself on this machine. */
export async function directTarget(): Promise<SipTarget> {
  const uasPort = await freePorts(1)
  return {
    name: 'sipp-direct',
    address: `${LOCALHOST}:${uasPort}`,
    uasPort,
    rows: (n) => Array.from({ length: n }, (_, i) => [BENCH_CALLING_DOMAIN, BENCH_CALLED, `direct-${i}`]),
    stop: async () => undefined,
  }
}

/**
 * The Kamailio baseline (test/interop/kamailio/baseline-proxy.cfg): stateful, record-routing, TCP, and with
 * `checkTickets` one HMAC-SHA-256 ticket check per INVITE, as our edge makes.
 */
export async function kamailioTarget(checkTickets: boolean, children: number): Promise<SipTarget> {
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
  })
  const expiresAt = Math.floor(Date.now() / 1000) + 3600
  return {
    name: checkTickets ? 'kamailio' : 'kamailio-nocheck',
    address: `${LOCALHOST}:${port}`,
    uasPort,
    rows: (n) =>
      Array.from({ length: n }, () => [
        BENCH_CALLING_DOMAIN,
        BENCH_CALLED,
        mintBaselineTicket({ calledNumber: BENCH_CALLED, callingDomain: BENCH_CALLING_DOMAIN, expiresAt }, key),
      ]),
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
  if (rows.length === 0 || rows.some((r) => r.length < 3)) {
    throw new Error(`${ticketsCsv}: expected lines "calling domain;called number;ticket"`)
  }
  return {
    name: 'target',
    address,
    uasPort,
    rows: (n) => Array.from({ length: n }, (_, i) => rows[i % rows.length]!),
    stop: async () => undefined,
  }
}
