/**
 * Kamailio as the carrier (test/carrier/kamailio/carrier.cfg), over TCP and over UDP (RFC 3261 section 18: the
 * node's own UDP socket, rport, retransmissions): the node's trunk registers to it with digest, calls
 * out are challenged (407) and routed by number to a legacy phone that speaks only plain RTP/AVP G.711
 * (test/carrier/support/plain-carrier.ts, here a phone behind the carrier), and the legacy phone's calls to the
 * enterprise's number come down the trunk's registration. The softphone is stock SIP.js in Chromium, the media
 * bridge a real rtpengine; audio is checked by content both ways, in both directions of call.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, DOMAIN, startTrunkAgent } from './support/trunk-agent.js'
import { createMediaBridge } from '../../src/media-bridge/bridge.js'
import { createNgClient, type NgClient } from '../../src/media-bridge/ng-client.js'
import { startRtpengine, type RtpengineProcess } from '../../src/media-bridge/rtpengine.js'
import { CallAgent, type CallAgentEvent } from '../../src/sip/agent/index.js'
import { startKamailio, type KamailioProcess } from '../../src/testing/interop/kamailio.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { PCMA, PCMU } from '../../src/testing/rtp/g711.js'
import { audioOf } from '../../src/testing/rtp/plain-sdp.js'
import { serialiseMessage } from '../../src/sip/message/serialise.js'
import { CHROMIUM, haveChromium, launchChromium } from '../e2e/support/browser.js'
import { readToneFrequency, until } from '../e2e/support/media.js'
import { openSipJs, type SipJsClient } from '../e2e/support/sipjs.js'
import { startPlainCarrier, type PlainCarrier } from './support/plain-carrier.js'
import { makeTestCa, type TestCa } from './support/test-ca.js'

const BROWSER_HZ = 440
const PHONE_HZ = 1_000
const LEGACY = '+13125550199'
const ACCOUNT = { user: 'alpha', password: 'trunk-secret-9' }

/** The largest message RFC 3261 section 18.1.1 lets go over UDP without a congestion-controlled transport. */
const UDP_MTU_BOUND = 1_300

let engine: RtpengineProcess
let client: NgClient
let kamailio: KamailioProcess
let phone: PlainCarrier
let browser: Browser
let kamailioPort: number
let tlsPort: number
let ca: TestCa
const pageErrors: string[] = []

beforeAll(async () => {
  if (!haveChromium()) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
  const min = await freePorts(40)
  engine = await startRtpengine({
    ng: { host: LOCALHOST, port: await freePorts(1) },
    mediaAddress: LOCALHOST,
    mediaPorts: { min, max: min + 39 },
  })
  client = createNgClient({ address: engine.ng })
  phone = await startPlainCarrier({ toneHz: PHONE_HZ })
  kamailioPort = await freePorts(1)
  tlsPort = await freePorts(1)
  ca = makeTestCa('carrier')
  writeFileSync(
    join(ca.dir, 'tls.cfg'),
    [
      '[server:default]',
      'method = TLSv1.2+',
      'verify_certificate = no',
      'require_certificate = no',
      `certificate = ${ca.certFile}`,
      `private_key = ${ca.keyFile}`,
      '[client:default]',
      'verify_certificate = no',
      'require_certificate = no',
      '',
    ].join('\n'),
  )
  kamailio = await startKamailio({
    // The template lives with these tests, not with the interop suite's.
    config: join('..', '..', '..', '..', 'test', 'carrier', 'kamailio', 'carrier.cfg'),
    params: {
      LISTEN: `${LOCALHOST}:${kamailioPort}`,
      TLS_LISTEN: `${LOCALHOST}:${tlsPort}`,
      TLS_CONFIG: join(ca.dir, 'tls.cfg'),
      REALM: 'carrier.example',
      USER: ACCOUNT.user,
      PASSWORD: ACCOUNT.password,
      DID: ALICE.number,
      LEGACY,
      PHONE: `${LOCALHOST}:${phone.port}`,
    },
    ports: [kamailioPort, tlsPort],
    modules: ['nathelper', 'registrar', 'auth', 'tls'],
  })
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await kamailio?.stop()
  await phone?.close()
  client?.close()
  await engine?.stop()
  ca?.remove()
})

/** The trunk's address at the carrier, over `transport`; over TLS it trusts the test's CA. */
const trunkTo = (transport: 'tcp' | 'udp' | 'tls', caFile = ca.caFile) =>
  transport === 'tls'
    ? { uri: `sip:${LOCALHOST}:${tlsPort};transport=tls`, tlsCaFile: caFile }
    : { uri: `sip:${LOCALHOST}:${kamailioPort};transport=${transport}` }

function expectPlain(sdp: string | undefined): void {
  expect(sdp).toBeDefined()
  const audio = audioOf(sdp!)!
  expect(audio.protocol).toBe('RTP/AVP')
  expect(audio.payloadTypes.filter((pt) => pt !== PCMU && pt !== PCMA && pt < 96)).toEqual([])
  expect(sdp).not.toMatch(/^a=(candidate|ice-ufrag|fingerprint|crypto|setup|rtcp-mux|msid|ssrc|mid)/m)
}

