/**
 * Call waiting with the softphone in Firefox (Debian's Firefox ESR through puppeteer-core), across the demo world:
 * bob (Chromium, at bravo) calls alice (Firefox, at alpha) over the PSTN; anna (Chromium, alpha) calls her during
 * that call. The second call waits with Answer and Decline; Answer holds bob (his side turns receive-only and he
 * hears no more of alice's tone), anna hears alice; Swap brings bob back and holds anna; bob's hang-up leaves
 * alice with anna. Audio by content: each microphone is a tone of its own, told apart by frequency.
 */
import type { Page as ChromiumPage } from 'playwright-core'
import type { Page as FirefoxPage } from 'puppeteer-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { firefoxScreenshot, openFirefoxPage } from './support/firefox.js'
import { CAPTURE_PEER_CONNECTIONS, readAudioStats, toneMicrophone, until } from './support/media.js'
import { ABSENT_DBFS, HEARD_DBFS, readToneLevels } from './support/tone-levels.js'
import { chromiumSoftphone, loginLink } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'

/**
 * Firefox's fake microphone (media.navigator.streams.fake) is a 1 kHz tone: alice's own, in this test. (The tone
 * init script the Chromium pages use leaves Firefox's track silent: its AudioContext there does not run.)
 */
const ALICE_HZ = 1000
const BOB_HZ = 1150
const ANNA_HZ = 700

describe('call waiting in Firefox, across the demo world', () => {
  const errors: string[] = []

  const used = useE2eWorld('lines-firefox', ['firefox', 'chromium'])

  /** Waits until a Chromium page hears alice's tone (or, with `heard` false, does not), and says so. */
  async function hearsAlice(page: ChromiumPage, heard: boolean): Promise<boolean> {
    const read = async () => (await page.evaluate(readToneLevels, { hz: [ALICE_HZ], from: 'receiver' as const }))[0]!
    const level = await until(read, (l) => (heard ? l > HEARD_DBFS : l < ABSENT_DBFS), 12_000)
    return heard ? level > HEARD_DBFS : !(level < ABSENT_DBFS)
  }
  const direction = async (page: ChromiumPage) => (await page.evaluate(readAudioStats)).direction
  const held = (d: string | null) => d === 'recvonly' || d === 'inactive'

  it('a second call waits; Answer holds the first; Swap; hang-ups leave the other call', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const alice: FirefoxPage = await openFirefoxPage(used.firefox, 'alice (Firefox)', errors)
    await alice.evaluateOnNewDocument(CAPTURE_PEER_CONNECTIONS)
    await alice.goto(loginLink(alpha, 'alice'))
    await expect
      .poll(() => alice.$eval('[role="status"]', (e) => e.textContent), { timeout: 15_000 })
      .toBe('Registered')
    const bob = await chromiumSoftphone(used.chromium, bravo, 'bob', errors, undefined, 'bob', [toneMicrophone(BOB_HZ)])
    const anna = await chromiumSoftphone(used.chromium, alpha, 'anna', errors, undefined, 'anna', [
      toneMicrophone(ANNA_HZ),
    ])
    const text = (selector: string) => alice.$eval(selector, (e) => e.textContent ?? '')
    const visible = (selector: string) => alice.$eval(selector, (e) => !(e as HTMLElement).closest('[hidden]'))

    await bob.getByLabel('Number', { exact: true }).fill('+12015550100')
    await bob.getByRole('button', { name: 'Call', exact: true }).click()
    await alice.locator('::-p-aria([name="Answer"][role="button"])').click()
    await bob.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible', timeout: 10_000 })
    expect(await hearsAlice(bob, true)).toBe(true)

    await anna.getByLabel('Number', { exact: true }).fill('+12015550100')
    await anna.getByRole('button', { name: 'Call', exact: true }).click()
    await expect.poll(() => visible('#waiting'), { timeout: 15_000 }).toBe(true)
    expect(await text('#waiting-text')).toBe('Call waiting from anna (Internal)')
    expect(await text('#call-state')).toBe('Connected')
    await firefoxScreenshot(alice, 'lines-firefox-1-call-waiting')

    await alice.click('#waiting-answer')
    await anna.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible', timeout: 10_000 })
    expect(held(await until(() => direction(bob), held, 8_000))).toBe(true)
    await expect.poll(() => bob.locator('#call-state').textContent()).toBe('On hold')
    expect(await hearsAlice(anna, true)).toBe(true)
    expect(await hearsAlice(bob, false)).toBe(false)
    await expect
      .poll(() => alice.$$eval('#lines li', (els) => els.map((e) => e.textContent ?? '')))
      .toEqual(['From +1 202 555 0102PSTNOn hold', 'From annaInternalConnected'])
    await firefoxScreenshot(alice, 'lines-firefox-2-second-answered')

    await alice.click('#swap')
    expect(held(await until(() => direction(anna), held, 8_000))).toBe(true)
    expect(
      await until(
        () => direction(bob),
        (d) => d === 'sendrecv',
        8_000,
      ),
    ).toBe('sendrecv')
    expect(await hearsAlice(bob, true)).toBe(true)
    expect(await hearsAlice(anna, false)).toBe(false)
    expect(await text('#call-party')).toBe('From +1 202 555 0102') // over the PSTN: his number

    // bob hangs up: alice is left with anna, on hold until she takes her back.
    await bob.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => text('#call-party'), { timeout: 10_000 }).toBe('From anna')
    await alice.locator('::-p-aria([name="Hold"][role="button"])').click()
    expect(
      await until(
        () => direction(anna),
        (d) => d === 'sendrecv',
        8_000,
      ),
    ).toBe('sendrecv')
    expect(await hearsAlice(anna, true)).toBe(true)
    await anna.getByRole('button', { name: 'Hang up' }).click()
    await expect
      .poll(() => alice.evaluate(() => document.querySelector('#call-panel:not([hidden])') !== null), {
        timeout: 10_000,
      })
      .toBe(false)
    expect(errors).toEqual([])
  }, 150_000)
})
