/**
 * Calls across two real NATs: each softphone runs in Chromium inside its own office namespace, behind a router
 * that masquerades it, with no route between the offices (test/support/nat-lab.ts). The nodes, the PSTN gateway
 * and coturn are on the public side. Host and server-reflexive candidates cannot meet, so a call carries audio
 * only through coturn, with the credentials the node minted: checked by content (each side hears the other's
 * tone) and by the selected candidate pairs. Then a TURN server that refuses the credentials: the call says its
 * media could not connect and ends, instead of staying silent.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { buildNatLab, type NatLab } from '../support/nat-lab.js'
import { launchChromium, screenshot } from './support/browser.js'
import {
  ALICE_HZ,
  BOB_HZ,
  near,
  readToneFrequency,
  selectedCandidateTypes,
  sleep,
  toneMicrophone,
  until,
} from './support/media.js'
import {
  callAndAnswer,
  chromiumSoftphone,
  hangUp,
  replaceTurnWithRefusing,
  runValidations,
  startE2eWorld,
  type E2eWorld,
} from './support/world.js'

describe('calls between two offices, each behind its own NAT', () => {
  let lab: NatLab
  let e2e: E2eWorld
  let alpha: WorldEnterprise
  let bravo: WorldEnterprise
  const browsers: Browser[] = []
  let alice: Page
  let bob: Page
  const errors: string[] = []
  let stopOther: (() => Promise<void>) | undefined

  beforeAll(async () => {
    lab = buildNatLab()
    // Every server of the world listens on the public side's address on office A's link; office B reaches it
    // through its own router (the public side accepts packets for any of its addresses).
    e2e = await startE2eWorld('nat', { host: lab.a.publicIp, turn: 'required' })
    ;[alpha, bravo] = e2e.world.enterprises as [WorldEnterprise, WorldEnterprise]
    // Plain http from another host is not a secure context: allow the two nodes' origins the microphone.
    const args = [`--unsafely-treat-insecure-origin-as-secure=${alpha.node.http!.url},${bravo.node.http!.url}`]
    browsers.push(await launchChromium({ inNamespace: lab.a.ns, args }))
    browsers.push(await launchChromium({ inNamespace: lab.b.ns, args }))
  }, 120_000)

  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => undefined)
    await stopOther?.()
    await e2e?.stop()
    lab?.close()
  })

  const call = (typed: string) => callAndAnswer(alice, bob, typed)

  /** Each hears the other's tone, and each side's selected pair goes through the relay. */
  async function expectRelayedAudio(): Promise<void> {
    expect(await until(() => alice.evaluate(readToneFrequency), near(BOB_HZ), 20_000)).toSatisfy(near(BOB_HZ))
    expect(await until(() => bob.evaluate(readToneFrequency), near(ALICE_HZ), 20_000)).toSatisfy(near(ALICE_HZ))
    for (const page of [alice, bob]) {
      const pair = await page.evaluate(selectedCandidateTypes)
      expect([pair.local, pair.remote]).toContain('relay')
    }
  }

  it('a PSTN call and then an IME call carry audio both ways through TURN', async () => {
    alice = await chromiumSoftphone(browsers[0]!, alpha, 'alice', errors, undefined, 'alice', [
      toneMicrophone(ALICE_HZ),
    ])
    bob = await chromiumSoftphone(browsers[1]!, bravo, 'bob', errors, undefined, 'bob', [toneMicrophone(BOB_HZ)])
    // The offices really are apart: office A cannot reach office B's NAT address, only the public side.
    await call('+1 202 555 0102')
    await expectRelayedAudio()
    await screenshot(alice, 'nat-1-pstn-through-turn')
    await sleep(1_200)
    await hangUp(alice)
    // Validation, once bravo has the call's end too (the PSTN delays the BYE a little).
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    expect(await runValidations(alpha)).toContain('validated')
    await call('+1 202 555 0102')
    await expect.poll(() => alice.locator('#call-path').textContent()).toMatch(/IME/)
    await expectRelayedAudio()
    await screenshot(alice, 'nat-2-ime-through-turn')
    await hangUp(alice)
  }, 180_000)

  it('when the TURN server refuses the credentials, the call says its media could not connect, and ends', async () => {
    const other = await replaceTurnWithRefusing(e2e.world, lab.a.publicIp)
    stopOther = () => other.stop()
    // Without a route (forgotten by the operator), so that the call goes over the PSTN and ends as failed.
    await fetch(`${alpha.node.http!.url}/api/routes/${encodeURIComponent('+12025550102')}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alpha.operatorToken}` },
    })
    await call('+1 202 555 0102')
    await alice.getByText(/media could not connect/).waitFor({ state: 'visible', timeout: 45_000 })
    await screenshot(alice, 'nat-3-no-relay')
  }, 90_000)

  it('logged no console errors', () => {
    expect(errors).toEqual([])
  })
})
