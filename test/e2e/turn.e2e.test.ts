/**
 * Media through TURN in real browsers: the demo world with coturn, and softphones told to use relays only
 * (ice.policy relay), so a call carries audio only if coturn relays it with the credentials the node minted.
 * Audio is checked by content (each side hears the other's tone), and the selected candidate pairs are relay on
 * both sides. Then, with a TURN server that refuses the credentials, a call's media cannot connect, and the
 * softphone says so and ends the call instead of leaving it silent.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { screenshot } from './support/browser.js'
import {
  ALICE_HZ,
  BOB_HZ,
  near,
  readToneFrequency,
  selectedCandidateTypes,
  toneMicrophone,
  until,
} from './support/media.js'
import { callAndAnswer, chromiumSoftphone, hangUp, replaceTurnWithRefusing } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'
import { LOCALHOST } from '../../src/testing/interop/ports.js'

describe('calls through TURN (coturn), relay candidates only', () => {
  let alice: Page
  let bob: Page
  const errors: string[] = []
  const iceRequests: string[] = []

  const used = useE2eWorld('turn', ['chromium'], { turn: 'required', icePolicy: 'relay' })

  let stopOther: (() => Promise<void>) | undefined
  used.onStop(() => stopOther?.())

  const call = (typed: string) => callAndAnswer(alice, bob, typed)

  it('carries audio both ways through coturn relays, with credentials the node minted', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const countIce = async (page: Page) =>
      void page.on('request', (r) => r.url().endsWith('/api/ice-servers') && iceRequests.push(r.url()))
    alice = await chromiumSoftphone(used.chromium, alpha, 'alice', errors, countIce, 'alice', [
      toneMicrophone(ALICE_HZ),
    ])
    bob = await chromiumSoftphone(used.chromium, bravo, 'bob', errors, undefined, 'bob', [toneMicrophone(BOB_HZ)])
    await call('+1 202 555 0102')
    expect(await until(() => alice.evaluate(readToneFrequency), near(BOB_HZ))).toSatisfy(near(BOB_HZ))
    expect(await until(() => bob.evaluate(readToneFrequency), near(ALICE_HZ))).toSatisfy(near(ALICE_HZ))
    expect(await alice.evaluate(selectedCandidateTypes)).toEqual({ local: 'relay', remote: 'relay' })
    expect(await bob.evaluate(selectedCandidateTypes)).toEqual({ local: 'relay', remote: 'relay' })
    await screenshot(alice, 'turn-1-relayed-call')
    await hangUp(alice)
    // A second call uses the servers the phone already has (the credentials last an hour).
    await call('+1 202 555 0102')
    expect(await until(() => alice.evaluate(readToneFrequency), near(BOB_HZ))).toSatisfy(near(BOB_HZ))
    await hangUp(alice)
    expect(iceRequests).toHaveLength(1)
  }, 90_000)

  it('when the TURN server refuses the credentials, the call says its media could not connect, and ends', async () => {
    // The TURN server is replaced by one with another secret: it answers at once, and refuses every credential.
    const other = await replaceTurnWithRefusing(used.world, LOCALHOST)
    stopOther = () => other.stop()
    await call('+1 202 555 0102')
    const note = alice.getByText(/media could not connect/)
    await note.waitFor({ state: 'visible', timeout: 45_000 })
    await screenshot(alice, 'turn-2-no-relay')
    await alice.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 15_000 })
  }, 90_000)

  it('logged no console errors', () => {
    expect(errors).toEqual([])
  })
})
