/**
 * A second WebRTC client: stock SIP.js 0.21 (npm `sip.js`, bundled by esbuild, no shims) in Chromium as bob at
 * bravo, registered with digest on bravo's internal WebSocket, against alice's softphone (the project's own, JsSIP)
 * at alpha. Calls both ways over the PSTN, then, once each node has validated and learned a route, over IME; then
 * the softphone's own fallback (its IME leg cut in the browser) takes the PSTN; then SIP.js declines (603) and is
 * busy (486): each ends the caller's call at once, with no second ring over another path. Audio is checked by content: each side's microphone is a tone (alice 440 Hz, bob 1,150 Hz) and each side
 * must hear the other's frequency.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { World, WorldEnterprise } from '../../src/demo/world.js'
import { CHROMIUM, haveChromium, launchChromium, screenshot } from './support/browser.js'
import { ALICE_HZ, BOB_HZ, near, readToneFrequency, sleep, toneMicrophone, until } from './support/media.js'
import { openSipJs, type SipJsClient } from './support/sipjs.js'
import { chromiumSoftphone, runValidations, startE2eWorld, type E2eWorld } from './support/world.js'

describe('stock SIP.js against the softphones, across the demo world', () => {
  let e2e: E2eWorld
  let world: World
  let browser: Browser
  let alpha: WorldEnterprise
  let bravo: WorldEnterprise
  let alice: Page
  let bob: SipJsClient
  const errors: string[] = []
  let browserCutFromEdge = false

  beforeAll(async () => {
    if (!haveChromium()) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
    e2e = await startE2eWorld('sipjs')
    world = e2e.world
    ;[alpha, bravo] = world.enterprises as [WorldEnterprise, WorldEnterprise]
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await bob?.close()
    await browser?.close()
    await e2e?.stop()
  })

  const aliceNumber = () => alpha.users.find((u) => u.user === 'alice')!.number
  const bobNumber = () => bravo.users.find((u) => u.user === 'bob')!.number
  const hears = (page: Page, hz: number) => until(() => page.evaluate(readToneFrequency), near(hz), 10_000)

  /** Each side hears the other's tone. */
  async function expectTones(): Promise<void> {
    expect(await hears(alice, BOB_HZ)).toSatisfy(near(BOB_HZ))
    expect(await hears(bob.page, ALICE_HZ)).toSatisfy(near(ALICE_HZ))
  }

  async function aliceDials(number: string): Promise<void> {
    await alice.getByLabel('Number', { exact: true }).fill(number)
    await alice.getByRole('button', { name: 'Call', exact: true }).click()
  }

  async function bobRings(count: number): Promise<(string | undefined)[]> {
    const s = await until(
      () => bob.state(),
      (x) => x.invites.length >= count,
      15_000,
    )
    expect(s.invites).toHaveLength(count)
    return s.invites
  }

  const aliceState = () => alice.locator('#call-state').textContent()
  const inCall = (page: Page) => page.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible' })
  const callEnded = async () => {
    await alice.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 10_000 })
  }
  const sipjsSession = async (want: string) =>
    (
      await until(
        () => bob.state(),
        (s) => s.session === want,
      )
    ).session

  it('registers with digest (the node challenges with MD5 alone by default)', async () => {
    const edgePort = new URL(world.readyInfo().enterprises[1]!.edge.sipWs!).port
    alice = await chromiumSoftphone(browser, alpha, 'alice', errors, async (p) => {
      await p.addInitScript(toneMicrophone(ALICE_HZ))
      // Her browser's own path to bravo's edge, cut when a test says so (bravo's edge itself stays up).
      await p.routeWebSocket(
        (url) => url.port === edgePort,
        (ws) => (browserCutFromEdge ? ws.close({ code: 4001, reason: 'unreachable (test)' }) : ws.connectToServer()),
      )
    })
    const password = bravo.users.find((u) => u.user === 'bob')!.password
    bob = await openSipJs(
      browser,
      {
        wsUrl: `ws://127.0.0.1:${bravo.node.sip!.addresses.internal.ws}`,
        user: 'bob',
        password,
        domain: bravo.spec.domain,
      },
      BOB_HZ,
      errors,
    )
    expect((await bob.state()).registered).toBe(true)
    expect(bravo.node.sip!.counters.authFailures).toBe(0)
  }, 60_000)

  it('PSTN: the softphone calls SIP.js, SIP.js answers; each hears the other; SIP.js hangs up', async () => {
    await aliceDials(bobNumber())
    expect(await bobRings(1)).toEqual(['pstn'])
    await bob.answer()
    await inCall(alice)
    await expectTones()
    await sleep(1_200) // long enough to be validated
    await bob.hangUp()
    await callEnded()
    expect(await sipjsSession('Terminated')).toBe('Terminated')
  }, 60_000)

  it('PSTN: SIP.js calls the softphone, alice answers; each hears the other; alice hangs up', async () => {
    await bob.call(`sip:${aliceNumber()}@${bravo.spec.domain}`)
    const answer = alice.getByRole('button', { name: 'Answer', exact: true })
    await answer.waitFor({ state: 'visible', timeout: 15_000 })
    expect(await alice.locator('#call-path').textContent()).toMatch(/PSTN/)
    await answer.click()
    await inCall(alice)
    expect(await sipjsSession('Established')).toBe('Established')
    expect((await bob.state()).lastFinal).toBe(200)
    await expectTones()
    await sleep(1_200)
    await alice.getByRole('button', { name: 'Hang up' }).click()
    expect(await sipjsSession('Terminated')).toBe('Terminated')
  }, 60_000)

  it('both nodes validate those PSTN calls and learn a route', async () => {
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    await expect.poll(() => alpha.node.calls.list({ user: 'alice' })[0]?.end ?? null).not.toBeNull()
    expect(await runValidations(alpha)).toContain('validated')
    expect(await runValidations(bravo)).toContain('validated')
  }, 60_000)

  it('IME: the softphone calls SIP.js over the learned route, with the ticket', async () => {
    const accepted = bravo.node.sip!.counters.ticketsAccepted
    await aliceDials(bobNumber())
    expect((await bobRings(2))[1]).toBe('ime')
    expect(bravo.node.sip!.counters.ticketsAccepted).toBe(accepted + 1)
    await bob.answer()
    await inCall(alice)
    await expectTones()
    await screenshot(alice, 'sipjs-1-ime-call')
    await alice.getByRole('button', { name: 'Hang up' }).click()
    expect(await sipjsSession('Terminated')).toBe('Terminated')
  }, 60_000)

  it("IME: SIP.js calls the softphone through bravo's learned route", async () => {
    await callEnded()
    const accepted = alpha.node.sip!.counters.ticketsAccepted
    await bob.call(`sip:${aliceNumber()}@${bravo.spec.domain}`)
    const answer = alice.getByRole('button', { name: 'Answer', exact: true })
    await answer.waitFor({ state: 'visible', timeout: 15_000 })
    expect(alpha.node.sip!.counters.ticketsAccepted).toBe(accepted + 1)
    expect(await alice.locator('#call-path').textContent()).toMatch(/IME/)
    await answer.click()
    await inCall(alice)
    await expectTones()
    await bob.hangUp()
    await callEnded()
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.path).toBe('ime')
  }, 60_000)

  it("the softphone's fallback call takes the PSTN, though its node could still reach bravo's edge", async () => {
    await callEnded()
    browserCutFromEdge = true
    const before = (await bob.state()).invites.length
    const accepted = bravo.node.sip!.counters.ticketsAccepted
    await aliceDials(bobNumber())
    // The softphone's IME leg fails in her browser; its fallback INVITE goes to alpha marked X-IME-Fallback, and
    // alpha sends it to the PSTN rather than over the learned route again.
    expect((await bobRings(before + 1)).at(-1)).toBe('pstn')
    expect(bravo.node.sip!.counters.ticketsAccepted).toBe(accepted)
    await bob.answer()
    await inCall(alice)
    expect(await alice.locator('#call-path').textContent()).toMatch(/PSTN \(fallback\)/)
    await expectTones()
    await bob.hangUp()
    await callEnded()
    await expect.poll(() => alpha.node.calls.list({ user: 'alice' })[0]).toMatchObject({ path: 'pstn', fallback: true })
    expect((await bob.state()).invites).toHaveLength(before + 1)
    browserCutFromEdge = false
  }, 60_000)

  it.each([
    [603, 'declined'],
    [486, 'busy'],
  ] as const)(
    'SIP.js answers %i: the call ends %s at once, with no ring over the PSTN',
    async (status, outcome) => {
      await callEnded()
      const before = (await bob.state()).invites.length
      await aliceDials(bobNumber())
      expect((await bobRings(before + 1)).at(-1)).toBe('ime')
      await bob.reject(status)
      await expect.poll(aliceState, { timeout: 10_000 }).toBe(`Call ended (${outcome})`)
      await sleep(3_000) // a fallback would ring bob again by now
      expect((await bob.state()).invites).toHaveLength(before + 1)
      expect(await aliceState()).toBe(`Call ended (${outcome})`)
    },
    60_000,
  )

  it('logged no console errors', () => {
    expect(errors).toEqual([])
  })
})
