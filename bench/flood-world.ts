/**
 * What `ime bench flood --connections` and test/hardening/connection-flood.test.ts flood: one enterprise's
 * listeners on loopback, each with its own limits. A call agent (edge face: TCP and WebSocket; internal face: TLS
 * and secure WebSocket, with a certificate made here by openssl), an HTTP API, and two libp2p peers (the flooded
 * one and a ring member that dials it afresh for each check). And the legitimate side, from another source
 * address: bob registers on the internal face, a calling node places ticketed calls at the edge, the ring member
 * pings, a browser asks /api/health.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ping } from '@libp2p/ping'
import { systemClock } from '../src/core/clock.js'
import type { AdmissionLimits } from '../src/core/connection-admission.js'
import type { E164 } from '../src/core/e164.js'
import { edgeCallerCheck } from '../src/node/caller-identity.js'
import { createImeLibp2p, type ImeLibp2p } from '../src/p2p/libp2p-node.js'
import { CallAgent } from '../src/sip/agent/index.js'
import { testCallerNode } from '../src/testing/caller-node.js'
import { startTestNode, type TestNode } from '../src/testing/http-test-node.js'
import { SipPhone } from '../src/testing/scripted-phone.js'
import { StaticSipDirectory } from '../src/testing/static-sip-directory.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../src/tickets/key-ring.js'
import { median, percentile } from './report.js'

export const FLOOD_LISTENERS = ['sip-tcp', 'sip-ws', 'sip-tls', 'sip-wss', 'http', 'libp2p'] as const
export type FloodListener = (typeof FLOOD_LISTENERS)[number]

const BOB = '+14085550100' as E164

export interface WorldLimits {
  readonly sip?: Partial<AdmissionLimits>
  readonly http?: Partial<AdmissionLimits>
}

export interface LegitFigures {
  /** bob's REGISTER over the internal face answered 200. */
  registered: boolean
  calls: { ok: number; failed: number; setupMsP50: number; setupMsP99: number }
  health: { ok: number; failed: number }
  ring: { ok: number; failed: number; msP50: number }
  errors: string[]
}

export class FloodWorld {
  private constructor(
    private readonly dir: string,
    private readonly cert: string,
    readonly agent: CallAgent,
    readonly http: TestNode,
    readonly flooded: ImeLibp2p,
    private readonly member: ImeLibp2p,
    private readonly keys: TicketKeyRing,
  ) {}

