/**
 * The demo's carrier world (`ime demo --carrier`): Kamailio plays the carrier (src/demo/carrier-config.ts), each
 * enterprise has an rtpengine of its own as its media bridge (one shared by two enterprises would take a call
 * between them, which keeps its Call-ID and tags across the carrier, for one session), and baresip's legacy phones
 * own some numbers, answer by themselves and play a tone. Enterprise i's trunk points at the carrier: even ones
 * register with digest over UDP (CRLF keep-alives), odd ones are IP-authenticated over TCP (the carrier sends their
 * calls to their trunk face). Everything listens on the world's host;
 * stop() ends each process this started, last started first.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { E164 } from '../core/e164.js'
import { findExecutable, startDaemonIn, tcpAnswers } from '../core/daemon.js'
import { freePorts } from '../core/free-ports.js'
import type { MediaBridgeConfig } from '../media-bridge/config.js'
import { startRtpengine } from '../media-bridge/rtpengine.js'
import type { TrunkConfig } from '../trunks/trunk-config.js'
import { carrierConfig, type CarrierCustomer } from './carrier-config.js'
import { startLegacyPhones, type LegacyPhone, type LegacyPhones } from './legacy-phones.js'

export const CARRIER_REALM = 'carrier.example'
/** Media ports per enterprise's rtpengine: four per bridged call, so 15 calls at once. */
const MEDIA_PORTS = 60
const KAMAILIO_MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules'

/** The legacy phones of the demo: fictional Chicago numbers, each with its own tone. */
export const DEMO_PHONES: readonly LegacyPhone[] = [
  { number: '+13125550199' as E164, toneHz: 1000 },
  { number: '+13125550198' as E164, toneHz: 600 },
]

export interface CarrierEnterprise {
  readonly name: string
  /** Every number the carrier routes to the enterprise (its users' and its fallback DID). */
  readonly numbers: readonly E164[]
  /** The trunk account's password (registering trunks). */
  readonly password: string
}

export interface DemoCarrierOptions {
  readonly host: string
  /** The fixed layout's base port (0: free ports picked here). */
  readonly basePort: number
  readonly enterprises: readonly CarrierEnterprise[]
  readonly say: (line: string) => void
}

export interface DemoCarrierPhone {
  readonly number: E164
  /** What answers it: a baresip G.711 phone playing a tone of `toneHz`. */
  readonly kind: 'baresip'
  readonly toneHz: number
}

export interface DemoCarrier {
  /** The carrier's SIP addresses (TCP, UDP: the same port). */
  readonly sipTcp: string
  readonly sipUdp: string
  readonly phones: readonly DemoCarrierPhone[]
  /** The rtpengine enterprise i's node drives (ng on loopback). */
  mediaBridge(i: number): MediaBridgeConfig
  /** Enterprise i's trunk to the carrier. */
  trunk(i: number): TrunkConfig
  /** The PIDs of the processes this started (rtpengine, baresip, Kamailio), for checks that none is left. */
  readonly pids: readonly number[]
  stop(): Promise<void>
}

/** Whether enterprise i's trunk registers (even i) or is IP-authenticated (odd i). */
export const registers = (i: number): boolean => i % 2 === 0

