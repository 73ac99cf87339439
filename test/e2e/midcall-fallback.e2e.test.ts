/**
 * Mid-call fallback, end to end in Chromium: alice (alpha) and bob (bravo) talk over IME, each microphone a tone.
 * A call whose quality stays good never moves. A stranger calling bravo's fallback number with wrong digits is
 * refused and the live call goes on. Then real packet loss on the IME call's flow only (iptables `statistic`
 * drops on the UDP ports of its selected candidate pair, read from getStats): alice's softphone dials bravo's
 * fallback DID over the PSTN and sends the digits in-band, bob's softphone matches them and the call goes on
 * over the PSTN; each side hears the other's tone again, by content, and the time from loss to restored audio is
 * measured. Once the call is over, the fallback number refuses calls.
 */
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { screenshot } from './support/browser.js'
import { dtmfMicrophone } from './support/dtmf.js'
import { ALICE_HZ, BOB_HZ, sleep, toneMicrophone } from './support/media.js'
import { dropBetweenPorts, livePeerConnections, selectedPairPorts, type PacketLoss } from './support/packet-loss.js'
import { chromiumSoftphone, hangUp } from './support/world.js'
import { callNote, callPath, hears, imeCallWithTones, validatedPstnCall } from './support/midcall.js'
import { useE2eWorld } from './support/use-world.js'

describe('mid-call fallback to the PSTN, in Chromium, with real packet loss on the IME path', () => {
  let loss: PacketLoss | undefined
  const errors: string[] = []

  const used = useE2eWorld('midcall')
  used.onStop(() => loss?.remove())

  it('moves a degraded IME call to the PSTN mid-call, refuses wrong digits, never moves a good call', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const did = bravo.spec.fallbackDid
    const alice = await chromiumSoftphone(used.chromium, alpha, 'alice', errors, undefined, 'alice', [
      toneMicrophone(ALICE_HZ),
    ])
    const bob = await chromiumSoftphone(used.chromium, bravo, 'bob', errors, undefined, 'bob', [toneMicrophone(BOB_HZ)])
    const anna = await chromiumSoftphone(used.chromium, alpha, 'anna', errors, undefined, 'anna', [
      dtmfMicrophone('*#*#'),
    ])

    // A PSTN call, validated: the route alice's next call takes.
    await validatedPstnCall(alice, bob, alpha, bravo, '+1 202 555 0102')

    // Over IME, with audio both ways by content.
    await imeCallWithTones(alice, bob, '+1 202 555 0102')

    // Good quality for longer than the hold-down (4 s): the call stays on IME.
    await sleep(6_000)
    expect([await callPath(alice), await callPath(bob)]).toEqual(['IME', 'IME'])
    expect(bravo.node.sip!.counters.midcallFallbacks).toBe(0)

    // A stranger calls the fallback number and keys wrong digits: refused; the IME call goes on.
    await anna.getByLabel('Number', { exact: true }).fill(did)
    await anna.getByRole('button', { name: 'Call', exact: true }).click()
    await expect.poll(() => callNote(bob), { timeout: 20_000 }).toMatch(/Refused a call to the fallback number: wrong/)
    await anna.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 15_000 })
    expect([await callPath(alice), await callPath(bob)]).toEqual(['IME', 'IME'])
    await hears(alice, BOB_HZ)
    await hears(bob, ALICE_HZ)

    // Loss on the IME call's flow only: 40% of its packets dropped, both ways.
    const ports = await alice.evaluate(selectedPairPorts)
    expect(ports).toBeDefined()
    const lossStart = Date.now()
    loss = dropBetweenPorts(ports!.local, ports!.remote, 0.4)
    await expect.poll(() => callPath(alice), { timeout: 30_000, interval: 100 }).toBe('IME → PSTN')
    const movedAtAlice = Date.now() - lossStart
    await expect.poll(() => callPath(bob), { timeout: 15_000, interval: 100 }).toBe('IME → PSTN')
    // Audio both ways again, by content, over the PSTN leg (the IME leg's connections are closed).
    await hears(alice, BOB_HZ)
    await hears(bob, ALICE_HZ)
    const restored = Date.now() - lossStart
    expect(await callNote(alice)).toMatch(/moved to the PSTN/)
    expect(await callNote(bob)).toMatch(/moved to the PSTN/)
    await expect.poll(() => alice.evaluate(livePeerConnections)).toBe(1)
    await expect.poll(() => bob.evaluate(livePeerConnections)).toBe(1)
    await expect.poll(() => bravo.node.sip!.counters.midcallFallbacks).toBe(1)
    console.log(
      `mid-call fallback: loss at 40% from t=0; alice's call moved at ${movedAtAlice} ms; ` +
        `audio back both ways (each tone heard by content) by ${restored} ms`,
    )
    await screenshot(alice, 'midcall-1-moved-alice')
    await screenshot(bob, 'midcall-1-moved-bob')
    loss.remove()
    loss = undefined

    // The call still ends as one call, and each side keeps one record of it: started over IME, moved.
    const bobRecords = bravo.node.calls.list({ user: 'bob' }).length
    await hangUp(alice)
    await bob.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden', timeout: 15_000 })
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
    expect(bravo.node.calls.list({ user: 'bob' })).toHaveLength(bobRecords)
    expect(bravo.node.calls.list({ user: 'bob' })[0]).toMatchObject({ path: 'ime', fallback: true })
    await expect.poll(() => alpha.node.calls.list({ user: 'alice' })[0]).toMatchObject({ path: 'ime', fallback: true })
    // No PSTN record of the fallback leg at either end (nor of the stranger's refused call at bravo).
    expect(alpha.node.calls.list({ user: 'alice' }).filter((c) => c.called === did)).toEqual([])
    expect(bravo.node.calls.list().filter((c) => c.called === did)).toEqual([])
    await expect.poll(() => alice.locator('#history li').first().textContent()).toMatch(/IME → PSTN/)
    const status = await fetch(`${bravo.node.http!.url}/api/status`, {
      headers: { authorization: `Bearer ${bravo.operatorToken}` },
    })
    expect(((await status.json()) as { counters: Record<string, number> }).counters.midcallFallbacks).toBe(1)

    // With no IME call live, bravo refuses calls to its fallback number.
    await anna.getByLabel('Number', { exact: true }).fill(did)
    await anna.getByRole('button', { name: 'Call', exact: true }).click()
    await expect.poll(() => anna.locator('#call-state').textContent(), { timeout: 15_000 }).toMatch(/ended/)
    expect(await bob.evaluate(livePeerConnections)).toBe(0)
    expect(errors).toEqual([])
  }, 240_000)
})
