/**
 * Linphone (Debian's linphone-cli: linphonec on liblinphone and belle-sip) against our call agent's internal face
 * over TCP, with the default digest offer (one MD5 challenge): it registers, answers a call, and places one
 * (answering the proxy's 407). Its account is written in its configuration file, with the agent as both
 * registrar and route (otherwise it sends calls by DNS of the domain); it is driven through its console.
 * No sound card here: the media part of its calls is not checked, only the SIP.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { phoneOn, startAgent, type StartedAgent } from '../../src/testing/interop/call-agent.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { findTool } from '../../src/testing/interop/tools.js'
import type { SipPhone } from '../../src/testing/scripted-phone.js'

const DOMAIN = 'bravo.example'
const ALICE = { name: 'alice', password: 'alice-linphone-secret', number: '+14085550160' }
const BOB = { name: 'bob', password: 'bob-secret', number: '+14085550161' }

describe('Linphone against our call agent (default digest offer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ime-linphone-'))
  let agent: StartedAgent
  let linphone: ChildProcess
  let bob: SipPhone
  let output = ''

  const said = async (pattern: RegExp, ms = 10_000): Promise<void> => {
    const until = Date.now() + ms
    while (!pattern.test(output)) {
      if (Date.now() > until) throw new Error(`linphonec did not say ${pattern} within ${ms} ms; it said:\n${output}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const type = (line: string) => linphone.stdin!.write(`${line}\n`)

  beforeAll(async () => {
    agent = await startAgent(DOMAIN, [ALICE, BOB])
    const proxy = `sip:${LOCALHOST}:${agent.internalTcp};transport=tcp`
    writeFileSync(
      join(dir, 'linphonerc'),
      [
        '[sip]',
        'sip_port=-1',
        `sip_tcp_port=${await freePorts(1)}`,
        'default_proxy=0',
        '[proxy_0]',
        `reg_proxy=<${proxy}>`,
        `reg_route=<${proxy};lr>`,
        `reg_identity=sip:${ALICE.name}@${DOMAIN}`,
        'reg_expires=600',
        'reg_sendregister=1',
        '[auth_info_0]',
        `username=${ALICE.name}`,
        `passwd=${ALICE.password}`,
        `realm=${DOMAIN}`,
        `domain=${DOMAIN}`,
        '[video]',
        'automatically_initiate=0',
        '',
      ].join('\n'),
    )
    // liblinphone keeps its state under $HOME: a home of its own, with the directories it expects. Its PulseAudio
    // client makes a runtime folder under $XDG_RUNTIME_DIR, else a /tmp/pulse-* one that nobody removes.
    for (const sub of ['.local/share/linphone', '.config/linphone']) mkdirSync(join(dir, sub), { recursive: true })
    mkdirSync(join(dir, 'run'), { mode: 0o700 })
    // -a: answers incoming calls by itself.
    linphone = spawn(findTool('linphonec'), ['-a', '-c', join(dir, 'linphonerc')], {
      cwd: dir,
      env: { ...process.env, HOME: dir, XDG_RUNTIME_DIR: join(dir, 'run') },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    linphone.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-50_000)))
    linphone.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-50_000)))
    bob = await phoneOn(agent, BOB)
    expect((await bob.register()).status).toBe(200)
  }, 30_000)

  afterAll(async () => {
    // linphonec writes its history and configuration as it exits: wait for that (at most 5 s) before removing
    // its home, or the removal races the writes (ENOTEMPTY).
    const exited =
      linphone === undefined || linphone.exitCode !== null || linphone.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 5_000)
            linphone.once('exit', () => (clearTimeout(timer), resolve()))
          })
    linphone?.stdin?.end('quit\n')
    linphone?.kill('SIGTERM')
    await exited
    await bob?.close()
    await agent?.agent.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('registers with MD5 digest', async () => {
    const until = Date.now() + 10_000
    while (!/registered, identity=sip:alice@bravo\.example/.test(output) && Date.now() < until) {
      type('status register')
      await new Promise((r) => setTimeout(r, 300))
    }
    expect(output).toMatch(/registered, identity=sip:alice@bravo\.example/)
  })

  it('answers a call placed to it through the agent', async () => {
    const res = await bob.call(`sip:${ALICE.name}@${DOMAIN}`).catch((e: Error) => {
      throw new Error(`${e.message}; linphonec said:\n${output}`)
    })
    expect(res.final.status).toBe(200)
    expect((await bob.bye(res.dialog!)).status).toBe(200)
  })

  it('places a call through the agent, answering its 407 with MD5', async () => {
    type(`call sip:${BOB.name}@${DOMAIN}`)
    await said(/Call \d+ with sip:bob@bravo\.example connected/)
    type('terminate')
    await said(/Call \d+ with sip:bob@bravo\.example ended/)
  })
})
