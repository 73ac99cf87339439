/**
 * Mid-call fallback over the carrier world, end to end in Chromium: alpha and bravo's PSTN is Kamailio as a
 * carrier, each node with its own rtpengine bridging its trunk calls from WebRTC (ICE, DTLS-SRTP) to plain RTP/AVP
 * G.711 (support/carrier-world.ts). alice (alpha) and bob (bravo) talk over IME, each microphone a tone; then real
 * packet loss on the IME call's flow only (iptables `statistic` drops on the UDP ports of its selected candidate
 * pair): alice's softphone dials bravo's fallback DID through the carrier, its in-band digits cross both bridges
 * as G.711 (the browser side of a bridged call is G.711 too: μ-law companding on the way, no codec change), bob's
 * softphone matches them and the call goes on over the carrier; each side hears the other's tone again, by
 * content, and the time from loss to restored audio is measured.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { createNgClient, type NgClient } from '../../src/media-bridge/ng-client.js'
import { CHROMIUM, haveChromium, launchChromium, screenshot } from './support/browser.js'
import { ALICE_HZ, BOB_HZ, sleep, toneMicrophone } from './support/media.js'
import { dropBetweenPorts, livePeerConnections, selectedPairPorts, type PacketLoss } from './support/packet-loss.js'
import { startCarrierWorld, type CarrierWorld } from './support/carrier-world.js'
import { callAndAnswer, chromiumSoftphone, hangUp, runValidations } from './support/world.js'
import { callNote, callPath, hears, imeCallWithTones } from './support/midcall.js'

interface QueriedMedia {
  readonly protocol: string
  readonly codec: string
  readonly streams: readonly { readonly stats: { readonly packets: number } }[]
}

/** The one call an rtpengine bridges, side by side: "protocol codec flowing|idle" per tag, sorted. */
async function mediaOf(engine: NgClient): Promise<string[] | string> {
  const ids = await engine.list()
  if (!ids.ok || ids.value.length !== 1) return `not one call: ${JSON.stringify(ids)}`
  const q = await engine.request('query', { 'call-id': ids.value[0]! })
  if (!q.ok) return q.error.message
  const tags = Object.values(q.value.tags as unknown as Record<string, { medias: QueriedMedia[] }>)
  return tags
    .flatMap((t) => t.medias)
    .map((m) => `${m.protocol} ${m.codec} ${m.streams.some((st) => st.stats.packets > 0) ? 'flowing' : 'idle'}`)
    .sort()
}

describe('mid-call fallback over the carrier world (Kamailio, rtpengine G.711), in Chromium', () => {
  let world: CarrierWorld
  let browser: Browser
  let loss: PacketLoss | undefined
  const errors: string[] = []

  beforeAll(async () => {
    if (!haveChromium()) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
    world = await startCarrierWorld('midcall-carrier')
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    loss?.remove()
    await browser?.close()
    await world?.stop()
  })

  it('moves a degraded IME call onto the carrier; the digits cross rtpengine as G.711; tones heard both ends', async () => {
    const [alpha, bravo] = world.enterprises as [WorldEnterprise, WorldEnterprise]
    // Each node's rtpengine, asked what calls it bridges.
    const engines = world.ngPorts.map((port) => createNgClient({ address: { host: '127.0.0.1', port } }))
    const bridging = async () => {
      const lists = await Promise.all(engines.map((e) => e.list()))
      return lists.map((l) => (l.ok ? l.value.length : `unreachable: ${l.error.message}`))
    }
    const alice = await chromiumSoftphone(browser, alpha, 'alice', errors, undefined, 'alice', [
      toneMicrophone(ALICE_HZ),
    ])
    const bob = await chromiumSoftphone(browser, bravo, 'bob', errors, undefined, 'bob', [toneMicrophone(BOB_HZ)])

    // A call over the carrier (bridged both ends), validated: the route alice's next call takes.
    await callAndAnswer(alice, bob, '+1 202 555 0102')
    await expect.poll(() => callPath(alice)).toBe('PSTN')
    await hears(bob, ALICE_HZ)
    await hears(alice, BOB_HZ)
    await sleep(1_200)
    await hangUp(alice)
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    expect(await runValidations(alpha)).toContain('validated')

    // Over IME, with audio both ways by content; rtpengine carries nothing.
    await imeCallWithTones(alice, bob, '+1 202 555 0102')
    await expect.poll(bridging).toEqual([0, 0])

    // Loss on the IME call's flow only: 40% of its packets dropped, both ways.
    const ports = await alice.evaluate(selectedPairPorts)
    expect(ports).toBeDefined()
    const lossStart = Date.now()
    loss = dropBetweenPorts(ports!.local, ports!.remote, 0.4)
    await expect.poll(() => callPath(alice), { timeout: 30_000, interval: 100 }).toBe('IME → PSTN')
    const movedAtAlice = Date.now() - lossStart
    await expect.poll(() => callPath(bob), { timeout: 20_000, interval: 100 }).toBe('IME → PSTN')
    const movedAtBob = Date.now() - lossStart
    // Audio both ways again, by content, over the carrier: each node's leg bridged by rtpengine.
    await hears(alice, BOB_HZ)
    await hears(bob, ALICE_HZ)
    const restored = Date.now() - lossStart
    expect(await callNote(alice)).toMatch(/moved to the PSTN/)
    expect(await callNote(bob)).toMatch(/moved to the PSTN/)
    // The PSTN leg runs through both nodes' bridges (one SIP dialog: the same Call-ID at both): toward the
    // carrier plain RTP/AVP G.711, toward the browser DTLS-SRTP, packets flowing on both sides.
    expect(await bridging()).toEqual([1, 1])
    for (const engine of engines) {
      expect(await mediaOf(engine)).toEqual([
        expect.stringMatching(/^RTP\/AVP PCM[UA]\/8000 flowing$/),
        expect.stringMatching(/^UDP\/TLS\/RTP\/SAVPF PCM[UA]\/8000 flowing$/),
      ])
    }
    await expect.poll(() => alice.evaluate(livePeerConnections)).toBe(1)
    await expect.poll(() => bob.evaluate(livePeerConnections)).toBe(1)
    await expect.poll(() => bravo.node.sip!.counters.midcallFallbacks).toBe(1)
    console.log(
      `mid-call fallback over the carrier: loss at 40% from t=0; alice's call moved at ${movedAtAlice} ms, ` +
        `bob's at ${movedAtBob} ms; audio back both ways (each tone heard by content) by ${restored} ms`,
    )
    await screenshot(alice, 'midcall-carrier-moved-alice')
    loss.remove()
    loss = undefined

    // One call, one record each side: started over IME, moved; rtpengine lets go at the end.
    await hangUp(alice)
    await bob.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 15_000 })
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    expect(bravo.node.calls.list({ user: 'bob' })[0]).toMatchObject({ path: 'ime', fallback: true })
    await expect.poll(() => alpha.node.calls.list({ user: 'alice' })[0]).toMatchObject({ path: 'ime', fallback: true })
    await expect.poll(bridging, { timeout: 10_000 }).toEqual([0, 0])
    for (const e of engines) e.close()
    expect(errors).toEqual([])
  }, 240_000)
})
