/**
 * The demo world for the browser tests: a PSTN gateway and two enterprises on free ports, serving the built web
 * app, with validation only when a test asks for it (POST /api/validation/run); and a person's softphone in
 * Chromium, opened by the demo's one-time sign-in link.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { expect } from 'vitest'
import { ensureWebBuilt } from '../../../src/demo/web-build.js'
import { startWorld, type World, type WorldEnterprise, type WorldOptions } from '../../../src/demo/world.js'
import { freePorts } from '../../../src/testing/interop/ports.js'
import { startCoturn, type Coturn } from '../../../src/turn/coturn.js'
import { CAPTURE_PEER_CONNECTIONS } from './media.js'

export interface E2eWorld {
  readonly world: World
  /** Stops the world and removes its data directory. */
  stop(): Promise<void>
}

/** `extra`: more of the world's options (e.g. a TURN server and relay-only ICE). */
export async function startE2eWorld(name: string, extra: Partial<WorldOptions> = {}): Promise<E2eWorld> {
  const dir = mkdtempSync(join(tmpdir(), `ime-e2e-${name}-`))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    const webRoot = await ensureWebBuilt(process.cwd(), () => undefined)
    if (webRoot === undefined) throw new Error('no web app in this checkout (web/index.html)')
    const world = await startWorld({
      dataDir: dir,
      enterprises: 2,
      basePort: 0,
      webRoot,
      validation: { minCallMs: 1_000, delayMinMs: 3_600_000, delayMaxMs: 3_600_000 },
      validationPollMs: 3_600_000,
      imeTimeoutMs: 2_000,
      ...extra,
    })
    return { world, stop: async () => (await world.stop(), remove()) }
  } catch (e) {
    remove()
    throw e
  }
}

/** The enterprise's operator runs every pending validation now (POST /api/validation/run): their outcomes. */
export async function runValidations(e: WorldEnterprise): Promise<string[]> {
  const run = await fetch(`${e.node.http!.url}/api/validation/run`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.operatorToken}` },
  })
  if (run.status !== 200) throw new Error(`POST /api/validation/run answered ${run.status}: ${await run.text()}`)
  const { outcomes } = (await run.json()) as { outcomes: { outcome: string }[] }
  return outcomes.map((o) => o.outcome)
}

/** The demo's one-time sign-in link for a user of an enterprise. */
export function loginLink(e: WorldEnterprise, user: string): string {
  const link = e.node.http!.loginUrl(user)
  if (!link.ok) throw new Error(link.error)
  return link.value
}

/**
 * A person's softphone in Chromium (a context of its own, microphone allowed, peer connections kept for their
 * statistics), signed in by link and registered. Console errors and page errors go to `errors`, named by `who`;
 * `setup` runs before the page loads (e.g. to pass its WebSockets through the test). Call it inside a test.
 */
export async function chromiumSoftphone(
  browser: Browser,
  e: WorldEnterprise,
  user: string,
  errors: string[],
  setup?: (page: Page) => Promise<void>,
  who = user,
  initScripts: readonly string[] = [],
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } })
  await context.grantPermissions(['microphone'], { origin: e.node.http!.url })
  await context.addInitScript(CAPTURE_PEER_CONNECTIONS)
  for (const script of initScripts) await context.addInitScript(script)
  const page = await context.newPage()
  page.on('console', (m) => m.type() === 'error' && errors.push(`${who}: ${m.text()}`))
  page.on('pageerror', (err) => errors.push(`${who}: ${err.message}`))
  await setup?.(page)
  await page.goto(loginLink(e, user))
  await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 }).toBe('Registered')
  return page
}

/** `from` dials what a person would type; `to` answers when its Answer button shows. */
export async function callAndAnswer(from: Page, to: Page, typed: string): Promise<void> {
  await from.getByLabel('Number', { exact: true }).fill(typed)
  await from.getByRole('button', { name: 'Call', exact: true }).click()
  const answer = to.getByRole('button', { name: 'Answer', exact: true })
  await answer.waitFor({ state: 'visible', timeout: 20_000 })
  await answer.click()
}

/** Hangs up on `page` and waits until its call panel has no Hang up button. */
export async function hangUp(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Hang up' }).click()
  await page.getByRole('button', { name: 'Hang up' }).waitFor({ state: 'hidden' })
}

/**
 * Replaces the world's TURN server by one on the same address and port with another secret: it answers at once
 * and refuses every credential the nodes mint. Returns it, to be stopped by the caller.
 */
export async function replaceTurnWithRefusing(world: World, listeningIp: string): Promise<Coturn> {
  const old = world.turn!
  const port = Number(/:(\d+)\?/.exec(old.urls[0]!)![1])
  await old.stop()
  const relay = await freePorts(20)
  return startCoturn({
    listeningIp,
    port,
    relayPorts: { min: relay, max: relay + 19 },
    realm: 'demo.ime',
    secret: 'not-the-secret-the-node-has',
    allowLoopbackPeers: true,
  })
}
