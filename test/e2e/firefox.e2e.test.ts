/**
 * The softphone in Firefox, across the demo world: alice's softphone runs in Debian's Firefox ESR (WebDriver BiDi,
 * through puppeteer-core), bob's in Chromium, so every call is also a Firefox-to-Chromium WebRTC call. Driven by
 * the labels people and screen readers use, and from the keyboard in Firefox: alice dials with Enter; the first
 * call goes via the PSTN, the second over IME with the ticket (bravo checks it), with audio both ways, mute and
 * DTMF seen at the far end; bob hangs up and Firefox sees it; bob then calls alice, who answers in Firefox with
 * Enter and hangs up with Escape; alice calls anna, whose phone is in Firefox too (an internal call, shown so).
 * No console errors in either browser. Screenshots go to test/e2e/artifacts/.
 */
import type { Page as ChromiumPage } from 'playwright-core'
import type { Page as FirefoxPage } from 'puppeteer-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { screenshot } from './support/browser.js'
import { chromiumSoftphone, runValidations, loginLink } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'
import { firefoxScreenshot, openFirefoxPage } from './support/firefox.js'
import { CAPTURE_PEER_CONNECTIONS, readAudioStats, sleep, twoWayAudio, until } from './support/media.js'

describe('the softphone in Firefox, calling Chromium across the demo world', () => {
  let alice: FirefoxPage
  let bob: ChromiumPage
  const errors: string[] = []

  const used = useE2eWorld('firefox', ['firefox', 'chromium'])

  // Firefox (puppeteer-core): ARIA selectors find elements by role and accessible name, as a screen reader would.
  const ff = {
    button: (name: string) => `::-p-aria([name="${name}"][role="button"])`,
    status: () => alice.$eval('[role="status"]', (e) => e.textContent ?? ''),
    audio: () => alice.evaluate(readAudioStats),
    focused: () => alice.evaluate(() => document.activeElement?.textContent ?? ''),
    inCall: () => alice.evaluate(() => document.querySelector('#call-panel:not([hidden])') !== null),
    note: () => alice.$eval('#call-note', (e) => e.textContent ?? ''),
    history: () => alice.$$eval('#history li', (els) => els.map((e) => e.textContent ?? '')),
  }
  const bobAudio = () => bob.evaluate(readAudioStats)

  it('signs in to alpha in Firefox and registers', async () => {
    alice = await openFirefoxPage(used.firefox, 'alice (Firefox)', errors)
    await alice.evaluateOnNewDocument(CAPTURE_PEER_CONNECTIONS)
    await alice.goto(loginLink(used.world.enterprises[0]!, 'alice'))
    await expect.poll(ff.status, { timeout: 15_000 }).toBe('Registered')
    expect(await alice.$eval('#identity', (e) => e.textContent)).toBe('alice · +1 201 555 0100 · alpha.example')

    const bravo = used.world.enterprises[1]!
    bob = await chromiumSoftphone(used.chromium, bravo, 'bob', errors, undefined, 'bob (Chromium)')
    await firefoxScreenshot(alice, 'firefox-1-registered')
  }, 60_000)

  /** alice types a number into the Number box and dials it with Enter. */
  async function typeAndDial(typed: string): Promise<void> {
    const number = await alice.locator('::-p-aria([name="Number"][role="textbox"])').waitHandle()
    await number.click({ count: 3 })
    await alice.keyboard.press('Backspace')
    await alice.keyboard.type(typed)
    await alice.keyboard.press('Enter')
  }

  async function dialFromFirefox(typed: string): Promise<void> {
    await typeAndDial(typed)
    await bob.getByRole('button', { name: 'Answer', exact: true }).click({ timeout: 15_000 })
    await alice.locator(ff.button('Mute')).wait()
    await bob.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible' })
  }

  it('calls bob via the PSTN first; audio flows both ways; bob hangs up and Firefox sees it', async () => {
    await dialFromFirefox('(202) 555-0102')
    const [inFirefox, inChromium] = await twoWayAudio(ff.audio, bobAudio)
    expect(inFirefox).toBeGreaterThan(1_000)
    expect(inChromium).toBeGreaterThan(1_000)
    await firefoxScreenshot(alice, 'firefox-2-pstn-call')
    await sleep(1_200) // long enough to be validated
    await bob.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(ff.inCall, { timeout: 10_000 }).toBe(false)
    await expect.poll(ff.history).toEqual([expect.stringMatching(/PSTN/)])
  }, 60_000)

  it('calls bob again over IME with the ticket: audio, mute and DTMF reach Chromium', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    expect(await runValidations(alpha)).toContain('validated')

    const accepted = bravo.node.sip!.counters.ticketsAccepted
    await dialFromFirefox('+1 202 555 0102')
    expect(bravo.node.sip!.counters.ticketsAccepted).toBe(accepted + 1)
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.path).toBe('ime')
    const [inFirefox, inChromium] = await twoWayAudio(ff.audio, bobAudio)
    expect(inFirefox).toBeGreaterThan(1_000)
    expect(inChromium).toBeGreaterThan(1_000)
    await firefoxScreenshot(alice, 'firefox-3-ime-call')

    // Focus is on Hang up during a call; Mute silences Firefox's tone at bob's end.
    expect(await ff.focused()).toBe('Hang up')
    expect((await until(bobAudio, (s) => s.audioLevel > 0.01)).audioLevel).toBeGreaterThan(0.01)
    await alice.locator(ff.button('Mute')).click()
    expect((await until(bobAudio, (s) => s.audioLevel < 0.005, 8_000)).audioLevel).toBeLessThan(0.005)
    await alice.locator(ff.button('Mute')).click()
    expect((await until(bobAudio, (s) => s.audioLevel > 0.01, 8_000)).audioLevel).toBeGreaterThan(0.01)

    // DTMF from Firefox's keyboard, shown on bob's phone.
    await alice.locator(ff.button('Hang up')).wait()
    await alice.focus('#hang-up')
    await alice.keyboard.type('7')
    await expect.poll(ff.note).toBe('Sent 7')
    await expect.poll(() => bob.locator('#call-note').textContent(), { timeout: 8_000 }).toMatch(/7/)
    await bob.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(ff.inCall, { timeout: 10_000 }).toBe(false)
    await expect.poll(ff.history).toEqual([expect.stringMatching(/IME/), expect.stringMatching(/PSTN/)])
  }, 90_000)

  it('rings in Firefox when bob calls: answered with Enter, hung up with Escape', async () => {
    await bob.getByLabel('Number', { exact: true }).fill('+12015550100')
    await bob.getByRole('button', { name: 'Call', exact: true }).click()
    await expect.poll(ff.focused, { timeout: 15_000 }).toBe('Answer')
    await firefoxScreenshot(alice, 'firefox-4-incoming')
    await alice.keyboard.press('Enter')
    await alice.locator(ff.button('Mute')).wait()
    const [inFirefox, inChromium] = await twoWayAudio(ff.audio, bobAudio)
    expect(inFirefox).toBeGreaterThan(1_000)
    expect(inChromium).toBeGreaterThan(1_000)
    await alice.keyboard.press('Escape')
    await expect.poll(ff.inCall, { timeout: 10_000 }).toBe(false)
    await bob.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 10_000 })
    await expect.poll(ff.history).toHaveLength(3)
    await firefoxScreenshot(alice, 'firefox-5-history')
    await screenshot(bob, 'firefox-5-bob-history')
  }, 60_000)

  it('calls anna, whose softphone is in Firefox too: Firefox to Firefox, audio both ways', async () => {
    const anna = await openFirefoxPage(used.firefox, 'anna (Firefox)', errors)
    await anna.evaluateOnNewDocument(CAPTURE_PEER_CONNECTIONS)
    await anna.goto(loginLink(used.world.enterprises[0]!, 'anna'))
    await expect.poll(() => anna.$eval('[role="status"]', (e) => e.textContent), { timeout: 15_000 }).toBe('Registered')
    await typeAndDial('+1 201 555 0101')
    await anna.locator(ff.button('Answer')).click()
    await alice.locator(ff.button('Mute')).wait()
    await anna.locator(ff.button('Mute')).wait()
    const [inAlice, inAnna] = await twoWayAudio(ff.audio, () => anna.evaluate(readAudioStats))
    expect(inAlice).toBeGreaterThan(1_000)
    expect(inAnna).toBeGreaterThan(1_000)
    // A call inside the enterprise: no PSTN, and both phones say so.
    expect(await alice.$eval('#call-path', (e) => e.textContent)).toBe('Internal')
    expect(await anna.$eval('#call-path', (e) => e.textContent)).toBe('Internal')
    await firefoxScreenshot(anna, 'firefox-6-anna-in-call')
    await anna.locator(ff.button('Hang up')).click()
    await expect.poll(ff.inCall, { timeout: 10_000 }).toBe(false)
    // In both histories, as Internal.
    await expect.poll(ff.history).toHaveLength(4)
    expect((await ff.history())[0]).toMatch(/Internal/)
    await expect
      .poll(() => anna.$$eval('#history li', (els) => els.map((e) => e.textContent ?? '')))
      .toEqual([expect.stringMatching(/Internal/)])
    await anna.close()
  }, 60_000)

  it('shows the operator page in Firefox: the ring, the published numbers, the learned route, live', async () => {
    const alpha = used.world.enterprises[0]!
    const page = await openFirefoxPage(used.firefox, 'operator (Firefox)', errors)
    await page.setViewport({ width: 1000, height: 900 })
    await page.goto(`${alpha.node.http!.url}/operator.html#token=${alpha.operatorToken}`)
    await page.locator('svg.ring').wait()
    const text = () => page.evaluate(() => document.body.textContent ?? '')
    await expect.poll(text, { timeout: 10_000 }).toContain(alpha.node.peer.chord.self.peer.slice(0, 12))
    await expect.poll(text).toContain('+1 201 555 0100')
    await expect.poll(text).toContain('bravo.example')
    await expect
      .poll(() => page.$eval('#events', (e) => e.textContent))
      .toContain('validation: +1 202 555 0102 · validated · bravo.example')
    await expect.poll(() => page.$eval('[role="status"]', (e) => e.textContent), { timeout: 10_000 }).toBe('Live')
    await firefoxScreenshot(page, 'firefox-7-operator')
    await page.close()
  }, 60_000)

  it('logged no console errors in Firefox or Chromium', () => {
    expect(errors).toEqual([])
  })
})
