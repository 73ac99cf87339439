/**
 * Late digits on the fallback number, end to end in Chromium: alice (alpha) and bob (bravo) talk over IME, each
 * microphone a tone; bravo's digit window is 4 s. anna calls bravo's fallback number over the PSTN and keys the
 * live call's right digits (read off the answer alice's phone got), but only after the window: bob's phone refuses
 * the leg when the window ends, the IME call goes on with audio both ways and nothing counted as a move. The same
 * digits keyed in time do move the call: it was the window that refused them.
 */
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { dtmfMicrophone, watchFallbackOffers } from './support/dtmf.js'
import { ALICE_HZ, BOB_HZ, sleep, toneMicrophone } from './support/media.js'
import { livePeerConnections } from './support/packet-loss.js'
import { chromiumSoftphone, hangUp } from './support/world.js'
import { callNote, callPath, hears, imeCallWithTones, validatedPstnCall } from './support/midcall.js'
import { useE2eWorld } from './support/use-world.js'

const WINDOW_MS = 4_000

describe('mid-call fallback: digits after the window are refused, in Chromium', () => {
  const errors: string[] = []

  const used = useE2eWorld('midcall-digits', ['chromium'], { midcallFallback: { digitWindowMs: WINDOW_MS } })

  it('refuses the right digits keyed after the window; the IME call goes on; keyed in time they move it', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const offers = watchFallbackOffers()
    const alice = await chromiumSoftphone(used.chromium, alpha, 'alice', errors, offers.setup, 'alice', [
      toneMicrophone(ALICE_HZ),
    ])
    const bob = await chromiumSoftphone(used.chromium, bravo, 'bob', errors, undefined, 'bob', [toneMicrophone(BOB_HZ)])

    // A PSTN call, validated: the route alice's next call takes.
    await validatedPstnCall(alice, bob, alpha, bravo, '+1 202 555 0102')

    // Over IME, with audio both ways by content; alice's phone got the call's offer in the answer.
    await imeCallWithTones(alice, bob, '+1 202 555 0102')
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
      .poll(() => callNote(bob), { timeout: WINDOW_MS + 10_000, interval: 100 })
      .toMatch(/Refused a call to the fallback number: its digits did not come in time/)
    const refusedAfter = Date.now() - dialled
    await late.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 15_000 })
    expect(refusedAfter).toBeGreaterThanOrEqual(WINDOW_MS)
    // The late digits would reach bob's phone from here on; they find no leg to match.
    await sleep(4_000)
    expect([await callPath(alice), await callPath(bob)]).toEqual(['IME', 'IME'])
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
    await expect.poll(() => callPath(bob), { timeout: WINDOW_MS + 10_000, interval: 100 }).toBe('IME → PSTN')
    await expect.poll(() => bravo.node.sip!.counters.midcallFallbacks).toBe(1)
    await hangUp(bob)
    await inTime.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 15_000 })
    expect(errors).toEqual([])
  }, 180_000)
})
