/**
 * A call survives the softphone's SIP WebSocket dropping, against the real call agent: Chromium's softphones
 * across the demo world, with alice's WebSocket to her node passed through Playwright (routeWebSocket) so that the
 * test can cut it, as a network drop would, both ends at once. The WebRTC media does not go through the
 * WebSocket, so it keeps flowing; the phone reconnects and registers again on a new connection, and the call's
 * in-dialog requests then take that connection: the far end's BYE reaches alice (her node finds her contact on
 * its new flow), and alice's BYE reaches the far end.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page, WebSocketRoute } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureWebBuilt } from '../../src/demo/web-build.js'
import { startWorld, type World, type WorldEnterprise } from '../../src/demo/world.js'
import { CHROMIUM, haveChromium, launchChromium, screenshot } from './support/browser.js'
import { CAPTURE_PEER_CONNECTIONS, readAudioStats, twoWayAudio } from './support/media.js'

describe('a call across a dropped SIP WebSocket', () => {
  let world: World
  let browser: Browser
  let dir: string
  let alice: Page
  let bob: Page
  /** alice's WebSockets to her node's SIP port, as Playwright passes them through. */
  const aliceSockets: { page: WebSocketRoute; server: WebSocketRoute }[] = []
  const errors: string[] = []

  beforeAll(async () => {
    if (!haveChromium()) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
    dir = mkdtempSync(join(tmpdir(), 'ime-e2e-reconnect-'))
    const webRoot = await ensureWebBuilt(process.cwd(), () => undefined)
    if (webRoot === undefined) throw new Error('no web app in this checkout (web/index.html)')
    world = await startWorld({
      dataDir: dir,
      enterprises: 2,
      basePort: 0,
      webRoot,
      validation: { minCallMs: 1_000, delayMinMs: 3_600_000, delayMaxMs: 3_600_000 },
      validationPollMs: 3_600_000,
    })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await world?.stop()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  async function softphone(e: WorldEnterprise, user: string, setup?: (p: Page) => Promise<void>): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } })
    await context.grantPermissions(['microphone'], { origin: e.node.http!.url })
    await context.addInitScript(CAPTURE_PEER_CONNECTIONS)
    const page = await context.newPage()
    page.on('console', (m) => m.type() === 'error' && errors.push(`${user}: ${m.text()}`))
    page.on('pageerror', (err) => errors.push(`${user}: ${err.message}`))
    await setup?.(page)
    const link = e.node.http!.loginUrl(user)
    if (!link.ok) throw new Error(link.error)
    await page.goto(link.value)
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 }).toBe('Registered')
    return page
  }

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

  /** Cuts alice's SIP WebSocket at both ends; she goes offline, reconnects and registers again, still in the call. */
  async function dropAndReconnect(): Promise<void> {
    const open = aliceSockets.splice(0)
    expect(open.length).toBeGreaterThan(0)
    const registrations = world.enterprises[0]!.node.sip!.registrations
    const before = registrations.current('alice', Date.now())[0]!.connectionId
    for (const ws of open) {
      await ws.page.close({ code: 4000, reason: 'network drop (test)' })
      await ws.server.close({ code: 4000, reason: 'network drop (test)' })
    }
    await expect.poll(() => status(alice), { timeout: 5_000 }).toMatch(/^Offline/)
    await expect.poll(() => status(alice), { timeout: 20_000 }).toBe('Registered')
    const after = registrations.current('alice', Date.now())[0]!.connectionId
    expect(after).not.toBe(before)
    expect(await inCall(alice)).toBe(true)
    expect(await inCall(bob)).toBe(true)
    const [inAlice, inBob] = await twoWayAudio(
      () => audio(alice),
      () => audio(bob),
    )
    expect(inAlice).toBeGreaterThan(1_000)
    expect(inBob).toBeGreaterThan(1_000)
  }

  it('both softphones sign in and register', async () => {
    const [alpha, bravo] = world.enterprises as [WorldEnterprise, WorldEnterprise]
    const sipPort = new URL(world.readyInfo().enterprises[0]!.sipWs!).port
    alice = await softphone(alpha, 'alice', async (page) => {
      await page.routeWebSocket(
        (url) => url.port === sipPort,
        (ws) => {
          aliceSockets.push({ page: ws, server: ws.connectToServer() })
        },
      )
    })
    bob = await softphone(bravo, 'bob')
  }, 60_000)

  it('alice calls bob; her WebSocket drops; the call goes on, and bob hanging up reaches her', async () => {
    await call(alice, bob, '+12025550102')
    await dropAndReconnect()
    await screenshot(alice, 'reconnect-1-in-call')
    await bob.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => inCall(alice), { timeout: 10_000 }).toBe(false)
    expect(await alice.locator('#call-state').textContent()).toMatch(/Call ended/)
  }, 90_000)

  it('bob calls alice; her WebSocket drops; the call goes on, and alice hanging up reaches bob', async () => {
    await call(bob, alice, '+12015550100')
    await dropAndReconnect()
    await alice.getByRole('button', { name: 'Hang up' }).click()
    await expect.poll(() => inCall(bob), { timeout: 10_000 }).toBe(false)
    // Both nodes closed their records of the call.
    await expect.poll(() => world.enterprises[0]!.node.calls.list({ user: 'alice' })[0]?.end ?? null).not.toBeNull()
    await expect.poll(() => world.enterprises[1]!.node.calls.list({ user: 'bob' })[0]?.end ?? null).not.toBeNull()
  }, 90_000)

  it('logged no console errors', () => {
    expect(errors).toEqual([])
  })
})
