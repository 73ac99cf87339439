/**
 * A stock SIP.js client in Chromium for the e2e tests: ./sipjs/page.ts bundled by esbuild (as an interop lab would
 * bundle its own page), served by a small HTTP server of its own on 127.0.0.1 (a page Playwright made up would be
 * a public origin to Chromium, whose local network access checks then block its WebSocket to the node), with a
 * tone for a microphone. The handle calls into the page's `window.sipjs`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { CAPTURE_PEER_CONNECTIONS, toneMicrophone } from './media.js'
import type { SipJsAccount, SipJsState } from './sipjs/page.js'

let bundle: Promise<string> | undefined

/** The page's script, bundled once per test run. */
export function sipJsBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(import.meta.dirname, 'sipjs', 'page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text)
  return bundle
}

interface PageApi {
  start(a: SipJsAccount): Promise<SipJsState>
  call(target: string): Promise<void>
  answer(): Promise<void>
  reject(status: number): Promise<void>
  hangUp(): Promise<void>
  state: SipJsState
}
type Win = { sipjs: PageApi }

export interface SipJsClient {
  readonly page: Page
  state(): Promise<SipJsState>
  call(target: string): Promise<void>
  answer(): Promise<void>
  reject(status: number): Promise<void>
  hangUp(): Promise<void>
  close(): Promise<void>
}

/** Serves the page at http://127.0.0.1:<port>/ until closed. */
async function servePage(script: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const html = `<!doctype html><html><head><title>SIP.js</title></head><body><script>${script}</script></body></html>`
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/**
 * Opens the SIP.js page (an origin of its own: no session cookie, so the node challenges with digest), sending a
 * tone of `toneHz` as its microphone, and registers it. Console errors go to `errors`.
 */
export async function openSipJs(
  browser: Browser,
  account: SipJsAccount,
  toneHz: number,
  errors: string[],
): Promise<SipJsClient> {
  const server = await servePage(await sipJsBundle())
  const context: BrowserContext = await browser.newContext()
  await context.grantPermissions(['microphone'], { origin: server.origin })
  await context.addInitScript(CAPTURE_PEER_CONNECTIONS)
  await context.addInitScript(toneMicrophone(toneHz))
  const page = await context.newPage()
  page.on('console', (m) => m.type() === 'error' && errors.push(`sipjs: ${m.text()}`))
  page.on('pageerror', (e) => errors.push(`sipjs: ${e.message}`))
  await page.goto(server.origin)
  const registered = await page.evaluate((a) => (window as unknown as Win).sipjs.start(a), account)
  if (!registered.registered) {
    throw new Error(`SIP.js did not register: ${registered.registerError ?? 'no answer'}; ${registered.log.join('; ')}`)
  }
  return {
    page,
    state: () => page.evaluate(() => (window as unknown as Win).sipjs.state),
    call: (target) => page.evaluate((t) => (window as unknown as Win).sipjs.call(t), target),
    answer: () => page.evaluate(() => (window as unknown as Win).sipjs.answer()),
    reject: (status) => page.evaluate((s) => (window as unknown as Win).sipjs.reject(s), status),
    hangUp: () => page.evaluate(() => (window as unknown as Win).sipjs.hangUp()),
    close: async () => {
      await context.close()
      await server.close()
    },
  }
}