async function expectTonesBothWays(alice: SipJsClient): Promise<void> {
  const heard = await until(
    () => alice.page.evaluate(readToneFrequency),
    (f) => Math.abs(f - PHONE_HZ) <= 15,
    15_000,
  )
  expect(Math.abs(heard - PHONE_HZ), `the softphone heard ${heard} Hz`).toBeLessThanOrEqual(15)
  const atPhone = await until(
    async () => phone.phone.analyse(BROWSER_HZ),
    (a) => a.share > 0.9 && a.samples >= 8_000,
    10_000,
  )
  expect(atPhone.share, JSON.stringify(phone.phone.received())).toBeGreaterThan(0.9)
}

describe.each(['tcp', 'udp', 'tls'] as const)(
  'Kamailio as the carrier over %s, a legacy G.711 phone behind it',
  (transport) => {
    let agent: CallAgent
    let alice: SipJsClient
    const events: CallAgentEvent[] = []

    beforeAll(async () => {
      agent = await startTrunkAgent({
        internal: { tcpPort: 0, wsPort: 0 },
        pstn: { ...trunkTo(transport), ...ACCOUNT, media: 'bridge' },
        mediaBridge: createMediaBridge({ client }),
        events,
      })
      await until(
        async () => agent.trunkRegistered,
        (r) => r,
        8_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; trunk events: ${JSON.stringify(events.filter((x) => x.type === 'trunk'))}`)
      })
      alice = await openSipJs(
        browser,
        { wsUrl: `ws://${LOCALHOST}:${agent.addresses.internal.ws}`, ...ALICE, user: ALICE.name, domain: DOMAIN },
        BROWSER_HZ,
        pageErrors,
      )
    }, 60_000)

    afterAll(async () => {
      await alice?.close()
      await agent?.stop()
    })

    // Kamailio relays a call out only once pv_proxy_authenticate has accepted the account's answer to its 407.
    it('the softphone calls the legacy phone: 407 answered by the node, tones both ways, nothing left after BYE', async () => {
      await alice.call(`sip:${LEGACY}@${DOMAIN}`)
      await until(
        async () => (await alice.state()).session,
        (s) => s === 'Established',
        15_000,
      )
      const invite = phone.received.filter((r) => r.method === 'INVITE').at(-1)!
      expect(invite.headers.get('P-Asserted-Identity')).toBe(`<sip:${ALICE.number}@127.0.0.1>`)
      // The node's Via (under Kamailio's) names the transport it sent on, with rport filled in by Kamailio.
      const vias = invite.headers.values('Via')
      expect(vias.ok ? vias.value[1] : undefined).toMatch(
        new RegExp(`^SIP/2.0/${transport.toUpperCase()} .*;rport=\\d+`),
      )
      // The node's own INVITE is what the phone got less Kamailio's Via and Record-Routes: under the bound above
      // which RFC 3261 section 18.1.1 wants a request off UDP (docs/trunks.md).
      const size = serialiseMessage(invite)
      const kamailioAdded = [...invite.headers.fields()]
        .filter((f) => /^(Via|Record-Route)$/i.test(f.name) && f.value.includes(`:${kamailioPort}`))
        .reduce((n, f) => n + f.name.length + 2 + f.value.length + 2, 0)
      expect(size.ok && size.value.length - kamailioAdded).toBeLessThan(UDP_MTU_BOUND)
      expectPlain(phone.lastSdpFromNode())
      await expectTonesBothWays(alice)
      await alice.hangUp()
      await until(
        async () => (await client.list()).ok && agent.media.sessions().length === 0,
        (x) => x,
        5_000,
      )
      expect(await client.list()).toEqual({ ok: true, value: [] })
    }, 60_000)

    it('the legacy phone calls the enterprise number: down the registration, to the softphone, tones both ways', async () => {
      const before = (await alice.state()).invites.length
      await phone.connectTo(kamailioPort)
      const answered = phone.call(ALICE.number, LEGACY)
      await until(
        async () => (await alice.state()).invites.length,
        (n) => n > before,
        10_000,
      )
      expect((await alice.state()).invites.at(-1)).toBe('pstn')
      await alice.answer()
      expect((await answered).status).toBe(200)
      expectPlain(phone.lastSdpFromNode())
      await expectTonesBothWays(alice)
      expect((await phone.hangUp()).status).toBe(200)
      await until(
        async () => agent.media.sessions().length,
        (n) => n === 0,
        5_000,
      )
      expect(await client.list()).toEqual({ ok: true, value: [] })
    }, 60_000)
  },
)

describe('a TLS trunk whose certificate does not chain to the configured CA', () => {
  it('is refused, and the trunk says why and what it was checked against', async () => {
    const other = makeTestCa('other')
    const events: CallAgentEvent[] = []
    const agent = await startTrunkAgent({ pstn: { ...trunkTo('tls', other.caFile), ...ACCOUNT }, events })
    try {
      const down = await until(
        async () => events.find((e) => e.type === 'trunk' && e.state === 'down'),
        (e) => e !== undefined,
        8_000,
      )
      expect(agent.trunkRegistered).toBe(false)
      expect(String(down?.detail)).toMatch(
        new RegExp(
          `^TLS connection to 127.0.0.1:${tlsPort} failed: .*certificate.*checked against ${other.caFile} and refused$`,
        ),
      )
    } finally {
      await agent.stop()
      other.remove()
    }
  }, 20_000)
})
