/**
 * The media bridge in the call path: a node's call agent whose trunk has `media: bridge`, rtpengine started for it,
 * a carrier that speaks only plain RTP/AVP G.711 (test/carrier/support/plain-carrier.ts) and a stock SIP.js
 * softphone in Chromium (WebRTC: ICE, DTLS-SRTP). A call out from the softphone and a call in from the carrier; in
 * each, audio is checked by content both ways (the page sends 440 Hz, the carrier 1 kHz; each must hear the other's
 * tone), the carrier sees only plain SDP, and after the BYE rtpengine holds no call. Then rtpengine is stopped: the
 * next call gets 503 "Media bridge unavailable" at once, not a WebRTC offer sent to the carrier.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, DOMAIN, startTrunkAgent } from './support/trunk-agent.js'
import { createMediaBridge } from '../../src/media-bridge/bridge.js'
import { createNgClient, type NgClient } from '../../src/media-bridge/ng-client.js'
import { startRtpengine, type RtpengineProcess } from '../../src/media-bridge/rtpengine.js'
import { CallAgent, type CallAgentEvent } from '../../src/sip/agent/index.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { PCMA, PCMU } from '../../src/testing/rtp/g711.js'
import { audioOf } from '../../src/testing/rtp/plain-sdp.js'
import { CHROMIUM, haveChromium, launchChromium } from '../e2e/support/browser.js'
import { readToneFrequency, sleep, until } from '../e2e/support/media.js'
import { openSipJs, type SipJsClient } from '../e2e/support/sipjs.js'
import { startPlainCarrier, type PlainCarrier } from './support/plain-carrier.js'

const BROWSER_HZ = 440
const CARRIER_HZ = 1_000
const LEGACY = '+13125550199'

let engine: RtpengineProcess | undefined
let client: NgClient
let agent: CallAgent
let carrier: PlainCarrier
let browser: Browser
let alice: SipJsClient
const events: CallAgentEvent[] = []
const pageErrors: string[] = []

beforeAll(async () => {
  if (!haveChromium()) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
  const min = await freePorts(40)
  engine = await startRtpengine({
    ng: { host: LOCALHOST, port: await freePorts(1) },
    mediaAddress: LOCALHOST,
    mediaPorts: { min, max: min + 39 },
  })
  client = createNgClient({ address: engine.ng, timeoutMs: 600 })
  carrier = await startPlainCarrier({ toneHz: CARRIER_HZ })
  agent = await startTrunkAgent({
    internal: { tcpPort: 0, wsPort: 0 },
    pstn: { uri: carrier.uri, user: 'alpha', password: 'trunk-secret', media: 'bridge' },
    mediaBridge: createMediaBridge({ client }),
    events,
  })
  await until(
    async () => carrier.registered,
    (r) => r,
    5_000,
  )
  browser = await launchChromium()
  alice = await openSipJs(
    browser,
    {
      wsUrl: `ws://${LOCALHOST}:${agent.addresses.internal.ws}`,
      user: ALICE.name,
      password: ALICE.password,
      domain: DOMAIN,
    },
    BROWSER_HZ,
    pageErrors,
  )
}, 90_000)

afterAll(async () => {
  await alice?.close()
  await browser?.close()
  await agent?.stop()
  await carrier?.close()
  client?.close()
  await engine?.stop()
})

/** What a carrier must see from the node: RTP/AVP with G.711 only, no ICE, DTLS, SDES or rtcp-mux. */
function expectPlain(sdp: string | undefined): void {
  expect(sdp).toBeDefined()
  const audio = audioOf(sdp!)!
  expect(audio.protocol).toBe('RTP/AVP')
  expect(audio.payloadTypes.filter((pt) => pt !== PCMU && pt !== PCMA && pt < 96)).toEqual([])
  expect(sdp).not.toMatch(/^a=(candidate|ice-ufrag|fingerprint|crypto|setup|rtcp-mux|msid|ssrc|mid)/m)
}