  static async start(limits: WorldLimits = {}): Promise<FloodWorld> {
    const dir = mkdtempSync(join(tmpdir(), 'ime-conn-flood-'))
    const parts: { stop(): unknown }[] = []
    try {
      // prettier-ignore
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
      const tls = { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') }
      const keys = new TicketKeyRing(new MemoryTicketKeyStore(), (n) => new Uint8Array(randomBytes(n)))
      const agent = await CallAgent.start({
        domain: 'b.example',
        host: '127.0.0.1',
        edge: { tcpPort: 0, wsPort: 0 },
        internal: { tcpPort: 0, wsPort: 0, tls },
        directory: new StaticSipDirectory('b.example', [{ name: 'bob', password: 'bob-pw', number: BOB }]),
        routeTo: () => undefined,
        checkCaller: edgeCallerCheck({ ticketKeys: keys, clock: systemClock }).check,
        vouchFor: () => ({ ok: false, error: 'the flooded node places no calls over learned routes' }),
        clock: systemClock,
        ...(limits.sip !== undefined && { inboundLimits: limits.sip }),
      })
      parts.push(agent)
      const http = await startTestNode(limits.http === undefined ? {} : { inbound: limits.http })
      parts.push({ stop: () => http.close() })
      // The flooded peer allows nobody past its limits (a real node's allow list is its own loopback only).
      const flooded = await createImeLibp2p({ privateKey: await generateKeyPair('Ed25519'), allow: [] })
      parts.push(flooded)
      const member = await createImeLibp2p({ privateKey: await generateKeyPair('Ed25519'), allow: [] })
      return new FloodWorld(dir, cert, agent, http, flooded, member, keys)
    } catch (e) {
      for (const p of parts.reverse()) await p.stop()
      rmSync(dir, { recursive: true, force: true })
      throw e
    }
  }

  /** Where a listener is, on 127.0.0.1. */
  port(listener: FloodListener): number {
    const a = this.agent.addresses
    switch (listener) {
      case 'sip-tcp':
        return a.edge.tcp!
      case 'sip-ws':
        return a.edge.ws!
      case 'sip-tls':
        return a.internal.tcp!
      case 'sip-wss':
        return a.internal.ws!
      case 'http':
        return Number(new URL(this.http.url).port)
      case 'libp2p':
        return Number(/\/tcp\/(\d+)/.exec(this.flooded.getMultiaddrs()[0]!.toString())![1])
    }
  }

  /**
   * The legitimate side, from `from`: bob registers (over secure WebSocket, or TLS when that is flooded), a caller
   * places `calls` ticketed calls one after another at the edge (over WebSocket when that is flooded, else TCP),
   * each answered and hung up; the ring member dials and pings afresh, and /api/health is asked, 5 times each.
   */
  async legit(from: string, calls: number, listener: FloodListener): Promise<LegitFigures> {
    const errors: string[] = []
    const note = (e: unknown) => {
      const m = e instanceof Error ? e.message : String(e)
      if (errors.length < 5 && !errors.includes(m)) errors.push(m)
    }
    const f: LegitFigures = {
      registered: false,
      calls: { ok: 0, failed: 0, setupMsP50: NaN, setupMsP99: NaN },
      health: { ok: 0, failed: 0 },
      ring: { ok: 0, failed: 0, msP50: NaN },
      errors,
    }
    const checks = (async () => {
      const ringMs: number[] = []
      for (let i = 0; i < 5; i++) {
        try {
          await this.member.hangUp(this.flooded.peerId)
          const t0 = performance.now()
          const ping = this.member.services.ping as Ping
          await ping.ping(this.flooded.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5_000) })
          ringMs.push(performance.now() - t0)
          f.ring.ok++
        } catch (e) {
          f.ring.failed++
          note(e)
        }
        if (await health(Number(new URL(this.http.url).port), from)) f.health.ok++
        else f.health.failed++
        await new Promise((r) => setTimeout(r, 200))
      }
      f.ring.msP50 = median(ringMs)
    })()
    const phones: SipPhone[] = []
    try {
      const bobTransport = listener === 'sip-tls' ? 'TLS' : 'WSS'
      const bob = await SipPhone.connect({
        transport: bobTransport,
        port: bobTransport === 'TLS' ? this.agent.addresses.internal.tcp! : this.agent.addresses.internal.ws!,
        user: 'bob',
        password: 'bob-pw',
        domain: 'b.example',
        ca: this.cert,
        localAddress: from,
      })
      phones.push(bob)
      f.registered = (await bob.register()).status === 200
      const callerTransport = listener === 'sip-ws' ? 'WS' : 'TCP'
      const caller = await SipPhone.connect({
        transport: callerTransport,
        port: callerTransport === 'WS' ? this.agent.addresses.edge.ws! : this.agent.addresses.edge.tcp!,
        user: 'alice',
        password: '',
        domain: 'a.example',
        fromUser: '+16505550101',
        localAddress: from,
      })
      phones.push(caller)
      const node = testCallerNode()
      const setup: number[] = []
      for (let i = 0; i < calls; i++) {
        try {
          const t0 = performance.now()
          const r = await caller.call(`sip:${BOB}@b.example`, node.credentials(this.keys, BOB), false)
          if (r.final.status !== 200 || r.dialog === undefined) throw new Error(`call answered ${r.final.status}`)
          setup.push(performance.now() - t0)
          await caller.bye(r.dialog)
          f.calls.ok++
        } catch (e) {
          f.calls.failed++
          note(e)
        }
      }
      f.calls.setupMsP50 = round(median(setup))
      f.calls.setupMsP99 = round(percentile(setup, 99))
    } catch (e) {
      f.calls.failed = calls - f.calls.ok
      note(e)
    } finally {
      for (const p of phones) await p.close()
      await checks
    }
    f.ring.msP50 = round(f.ring.msP50)
    return f
  }

  async stop(): Promise<void> {
    await this.member.stop()
    await this.flooded.stop()
    await this.http.close()
    await this.agent.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

const round = (n: number) => Math.round(n * 10) / 10

/** GET /api/health from a given source address; true on 200 within 5 s. */
function health(port: number, from: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/health', localAddress: from, timeout: 5_000, agent: false },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200))
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}
