/**
 * SIP scanning, with sipvicious (Debian's sipvicious: svmap, svwar, svcrack; UDP only, so the agent listens on UDP
 * too) and with our own scripted scanners: scans are noticed, logged once per source, and the source is then not
 * answered; digest authentication locks out after repeated failures; answers never tell which users exist.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import type { E164 } from '../../src/core/e164.js'
import { CallAgent, type CallAgentEvent } from '../../src/sip/agent/index.js'
import { StaticSipDirectory } from '../../src/testing/static-sip-directory.js'
import { SipPhone } from '../../src/testing/scripted-phone.js'
import { findTool } from '../../src/testing/interop/tools.js'

/** Runs a tool without blocking this process (the agent under test answers from this same event loop). */
const run = (program: 'svmap' | 'svwar' | 'svcrack', args: string[]) =>
  new Promise<{ stdout: string; stderr: string }>((resolve) =>
    execFile(
      findTool(program),
      args,
      { timeout: 60_000, cwd: dir, env: { ...process.env, HOME: dir } },
      (_e, stdout, stderr) => resolve({ stdout: String(stdout), stderr: String(stderr) }),
    ),
  )

let dir: string
let agent: CallAgent
const events: CallAgentEvent[] = []

async function startAgent(): Promise<CallAgent> {
  return CallAgent.start({
    domain: 'b.example',
    host: '127.0.0.1',
    edge: { tcpPort: 0, udpPort: 0 },
    internal: { tcpPort: 0, udpPort: 0 },
    directory: new StaticSipDirectory('b.example', [
      { name: 'bob', password: 'correct horse', number: '+14085550100' as E164 },
      { name: '101', password: 'letmein-not', number: '+14085550101' as E164 },
    ]),
    routeTo: () => undefined,
    checkCaller: () => ({ ok: false, error: { code: 'missing', reason: 'ticket missing' } }),
    vouchFor: () => ({ ok: false, error: 'this test places no calls over learned routes' }),
    clock: systemClock,
    onEvent: (e) => void events.push(e),
  })
}

describe('SIP scanners against the call agent', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ime-scan-'))
    agent = await startAgent()
  })
  afterAll(async () => {
    await agent.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('svmap finds nothing: the scan is noticed, logged once, and not answered', async () => {
    const out = await run('svmap', ['-p', String(agent.addresses.edge.udp), '127.0.0.1'])
    expect(out.stdout + out.stderr).not.toMatch(/b\.example|IME/)
    const scans = events.filter((e) => e.type === 'scan-detected')
    expect(scans).toHaveLength(1)
    expect(String(scans[0]!.why)).toMatch(/scanner user agent/)
    expect(agent.counters.scansBlocked).toBeGreaterThanOrEqual(1)
  })

  it('svwar and svcrack get no answers either, and the right password is never found', async () => {
    const before = agent.counters.scansBlocked
    const users = await run('svwar', ['-e', '100-120', `udp://127.0.0.1:${agent.addresses.internal.udp}`])
    expect(users.stdout).not.toMatch(/\|\s*101\s*\|/)
    writeFileSync(join(dir, 'words.txt'), ['123456', 'password', 'letmein-not', 'correct horse'].join('\n') + '\n')
    const crack = await run('svcrack', [
      '-u',
      '101',
      '-d',
      join(dir, 'words.txt'),
      `udp://127.0.0.1:${agent.addresses.internal.udp}`,
    ])
    expect(crack.stdout + crack.stderr).not.toMatch(/letmein-not\s*\|/)
    expect(users.stdout + users.stderr).toMatch(/found nothing/)
    expect(crack.stdout + crack.stderr).toMatch(/no server response|found nothing/)
    expect(agent.counters.scansBlocked).toBeGreaterThan(before)
  })
})

describe('enumeration and guessing without a scanner user agent', () => {
  let quiet: CallAgent
  beforeAll(async () => {
    quiet = await startAgent()
  })
  afterAll(async () => {
    await quiet.stop()
  })

  const connect = (user: string, password: string) =>
    SipPhone.connect({ transport: 'TCP', port: quiet.addresses.internal.tcp!, user, password, domain: 'b.example' })

  it('answers an unknown user exactly like a known one', async () => {
    const shape = (r: {
      status: number
      reason: string
      headers: { fields(): Iterable<{ name: string; value: string }> }
    }) => ({
      status: r.status,
      reason: r.reason,
      names: [...r.headers.fields()].map((f) => f.name).join(','),
      challenge: [...r.headers.fields()]
        .filter((f) => f.name === 'WWW-Authenticate')
        .map((f) => f.value.replace(/nonce="[^"]+"/, 'nonce=N')),
    })
    const known = await connect('bob', 'wrong')
    const unknown = await connect('nobody', 'wrong')
    try {
      expect(shape(await unknown.register())).toEqual(shape(await known.register()))
    } finally {
      await known.close()
      await unknown.close()
    }
  })

  it('locks a user out after 10 wrong passwords from one address, even for the right one', async () => {
    for (let i = 0; i < 10; i++) {
      const guess = await connect('101', `guess-${i}`)
      expect((await guess.register()).status).toBe(401)
      await guess.close()
    }
    const right = await connect('101', 'letmein-not')
    const res = await right.register()
    await right.close()
    expect(res.status).toBe(403)
    expect(res.reason).toBe('Too many failed attempts; try later')
  })

  it('a source probing many users in a minute is noticed and no longer answered', async () => {
    const seen: number[] = []
    for (let i = 0; i < 40; i++) {
      const probe = await connect(`ext${i}`, 'x')
      const answer = await Promise.race([
        probe.register().then((r) => r.status),
        new Promise<number>((r) => setTimeout(() => r(0), 300)),
      ])
      seen.push(answer)
      await probe.close()
    }
    expect(seen.slice(0, 20).every((s) => s === 401)).toBe(true)
    expect(seen.slice(-5)).toEqual([0, 0, 0, 0, 0]) // silence
  })
})

describe('a blocked source', () => {
  let office: CallAgent
  beforeAll(async () => {
    office = await startAgent()
  })
  afterAll(async () => {
    await office.stop()
  })

  it('keeps the calls it had: in-dialog requests with our flow token still pass, new requests get silence', async () => {
    const phone = (user: string, password: string) =>
      SipPhone.connect({ transport: 'TCP', port: office.addresses.internal.tcp!, user, password, domain: 'b.example' })
    const bob = await phone('bob', 'correct horse')
    const ext = await phone('101', 'letmein-not')
    try {
      expect((await bob.register()).status).toBe(200)
      expect((await ext.register()).status).toBe(200)
      expect((await bob.call('sip:101@b.example')).final.status).toBe(200)
      // Someone at the same address (here, everyone is 127.0.0.1) probes 40 users: the address is blocked.
      for (let i = 0; i < 40; i++) {
        const probe = await phone(`ext${i}`, 'x')
        await Promise.race([probe.register(), new Promise((r) => setTimeout(r, 100))])
        await probe.close()
      }
      const silence = await Promise.race([
        bob.call('sip:101@b.example').then((r) => r.final.status),
        new Promise<number>((r) => setTimeout(() => r(0), 500)),
      ])
      expect(silence).toBe(0)
      // The call made before the block still hangs up, both ends.
      const byeAtBob = bob.nextRequest('BYE')
      const dialog = [...ext.dialogs.values()].at(-1)!
      expect((await ext.bye(dialog)).status).toBe(200)
      await byeAtBob
    } finally {
      await bob.close()
      await ext.close()
    }
  })
})
