/**
 * The bridge with real media: a Chromium page's RTCPeerConnection (ICE, DTLS-SRTP, Opus or G.711) on one side, a
 * plain RTP G.711 endpoint (src/testing/rtp) on the other, rtpengine relaying between them as the bridge's flags
 * tell it. Audio is checked by content both ways: the page sends 440 Hz and the trunk side must hear 440 Hz (Goertzel
 * on the decoded G.711); the trunk side sends 1 kHz and the page's WebAudio analyser must find 1 kHz. Both directions
 * of call set-up, a browser that offers only Opus (rtpengine transcodes), and hold and resume. After delete, rtpengine holds no call
 * and every port it used can be bound again.
 */
import { createServer, type Server } from 'node:http'
import { createSocket, type Socket } from 'node:dgram'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMediaBridge, type MediaBridge } from '../../src/media-bridge/bridge.js'
import { createNgClient, type NgClient } from '../../src/media-bridge/ng-client.js'
import { startRtpengine, type RtpengineProcess } from '../../src/media-bridge/rtpengine.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { PCMA, PCMU } from '../../src/testing/rtp/g711.js'
import { audioOf, plainSdp } from '../../src/testing/rtp/plain-sdp.js'
import { startToneEndpoint, type ToneEndpoint } from '../../src/testing/rtp/tone-endpoint.js'
import { CHROMIUM, haveChromium, launchChromium, openPage } from '../e2e/support/browser.js'
import { CAPTURE_PEER_CONNECTIONS, readToneFrequency, toneMicrophone, until } from '../e2e/support/media.js'

/** The page's tone and the trunk side's: far apart, neither a harmonic of the other. */
const BROWSER_HZ = 440
const TRUNK_HZ = 1_000
/** The trunk side hears the browser's tone: over 90% of the last second's energy is at 440 Hz, little at 1 kHz. */
const HEARD = 0.9
const NOT_HEARD = 0.05

let engine: RtpengineProcess
let client: NgClient
let bridge: MediaBridge
let browser: Browser
let server: Server
let origin: string
let range: { min: number; max: number }
const counted: string[] = []
/** rtpengine's warnings about ng keys and flags it does not know (it ignores them, silently to the caller). */
const warnings: string[] = []

beforeAll(async () => {
  if (!haveChromium()) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
  const min = await freePorts(40)
  range = { min, max: min + 39 }
  engine = await startRtpengine({
    ng: { host: LOCALHOST, port: await freePorts(1) },
    mediaAddress: LOCALHOST,
    mediaPorts: range,
    onLog: (line) => /Unknown .*(key|flag|option)/i.test(line) && warnings.push(line),
  })
  client = createNgClient({ address: engine.ng })
  bridge = createMediaBridge({ client, requests: { inc: (l) => counted.push(`${l.command}:${l.outcome}`) } })
  server = createServer((_req, res) => res.end('<!doctype html><title>media bridge</title>'))
  await new Promise<void>((resolve) => server.listen(0, LOCALHOST, resolve))
  origin = `http://${LOCALHOST}:${(server.address() as { port: number }).port}`
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  server?.close()
  client?.close()
  await engine?.stop()
})

/** A page whose microphone is a BROWSER_HZ tone and whose peer connections the test can read. */
async function tonePage(): Promise<Page> {
  const { page, context } = await openPage(browser, origin)
  await context.addInitScript(CAPTURE_PEER_CONNECTIONS)
  await context.addInitScript(toneMicrophone(BROWSER_HZ))
  await context.addInitScript(GATHERED)
  await page.reload()
  return page
}

/**
 * An init script: `window.gathered(pc)` resolves once the connection has gathered all its candidates, so the SDP
 * carries them (the bridge does not take trickle ICE).
 */
const GATHERED = `window.gathered = (pc) => new Promise((resolve) => {
  if (pc.iceGatheringState === 'complete') return resolve()
  pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve())
})`

type PageWindow = { pc: RTCPeerConnection; gathered(pc: RTCPeerConnection): Promise<void> }

