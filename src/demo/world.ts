/**
 * The demo world on loopback: a PSTN gateway and N enterprises, each an enterprise node (Chord ring member,
 * validation, call agent with edge and internal faces, users with numbers) with its own data directory, all in
 * one process. Used by `ime demo`, the soak benchmark and the end-to-end tests. Users' passwords are made on
 * first start and kept in the data directory, so a restart keeps them (and the routes and records).
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Clock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import { ringIdToHex } from '../core/ring.js'
import { unwrap } from '../core/result.js'
import { midcallFallbackSettings, type MidcallFallbackInput } from '../fallback/settings.js'
import type { IceConfig } from '../http/ice-servers.js'
import { findTurnserver, startCoturn, type Coturn } from '../turn/coturn.js'
import { startEnterpriseNode, type EnterpriseNode } from '../node.js'
import { PstnGateway } from '../pstn/gateway.js'
import type { TrunkConfig } from '../trunks/trunk-config.js'
import type { CallAgentEvent } from '../sip/agent/index.js'
import type { ValidationOutcome } from '../validation/scheduler.js'
import { startDemoCarrier, type DemoCarrier, type DemoCarrierPhone } from './carrier.js'

export interface DemoUser {
  readonly user: string
  readonly number: E164
  readonly password: string
}

export interface DemoEnterpriseSpec {
  readonly name: string
  readonly domain: string
  readonly numbers: E164[]
  readonly users: { user: string; number: E164 }[]
  /** The number that takes IME calls moving to the PSTN mid-call (no user's; not published). */
  readonly fallbackDid: E164
  /** This enterprise's clock runs this far off (ms), as real clocks do. */
  readonly clockSkewMs: number
}

export interface WorldOptions {
  readonly dataDir: string
  readonly enterprises?: number
  /** First port of a fixed layout (stable URLs across restarts); 0: every port picked by the system. */
  readonly basePort?: number
  /** Validation timing: the demo shortens the 1-60 min random delay. */
  readonly validation?: { minCallMs: number; delayMinMs: number; delayMaxMs: number }
  /**
   * Distinct calls proved before a route carries calls (default 1 here, so the walkthrough needs one PSTN call;
   * a real node's default is PROOFS_TO_TRUST, 2).
   */
  readonly proofsToTrust?: number
  readonly validationPollMs?: number
  readonly imeTimeoutMs?: number
  /** Mid-call fallback settings besides the DID (each enterprise's fallbackDid); the defaults otherwise. */
  readonly midcallFallback?: Omit<MidcallFallbackInput, 'dids'>
  readonly onValidation?: (enterprise: string, outcome: ValidationOutcome) => void
  readonly onSipEvent?: (enterprise: string, event: CallAgentEvent) => void
  readonly onProgress?: (line: string) => void
  /** The built web app to serve (web/dist); without it the HTTP servers serve the API only. */
  readonly webRoot?: string
  /**
   * A TURN server (coturn) for the softphones: 'auto' starts one when coturn is installed, 'required' fails
   * without it, 'off' (the default) starts none (host candidates only, enough on one machine).
   */
  readonly turn?: 'auto' | 'required' | 'off'
  /** 'relay': the softphones use TURN relays only (needs the TURN server). */
  readonly icePolicy?: 'all' | 'relay'
  /** The address every server of the world listens on and names in its URLs (default 127.0.0.1). */
  readonly host?: string
  /**
   * The PSTN: 'gateway' (default) the embedded stand-in (src/pstn, nothing to install); 'carrier' Kamailio as the
   * carrier, rtpengine as the media bridge and baresip legacy phones (src/demo/carrier.ts).
   */
  readonly pstn?: 'gateway' | 'carrier'
}

export interface WorldEnterprise {
  readonly spec: DemoEnterpriseSpec
  readonly node: EnterpriseNode
  readonly users: DemoUser[]
  readonly operatorToken: string
}

export interface World {
  /** The stand-in PSTN gateway (pstn 'gateway'). */
  readonly gateway: PstnGateway | undefined
  /** The carrier world (pstn 'carrier'). */
  readonly carrier: DemoCarrier | undefined
  /** The TURN server, when one was started. */
  readonly turn: Coturn | undefined
  readonly enterprises: WorldEnterprise[]
  /** The ready line's JSON (architecture.md). */
  readyInfo(): ReadyInfo
  /** Stops enterprise i (gracefully: it leaves the ring) and starts it again on the same data: node churn. */
  restart(i: number): Promise<WorldEnterprise>
  stop(): Promise<void>
}

