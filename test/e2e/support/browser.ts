/** The browser side of the e2e harness: Chromium through playwright-core, screenshots under test/e2e/artifacts/. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')
export const haveChromium = (): boolean => existsSync(CHROMIUM)

/** `inNamespace`: run Chromium inside that network namespace; `args`: more command-line flags. */
export async function launchChromium(
  options: { inNamespace?: string; args?: readonly string[] } = {},
): Promise<Browser> {
  return withAudioRuntime('chromium', (env) =>
    chromium.launch({
      executablePath: options.inNamespace === undefined ? CHROMIUM : netnsWrapper(options.inNamespace, CHROMIUM),
      env,
      headless: true,
      args: [
        ...(options.args ?? []),
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
      ],
    }),
  )
}

/**
 * Launches a browser with a PulseAudio runtime folder of its own, removed when the browser goes (or fails to start):
 * a browser's PulseAudio client makes one under $XDG_RUNTIME_DIR, else a /tmp/pulse-* one that nobody removes.
 */
export async function withAudioRuntime<B extends { on(event: 'disconnected', listener: () => void): unknown }>(
  name: string,
  launch: (env: Record<string, string | undefined>) => Promise<B>,
): Promise<B> {
  const runtime = mkdtempSync(join(tmpdir(), `ime-${name}-run-`))
  const remove = () => rmSync(runtime, { recursive: true, force: true })
  const browser = await launch({ ...process.env, XDG_RUNTIME_DIR: runtime }).catch((e: unknown) => {
    remove()
    throw e
  })
  browser.on('disconnected', remove)
  return browser
}

/**
 * A program that runs `program` inside network namespace `ns` (ip netns exec), for launchers that take one
 * executable path; Playwright talks to the browser over a pipe, which crosses namespaces.
 */
export function netnsWrapper(ns: string, program: string): string {
  const dir = join(tmpdir(), 'ime-netns-wrappers')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${ns}-${basename(program)}`)
  writeFileSync(path, `#!/bin/sh\nexec ip netns exec '${ns}' '${program}' "$@"\n`, { mode: 0o755 })
  return path
}

export interface TestPage {
  page: Page
  context: BrowserContext
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[]
}

/** A fresh browser context (its own cookies: one person) with microphone permission on the test origin. */
export async function openPage(browser: Browser, origin: string, path = '/'): Promise<TestPage> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, colorScheme: 'light' })
  await context.grantPermissions(['microphone'], { origin })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`))
  await page.goto(origin + path)
  return { page, context, errors }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