async function browserOffer(page: Page, opusOnly: boolean): Promise<string> {
  return page.evaluate(async (opusOnly) => {
    const w = window as unknown as PageWindow
    const pc = (w.pc = new RTCPeerConnection())
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    const transceiver = pc.addTransceiver(stream.getAudioTracks()[0]!, { direction: 'sendrecv', streams: [stream] })
    if (opusOnly) {
      const codecs = RTCRtpReceiver.getCapabilities('audio')!.codecs.filter((c) => c.mimeType === 'audio/opus')
      transceiver.setCodecPreferences(codecs)
    }
    await pc.setLocalDescription(await pc.createOffer())
    await w.gathered(pc)
    return pc.localDescription!.sdp
  }, opusOnly)
}

async function browserAnswer(page: Page, offer: string): Promise<string> {
  return page.evaluate(async (offer) => {
    const w = window as unknown as PageWindow
    const pc = (w.pc = new RTCPeerConnection())
    await pc.setRemoteDescription({ type: 'offer', sdp: offer })
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    await pc.getTransceivers()[0]!.sender.replaceTrack(stream.getAudioTracks()[0]!)
    pc.getTransceivers()[0]!.direction = 'sendrecv'
    await pc.setLocalDescription(await pc.createAnswer())
    await w.gathered(pc)
    return pc.localDescription!.sdp
  }, offer)
}

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}

/** What a trunk must see: RTP/AVP with G.711 only, no ICE, DTLS, SDES or rtcp-mux. */
function expectPlain(sdp: string): void {
  const audio = audioOf(sdp)!
  expect(audio.protocol).toBe('RTP/AVP')
  expect(audio.address).toBe(LOCALHOST)
  expect(audio.payloadTypes.filter((pt) => pt !== PCMU && pt !== PCMA && pt < 96)).toEqual([])
  // Only telephone-event may ride along as a dynamic type.
  for (const pt of audio.payloadTypes.filter((p) => p >= 96)) {
    expect(sdp).toMatch(new RegExp(`^a=rtpmap:${pt} telephone-event/8000`, 'm'))
  }
  expect(sdp).not.toMatch(
    /^a=(candidate|ice-ufrag|ice-pwd|fingerprint|crypto|setup|rtcp-mux|extmap|msid|ssrc|mid|rtcp-rsize)/m,
  )
}

/** What a browser must see: DTLS-SRTP with ICE candidates on rtpengine's ports, RTCP multiplexed. */
function expectWebRtc(sdp: string): void {
  expect(audioOf(sdp)!.protocol).toBe('UDP/TLS/RTP/SAVPF')
  expect(sdp).toMatch(/^a=fingerprint:sha-256 /m)
  expect(sdp).toMatch(/^a=ice-ufrag:/m)
  expect(sdp).toMatch(/^a=rtcp-mux/m)
  const port = Number(/^a=candidate:\S+ 1 UDP \d+ 127\.0\.0\.1 (\d+) typ host/m.exec(sdp)?.[1])
  expect(port >= range.min && port <= range.max).toBe(true)
  expect(sdp).not.toMatch(/^a=crypto:/m)
}

/** Both tones arrive: the page hears TRUNK_HZ, the trunk side hears BROWSER_HZ and not its own. */
async function expectTonesBothWays(page: Page, trunk: ToneEndpoint): Promise<void> {
  const heard = await until(
    () => page.evaluate(readToneFrequency),
    (f) => Math.abs(f - TRUNK_HZ) <= 15,
    15_000,
  )
  expect(Math.abs(heard - TRUNK_HZ), `the page heard ${heard} Hz`).toBeLessThanOrEqual(15)
  const atTrunk = await until(
    async () => trunk.analyse(BROWSER_HZ),
    (a) => a.share > HEARD && a.samples >= 8_000,
    10_000,
  )
  expect(atTrunk.samples).toBe(8_000)
  expect(atTrunk.share, JSON.stringify(trunk.received())).toBeGreaterThan(HEARD)
  expect(trunk.analyse(TRUNK_HZ).share).toBeLessThan(NOT_HEARD)
}

