/**
 * A carrier world for the browser tests: two enterprises of the demo (alpha, bravo: their numbers, users and
 * fallback DIDs) whose PSTN is Kamailio as a carrier (kamailio/two-trunks.cfg: both trunks register with digest,
 * calls are challenged and routed by number down the callee's registration), each node with its own rtpengine
 * bridging its trunk calls from WebRTC (ICE, DTLS-SRTP) to plain RTP/AVP G.711, as an enterprise's SBC would. Each
 * enterprise has its own bridge: a PSTN call between the two has one Call-ID at both nodes, so one rtpengine for
 * both would take the second node's offer for a re-offer of the first's. The nodes serve the built web app, and
 * validate only when a test asks (POST /api/validation/run), as in world.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unwrap } from '../../../src/core/result.js'
import { ensureWebBuilt } from '../../../src/demo/web-build.js'
import { demoEnterprise, type WorldEnterprise } from '../../../src/demo/world.js'
import { midcallFallbackSettings, type MidcallFallbackInput } from '../../../src/fallback/settings.js'
import { startEnterpriseNode } from '../../../src/node.js'
import { startKamailio, type KamailioProcess } from '../../../src/testing/interop/kamailio.js'
import { freePorts } from '../../../src/testing/interop/ports.js'

const HOST = '127.0.0.1'
const REALM = 'carrier.example'

export interface CarrierWorld {
  readonly enterprises: WorldEnterprise[]
  readonly kamailio: KamailioProcess
  /** Each node's rtpengine ng port, by enterprise. */
  readonly ngPorts: readonly number[]
  /** Stops the nodes (and their rtpengines), then Kamailio; removes the data directory. */
  stop(): Promise<void>
}

export async function startCarrierWorld(
  name: string,
  options: { midcallFallback?: Omit<MidcallFallbackInput, 'dids'> } = {},
): Promise<CarrierWorld> {
  const dir = mkdtempSync(join(tmpdir(), `ime-e2e-${name}-`))
  const enterprises: WorldEnterprise[] = []
  let kamailio: KamailioProcess | undefined
  const stop = async () => {
    for (const e of enterprises.splice(0).reverse()) await e.node.stop().catch(() => undefined)
    await kamailio?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const webRoot = await ensureWebBuilt(process.cwd(), () => undefined)
    if (webRoot === undefined) throw new Error('no web app in this checkout (web/index.html)')
    const specs = [demoEnterprise(0), demoEnterprise(1)]
    const accounts = specs.map((s, i) => ({ user: `trunk-${s.name}`, password: `trunk-secret-${i}-${process.pid}` }))
    const isOneOf = (numbers: readonly string[]) => numbers.map((n) => `$rU == "${n}"`).join(' || ')
    const numbersOf = (i: number) => [...specs[i]!.numbers, specs[i]!.fallbackDid]
    const sipPort = await freePorts(1)
    kamailio = await startKamailio({
      // The template lives with these tests, not with the interop suite's.
      config: join('..', '..', '..', '..', 'test', 'e2e', 'support', 'kamailio', 'two-trunks.cfg'),
      params: {
        LISTEN: `${HOST}:${sipPort}`,
        REALM,
        USER_A: accounts[0]!.user,
        PASSWORD_A: accounts[0]!.password,
        IS_A: isOneOf(numbersOf(0)),
        USER_B: accounts[1]!.user,
        PASSWORD_B: accounts[1]!.password,
        IS_B: isOneOf(numbersOf(1)),
      },
      ports: [sipPort],
      modules: ['nathelper', 'registrar', 'auth'],
    })
    const ngPorts: number[] = []
    for (const [i, spec] of specs.entries()) {
      const media = await freePorts(40)
      const ngPort = await freePorts(1)
      ngPorts.push(ngPort)
      const users = spec.users.map((u) => ({ ...u, password: `${u.user}-password-${process.pid}` }))
      const operatorToken = `operator-token-${spec.name}-${process.pid}-0123456789`
      const bootstrap = enterprises[0]?.node.peer.chord.self
      const node = await startEnterpriseNode({
        dataDir: join(dir, spec.name),
        overlay: 'ime-e2e-carrier',
        domain: spec.domain,
        numbers: spec.numbers,
        users: users.map((u) => ({ name: u.user, password: u.password, number: u.number })),
        http: { port: 0, host: HOST, operatorToken, webRoot },
        sip: {
          host: HOST,
          edge: { tcpPort: 0, wsPort: 0 },
          internal: { tcpPort: 0, wsPort: 0 },
          pstn: { uri: `sip:${HOST}:${sipPort};transport=tcp`, ...accounts[i]!, media: 'bridge' },
          mediaBridge: {
            mode: 'start',
            mediaAddress: HOST,
            mediaPorts: { min: media, max: media + 39 },
            ngPort,
            timeoutMs: 2_000,
          },
          imeTimeoutMs: 2_000,
          midcallFallback: unwrap(
            midcallFallbackSettings({ ...options.midcallFallback, dids: [spec.fallbackDid] }),
            'the carrier world mid-call fallback settings',
          ),
        },
        clock: { now: () => Date.now() + spec.clockSkewMs },
        validation: { minCallMs: 1_000, delayMinMs: 3_600_000, delayMaxMs: 3_600_000, proofsToTrust: 1 },
        validationPollMs: 3_600_000,
        ...(bootstrap !== undefined && { bootstrap }),
      })
      enterprises.push({ spec, node, users, operatorToken })
    }
    for (let round = 0; round < 2; round++) for (const e of enterprises) await e.node.peer.chord.maintain()
    const until = Date.now() + 10_000
    while (enterprises.some((e) => e.node.sip?.trunkRegistered !== true)) {
      if (Date.now() > until)
        throw new Error(`a trunk did not register with Kamailio:\n${kamailio.log().slice(-3_000)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    return { enterprises, kamailio, ngPorts, stop }
  } catch (e) {
    await stop()
    throw e
  }
}
