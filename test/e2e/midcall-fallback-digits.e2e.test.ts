/**
 * Late digits on the fallback number, end to end in Chromium: alice (alpha) and bob (bravo) talk over IME, each
 * microphone a tone; bravo's digit window is 4 s. anna calls bravo's fallback number over the PSTN and keys the
 * live call's right digits (read off the answer alice's phone got), but only after the window: bob's phone refuses
 * the leg when the window ends, the IME call goes on with audio both ways and nothing counted as a move. The same
 * digits keyed in time do move the call: it was the window that refused them.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { dtmfMicrophone, watchFallbackOffers } from './support/dtmf.js'
import { ALICE_HZ, BOB_HZ, near, readToneFrequency, sleep, toneMicrophone, until } from './support/media.js'
import { livePeerConnections } from './support/packet-loss.js'
import { callAndAnswer, chromiumSoftphone, hangUp, runValidations } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'

const WINDOW_MS = 4_000

describe('mid-call fallback: digits after the window are refused, in Chromium', () => {
  const errors: string[] = []

  const used = useE2eWorld('midcall-digits', ['chromium'], { midcallFallback: { digitWindowMs: WINDOW_MS } })

  const path = (p: Page) => p.locator('#call-path').textContent()
  const note = (p: Page) => p.locator('#call-note').textContent()
  const hears = async (p: Page, hz: number) =>
    expect(await until(() => p.evaluate(readToneFrequency), near(hz), 20_000)).toSatisfy(near(hz))

  it('refuses the right digits keyed after the window; the IME call goes on; keyed in time they move it', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const offers = watchFallbackOffers()
    const alice = await chromiumSoftphone(used.chromium, alpha, 'alice', errors, offers.setup, 'alice', [
      toneMicrophone(ALICE_HZ),
    ])
    const bob = await chromiumSoftphone(used.chromium, bravo, 'bob', errors, undefined, 'bob', [toneMicrophone(BOB_HZ)])

    // A PSTN call, validated: the route alice's next call takes.
    await callAndAnswer(alice, bob, '+1 202 555 0102')
    await hears(bob, ALICE_HZ)
    await sleep(1_200)
    await hangUp(alice)
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    expect(await runValidations(alpha)).toContain('validated')

    // Over IME, with audio both ways by content; alice's phone got the call's offer in the answer.
    await callAndAnswer(alice, bob, '+1 202 555 0102')
    await expect.poll(() => path(alice)).toBe('IME')
    await expect.poll(() => path(bob)).toBe('IME')
    await hears(alice, BOB_HZ)
    await hears(bob, ALICE_HZ)
    const offer = offers.last()
    expect(offer?.did).toBe(bravo.spec.fallbackDid)

    // anna keys the right digits, starting 2.5 s after the window has closed.
    const late = await chromiumSoftphone(used.chromium, alpha, 'anna', errors, undefined, 'anna (late)', [
      dtmfMicrophone(offer!.digits, { delayMs: WINDOW_MS + 2_500, rounds: 3 }),
    ])
    await late.getByLabel('Number', { exact: true }).fill(offer!.did)
    const dialled = Date.now()
    await late.getByRole('button', { name: 'Call', exact: true }).click()
    await expect
      .poll(() => note(bob), { timeout: WINDOW_MS + 10_000, interval: 100 })
      .toMatch(/Refused a call to the fallback number: its digits did not come in time/)
    const refusedAfter = Date.now() - dialled
    await late.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 15_000 })
    expect(refusedAfter).toBeGreaterThanOrEqual(WINDOW_MS)
    // The late digits would reach bob's phone from here on; they find no leg to match.
    await sleep(4_000)
    expect([await path(alice), await path(bob)]).toEqual(['IME', 'IME'])
    await hears(alice, BOB_HZ)
    await hears(bob, ALICE_HZ)
    expect(await bob.evaluate(livePeerConnections)).toBe(1)
    expect(bravo.node.sip!.counters.midcallFallbacks).toBe(0)
    console.log(`late digits: the leg was refused ${refusedAfter} ms after anna dialled (window ${WINDOW_MS} ms)`)
    await late.context().close()

    // The same digits keyed in time (1 s after the microphone opens): bob's phone takes the leg, the call moves.
    const inTime = await chromiumSoftphone(used.chromium, alpha, 'anna', errors, undefined, 'anna (in time)', [
      dtmfMicrophone(offer!.digits, { delayMs: 1_000, rounds: 3 }),
    ])
    await inTime.getByLabel('Number', { exact: true }).fill(offer!.did)
    await inTime.getByRole('button', { name: 'Call', exact: true }).click()
    await expect.poll(() => path(bob), { timeout: WINDOW_MS + 10_000, interval: 100 }).toBe('IME → PSTN')
    await expect.poll(() => bravo.node.sip!.counters.midcallFallbacks).toBe(1)
    await hangUp(bob)
    await inTime.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 15_000 })
    expect(errors).toEqual([])
  }, 180_000)
})
