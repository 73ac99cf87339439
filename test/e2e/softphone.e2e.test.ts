/**
 * The softphone's UI harness: the built app in Chromium, two people in two browser contexts, against a fixture
 * node (test/e2e/support/fixture-node.ts: fixture HTTP API and a fixture SIP relay). It checks what the UI
 * shows and sends: sign-in, registration, dialling, the IME path with its ticket, the PSTN fallback after a
 * refused ticket, history and the operator page. It is NOT the end-to-end call test through the project's
 * node and call agent; that one needs the call agent. Screenshots go to test/e2e/artifacts/.
 * Skipped when Chromium is missing (set CHROMIUM_PATH to use another).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, haveChromium, launchChromium, openPage, screenshot, type TestPage } from './support/browser.js'
import { startFixtureNode, type FixtureNode } from './support/fixture-node.js'

const ALICE = { name: 'alice', password: 'alice-pw', number: '+14085550100' }
const BOB = { name: 'bob', password: 'bob-pw', number: '+14155550123' }
const CAROL = { name: 'carol', password: 'carol-pw', number: '+14155550199' }
const OPERATOR = 'operator-token'
const HOUR = 3600_000
const hex = (c: string) => c.repeat(32)

async function signIn(p: TestPage, user: { name: string; password: string }) {
  await p.page.getByLabel('User').fill(user.name)
  await p.page.getByLabel('Password').fill(user.password)
  await p.page.getByRole('button', { name: 'Sign in' }).click()
  await expect.poll(() => p.page.getByRole('status').first().textContent(), { timeout: 10_000 }).toBe('Registered')
}

const callPath = (page: Page) => page.locator('#call-path').textContent()

// Chromium is installed by .ci/run; without it this fails, naming the command, rather than skipping.
if (!haveChromium()) {
  throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
}

describe('softphone UI harness (fixture node, not the end-to-end call test)', () => {
  let dist: string
  let node: FixtureNode
  let browser: Browser
  let alice: TestPage
  let bob: TestPage

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'ime-web-'))
    await build({
      configFile: join(import.meta.dirname, '../../vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: dist },
    })
    const now = Date.now()
    node = await startFixtureNode({
      distDir: dist,
      domain: 'a.example',
      users: [ALICE, BOB, CAROL],
      operatorToken: OPERATOR,
      status: {
        nodeId: hex('3'),
        domain: 'a.example',
        peerId: '12D3KooWFixture',
        numbers: [ALICE.number, BOB.number],
        ring: {
          predecessor: { id: hex('1'), domain: 'z.example' },
          successors: [{ id: hex('5'), domain: 'b.example' }, hex('9')],
          fingers: [hex('5'), hex('c'), 'e0' + '0'.repeat(30)],
        },
        counters: { publishedNumbers: 2, learnedRoutes: 1, validationsOk: 3, validationsFailed: 1 },
      },
      calls: [
        {
          id: 'old1',
          user: 'alice',
          direction: 'in',
          from: '+442079460018',
          to: ALICE.number,
          start: now - 26 * HOUR,
          end: now - 26 * HOUR + 95_000,
          answeredAt: now - 26 * HOUR + 5_000,
          path: 'pstn',
          fallback: false,
          outcome: 'answered',
        },
      ],
    })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await node?.close()
    if (dist) rmSync(dist, { recursive: true, force: true })
  })

  it('keeps the softphone within its size budget (250 KB of JavaScript, gzipped)', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8')
    const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? '')
    expect(scripts.length).toBeGreaterThan(0)
    const gz = scripts.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file))).length, 0)
    expect(gz).toBeLessThanOrEqual(250 * 1024)
  })

  it('signs two people in; both register', async () => {
    alice = await openPage(browser, node.url)
    await expect.poll(() => alice.page.getByRole('status').textContent()).toMatch(/^Offline: /)
    await screenshot(alice.page, '01-sign-in')
    await alice.page.getByLabel('User').fill('alice')
    await alice.page.getByLabel('Password').fill('wrong')
    await alice.page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => alice.page.getByRole('alert').textContent()).toBe('Wrong user name or password.')
    // The browser itself logs the refused sign-in (401) as a console error; that one is expected.
    expect(alice.errors).toEqual([expect.stringMatching(/status of 401/)])
    alice.errors.length = 0
    await signIn(alice, ALICE)
    bob = await openPage(browser, node.url)
    await signIn(bob, BOB)
    expect(node.relay.isRegistered('alice') && node.relay.isRegistered('bob')).toBe(true)
  })

  it('takes numbers as people type them, from the keyboard or the dial pad', async () => {
    const number = alice.page.getByLabel('Number')
    await number.fill('(415) 555-01')
    await alice.page.getByRole('button', { name: '2', exact: true }).click()
    await alice.page.getByRole('button', { name: '3', exact: true }).click()
    expect(await number.inputValue()).toBe('(415) 555-0123')
    await expect.poll(() => alice.page.locator('#number-hint').textContent()).toBe('Calls +1 415 555 0123')
    await screenshot(alice.page, '02-dial-pad')
  })

  it('calls over IME with the ticket when a route is learned; mute, hold, DTMF, hang up', async () => {
    node.setRoutes(BOB.number, [
      {
        number: BOB.number,
        sipUri: `sip:${BOB.number}@b.example;transport=ws`,
        domain: 'b.example',
        ticket: 'good-ticket',
        validatedAt: Date.now() - 60_000,
        expiresAt: Date.now() + HOUR,
        wsUrl: `${node.wsBase}/ime`,
      },
    ])
    await alice.page.getByRole('button', { name: 'Call', exact: true }).click()
    const answer = bob.page.getByRole('button', { name: 'Answer' })
    await answer.waitFor({ timeout: 10_000 })
    expect(await callPath(bob.page)).toBe('IME')
    await screenshot(bob.page, '03-incoming')
    await answer.click()
    await alice.page.getByRole('button', { name: 'Mute' }).waitFor({ timeout: 10_000 })
    expect(await callPath(alice.page)).toBe('IME')
    const invite = node.relay.log.find((l) => l.method === 'INVITE')
    expect(invite).toMatchObject({ via: 'ime', headers: { 'x-ime-ticket': 'good-ticket' } })

    const mute = alice.page.getByRole('button', { name: 'Mute' })
    await mute.click()
    expect(await mute.getAttribute('aria-pressed')).toBe('true')
    const hold = alice.page.getByRole('button', { name: 'Hold' })
    await hold.click()
    await expect.poll(() => hold.getAttribute('aria-pressed'), { timeout: 5000 }).toBe('true')
    await hold.click()
    await expect.poll(() => hold.getAttribute('aria-pressed'), { timeout: 5000 }).toBe('false')
    await alice.page.getByRole('button', { name: '5', exact: true }).click()
    await expect.poll(() => alice.page.locator('#call-note').textContent()).toBe('Sent 5')
    await expect.poll(() => alice.page.locator('#call-timer').textContent(), { timeout: 5000 }).toMatch(/^0:0[1-9]$/)
    await screenshot(alice.page, '04-in-call')

    await alice.page.getByRole('button', { name: 'Hang up' }).click()
    await expect
      .poll(() => alice.page.locator('#history li').first().textContent(), { timeout: 10_000 })
      .toContain('IME')
    expect(node.posted).toContainEqual(
      expect.objectContaining({ user: 'alice', number: BOB.number, path: 'ime', fallback: false, outcome: 'answered' }),
    )
  })

  it('falls back to the PSTN when the far end refuses the ticket (403)', async () => {
    node.setValidTicket('another-ticket')
    await alice.page.getByRole('status').getByText('Registered').waitFor()
    await alice.page.waitForFunction(() => !document.querySelector('#call-panel:not([hidden])'), null, {
      timeout: 10_000,
    })
    await alice.page.getByLabel('Number').fill('415 555 0123')
    await alice.page.getByLabel('Number').press('Enter')
    const answer = bob.page.getByRole('button', { name: 'Answer' })
    await answer.waitFor({ timeout: 10_000 })
    expect(await callPath(alice.page)).toBe('PSTN (fallback)')
    expect(await alice.page.locator('#call-note').textContent()).toContain('ticket refused (403 Bad signature)')
    await answer.click()
    await alice.page.getByRole('button', { name: 'Mute' }).waitFor({ timeout: 10_000 })
    await bob.page.keyboard.press('Escape') // hangs up from the keyboard
    await expect
      .poll(() => alice.page.locator('#history li button').first().getAttribute('aria-label'), { timeout: 10_000 })
      .toMatch(/^Call to \+1 415 555 0123, .*, via PSTN \(fallback\)\. Call back$/)
    await screenshot(alice.page, '05-history')
  })

  it('calls back from the history through the PSTN when there is no route', async () => {
    node.setRoutes(BOB.number, [])
    await alice.page.waitForFunction(() => !document.querySelector('#call-panel:not([hidden])'), null, {
      timeout: 10_000,
    })
    await alice.page.locator('#history li button').first().click()
    await bob.page.getByRole('button', { name: 'Decline' }).click({ timeout: 10_000 })
    await expect.poll(() => callPath(alice.page)).toBe('PSTN')
    await expect
      .poll(() => alice.page.locator('#call-state').textContent(), { timeout: 10_000 })
      .toBe('Call ended (declined)')
  })

  it('falls back to the PSTN when the far node does not open its WebSocket within the timeout', async () => {
    node.setRoutes(BOB.number, [
      {
        number: BOB.number,
        sipUri: `sip:${BOB.number}@b.example;transport=ws`,
        domain: 'b.example',
        ticket: 'good-ticket',
        validatedAt: Date.now() - 60_000,
        expiresAt: Date.now() + HOUR,
        wsUrl: node.blackholeWsUrl,
      },
    ])
    await alice.page.waitForFunction(() => !document.querySelector('#call-panel:not([hidden])'), null, {
      timeout: 10_000,
    })
    await alice.page.getByLabel('Number').fill('+1 415-555-0123')
    const started = Date.now()
    await alice.page.getByRole('button', { name: 'Call', exact: true }).click()
    await expect.poll(() => alice.page.locator('#call-state').textContent()).toBe('Finding a route…')
    const answer = bob.page.getByRole('button', { name: 'Answer' })
    await answer.waitFor({ timeout: 10_000 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900)
    expect(await callPath(alice.page)).toBe('PSTN (fallback)')
    expect(await alice.page.locator('#call-note').textContent()).toBe(
      "IME route unavailable: the callee's node did not answer within 2 s",
    )
    await answer.click()
    await alice.page.getByRole('button', { name: 'Mute' }).waitFor({ timeout: 10_000 })
    await alice.page.getByRole('button', { name: 'Hang up' }).click()
  })

  it('falls back when the far node drops the connection after the INVITE, and the PSTN call survives', async () => {
    node.setRoutes(BOB.number, [
      {
        number: BOB.number,
        sipUri: `sip:${BOB.number}@b.example;transport=ws`,
        domain: 'b.example',
        ticket: 'good-ticket',
        validatedAt: Date.now() - 60_000,
        expiresAt: Date.now() + HOUR,
        wsUrl: `${node.wsBase}/drop`,
      },
    ])
    await alice.page.waitForFunction(() => !document.querySelector('#call-panel:not([hidden])'), null, {
      timeout: 10_000,
    })
    await alice.page.getByLabel('Number').fill('+1 (415) 555-0123')
    await alice.page.getByRole('button', { name: 'Call', exact: true }).click()
    const answer = bob.page.getByRole('button', { name: 'Answer' })
    await answer.waitFor({ timeout: 10_000 })
    expect(await callPath(alice.page)).toBe('PSTN (fallback)')
    expect(await alice.page.locator('#call-note').textContent()).toMatch(/^IME route unavailable: /)
    await answer.click()
    await alice.page.getByRole('button', { name: 'Mute' }).waitFor({ timeout: 10_000 })
    await new Promise((resolve) => setTimeout(resolve, 2000)) // the IME UA is stopped a second after the fallback
    expect(await alice.page.locator('#call-state').textContent()).toBe('Connected')
    await alice.page.getByRole('button', { name: 'Hang up' }).click()
  })

  it('blind-transfers a call: the far end is sent on to another number', async () => {
    node.setRoutes(BOB.number, [])
    const carol = await openPage(browser, node.url)
    await signIn(carol, CAROL)
    await alice.page.waitForFunction(() => !document.querySelector('#call-panel:not([hidden])'), null, {
      timeout: 10_000,
    })
    await bob.page.waitForFunction(() => !document.querySelector('#call-panel:not([hidden])'), null, {
      timeout: 10_000,
    })
    await alice.page.getByLabel('Number').fill('4155550123')
    await alice.page.getByLabel('Number').press('Enter')
    await bob.page.getByRole('button', { name: 'Answer' }).click({ timeout: 10_000 })
    await alice.page.getByRole('button', { name: 'Transfer' }).click({ timeout: 10_000 })
    expect(await alice.page.getByRole('button', { name: 'Transfer', exact: true }).getAttribute('aria-expanded')).toBe(
      'true',
    )
    await alice.page.getByLabel('Transfer to').fill('(415) 555-0199')
    await alice.page.getByRole('button', { name: 'Transfer now' }).click()
    // Bob is asked first, and sees who asks; he stays, and Alice is told.
    await expect
      .poll(() => bob.page.locator('#transfer-request-text').textContent(), { timeout: 10_000 })
      .toMatch(/asks you to call \+1 415 555 0199/)
    await screenshot(bob.page, '08-transfer-asked')
    await bob.page.getByRole('button', { name: 'Stay in this call' }).click()
    await expect
      .poll(() => alice.page.locator('#call-note').textContent(), { timeout: 10_000 })
      .toMatch(/did not take the transfer/)
    expect(await bob.page.locator('#call-state').textContent()).toMatch(/Connected|In call/)
    await screenshot(bob.page, '09-transfer-declined')
    // Asked again, he agrees: Bob's phone now calls Carol; Alice has left the call.
    await alice.page.getByRole('button', { name: 'Transfer', exact: true }).click()
    await alice.page.getByLabel('Transfer to').fill('(415) 555-0199')
    await alice.page.getByRole('button', { name: 'Transfer now' }).click()
    await bob.page.getByRole('button', { name: 'Call that number' }).click({ timeout: 10_000 })
    await carol.page.getByRole('button', { name: 'Answer' }).click({ timeout: 10_000 })
    await expect
      .poll(() => bob.page.locator('#call-party').textContent(), { timeout: 10_000 })
      .toBe('To +1 415 555 0199')
    await expect
      .poll(() => alice.page.locator('#call-state').textContent(), { timeout: 10_000 })
      .toMatch(/^Call ended|^$/)
    await bob.page.getByRole('button', { name: 'Hang up' }).click({ timeout: 10_000 })
    expect(carol.errors).toEqual([])
    await carol.context.close()
  })

  it('works from the keyboard alone: dial with Enter, answer with Enter, tones from digit keys, Escape hangs up', async () => {
    await alice.page.waitForFunction(() => !document.querySelector('#call-panel:not([hidden])'), null, {
      timeout: 10_000,
    })
    await bob.page.waitForFunction(() => !document.querySelector('#call-panel:not([hidden])'), null, {
      timeout: 10_000,
    })
    await alice.page.getByLabel('Number').focus()
    await alice.page.keyboard.press('Control+A')
    await alice.page.keyboard.type('415.555.0123')
    await alice.page.keyboard.press('Enter')
    // Focus moves to Answer on the ringing phone.
    await expect
      .poll(() => bob.page.evaluate(() => document.activeElement?.textContent), { timeout: 10_000 })
      .toBe('Answer')
    await bob.page.keyboard.press('Enter')
    await alice.page.getByRole('button', { name: 'Mute' }).waitFor({ timeout: 10_000 })
    expect(await alice.page.evaluate(() => document.activeElement?.textContent)).toBe('Hang up')
    await alice.page.keyboard.type('12#')
    await expect.poll(() => alice.page.locator('#call-note').textContent()).toBe('Sent 12#')
    await alice.page.keyboard.press('Escape')
    await expect.poll(() => alice.page.locator('#call-state').textContent()).toBe('Call ended')
    await expect.poll(() => alice.page.evaluate(() => document.activeElement?.id), { timeout: 5000 }).toBe('number')
  })

  it('fits a narrow screen, in the dark colour scheme too', async () => {
    await alice.page.setViewportSize({ width: 390, height: 844 })
    await alice.page.emulateMedia({ colorScheme: 'dark' })
    await screenshot(alice.page, '07-narrow-dark')
    const overflow = await alice.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await alice.page.setViewportSize({ width: 1000, height: 760 })
    await alice.page.emulateMedia({ colorScheme: 'light' })
  })

  it('reconnects and registers again after the SIP connection drops', async () => {
    node.dropSip()
    await expect
      .poll(() => alice.page.getByRole('status').textContent(), { timeout: 5000 })
      .toMatch(/^Offline: no connection to the SIP server/)
    await expect.poll(() => alice.page.getByRole('status').textContent(), { timeout: 20_000 }).toBe('Registered')
    await expect.poll(() => bob.page.getByRole('status').textContent(), { timeout: 20_000 }).toBe('Registered')
  })

  it('shows the operator page: ring, numbers, routes, live events', async () => {
    node.setRoutes(BOB.number, [
      {
        number: BOB.number,
        sipUri: `sip:${BOB.number}@b.example;transport=ws`,
        domain: 'b.example',
        ticket: 'good-ticket',
        validatedAt: Date.now() - 60_000,
        expiresAt: Date.now() + HOUR,
      },
    ])
    const op = await openPage(browser, node.url, `/operator.html#token=${OPERATOR}`)
    await op.page.locator('svg.ring').waitFor({ timeout: 10_000 })
    await expect.poll(() => op.page.getByRole('status').textContent(), { timeout: 10_000 }).toBe('Live')
    const claimer = hex('5')
    node.emit('validation', {
      outcome: { callId: 'p1', number: BOB.number, outcome: 'validated', claimer, domain: 'b.example' },
    })
    node.emit('validation', { outcome: { callId: 'p2', number: '+442079460018', outcome: 'no-claim' } })
    node.emit('route-learned', { number: BOB.number, domain: 'b.example', claimer })
    await expect.poll(() => op.page.locator('#events li').count()).toBeGreaterThanOrEqual(3)
    const events = await op.page.locator('#events').textContent()
    expect(events).toContain('validation: +1 415 555 0123 · validated · b.example')
    expect(events).toContain('validation: +44 20 7946 0018 · no-claim')
    expect(events).toContain('route-learned: +1 415 555 0123 · b.example')
    expect(await op.page.locator('svg.ring').getAttribute('aria-label')).toMatch(/^Chord ring with 6 known nodes/)
    expect(await op.page.locator('#routes tbody').textContent()).toContain('b.example')
    // The activity plots (plain SVG): calls by path, validations by outcome, conflicts, ticket refusals.
    await expect.poll(() => op.page.locator('#activity svg.activity-plot').count()).toBe(4)
    expect(await op.page.locator('#activity svg.activity-plot').first().getAttribute('aria-label')).toMatch(
      /^Calls by path: /,
    )
    await op.page.getByRole('button', { name: 'Last day' }).click()
    await expect.poll(() => op.page.getByRole('button', { name: 'Last day' }).getAttribute('aria-pressed')).toBe('true')
    await screenshot(op.page, '06-operator')
    expect(op.errors).toEqual([])
    await op.context.close()
  })

  it('opens signed in from a one-time sign-in link (session cookie, no form)', async () => {
    const link = new URL(node.loginUrl('carol'))
    const carol = await openPage(browser, node.url, link.pathname + link.search)
    await expect.poll(() => carol.page.getByRole('status').textContent(), { timeout: 10_000 }).toBe('Registered')
    expect(await carol.page.locator('#identity').textContent()).toBe('carol · +1 415 555 0199 · a.example')
    expect(await carol.page.locator('#sign-in').isHidden()).toBe(true)
    expect(carol.errors).toEqual([])
    await carol.context.close()
  })

  it('logged no console errors', () => {
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
  })
})
