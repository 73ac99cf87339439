/**
 * End to end, as people use it: Chromium (Debian's, through playwright-core) drives two softphones served by the
 * demo world's nodes, with real WebRTC audio from Chromium's fake devices. alice at alpha calls bob at bravo:
 * the first call goes via the PSTN; after validation (POST /api/validation/run) the second goes over IME with the
 * ticket, and bravo's records show the ticket was checked; audio flows both ways (getStats: inbound bytes grow
 * on both sides); mute, hold and DTMF have the effect the far end should see; then bravo's edge is taken down
 * and the third call falls back to the PSTN within the timeout. Screenshots go to test/e2e/artifacts/.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { screenshot } from './support/browser.js'
import { chromiumSoftphone, runValidations } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'
import { readAudioStats, sleep, twoWayAudio, until, type AudioStats } from './support/media.js'

const audio = (page: Page): Promise<AudioStats> => page.evaluate(readAudioStats)

describe('softphones in Chromium, across the demo world', () => {
  const errors: string[] = []

  const used = useE2eWorld('world')

  const softphone = (e: WorldEnterprise, user: string) => chromiumSoftphone(used.chromium, e, user, errors)

  async function call(from: Page, to: Page, typed: string): Promise<void> {
    await from.getByLabel('Number', { exact: true }).fill(typed)
    await from.getByRole('button', { name: 'Call', exact: true }).click()
    const answer = to.getByRole('button', { name: 'Answer', exact: true })
    await answer.waitFor({ state: 'visible', timeout: 15_000 })
    await answer.click()
    // In the call on both sides: Mute shows only once a call is answered.
    await from.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible' })
    await to.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible' })
  }

  /** Both sides' inbound audio grows: media flows both ways. */
  async function expectTwoWayAudio(a: Page, b: Page): Promise<void> {
    const [x, y] = await twoWayAudio(
      () => audio(a),
      () => audio(b),
    )
    expect(x).toBeGreaterThan(1_000)
    expect(y).toBeGreaterThan(1_000)
  }

  async function hangUp(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Hang up' }).click()
    await page.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden' })
  }

  const historyPaths = (page: Page) => page.locator('#history li').allTextContents()

  it('PSTN first, then IME with the ticket, with audio, mute, hold and DTMF; then PSTN fallback', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const alice = await softphone(alpha, 'alice')
    const bob = await softphone(bravo, 'bob')
    await screenshot(alice, 'world-1-registered')

    // 1. No route yet: via the PSTN gateway.
    await call(alice, bob, '+1 (202) 555-0102')
    await expectTwoWayAudio(alice, bob)
    await screenshot(alice, 'world-2-pstn-call')
    await sleep(1_200) // long enough to be validated
    await hangUp(alice)
    await expect.poll(() => historyPaths(alice)).toEqual([expect.stringMatching(/PSTN/)])

    // 2. Validation, run by alpha's operator (in life minutes later; here once bravo has the call's end too: the
    // PSTN delays the BYE a little).
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    expect(await runValidations(alpha)).toContain('validated')

    // 3. Over IME: straight to bravo's edge with the ticket, which bravo checks.
    const accepted = bravo.node.sip!.counters.ticketsAccepted
    await call(alice, bob, '+12025550102')
    expect(bravo.node.sip!.counters.ticketsAccepted).toBe(accepted + 1)
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.path).toBe('ime')
    await expectTwoWayAudio(alice, bob)
    await screenshot(alice, 'world-3-ime-call')
    await screenshot(bob, 'world-3-ime-call-bob')

    // Mute: bob hears silence (the fake microphone's tone is gone from his inbound audio level).
    await until(
      () => audio(bob),
      (s) => s.audioLevel > 0.01,
    )
    const loud = (await audio(bob)).audioLevel
    expect(loud).toBeGreaterThan(0.01)
    await alice.getByRole('button', { name: 'Mute' }).click()
    await expect.poll(() => alice.getByRole('button', { name: 'Mute' }).getAttribute('aria-pressed')).toBe('true')
    const muted = await until(
      () => audio(bob),
      (s) => s.audioLevel < 0.005,
      8_000,
    )
    expect(muted.audioLevel).toBeLessThan(0.005)
    await alice.getByRole('button', { name: 'Mute' }).click()
    expect(
      (
        await until(
          () => audio(bob),
          (s) => s.audioLevel > 0.01,
          8_000,
        )
      ).audioLevel,
    ).toBeGreaterThan(0.01)

    // Hold: the far end stops sending (its transceiver is now receive-only or inactive).
    await alice.getByRole('button', { name: 'Hold' }).click()
    const held = await until(
      () => audio(bob),
      (s) => s.direction === 'recvonly' || s.direction === 'inactive',
      8_000,
    )
    expect(['recvonly', 'inactive']).toContain(held.direction)
    await screenshot(alice, 'world-4-hold')
    await alice.getByRole('button', { name: 'Hold' }).click()
    expect(
      (
        await until(
          () => audio(bob),
          (s) => s.direction === 'sendrecv',
          8_000,
        )
      ).direction,
    ).toBe('sendrecv')

    // DTMF: bob's softphone shows the tone alice pressed.
    await alice.getByRole('button', { name: /^5/ }).click()
    await expect.poll(() => bob.locator('#call-note').textContent(), { timeout: 8_000 }).toMatch(/5/)
    await hangUp(alice)
    await expect.poll(() => historyPaths(alice)).toEqual([expect.stringMatching(/IME/), expect.stringMatching(/PSTN/)])

    // 4. bravo's edge goes down: the call falls back to the PSTN within the timeout, by itself.
    const down = await fetch(`${bravo.node.http!.url}/api/edge/down`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bravo.operatorToken}` },
    })
    expect(down.status).toBe(200)
    const t0 = Date.now()
    await call(alice, bob, '+12025550102')
    expect(Date.now() - t0).toBeLessThan(12_000)
    await expectTwoWayAudio(alice, bob)
    await hangUp(alice)
    await expect
      .poll(() => historyPaths(alice))
      .toEqual([
        expect.stringMatching(/PSTN \(fallback\)/),
        expect.stringMatching(/IME/),
        expect.stringMatching(/PSTN/),
      ])
    await screenshot(alice, 'world-5-history')
    // The only console errors: Chromium's own report that the IME WebSocket to bravo's downed edge was refused,
    // which is what step 4 causes on purpose (a page cannot silence the browser's network log).
    const refused = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed: .*ERR_CONNECTION_REFUSED/
    expect(errors.filter((e) => !refused.test(e))).toEqual([])
  }, 180_000)

  it('the operator page shows the ring, the published numbers and the learned route, live', async () => {
    const alpha = used.world.enterprises[0]!
    const context = await used.chromium.newContext({ viewport: { width: 1000, height: 900 } })
    const page = await context.newPage()
    page.on('pageerror', (err) => errors.push(`operator: ${err.message}`))
    await page.goto(`${alpha.node.http!.url}/operator.html#token=${alpha.operatorToken}`)
    const self = alpha.node.peer.chord.self
    await expect.poll(() => page.locator('body').textContent(), { timeout: 10_000 }).toContain('Chord ring')
    await expect.poll(() => page.locator('body').textContent()).toContain(self.peer.slice(0, 12))
    await expect.poll(() => page.locator('body').textContent()).toContain('+1 201 555 0100')
    await expect.poll(() => page.locator('body').textContent()).toContain('bravo.example')
    // The validation that ran before the page was opened is listed, from the node's log.
    await expect
      .poll(() => page.locator('#events').textContent())
      .toContain('validation: +1 202 555 0102 · validated · bravo.example')
    await screenshot(page, 'world-6-operator')
    await context.close()
  }, 180_000)
})
