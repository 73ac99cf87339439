/**
 * The softphone as an app, end to end in Chromium across the demo world: contacts (alpha's directory with
 * presence from its registrar, search as you type, calling a contact, naming a number from the history), call
 * alerts (the offer to turn them on, a notification and the title while a call rings and the user is away, the
 * missed-call count until the user comes back) and installability (manifest, icons, a service worker that keeps
 * the page and never an API answer; Chromium finds nothing missing to install it but a profile: the test's
 * contexts are off the record). Screenshots in
 * test/e2e/artifacts/.
 */
import type { CDPSession, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { WorldEnterprise } from '../../src/demo/world.js'
import { screenshot } from './support/browser.js'
import { sleep } from './support/media.js'
import { callAndAnswer, chromiumSoftphone, hangUp } from './support/world.js'
import { useE2eWorld } from './support/use-world.js'

/** An init script: every Notification the page shows is also noted in window.__notes (the real one is shown). */
const NOTE_NOTIFICATIONS = `
  window.__notes = []
  if (window.Notification) {
    const Real = window.Notification
    window.Notification = class extends Real {
      constructor(title, options) {
        super(title, options)
        window.__notes.push({ title, body: options && options.body, away: document.hidden || !document.hasFocus() })
      }
    }
  }
`
const notes = (page: Page) =>
  page.evaluate(() => (window as unknown as { __notes: { title: string; body: string; away: boolean }[] }).__notes)
const contactRows = (page: Page) => page.locator('#contact-list li').allTextContents()

describe('contacts, call alerts and installing the softphone, in Chromium', () => {
  const errors: string[] = []

  const used = useE2eWorld('app')

  it('contacts: presence from the registrar, search as you type, call a contact, name a number', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const alice = await chromiumSoftphone(used.chromium, alpha, 'alice', errors)
    // alpha's other user, anna, has no phone open: listed, offline. alice herself is not listed.
    await expect.poll(() => contactRows(alice)).toEqual([expect.stringMatching(/^anna\+1 201 555 0101$/)])
    await expect(alice.getByRole('button', { name: /^Call anna, .*, Offline/ }).count()).resolves.toBe(1)

    const anna = await chromiumSoftphone(used.chromium, alpha, 'anna', errors)
    await alice.getByLabel('Search contacts').focus() // looking for someone: presence as it is now
    await alice.getByRole('button', { name: /^Call anna, \+1 201 555 0101, Available$/ }).waitFor({ timeout: 5_000 })

    // Search as you type, then Enter calls the one found: an internal call.
    await alice.getByLabel('Search contacts').pressSequentially('AN')
    expect(await contactRows(alice)).toHaveLength(1)
    await alice.getByLabel('Search contacts').pressSequentially('x')
    expect(await contactRows(alice)).toHaveLength(0)
    expect(await alice.locator('#contacts-empty').textContent()).toBe('No contacts found.')
    await alice.getByLabel('Search contacts').press('Backspace')
    await screenshot(alice, 'app-1-contacts-search')
    await alice.getByLabel('Search contacts').press('Enter')
    const answer = anna.getByRole('button', { name: 'Answer', exact: true })
    await answer.waitFor({ timeout: 15_000 })
    expect(await alice.locator('#call-party').textContent()).toBe('To anna (+1 201 555 0101)')
    await answer.click()
    await alice.getByRole('button', { name: 'Mute' }).waitFor()
    await hangUp(alice)

    // A number from the history, named: bob at bravo (a PSTN call first).
    const bob = await chromiumSoftphone(used.chromium, bravo, 'bob', errors)
    await callAndAnswer(alice, bob, '+1 202 555 0102')
    await alice.getByRole('button', { name: 'Mute' }).waitFor()
    await hangUp(alice)
    await alice.getByLabel('Search contacts').fill('')
    const nameForm = alice.locator('#name-form')
    await expect.poll(() => nameForm.isVisible(), { timeout: 10_000 }).toBe(true)
    await expect
      .poll(() => alice.getByLabel('Give a recent caller a name').locator('option').allTextContents())
      .toContain('+1 202 555 0102')
    await alice.getByLabel('Give a recent caller a name').selectOption('+12025550102')
    await alice.getByLabel('Name', { exact: true }).fill('Bob at Bravo')
    await alice.getByRole('button', { name: 'Save' }).click()
    await alice.getByRole('button', { name: /^Call Bob at Bravo, \+1 202 555 0102, Named by you$/ }).waitFor()
    // The history shows the name; so does the call panel when the contact is called.
    await expect.poll(() => alice.locator('#history li').first().textContent()).toMatch(/Bob at Bravo/)
    await screenshot(alice, 'app-2-named-contact')
    await alice.getByLabel('Search contacts').fill('555 0102')
    expect(await contactRows(alice)).toEqual([expect.stringMatching(/^Bob at Bravo\+1 202 555 0102/)])
    await alice.getByRole('button', { name: /^Call Bob at Bravo/ }).click()
    await bob.getByRole('button', { name: 'Answer', exact: true }).waitFor({ timeout: 15_000 })
    expect(await alice.locator('#call-party').textContent()).toBe('To Bob at Bravo (+1 202 555 0102)')
    await bob.getByRole('button', { name: 'Answer', exact: true }).click()
    await alice.getByRole('button', { name: 'Mute' }).waitFor()
    await hangUp(alice)
    // Names stay in alice's browser: a reload keeps them; the node never heard of them.
    await alice.reload()
    await alice.getByRole('button', { name: /^Call Bob at Bravo/ }).waitFor({ timeout: 15_000 })
    for (const page of [alice, anna, bob]) await page.context().close()
    expect(errors).toEqual([])
  }, 180_000)

  it('alerts: asked at the offer; a call while away notifies and shows in the title; a missed one counts', async () => {
    const [alpha, bravo] = used.world.enterprises as [WorldEnterprise, WorldEnterprise]
    const alice = await chromiumSoftphone(used.chromium, alpha, 'alice', errors)
    // Notifications not yet asked about (Playwright's grant of the microphone refuses every other permission).
    const notYetAsked = async (page: Page) => {
      const cdp = await page.context().newCDPSession(page)
      const { targetInfo } = (await cdp.send('Target.getTargetInfo')) as { targetInfo: { browserContextId: string } }
      await cdp.send('Browser.setPermission', {
        permission: { name: 'notifications' },
        setting: 'prompt',
        origin: bravo.node.http!.url,
        browserContextId: targetInfo.browserContextId,
      })
    }
    const bob = await chromiumSoftphone(used.chromium, bravo, 'bob', errors, notYetAsked, 'bob', [NOTE_NOTIFICATIONS])
    expect(await bob.title()).toBe('IME softphone')

    // Not asked before the user says so: the offer shows; "Turn on alerts" asks (the test's browser grants it).
    await bob.getByRole('button', { name: 'Turn on alerts' }).waitFor()
    expect(await bob.evaluate(() => Notification.permission)).toBe('default')
    await screenshot(bob, 'app-3-alerts-offer')
    await bob.context().grantPermissions(['microphone', 'notifications'], { origin: bravo.node.http!.url })
    await bob.getByRole('button', { name: 'Turn on alerts' }).click()
    await bob.getByRole('button', { name: 'Turn on alerts' }).waitFor({ state: 'hidden' })
    expect(await bob.evaluate(() => Notification.permission)).toBe('granted')

    // bob is away: another tab of his comes to the front, and his softphone's page loses the focus. (Playwright
    // makes every page believe it has the focus; that emulation is turned off for bob's page.)
    const bobCdp = await bob.context().newCDPSession(bob)
    await bobCdp.send('Emulation.setFocusEmulationEnabled', { enabled: false })
    const other = await bob.context().newPage()
    await other.bringToFront()
    await expect.poll(() => bob.evaluate(() => document.hidden || !document.hasFocus())).toBe(true)

    await alice.getByLabel('Number', { exact: true }).fill('+1 202 555 0102')
    await alice.getByRole('button', { name: 'Call', exact: true }).click()
    // The title and the notification name the caller as the call panel does.
    await bob.locator('#call-panel').waitFor({ timeout: 15_000 })
    const caller = (await bob.locator('#call-party').textContent())!.replace(/^From /, '')
    await expect.poll(() => bob.title(), { timeout: 15_000 }).toBe(`Ringing: ${caller} · IME softphone`)
    await expect
      .poll(() => notes(bob))
      .toEqual([{ title: 'Incoming call', body: `${caller} is calling (PSTN)`, away: true }])
    // alice gives up before bob answers: a missed call, notified and counted.
    await sleep(500)
    await hangUp(alice)
    await expect.poll(() => bob.title(), { timeout: 10_000 }).toBe('(1) IME softphone')
    await expect
      .poll(() => notes(bob))
      .toEqual([
        { title: 'Incoming call', body: `${caller} is calling (PSTN)`, away: true },
        { title: 'Missed call', body: `${caller} called`, away: true },
      ])
    // Back to bob's softphone: the count goes once he is there.
    await other.close()
    await bob.bringToFront()
    await bob.mouse.click(5, 300)
    await expect.poll(() => bob.title()).toBe('IME softphone')
    for (const page of [alice, bob]) await page.context().close()
    expect(errors).toEqual([])
  }, 120_000)

  it('installs: manifest and icons, a service worker that keeps the page but never an API answer', async () => {
    const alpha = used.world.enterprises[0]!
    const origin = alpha.node.http!.url
    const manifest = await fetch(`${origin}/manifest.webmanifest`)
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json')
    const m = (await manifest.json()) as { name: string; display: string; start_url: string; icons: { src: string }[] }
    expect(m).toMatchObject({ name: 'IME softphone', display: 'standalone', start_url: '/' })
    for (const icon of m.icons) expect((await fetch(origin + icon.src)).status).toBe(200)

    const alice = await chromiumSoftphone(used.chromium, alpha, 'alice', errors)
    await expect
      .poll(() => alice.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state))
      .toBe('activated')
    // Under the worker's control (a reload), the page and API answers flow; only the page and assets are kept.
    await alice.reload()
    await expect.poll(() => alice.getByRole('status').first().textContent(), { timeout: 15_000 }).toBe('Registered')
    expect(await alice.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
    await alice.evaluate(() => fetch('/api/calls', { credentials: 'same-origin' }).then((r) => r.status))
    await alice.evaluate(() => fetch('/api/contacts', { credentials: 'same-origin' }).then((r) => r.status))
    const kept = await alice.evaluate(async () => {
      const out: string[] = []
      for (const name of await caches.keys()) {
        for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname)
      }
      return out.sort()
    })
    expect(kept).toContain('/')
    expect(kept.some((p) => p.startsWith('/assets/'))).toBe(true)
    expect(kept.filter((p) => p !== '/' && !p.startsWith('/assets/'))).toEqual([])

    // Chromium's own installability check finds nothing missing.
    const cdp: CDPSession = await alice.context().newCDPSession(alice)
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[]
    }
    // Only that the test's browser context is off the record (Playwright's contexts are): a profile could install.
    expect(installabilityErrors.map((e) => e.errorId)).toEqual(['in-incognito'])
    const { url: manifestUrl, errors: manifestErrors } = (await cdp.send('Page.getAppManifest')) as {
      url: string
      errors: unknown[]
    }
    expect(manifestUrl).toBe(`${origin}/manifest.webmanifest`)
    expect(manifestErrors).toEqual([])
    await alice.context().close()
    expect(errors).toEqual([])
  }, 120_000)
})