export async function startDemoCarrier(options: DemoCarrierOptions): Promise<DemoCarrier> {
  const { host, basePort: base, say } = options
  const port = async (offset: number, span = 1) => (base === 0 ? freePorts(host, span) : base + offset)
  const stops: (() => Promise<void>)[] = []
  const pids: number[] = []
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined)
  }
  try {
    const kamailioPort = await port(61)
    const trunkPorts = await Promise.all(options.enterprises.map((_, i) => port(105 + i * 10)))
    const ngPorts = await Promise.all(options.enterprises.map((_, i) => port(80 + i)))
    const mediaBase = base === 0 ? 30_000 + Math.floor(Math.random() * 400) * 50 : base + 300
    for (const [i, e] of options.enterprises.entries()) {
      // Base 0: ranges from a random spot (rtpengine skips ports in use when it allocates).
      const min = mediaBase + i * MEDIA_PORTS
      say(`starting rtpengine (${e.name}'s media bridge) on ${host}, media ports ${min}-${min + MEDIA_PORTS - 1}...`)
      const engine = await startRtpengine({
        ng: { host, port: ngPorts[i]! },
        mediaAddress: host,
        mediaPorts: { min, max: min + MEDIA_PORTS - 1 },
      })
      stops.push(engine.stop)
      pids.push(engine.pid)
    }

    say(`starting the legacy phones (baresip, G.711) for ${DEMO_PHONES.map((p) => p.number).join(', ')}...`)
    // baresip binds SIP over TLS on the port after its own; another process may take either between the check and
    // the bind, so with ports of its own choosing the demo starts baresip again on fresh ones.
    const startPhones = async (attemptsLeft: number): Promise<LegacyPhones> => {
      const phonesPort = await port(62, 2)
      try {
        return await startLegacyPhones({ host, port: phonesPort, domain: CARRIER_REALM, phones: DEMO_PHONES })
      } catch (e) {
        const clash = e instanceof Error && e.message.includes('Address already in use')
        if (!clash || base !== 0 || attemptsLeft <= 1) throw e
        say(`the legacy phones' port ${phonesPort} (or ${phonesPort + 1}) was taken meanwhile; trying fresh ports...`)
        return startPhones(attemptsLeft - 1)
      }
    }
    const phones = await startPhones(3)
    stops.push(phones.stop)
    pids.push(phones.pid)

    const customers: CarrierCustomer[] = options.enterprises.map((e, i) =>
      registers(i)
        ? { kind: 'register', user: e.name, password: e.password, numbers: e.numbers }
        : { kind: 'ip', numbers: e.numbers, address: `${host}:${trunkPorts[i]}`, sourceIp: host },
    )
    say(`starting the carrier (Kamailio) on ${host}:${kamailioPort}...`)
    const kamailio = await startCarrierKamailio(
      carrierConfig({
        listen: `${host}:${kamailioPort}`,
        realm: CARRIER_REALM,
        customers,
        phones: DEMO_PHONES.map((p) => ({ number: p.number, address: phones.address })),
      }),
      host,
      kamailioPort,
    )
    stops.push(kamailio.stop)
    pids.push(kamailio.pid)

    const uri = `sip:${host}:${kamailioPort};transport=tcp`
    const udp = `sip:${host}:${kamailioPort};transport=udp`
    return {
      sipTcp: uri,
      sipUdp: udp,
      phones: DEMO_PHONES.map((p) => ({ ...p, kind: 'baresip' })),
      mediaBridge: (i) => ({ mode: 'external', ng: { host, port: ngPorts[i]! }, timeoutMs: 2_000 }),
      pids,
      trunk(i) {
        const e = options.enterprises[i]
        if (e === undefined) throw new Error(`the carrier has no enterprise ${i}`)
        const common = { user: e.name, password: e.password, media: 'bridge' as const }
        // The registering trunk over UDP with CRLF keep-alives, as many carriers run it; the other over TCP.
        if (registers(i)) return { ...common, uri: udp, keepalive: 'crlf', keepaliveS: 20 }
        return { ...common, uri, keepaliveS: 30, register: false, allowFrom: [host], listen: { tcp: trunkPorts[i]! } }
      },
      stop,
    }
  } catch (e) {
    await stop()
    throw e
  }
}

/** Kamailio in the foreground with `config`, in a temporary directory; checked (-c) first for a clear error. */
async function startCarrierKamailio(
  config: string,
  host: string,
  port: number,
): Promise<{ pid: number; stop: () => Promise<void> }> {
  const program = findExecutable('kamailio')
  if (program === undefined)
    throw new Error('Kamailio is not installed (the demo carrier); as root: apt-get install -y kamailio')
  const dir = mkdtempSync(join(tmpdir(), 'ime-demo-carrier-'))
  const cfg = join(dir, 'kamailio.cfg')
  writeFileSync(cfg, config)
  const common = ['-f', cfg, '-L', KAMAILIO_MODULES]
  const check = spawnSync(program, ['-c', ...common], { encoding: 'utf8', timeout: 10_000 })
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(
      `Kamailio refused the carrier config ${cfg} (exit ${check.status}):\n${check.stderr}${check.stdout}`,
    )
  }
  const daemon = await startDaemonIn(dir, {
    name: 'Kamailio',
    program,
    args: [...common, '-DD', '-E', '-m', '64', '-M', '8', '-Y', dir, '-w', dir],
    ready: () => tcpAnswers(host, port),
    where: `${host}:${port} (TCP)`,
  })
  return { pid: daemon.pid, stop: daemon.stop }
}
