/**
 * Two lines in the softphone, in Chromium across the demo world, with audio checked by content (each person's
 * microphone is a tone of its own, told apart by frequency):
 * - call waiting: anna calls alice while alice talks with bob; it waits with Answer and Decline; Answer holds bob
 *   (a re-INVITE: bob's side turns receive-only and hears no more of alice), swap and back, decline;
 * - add call and merge: alice calls bob over IME and adds bert, whose number has no route (PSTN), each leg shown
 *   with its path; merged, bob hears alice and bert, bert hears alice and bob, alice hears both;
 * - attended transfer: alice consults bert, then transfers bob to him (REFER with Replaces); bob agrees, his call
 *   to bert replaces alice's, and bob and bert hear each other.
 * Screenshots go to test/e2e/artifacts/.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { screenshot } from './support/browser.js'
import { readAudioStats, sleep, toneMicrophone, until } from './support/media.js'
import { ABSENT_DBFS, HEARD_DBFS, readToneLevels, type ToneLevelsArgs } from './support/tone-levels.js'
import { chromiumSoftphone, runValidations } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'

const HZ = { alice: 440, bob: 1150, anna: 700, bert: 700 } as const
const ALICE = '+12015550100'
const BOB = '+12025550102'
const BERT = '+12025550103'

/** The levels (dB over the floor) of the given tones in what `page` receives, or plays on its speaker. */
const levels = (page: Page, hz: readonly number[], from: ToneLevelsArgs['from'] = 'receiver') =>
  page.evaluate(readToneLevels, { hz, from })

/** Waits until `page` hears exactly the tones `heard` among `all` (each heard above HEARD_DBFS, the others below ABSENT_DBFS). */
async function expectHears(page: Page, heard: readonly number[], all: readonly number[], from?: 'speaker') {
  const got = await until(
    () => levels(page, all, from),
    (l) => all.every((hz, i) => (heard.includes(hz) ? l[i]! > HEARD_DBFS : l[i]! < ABSENT_DBFS)),
    12_000,
  )
  expect(Object.fromEntries(all.map((hz, i) => [hz, got[i]! > HEARD_DBFS])), `levels ${all} Hz: ${got} dBFS`).toEqual(
    Object.fromEntries(all.map((hz) => [hz, heard.includes(hz)])),
  )
}

const direction = async (page: Page) => (await page.evaluate(readAudioStats)).direction