export interface ReadyInfo {
  /** kind 'gateway': the stand-in; 'carrier': Kamailio, with the legacy phones anyone can call. */
  pstn: { kind: 'gateway' | 'carrier'; sipWs: string | undefined; sipTcp: string; phones?: DemoCarrierPhone[] }
  /** The TURN server the softphones use, when the demo started one. */
  turn?: { urls: readonly string[] }
  enterprises: {
    name: string
    domain: string
    http: string | undefined
    operatorToken: string
    numbers: E164[]
    sipWs: string | undefined
    sipTcp: string | undefined
    edge: { sipWs: string | undefined; sipTcp: string | undefined }
    peerId: string
    nodeId: string
    multiaddrs: readonly string[]
    phones: { user: string; number: E164; password: string; url: string | undefined }[]
  }[]
}

const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel']
const PEOPLE = [
  ['alice', 'anna'],
  ['bob', 'bert'],
  ['carol', 'cleo'],
  ['dave', 'dora'],
  ['erin', 'emil'],
  ['frank', 'fay'],
  ['grace', 'gus'],
  ['heidi', 'hal'],
]
const SKEWS_MS = [300, -450, 150, -200, 400, -100, 250, -350]

/** Enterprise n of the demo: a name, a domain, two fictional (555-01xx) numbers and a user on each. */
export function demoEnterprise(n: number): DemoEnterpriseSpec {
  const name = NAMES[n] ?? `enterprise${n + 1}`
  const area = 201 + n
  const numbers = [0, 1].map((k) => `+1${area}55501${String(n * 2 + k).padStart(2, '0')}` as E164)
  const people = PEOPLE[n] ?? [`user${n}a`, `user${n}b`]
  return {
    name,
    domain: `${name}.example`,
    numbers,
    users: people.map((user, k) => ({ user, number: numbers[k]! })),
    fallbackDid: `+1${area}5550190` as E164,
    clockSkewMs: SKEWS_MS[n % SKEWS_MS.length]!,
  }
}

/** Secrets made on first start and kept: users' passwords and trunk passwords. */
function loadSecrets(dataDir: string): Record<string, string> {
  const file = join(dataDir, 'demo-secrets.json')
  mkdirSync(dataDir, { recursive: true })
  if (existsSync(file)) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
    } catch {
      throw new Error(`${file} is not valid JSON: fix it or start with --fresh`)
    }
  }
  return {}
}

function secret(secrets: Record<string, string>, key: string): string {
  secrets[key] ??= randomBytes(9).toString('base64url')
  return secrets[key]
}

interface FacePorts {
  readonly tcp: number
  readonly ws: number
}

const skewed = (ms: number): Clock => ({ now: () => Date.now() + ms })

