/**
 * A call survives the softphone's SIP WebSocket dropping, against the real call agents: Chromium's softphones
 * across the demo world, with alice's WebSockets (to her node, and to bravo's edge for IME calls) passed through
 * Playwright (routeWebSocket) so that the test can cut them, as a network drop would, both ends at once. The
 * WebRTC media does not go through the WebSocket, so it keeps flowing; the phone reconnects, and the call's
 * in-dialog requests then take the new connection: the far end's BYE reaches alice, and alice's reaches the far
 * end. On her node's connection she registers again (her node finds her contact on its new flow); on an IME call
 * she sends an in-dialog OPTIONS on the new connection, which tells bravo's edge where she is now. Also: a
 * hang-up made while her connection is down leaves once it is back; her node restarting mid-call does not end the
 * call; and when she vanishes without a BYE, bob's phone hangs up by itself once the media connection fails.
 */
import type { Page, WebSocketRoute } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { screenshot } from './support/browser.js'
import { chromiumSoftphone, runValidations } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'
import { readAudioStats, twoWayAudio } from './support/media.js'

/** A WebSocket passed through by Playwright, with the SIP start lines seen each way. */
interface Relayed {
  page: WebSocketRoute
  server: WebSocketRoute
  sent: string[]
  received: string[]
}

function relay(ws: WebSocketRoute): Relayed {
  const server = ws.connectToServer()
  const r: Relayed = { page: ws, server, sent: [], received: [] }
  const firstLine = (m: string | Buffer) => String(m).split('\r\n', 1)[0]!
  ws.onMessage((m) => {
    r.sent.push(firstLine(m))
    server.send(m)
  })
  server.onMessage((m) => {
    r.received.push(firstLine(m))
    ws.send(m)
  })
  return r
}

