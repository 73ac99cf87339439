/**
 * `ime demo --carrier` as a person runs it (bin/ime.js, a real process): Kamailio as the carrier, rtpengine as the
 * media bridge, baresip legacy phones. Its ready line lists the phones; a stock SIP.js softphone in Chromium on
 * each enterprise calls a legacy phone (one through a registering trunk, one through an IP-authenticated one) and
 * hears that phone's tone, checked by its frequency; a softphone on one enterprise calls a user of the other across
 * the carrier (both trunks, both bridged), tones both ways; SIGINT stops every process the demo started and frees
 * the carrier's port.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, haveChromium, launchChromium } from '../e2e/support/browser.js'
import { readToneFrequency, until } from '../e2e/support/media.js'
import { openSipJs, type SipJsClient } from '../e2e/support/sipjs.js'
import { tcpAnswers } from '../../src/core/daemon.js'
import { killAllIme, startIme, type ImeProcess } from '../support/ime-process.js'

interface Ready {
  pstn: { kind: string; sipTcp: string; phones?: { number: string; kind: string; toneHz: number }[] }
  enterprises: {
    domain: string
    sipWs: string
    phones: { user: string; number: string; password: string }[]
  }[]
}

const BROWSER_HZ = 440
const CALLEE_HZ = 1_150

/** Every process below `pid` (children, their children...), from /proc. */
function descendants(pid: number): { pid: number; command: string }[] {
  const parentOf = new Map<number, number[]>()
  const commands = new Map<number, string>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parentOf.set(ppid, [...(parentOf.get(ppid) ?? []), Number(entry)])
      commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '')
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; command: string }[] = []
  const walk = (p: number) => {
    for (const c of parentOf.get(p) ?? []) {
      out.push({ pid: c, command: commands.get(c) ?? '' })
      walk(c)
    }
  }
  walk(pid)
  return out
}

/** Whether `pid` still runs (a zombie waiting for PID 1 to reap it does not). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

let demo: ImeProcess<Ready>
let browser: Browser
const data = mkdtempSync(join(tmpdir(), 'ime-demo-carrier-data-'))
const clients: SipJsClient[] = []
const pageErrors: string[] = []

beforeAll(async () => {
  if (!haveChromium()) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`)
  demo = await startIme<Ready>(['demo', '--carrier', '--data', data, '--base-port', '0', '--no-web'])
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  for (const c of clients) await c.close()
  await browser?.close()
  killAllIme()
  rmSync(data, { recursive: true, force: true })
})

/** A softphone for enterprise `e`'s first user: calls `number` and returns the frequency it hears. */
async function callAndListen(e: Ready['enterprises'][number], number: string, hz: number): Promise<number> {
  const user = e.phones[0]!
  const client = await openSipJs(
    browser,
    { wsUrl: e.sipWs, user: user.user, password: user.password, domain: e.domain },
    BROWSER_HZ,
    pageErrors,
  )
  clients.push(client)
  await client.call(`sip:${number}@${e.domain}`)
  const state = await until(
    async () => (await client.state()).session,
    (s) => s === 'Established' || s === 'Terminated',
    20_000,
  )
  expect(state, `${demo.stderr().slice(-3000)}\n${pageErrors.join('\n')}`).toBe('Established')
  const heard = await until(
    () => client.page.evaluate(readToneFrequency),
    (f) => Math.abs(f - hz) <= 15,
    15_000,
  )
  await client.hangUp()
  return heard
}

describe('ime demo --carrier', () => {
  it('lists its legacy phones on the ready line', () => {
    expect(demo.ready.pstn.kind).toBe('carrier')
    expect(demo.ready.pstn.sipTcp).toMatch(/^sip:127\.0\.0\.1:\d+;transport=tcp$/)
    expect(demo.ready.pstn.phones?.length).toBeGreaterThanOrEqual(2)
    for (const p of demo.ready.pstn.phones!) {
      expect(p.number).toMatch(/^\+\d+$/)
      expect(p.kind).toBe('baresip')
    }
    expect(demo.stderr()).toContain('PSTN: a carrier world')
    const started = descendants(demo.child.pid!).map((d) => d.command)
    for (const program of ['kamailio', 'rtpengine', 'baresip']) {
      expect(
        started.some((c) => c.endsWith(program)),
        `${program} among ${started.join(', ')}`,
      ).toBe(true)
    }
  })

  it('a softphone behind the registering trunk (UDP) hears the legacy phone it calls, by its tone', async () => {
    const phone = demo.ready.pstn.phones![0]!
    const heard = await callAndListen(demo.ready.enterprises[0]!, phone.number, phone.toneHz)
    expect(Math.abs(heard - phone.toneHz), `heard ${heard} Hz`).toBeLessThanOrEqual(15)
  }, 60_000)

  it('a softphone behind the IP-authenticated trunk hears the other phone, by its own tone', async () => {
    const phone = demo.ready.pstn.phones![1]!
    const heard = await callAndListen(demo.ready.enterprises[1]!, phone.number, phone.toneHz)
    expect(Math.abs(heard - phone.toneHz), `heard ${heard} Hz`).toBeLessThanOrEqual(15)
  }, 60_000)

  it('an alpha user calls a bravo number: out through the registering trunk, in through the IP-authenticated one, tones both ways', async () => {
    const [alpha, bravo] = demo.ready.enterprises as [Ready['enterprises'][number], Ready['enterprises'][number]]
    const bob = bravo.phones[0]!
    const callee = await openSipJs(
      browser,
      { wsUrl: bravo.sipWs, user: bob.user, password: bob.password, domain: bravo.domain },
      CALLEE_HZ,
      pageErrors,
    )
    clients.push(callee)
    const anna = alpha.phones[1]!
    const caller = await openSipJs(
      browser,
      { wsUrl: alpha.sipWs, user: anna.user, password: anna.password, domain: alpha.domain },
      BROWSER_HZ,
      pageErrors,
    )
    clients.push(caller)
    await caller.call(`sip:${bob.number}@${alpha.domain}`)
    await until(
      async () => (await callee.state()).invites.length,
      (n) => n > 0,
      15_000,
    )
    // A PSTN call at bravo: it came from the carrier to the trunk face, not from alpha's edge.
    expect((await callee.state()).invites.at(-1)).toBe('pstn')
    await callee.answer()
    const heardAtCaller = await until(
      () => caller.page.evaluate(readToneFrequency),
      (f) => Math.abs(f - CALLEE_HZ) <= 15,
      15_000,
    )
    expect(Math.abs(heardAtCaller - CALLEE_HZ)).toBeLessThanOrEqual(15)
    const heardAtCallee = await until(
      () => callee.page.evaluate(readToneFrequency),
      (f) => Math.abs(f - BROWSER_HZ) <= 15,
      15_000,
    )
    expect(Math.abs(heardAtCallee - BROWSER_HZ)).toBeLessThanOrEqual(15)
    await caller.hangUp()
  }, 60_000)

  it('SIGINT stops every process it started and frees the carrier port', async () => {
    const started = descendants(demo.child.pid!)
    expect(started.length).toBeGreaterThan(0)
    const carrier = /^sip:([\d.]+):(\d+);/.exec(demo.ready.pstn.sipTcp)!
    demo.child.kill('SIGINT')
    expect(await demo.exited).toBe(0)
    const left = started.filter((p) => alive(p.pid))
    expect(left, JSON.stringify(left)).toEqual([])
    expect(await tcpAnswers(carrier[1]!, Number(carrier[2]))).toBe(false)
  }, 30_000)
})
