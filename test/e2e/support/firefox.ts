/**
 * Firefox for the e2e tests: Debian's Firefox ESR driven over WebDriver BiDi by puppeteer-core. Playwright's own
 * BiDi driver cannot be used with it (every new page fails: ESR lacks `emulation.setMediaFeaturesOverride`), and
 * Playwright's patched Firefox cannot be downloaded here. Fake media devices and no permission prompt, as with
 * Chromium's flags; ICE may use loopback and plain host addresses, since both browsers run on this machine.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { ARTIFACTS, withAudioRuntime } from './browser.js'

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'
export const haveFirefox = (): boolean => existsSync(FIREFOX)

export async function launchFirefox(): Promise<Browser> {
  return withAudioRuntime('firefox', (env) =>
    puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      env,
      headless: true,
      extraPrefsFirefox: {
        'media.navigator.streams.fake': true,
        'media.navigator.permission.disabled': true,
        'media.peerconnection.ice.loopback': true,
        'media.peerconnection.ice.obfuscate_host_addresses': false,
        'media.autoplay.default': 0,
        'media.autoplay.block-webaudio': false,
      },
    }),
  )
}

/** A page with its console errors and uncaught exceptions collected. */
export async function openFirefoxPage(browser: Browser, who: string, errors: string[]): Promise<Page> {
  const context = await browser.createBrowserContext()
  const page = await context.newPage()
  await page.setViewport({ width: 1000, height: 760 })
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${who}: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`${who}: ${e instanceof Error ? e.message : String(e)}`))
  return page
}

export async function firefoxScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`) as `${string}.png`
  await page.screenshot({ path, fullPage: true })
  return path
}