/** After delete: rtpengine lists no call, the call is unknown, and every port of the range binds again. */
async function expectNothingLeft(callId: string): Promise<void> {
  expect(await client.list()).toEqual({ ok: true, value: [] })
  const gone = await client.query(callId)
  expect(gone.ok).toBe(false)
  const sockets: Socket[] = []
  try {
    for (let port = range.min; port <= range.max; port++) {
      const s = createSocket('udp4')
      sockets.push(s)
      await new Promise<void>((resolve, reject) => {
        s.once('error', (e) => reject(new Error(`port ${port} is still taken after delete: ${e.message}`)))
        s.bind(port, LOCALHOST, resolve)
      })
    }
  } finally {
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
  expect(bridge.sessions()).toEqual([])
}

/** After a test that failed before its delete: end its session, so the next test starts from nothing. */
async function endCall(callId: string): Promise<void> {
  if (bridge.sessions().includes(callId)) await bridge.delete(callId)
}

describe('WebRTC <-> plain RTP through the bridge (rtpengine), audio checked by content', () => {
  for (const opusOnly of [false, true]) {
    it(`a browser calls out: its offer${opusOnly ? ' (Opus only: transcoded)' : ''} goes toward the trunk`, async () => {
      const page = await tonePage()
      const trunk = await startToneEndpoint({ address: LOCALHOST, hz: TRUNK_HZ })
      const callId = `out-${opusOnly ? 'opus' : 'g711'}-${Date.now()}`
      try {
        const offer = await browserOffer(page, opusOnly)
        if (opusOnly) expect(audioOf(offer)!.payloadTypes.length).toBe(1)
        const toTrunk = ok(await bridge.offer({ callId, fromTag: 'browser', sdp: offer, toward: 'trunk' }))
        expectPlain(toTrunk)
        expect(audioOf(toTrunk)!.payloadTypes.slice(0, 2)).toEqual([PCMU, PCMA])
        // DTMF for the carrier's IVRs, even when the browser offered Opus and its own 48 kHz telephone-event.
        expect(toTrunk).toMatch(/^a=rtpmap:\d+ telephone-event\/8000\r$/m)

        // The trunk answers PCMU and starts sending to the port rtpengine gave it.
        const answer = plainSdp({ address: LOCALHOST, port: trunk.port, codecs: ['PCMU'] })
        trunk.sendTo(audioOf(toTrunk)!, PCMU)
        const toBrowser = ok(
          await bridge.answer({ callId, fromTag: 'browser', toTag: 'trunk', sdp: answer, toward: 'browser' }),
        )
        expectWebRtc(toBrowser)
        if (opusOnly) expect(toBrowser).toMatch(/^a=rtpmap:\d+ opus\/48000\/2/m)
        await page.evaluate(
          (sdp) => (window as unknown as PageWindow).pc.setRemoteDescription({ type: 'answer', sdp }),
          toBrowser,
        )

        await expectTonesBothWays(page, trunk)
        expect(trunk.received().payloadTypes).toEqual([PCMU])
        ok(await bridge.delete(callId))
        await expectNothingLeft(callId)
      } finally {
        await endCall(callId)
        await page.context().close()
        await trunk.close()
      }
    }, 60_000)
  }

  it('hold and resume: re-offers from the browser go through the same session', async () => {
    const page = await tonePage()
    const trunk = await startToneEndpoint({ address: LOCALHOST, hz: TRUNK_HZ })
    const callId = `hold-${Date.now()}`
    /** The browser's next offer on the same connection, its transceiver set to `direction`. */
    const reoffer = (direction: RTCRtpTransceiverDirection) =>
      page.evaluate(async (direction) => {
        const w = window as unknown as PageWindow
        w.pc.getTransceivers()[0]!.direction = direction
        await w.pc.setLocalDescription(await w.pc.createOffer())
        await w.gathered(w.pc)
        return w.pc.localDescription!.sdp
      }, direction)
    /** One offer/answer round through the bridge, the trunk answering `direction` with its o= `version`. */
    const negotiate = async (offer: string, direction: 'sendrecv' | 'recvonly', version: number) => {
      const toTrunk = ok(await bridge.offer({ callId, fromTag: 'browser', sdp: offer, toward: 'trunk' }))
      expectPlain(toTrunk)
      const answer = plainSdp({ address: LOCALHOST, port: trunk.port, codecs: ['PCMU'], direction, version })
      const toBrowser = ok(
        await bridge.answer({ callId, fromTag: 'browser', toTag: 'trunk', sdp: answer, toward: 'browser' }),
      )
      await page.evaluate(
        (sdp) => (window as unknown as PageWindow).pc.setRemoteDescription({ type: 'answer', sdp }),
        toBrowser,
      )
      return { toTrunk, toBrowser }
    }
    try {
      const first = await negotiate(await browserOffer(page, false), 'sendrecv', 1)
      trunk.sendTo(audioOf(first.toTrunk)!, PCMU)
      await expectTonesBothWays(page, trunk)

      // Hold (what JsSIP's hold() sends): the browser goes sendonly, the trunk answers recvonly and stops sending.
      const held = await negotiate(await reoffer('sendonly'), 'recvonly', 2)
      expect(held.toTrunk).toMatch(/^a=sendonly\r$/m)
      expect(held.toBrowser).toMatch(/^a=recvonly\r$/m)
      trunk.stopSending()
      const silent = await until(
        () => page.evaluate(readToneFrequency),
        (f) => f === 0,
        10_000,
      )
      expect(silent, 'the page still hears the trunk during hold').toBe(0)

      // Resume: both ways again, on the same rtpengine session.
      const resumed = await negotiate(await reoffer('sendrecv'), 'sendrecv', 3)
      expect(audioOf(resumed.toTrunk)!.port).toBe(audioOf(first.toTrunk)!.port)
      trunk.sendTo(audioOf(resumed.toTrunk)!, PCMU)
      await expectTonesBothWays(page, trunk)
      expect(await client.list()).toEqual({ ok: true, value: [callId] })
      ok(await bridge.delete(callId))
      await expectNothingLeft(callId)
    } finally {
      await endCall(callId)
      await page.context().close()
      await trunk.close()
    }
  }, 90_000)

  it('a call comes in from the trunk: its offer goes toward the browser', async () => {
    const page = await tonePage()
    const trunk = await startToneEndpoint({ address: LOCALHOST, hz: TRUNK_HZ })
    const callId = `in-${Date.now()}`
    try {
      const offer = plainSdp({ address: LOCALHOST, port: trunk.port, codecs: ['PCMA', 'PCMU'] })
      const toBrowser = ok(await bridge.offer({ callId, fromTag: 'trunk', sdp: offer, toward: 'browser' }))
      expectWebRtc(toBrowser)

      const answer = await browserAnswer(page, toBrowser)
      const toTrunk = ok(
        await bridge.answer({ callId, fromTag: 'trunk', toTag: 'browser', sdp: answer, toward: 'trunk' }),
      )
      expectPlain(toTrunk)
      const chosen = audioOf(toTrunk)!.payloadTypes[0]!
      expect([PCMU, PCMA]).toContain(chosen)
      trunk.sendTo(audioOf(toTrunk)!, chosen as typeof PCMU | typeof PCMA)

      await expectTonesBothWays(page, trunk)
      expect(trunk.received().payloadTypes).toEqual([chosen])
      ok(await bridge.delete(callId))
      await expectNothingLeft(callId)
    } finally {
      await endCall(callId)
      await page.context().close()
      await trunk.close()
    }
  }, 60_000)

  it('rtpengine knew every key and flag the bridge sent', () => {
    expect(warnings).toEqual([])
  })

  it('counted every request by outcome', () => {
    expect(counted.filter((c) => !c.endsWith(':ok'))).toEqual([])
    expect(counted.filter((c) => c === 'offer:ok').length).toBe(6)
    expect(counted.filter((c) => c === 'delete:ok').length).toBe(4)
  })
})