describe('a call across a dropped SIP WebSocket', () => {
  let alice: Page
  let bob: Page
  /** alice's WebSockets to her node's SIP port and to bravo's edge, as Playwright passes them through. */
  const toNode: Relayed[] = []
  const toEdge: Relayed[] = []
  /** While set, alice's new WebSockets to her node are refused (the network is still down). */
  let nodeUnreachable = false
  const errors: string[] = []

  const used = useE2eWorld('reconnect')

  const softphone = (e: WorldEnterprise, user: string, setup?: (p: Page) => Promise<void>) =>
    chromiumSoftphone(used.chromium, e, user, errors, setup)

  const status = (page: Page) => page.getByRole('status').first().textContent()
  const inCall = (page: Page) => page.getByRole('button', { name: 'Mute' }).isVisible()
  const audio = (page: Page) => page.evaluate(readAudioStats)

  async function call(from: Page, to: Page, number: string): Promise<void> {
    await from.getByLabel('Number', { exact: true }).fill(number)
    await from.getByRole('button', { name: 'Call', exact: true }).click()
    await to.getByRole('button', { name: 'Answer', exact: true }).click({ timeout: 15_000 })
    await from.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible' })
    await to.getByRole('button', { name: 'Mute' }).waitFor({ state: 'visible' })
  }

  /** Cuts alice's WebSockets in `list` at both ends; waits until she is connected again, still in the call. */
  async function cut(list: Relayed[], andWait = true): Promise<Relayed | undefined> {
    const open = list.splice(0)
    expect(open.length).toBeGreaterThan(0)
    for (const ws of open) {
      await ws.page.close({ code: 4000, reason: 'network drop (test)' })
      await ws.server.close({ code: 4000, reason: 'network drop (test)' })
    }
    if (!andWait) return undefined
    await expect.poll(() => list.length, { timeout: 20_000 }).toBeGreaterThan(0)
    return list[0]!
  }

  async function expectCallGoesOn(): Promise<void> {
    expect(await inCall(alice)).toBe(true)
    expect(await inCall(bob)).toBe(true)
    const [inAlice, inBob] = await twoWayAudio(
      () => audio(alice),
      () => audio(bob),
    )
    expect(inAlice).toBeGreaterThan(1_000)
    expect(inBob).toBeGreaterThan(1_000)
  }

  /** Cuts alice's connection to her node: she goes offline, registers again on a new connection. */
  async function dropAndReregister(): Promise<void> {
    const registrations = used.world.enterprises[0]!.node.sip!.registrations
    const before = registrations.current('alice', Date.now())[0]!.connectionId
    await cut(toNode)
    await expect.poll(() => status(alice), { timeout: 20_000 }).toBe('Registered')
    expect(registrations.current('alice', Date.now())[0]!.connectionId).not.toBe(before)
    await expectCallGoesOn()
  }

  /** Cuts alice's IME connection to bravo's edge: she reconnects and says where she is with an OPTIONS. */
  async function dropImeConnection(): Promise<void> {
    const again = (await cut(toEdge))!
    await expect.poll(() => again.sent.some((m) => m.startsWith('OPTIONS ')), { timeout: 10_000 }).toBe(true)
    await expect.poll(() => again.received.some((m) => m.startsWith('SIP/2.0 200')), { timeout: 10_000 }).toBe(true)
    expect(await status(alice)).toBe('Registered') // her own node's connection was not touched
    await expectCallGoesOn()
  }

  it('both softphones sign in and register', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const ready = used.world.readyInfo().enterprises
    const nodePort = new URL(ready[0]!.sipWs!).port
    const edgePort = new URL(ready[1]!.edge.sipWs!).port
    alice = await softphone(alpha, 'alice', async (page) => {
      await page.routeWebSocket(
        (url) => url.port === nodePort || url.port === edgePort,
        (ws) => {
          const toHerNode = new URL(ws.url()).port === nodePort
          if (toHerNode && nodeUnreachable) return void ws.close({ code: 4001, reason: 'unreachable (test)' })
          ;(toHerNode ? toNode : toEdge).push(relay(ws))
        },
      )
    })
    bob = await softphone(bravo, 'bob')
  }, 60_000)

  it('alice calls bob; her WebSocket drops; the call goes on, and bob hanging up reaches her', async () => {
    await call(alice, bob, '+12025550102')
    await dropAndReregister()
    await screenshot(alice, 'reconnect-1-in-call')
    await bob.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => inCall(alice), { timeout: 10_000 }).toBe(false)
    expect(await alice.locator('#call-state').textContent()).toMatch(/Call ended/)
  }, 90_000)

  it('bob calls alice; her WebSocket drops; the call goes on, and alice hanging up reaches bob', async () => {
    await call(bob, alice, '+12015550100')
    await dropAndReregister()
    await alice.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => inCall(bob), { timeout: 10_000 }).toBe(false)
    // Both nodes closed their records of the call.
    await expect
      .poll(() => used.world.enterprises[0]!.node.calls.list({ user: 'alice' })[0]?.end ?? null)
      .not.toBeNull()
    await expect.poll(() => used.world.enterprises[1]!.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
  }, 90_000)

  it("over IME: her WebSocket to bravo's edge drops; the call goes on; a hang-up on either side ends it", async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    expect(await runValidations(alpha)).toContain('validated')

    await call(alice, bob, '+12025550102')
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.path).toBe('ime')
    await dropImeConnection()
    await bob.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => inCall(alice), { timeout: 10_000 }).toBe(false)

    await call(alice, bob, '+12025550102')
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end).toBeNull()
    await dropImeConnection()
    await alice.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => inCall(bob), { timeout: 10_000 }).toBe(false)
    await expect.poll(() => bravo.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
  }, 120_000)

  it("alice hangs up while her connection is down: the BYE leaves once it is back, and bob's call ends", async () => {
    await call(bob, alice, '+12015550100')
    nodeUnreachable = true
    await cut(toNode, false)
    await expect.poll(() => status(alice), { timeout: 5_000 }).toMatch(/^Offline/)
    await alice.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => alice.locator('#call-note').textContent()).toBe('Hanging up when the connection is back…')
    await new Promise((r) => setTimeout(r, 1_000))
    expect(await inCall(bob)).toBe(true)
    nodeUnreachable = false
    await expect.poll(() => inCall(bob), { timeout: 15_000 }).toBe(false)
    await expect.poll(() => inCall(alice), { timeout: 5_000 }).toBe(false)
    await expect.poll(() => status(alice), { timeout: 20_000 }).toBe('Registered')
  }, 90_000)

  it('alpha restarts mid-call: the call goes on, alice registers again, and bob hanging up ends it and its records', async () => {
    await call(bob, alice, '+12015550100') // bravo has no route to alpha: via the PSTN gateway, then alpha
    const before = used.world.enterprises[0]!.node.calls.list({ user: 'alice' })[0]!
    expect(before.end).toBeNull()
    const alpha = await used.world.restart(0)
    await expect
      .poll(() => alpha.node.sip!.registrations.current('alice', Date.now()).length, { timeout: 30_000 })
      .toBe(1)
    await expect.poll(() => status(alice), { timeout: 10_000 }).toBe('Registered')
    await expectCallGoesOn()
    await bob.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => inCall(alice), { timeout: 10_000 }).toBe(false)
    // The restarted node still knew the call: its record is ended, as is bravo's.
    await expect
      .poll(() => alpha.node.calls.list({ user: 'alice' })[0])
      .toMatchObject({ id: before.id, outcome: 'answered' })
    expect(alpha.node.calls.list({ user: 'alice' })[0]!.end).not.toBeNull()
    await expect.poll(() => used.world.enterprises[1]!.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
  }, 120_000)

  it('bob hangs up by himself when alice vanishes mid-call (her browser closes without a BYE)', async () => {
    await call(bob, alice, '+12015550100')
    const t0 = Date.now()
    await alice.context().close()
    await expect.poll(() => inCall(bob), { timeout: 60_000, interval: 500 }).toBe(false)
    expect(Date.now() - t0).toBeLessThan(45_000) // ICE consent freshness: about 18 s in Chromium here
    expect(await bob.locator('#call-note').textContent()).toBe('The audio connection was lost; hanging up')
  }, 90_000)

  it('logged no console errors', () => {
    expect(errors).toEqual([])
  })
})