describe('two lines: call waiting, add call and merge, attended transfer (Chromium)', () => {
  const errors: string[] = []

  const used = useE2eWorld('lines')

  const softphone = (e: WorldEnterprise, user: keyof typeof HZ) =>
    chromiumSoftphone(used.chromium, e, user, errors, undefined, user, [toneMicrophone(HZ[user])])
  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true })

  async function dial(from: Page, number: string): Promise<void> {
    await from.getByLabel('Number', { exact: true }).fill(number)
    await button(from, 'Call').click()
  }

  async function answer(to: Page): Promise<void> {
    await button(to, 'Answer').click({ timeout: 20_000 })
    await button(to, 'Mute').waitFor({ state: 'visible', timeout: 10_000 })
  }

  const lineTexts = (page: Page) => page.locator('#lines li').allTextContents()
  const idle = (page: Page) =>
    page.waitForFunction(() => document.querySelector('#call-panel:not([hidden])') === null, null, { timeout: 15_000 })

  let alice: Page
  let anna: Page
  let bob: Page
  let bert: Page

  it('call waiting: a second call waits, Answer holds the first, swap, decline', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    alice = await softphone(alpha, 'alice')
    anna = await softphone(alpha, 'anna')
    bob = await softphone(bravo, 'bob')
    bert = await softphone(bravo, 'bert')

    await dial(bob, ALICE)
    await answer(alice)
    await expectHears(bob, [HZ.alice], [HZ.alice, HZ.anna])

    // anna calls: alice's call with bob goes on, the new one waits with its own Answer and Decline.
    await dial(anna, ALICE)
    const waiting = alice.locator('#waiting')
    await waiting.waitFor({ state: 'visible', timeout: 15_000 })
    expect(await alice.locator('#waiting-text').textContent()).toBe('Call waiting from anna (Internal)')
    expect(await alice.locator('#call-state').textContent()).toBe('Connected')
    await screenshot(alice, 'lines-1-call-waiting')

    // Answer: bob is put on hold (re-INVITE, sendonly from alice: bob's side turns receive-only), and hears
    // nothing of alice any more; anna hears her.
    await waiting.getByRole('button', { name: 'Answer' }).click()
    await button(anna, 'Mute').waitFor({ state: 'visible', timeout: 10_000 })
    expect(
      await until(
        () => direction(bob),
        (d) => d === 'recvonly' || d === 'inactive',
        8_000,
      ),
    ).toMatch(/^(recvonly|inactive)$/)
    await expect.poll(() => bob.locator('#call-state').textContent()).toBe('On hold')
    await expectHears(anna, [HZ.alice], [HZ.alice, HZ.bob])
    await expectHears(bob, [], [HZ.alice, HZ.anna])
    await expect
      .poll(() => lineTexts(alice))
      .toEqual([
        expect.stringMatching(/^From \+1 202 555 0102PSTNOn hold$/),
        expect.stringMatching(/^From annaInternalConnected$/),
      ])
    await screenshot(alice, 'lines-2-answered-second')

    // Swap: anna on hold, bob back; and back again.
    await button(alice, 'Swap').click()
    expect(
      await until(
        () => direction(anna),
        (d) => d === 'recvonly' || d === 'inactive',
        8_000,
      ),
    ).toMatch(/^(recvonly|inactive)$/)
    expect(
      await until(
        () => direction(bob),
        (d) => d === 'sendrecv',
        8_000,
      ),
    ).toBe('sendrecv')
    await expectHears(bob, [HZ.alice], [HZ.alice, HZ.anna])
    await expectHears(anna, [], [HZ.alice, HZ.bob])
    // bob's call came over the PSTN: his node's trunk gives his number as the caller (src/trunks/caller-id.ts).
    await expect.poll(() => alice.locator('#call-party').textContent()).toBe('From +1 202 555 0102')

    // bob hangs up: alice's screen goes to anna's call, still on hold until she takes it back.
    await button(bob, 'Hang up').click()
    await expect.poll(() => alice.locator('#call-party').textContent(), { timeout: 10_000 }).toBe('From anna')
    await expect.poll(() => alice.locator('#lines').isHidden()).toBe(true)
    await button(alice, 'Hold').click()
    expect(
      await until(
        () => direction(anna),
        (d) => d === 'sendrecv',
        8_000,
      ),
    ).toBe('sendrecv')
    await expectHears(anna, [HZ.alice], [HZ.alice, HZ.bob])

    // A waiting call declined: the caller hears it refused, the call in progress is untouched.
    await dial(bob, ALICE)
    await waiting.waitFor({ state: 'visible', timeout: 15_000 })
    await waiting.getByRole('button', { name: 'Decline' }).click()
    await idle(bob)
    await expect.poll(() => bob.locator('#history li').first().textContent(), { timeout: 10_000 }).toMatch(/rejected/)
    expect(await alice.locator('#call-state').textContent()).toBe('Connected')
    await expectHears(anna, [HZ.alice], [HZ.alice, HZ.bob])
    await button(alice, 'Hang up').click()
    await idle(alice)
    await idle(anna)
  }, 180_000)

  it('add call over another path, then merge: each far end hears the other and alice', async () => {
    const [alpha] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    // A route to bob's number: one PSTN call, then alpha's validation.
    await dial(alice, BOB)
    await answer(bob)
    // Long enough to be validated (the world's minCallMs is 1 s), counted from the 200 OK that alice's node saw.
    await expect.poll(() => alice.locator('#call-state').textContent(), { timeout: 10_000 }).toBe('Connected')
    await sleep(1_500)
    await button(alice, 'Hang up').click()
    await idle(alice)
    await idle(bob)
    await sleep(500)
    // The call's record is written when its BYE passes the node: on a busy machine, a moment after the page is idle.
    await expect.poll(() => runValidations(alpha), { timeout: 15_000, interval: 1_000 }).toContain('validated')

    await dial(alice, BOB)
    await answer(bob)
    await expect.poll(() => alice.locator('#call-path').textContent()).toBe('IME')
    await button(alice, 'Add call').click()
    expect(
      await until(
        () => direction(bob),
        (d) => d === 'recvonly' || d === 'inactive',
        8_000,
      ),
    ).toMatch(/^(recvonly|inactive)$/)
    await dial(alice, BERT)
    await answer(bert)
    await expect
      .poll(() => lineTexts(alice))
      .toEqual([
        expect.stringMatching(/^To \+1 202 555 0102IMEOn hold$/),
        expect.stringMatching(/^To \+1 202 555 0103PSTNConnected$/),
      ])
    await expectHears(bert, [HZ.alice], [HZ.alice, HZ.bob])
    await expectHears(bob, [], [HZ.alice, HZ.bert])
    await screenshot(alice, 'lines-3-two-calls')

    await button(alice, 'Merge').click()
    await expect.poll(() => alice.locator('#call-state').textContent(), { timeout: 10_000 }).toBe('Three-way call')
    expect(
      await until(
        () => direction(bob),
        (d) => d === 'sendrecv',
        8_000,
      ),
    ).toBe('sendrecv')
    await expectHears(bob, [HZ.alice, HZ.bert], [HZ.alice, HZ.bert])
    await expectHears(bert, [HZ.alice, HZ.bob], [HZ.alice, HZ.bob])
    await expectHears(alice, [HZ.bob, HZ.bert], [HZ.alice, HZ.bob, HZ.bert], 'speaker')
    await screenshot(alice, 'lines-4-three-way')

    // Mute in the conference: alice's tone leaves both mixes, the far ends still hear each other.
    await button(alice, 'Mute').click()
    await expectHears(bob, [HZ.bert], [HZ.alice, HZ.bert])
    await expectHears(bert, [HZ.bob], [HZ.alice, HZ.bob])
    await button(alice, 'Mute').click()
    await expectHears(bob, [HZ.alice, HZ.bert], [HZ.alice, HZ.bert])

    // bert leaves: the conference ends, alice and bob talk on.
    await button(bert, 'Hang up').click()
    await expect.poll(() => alice.locator('#call-state').textContent(), { timeout: 10_000 }).toBe('Connected')
    await expectHears(bob, [HZ.alice], [HZ.alice, HZ.bert])
    await button(alice, 'Hang up').click()
    await idle(alice)
    await idle(bob)
    await idle(bert)
  }, 180_000)

  it('attended transfer: alice consults bert, then transfers bob to him with Replaces', async () => {
    await dial(alice, BOB)
    await answer(bob)
    await expect.poll(() => alice.locator('#call-path').textContent()).toBe('IME')
    // During a call, Call waits for Add call (so that Enter in the Number box cannot place a second call).
    expect(await button(alice, 'Call').isDisabled()).toBe(true)
    await button(alice, 'Add call').click()
    await dial(alice, BERT)
    await answer(bert)
    await expectHears(bert, [HZ.alice], [HZ.alice, HZ.bob])
    await expect
      .poll(() => lineTexts(alice))
      .toEqual([
        expect.stringMatching(/^To \+1 202 555 0102IMEOn hold$/),
        expect.stringMatching(/^To \+1 202 555 0103PSTNConnected$/),
      ])

    await button(alice, 'Complete transfer').click()
    await expect
      .poll(() => bob.locator('#transfer-request-text').textContent(), { timeout: 10_000 })
      .toBe('+1 201 555 0100 asks you to call +1 202 555 0103, who is expecting you.')
    await screenshot(bob, 'lines-5-attended-transfer-asked')
    await button(bob, 'Call that number').click()

    // bert's call with alice is replaced by bob's, without ringing; alice is out of both calls.
    await expect.poll(() => bert.locator('#call-party').textContent(), { timeout: 15_000 }).toBe('From bob')
    await expect.poll(() => bert.locator('#call-state').textContent()).toBe('Connected')
    // bob's new call stays inside bravo (bert is bravo's), though alice's consultation went over the PSTN.
    await expect.poll(() => bob.locator('#call-path').textContent()).toBe('Internal')
    await expect.poll(() => bert.locator('#call-note').textContent()).toBe('Transferred: now talking with bob')
    await idle(alice)
    await expectHears(bert, [HZ.bob], [HZ.alice, HZ.bob])
    await expectHears(bob, [HZ.bert], [HZ.alice, HZ.bert])
    await screenshot(bert, 'lines-6-transferred')
    await button(bob, 'Hang up').click()
    await idle(bob)
    await idle(bert)
    expect(errors).toEqual([])
  }, 180_000)
})
