/**
 * The beforeAll/afterAll of a browser test file in one call: the demo world (world.ts) and the browsers the file
 * drives, checked for first (a missing browser fails with the apt-get line that installs it), started once for the
 * file, and stopped after it (browsers first, then the world; then any cleanup the test added). Call it inside the
 * file's describe; read what it started inside the tests.
 */
import type { Browser as ChromiumBrowser } from 'playwright-core'
import type { Browser as FirefoxBrowser } from 'puppeteer-core'
import { afterAll, beforeAll } from 'vitest'
import type { World, WorldOptions } from '../../../src/demo/world.js'
import { CHROMIUM, haveChromium, launchChromium } from './browser.js'
import { FIREFOX, haveFirefox, launchFirefox } from './firefox.js'
import { startE2eWorld, type E2eWorld } from './world.js'

export type BrowserName = 'chromium' | 'firefox'

export interface UsedWorld {
  /** The demo world (after beforeAll). */
  readonly world: World
  /** Chromium (when asked for). */
  readonly chromium: ChromiumBrowser
  /** Firefox ESR (when asked for). */
  readonly firefox: FirefoxBrowser
  /** Runs `cleanup` in afterAll, before the browsers close (e.g. taking away a packet-loss rule). */
  onStop(cleanup: () => unknown): void
}

export function useE2eWorld(
  name: string,
  browsers: readonly BrowserName[] = ['chromium'],
  extra: Partial<WorldOptions> = {},
): UsedWorld {
  let e2e: E2eWorld | undefined
  let chromium: ChromiumBrowser | undefined
  let firefox: FirefoxBrowser | undefined
  const cleanups: (() => unknown)[] = []
  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`${what} is not started: use it inside a test, and ask useE2eWorld for it`)
    return value
  }

  beforeAll(async () => {
    if (browsers.includes('firefox') && !haveFirefox()) {
      throw new Error(`Firefox not found at ${FIREFOX}: apt-get install -y firefox-esr`)
    }
    if (browsers.includes('chromium') && !haveChromium()) {
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
    }
    e2e = await startE2eWorld(name, extra)
    if (browsers.includes('firefox')) firefox = await launchFirefox()
    if (browsers.includes('chromium')) chromium = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
    await firefox?.close()
    await chromium?.close()
    await e2e?.stop()
  })

  return {
    get world() {
      return started('the world', e2e).world
    },
    get chromium() {
      return started('Chromium', chromium)
    },
    get firefox() {
      return started('Firefox', firefox)
    },
    onStop: (cleanup) => void cleanups.push(cleanup),
  }
}