/** Each end hears the other's tone: the page CARRIER_HZ, the carrier BROWSER_HZ (over 90% of its energy). */
async function expectTonesBothWays(): Promise<void> {
  const heard = await until(
    () => alice.page.evaluate(readToneFrequency),
    (f) => Math.abs(f - CARRIER_HZ) <= 15,
    15_000,
  )
  expect(Math.abs(heard - CARRIER_HZ), `the softphone heard ${heard} Hz`).toBeLessThanOrEqual(15)
  const atCarrier = await until(
    async () => carrier.phone.analyse(BROWSER_HZ),
    (a) => a.share > 0.9 && a.samples >= 8_000,
    10_000,
  )
  expect(atCarrier.share, JSON.stringify(carrier.phone.received())).toBeGreaterThan(0.9)
  expect(carrier.phone.analyse(CARRIER_HZ).share).toBeLessThan(0.05)
}

const sessionState = async () => (await alice.state()).session

describe('a trunk with media: bridge, a plain-RTP carrier and a WebRTC softphone', () => {
  it('the softphone calls out: the carrier gets G.711 RTP/AVP, tones are heard both ways, BYE frees the session', async () => {
    await alice.call(`sip:${LEGACY}@${DOMAIN}`)
    await until(sessionState, (s) => s === 'Established', 15_000)
    expectPlain(carrier.lastSdpFromNode())
    expect(agent.media.sessions().length).toBe(1)
    await expectTonesBothWays()
    await alice.hangUp()
    await until(
      async () => agent.media.sessions().length,
      (n) => n === 0,
      5_000,
    )
    expect(await client.list()).toEqual({ ok: true, value: [] })
  }, 60_000)

  it('the carrier calls the softphone: its plain offer reaches the browser as WebRTC, tones both ways, hold and resume by re-INVITE', async () => {
    const invitesBefore = (await alice.state()).invites.length
    const answered = carrier.call(ALICE.number, LEGACY)
    await until(
      async () => (await alice.state()).invites.length,
      (n) => n > invitesBefore,
      10_000,
    )
    await alice.answer()
    const res = await answered
    expect(res.status).toBe(200)
    expectPlain(carrier.lastSdpFromNode())
    await expectTonesBothWays()

    // Hold from the carrier's side (a=sendonly): the softphone answers through the bridge and stops sending.
    const held = await carrier.reInvite('sendonly')
    expect(held.status).toBe(200)
    expectPlain(carrier.lastSdpFromNode())
    expect(carrier.lastSdpFromNode()).toMatch(/^a=recvonly\r$/m)
    await sleep(500)
    const during = carrier.phone.received().packets
    await sleep(1_000)
    expect(carrier.phone.received().packets - during, 'packets from the softphone during hold').toBeLessThan(5)
    // Resume: both ways again, on the same bridge session.
    expect((await carrier.reInvite('sendrecv')).status).toBe(200)
    expectPlain(carrier.lastSdpFromNode())
    expect(carrier.lastSdpFromNode()).not.toMatch(/^a=(recvonly|sendonly|inactive)/m)
    const resumed = carrier.phone.received().packets
    await until(
      async () => carrier.phone.received().packets - resumed,
      (n) => n >= 50,
      5_000,
    )
    await expectTonesBothWays()
    expect(agent.media.sessions().length).toBe(1)
    expect((await carrier.hangUp()).status).toBe(200)
    await until(
      async () => agent.media.sessions().length,
      (n) => n === 0,
      5_000,
    )
    expect(await client.list()).toEqual({ ok: true, value: [] })
  }, 60_000)

  it('with rtpengine stopped, a call out fails at once with 503 Media bridge unavailable', async () => {
    await engine!.stop()
    engine = undefined
    const invitesAtCarrier = carrier.received.filter((r) => r.method === 'INVITE').length
    await alice.call(`sip:${LEGACY}@${DOMAIN}`)
    const s = await until(
      () => alice.state(),
      (x) => x.lastFinal !== undefined,
      10_000,
    )
    expect(s.lastFinal).toBe(503)
    expect(carrier.received.filter((r) => r.method === 'INVITE').length).toBe(invitesAtCarrier)
    const failed = events.filter((e) => e.type === 'media-bridge')
    expect(failed.at(-1)).toMatchObject({ state: 'failed', step: 'offer' })
    expect(String(failed.at(-1)?.detail)).toMatch(/did not answer offer/)
  }, 30_000)

  it('the carrier calls while rtpengine is down: 503 Media bridge unavailable, the softphone never rings', async () => {
    const before = (await alice.state()).invites.length
    const res = await carrier.call(ALICE.number, LEGACY)
    expect(res.status).toBe(503)
    expect(res.reason).toBe('Media bridge unavailable')
    expect((await alice.state()).invites.length).toBe(before)
  }, 30_000)
})