export async function startWorld(options: WorldOptions): Promise<World> {
  const count = options.enterprises ?? 3
  const base = options.basePort ?? 0
  const port = (offset: number) => (base === 0 ? 0 : base + offset)
  const say = options.onProgress ?? (() => undefined)
  const host = options.host ?? '127.0.0.1'
  const specs = Array.from({ length: count }, (_, i) => demoEnterprise(i))
  const secrets = loadSecrets(options.dataDir)
  const trunkPassword = (name: string) => secret(secrets, `trunk:${name}`)
  for (const s of specs) {
    for (const u of s.users) secret(secrets, `user:${s.name}:${u.user}`)
    secret(secrets, `operator:${s.name}`)
    secret(secrets, `operator2:${s.name}`)
  }
  const turnSecret = secret(secrets, 'turn')
  writeFileSync(join(options.dataDir, 'demo-secrets.json'), JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  const turn = await startDemoTurn(options.turn ?? 'off', base, turnSecret, say, host)
  if (options.icePolicy === 'relay' && turn === undefined) {
    throw new Error('icePolicy relay needs a TURN server: give turn "auto" or "required" and install coturn')
  }
  const ice: IceConfig | undefined =
    turn === undefined
      ? undefined
      : {
          stun: [turn.stunUrl],
          turn: { urls: turn.urls, secret: turnSecret },
          policy: options.icePolicy ?? 'all',
        }

  const carrier =
    options.pstn === 'carrier'
      ? await startDemoCarrier({
          host,
          basePort: base,
          enterprises: specs.map((s) => ({
            name: s.name,
            numbers: [...s.numbers, s.fallbackDid],
            password: trunkPassword(s.name),
          })),
          say,
        }).catch(async (e: unknown) => {
          await turn?.stop()
          throw e
        })
      : undefined
  const gateway = carrier !== undefined ? undefined : await startGateway()
  async function startGateway(): Promise<PstnGateway> {
    return PstnGateway.start({
      host,
      tcpPort: port(60),
      wsPort: port(66),
      clock: { now: () => Date.now() },
      subscribers: specs.map((s) => ({
        account: `trunk-${s.name}`,
        password: trunkPassword(s.name),
        numbers: [...s.numbers, s.fallbackDid],
      })),
    }).catch(async (e: unknown) => {
      await turn?.stop()
      throw e
    })
  }
  const trunkOf = (i: number, spec: DemoEnterpriseSpec): TrunkConfig =>
    carrier?.trunk(i) ?? {
      uri: `sip:${host}:${gateway!.tcpPort};transport=tcp`,
      user: `trunk-${spec.name}`,
      password: trunkPassword(spec.name),
    }
  const enterprises: WorldEnterprise[] = []
  // One enterprise's node; `bootstrap` is any other member of the ring (none for the first).
  // The ports each enterprise got at its first start: a restart takes them again (its softphones reconnect).
  const portsOf = new Map<string, { http: number; internal: FacePorts; edge: FacePorts }>()
  const startOne = async (i: number, spec: DemoEnterpriseSpec): Promise<WorldEnterprise> => {
    say(`starting ${spec.domain} (deriving number keys: scrypt, about 50 ms each)...`)
    const users = spec.users.map((u) => ({ ...u, password: secret(secrets, `user:${spec.name}:${u.user}`) }))
    const p = 100 + i * 10
    const had = portsOf.get(spec.name)
    const operatorToken = secret(secrets, `operator:${spec.name}`) + secret(secrets, `operator2:${spec.name}`)
    const bootstrap = enterprises.find((e) => e.spec.name !== spec.name)?.node.peer.chord.self
    const node = await startEnterpriseNode({
      dataDir: join(options.dataDir, spec.name),
      overlay: 'ime-demo',
      domain: spec.domain,
      processMetrics: i === 0,
      numbers: spec.numbers,
      users: users.map((u) => ({ name: u.user, password: u.password, number: u.number })),
      http: {
        port: had?.http ?? port(p),
        host,
        operatorToken,
        ...(options.webRoot !== undefined && { webRoot: options.webRoot }),
        ...(ice !== undefined && { ice }),
      },
      sip: {
        host,
        edge: { tcpPort: had?.edge.tcp ?? port(p + 3), wsPort: had?.edge.ws ?? port(p + 4) },
        internal: { tcpPort: had?.internal.tcp ?? port(p + 1), wsPort: had?.internal.ws ?? port(p + 2) },
        pstn: trunkOf(i, spec),
        ...(carrier !== undefined && { mediaBridge: carrier.mediaBridge(i) }),
        ...(options.imeTimeoutMs !== undefined && { imeTimeoutMs: options.imeTimeoutMs }),
        midcallFallback: unwrap(
          midcallFallbackSettings({ ...options.midcallFallback, dids: [spec.fallbackDid] }),
          'the demo mid-call fallback settings',
        ),
        ...(options.onSipEvent !== undefined && {
          onEvent: (e: CallAgentEvent) => options.onSipEvent?.(spec.name, e),
        }),
      },
      clock: skewed(spec.clockSkewMs),
      validation: { ...options.validation, proofsToTrust: options.proofsToTrust ?? 1 },
      ...(options.validationPollMs !== undefined && { validationPollMs: options.validationPollMs }),
      ...(options.onValidation !== undefined && {
        onValidation: (o: ValidationOutcome) => options.onValidation?.(spec.name, o),
      }),
      ...(bootstrap !== undefined && { bootstrap }),
    })
    const sip = node.sip!.addresses
    portsOf.set(spec.name, {
      http: node.http!.port,
      internal: { tcp: sip.internal.tcp ?? 0, ws: sip.internal.ws ?? 0 },
      edge: { tcp: sip.edge.tcp ?? 0, ws: sip.edge.ws ?? 0 },
    })
    return { spec, node, users, operatorToken }
  }
  const waitForTrunks = async () => {
    const until = Date.now() + 5_000
    while (enterprises.some((e) => e.node.sip?.trunkRegistered !== true) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  const stop = async () => {
    for (const e of enterprises.splice(0).reverse()) await e.node.stop().catch(() => undefined)
    await gateway?.stop()
    await carrier?.stop()
    await turn?.stop()
  }
  try {
    for (const [i, spec] of specs.entries()) enterprises.push(await startOne(i, spec))
    for (let round = 0; round < 2; round++) for (const e of enterprises) await e.node.peer.chord.maintain()
    await waitForTrunks()
  } catch (e) {
    await stop()
    throw e
  }

  return {
    gateway,
    carrier,
    turn,
    enterprises,
    stop,
    async restart(i) {
      const old = enterprises[i]
      if (old === undefined) throw new Error(`no enterprise ${i}`)
      await old.node.stop()
      enterprises[i] = await startOne(i, old.spec)
      for (const e of enterprises) await e.node.peer.chord.maintain()
      await waitForTrunks()
      return enterprises[i]
    },
    readyInfo(): ReadyInfo {
      return {
        pstn:
          carrier !== undefined
            ? { kind: 'carrier', sipWs: undefined, sipTcp: carrier.sipTcp, phones: [...carrier.phones] }
            : {
                kind: 'gateway',
                sipWs: gateway?.wsPort === undefined ? undefined : `ws://${host}:${gateway.wsPort}`,
                sipTcp: `sip:${host}:${gateway!.tcpPort};transport=tcp`,
              },
        ...(turn !== undefined && { turn: { urls: turn.urls } }),
        enterprises: enterprises.map(({ spec, node, users, operatorToken }) => {
          const a = node.sip?.addresses
          const self = node.peer.chord.self
          return {
            name: spec.name,
            domain: spec.domain,
            numbers: spec.numbers,
            http: node.http?.url,
            operatorToken,
            sipWs: a?.internal.ws === undefined ? undefined : `ws://${host}:${a.internal.ws}`,
            sipTcp: a?.internal.tcp === undefined ? undefined : `sip:${host}:${a.internal.tcp};transport=tcp`,
            edge: {
              sipWs: a?.edge.ws === undefined ? undefined : `ws://${host}:${a.edge.ws}`,
              sipTcp: a?.edge.tcp === undefined ? undefined : `sip:${host}:${a.edge.tcp};transport=tcp`,
            },
            peerId: self.peer,
            nodeId: ringIdToHex(self.id),
            multiaddrs: self.addrs,
            phones: users.map((u) => {
              const link = node.http?.loginUrl(u.user)
              return {
                user: u.user,
                number: u.number,
                password: u.password,
                url: link?.ok === true ? link.value : undefined,
              }
            }),
          }
        }),
      }
    },
  }
}

/**
 * The demo's TURN server: coturn on the world's host, port base+70 and relay ports base+200..299 in the fixed layout
 * (random free ones otherwise). With 'auto' and no coturn installed, none (said on the progress line).
 */
async function startDemoTurn(
  mode: 'auto' | 'required' | 'off',
  base: number,
  secret: string,
  say: (line: string) => void,
  host: string,
): Promise<Coturn | undefined> {
  if (mode === 'off') return undefined
  const turnserver = findTurnserver() ?? null
  // Required and missing: startCoturn says so, and how to install it.
  if (turnserver === null && mode === 'auto') {
    say('coturn is not installed: softphones use host candidates only (apt-get install -y coturn for TURN)')
    return undefined
  }
  for (let attempt = 0; ; attempt++) {
    const port = base === 0 ? 40_000 + Math.floor(Math.random() * 19_000) : base + 70
    const relay = base === 0 ? 20_000 + Math.floor(Math.random() * 19_000) : base + 200
    try {
      return await startCoturn(
        {
          listeningIp: host,
          port,
          relayPorts: { min: relay, max: relay + 99 },
          realm: 'demo.ime',
          secret,
          allowLoopbackPeers: true,
        },
        turnserver,
      )
    } catch (e) {
      if (base !== 0 || attempt >= 4) throw e
    }
  }
}
