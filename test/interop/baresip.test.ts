/**
 * baresip (Debian's baresip-core, a SIP user agent of its own: re/baresip's digest, its own transaction layer)
 * against our call agent's internal face over TCP, with the default digest offer (one MD5 challenge): it
 * registers, answers a call, and places one (answering the proxy's 407). Driven through its ctrl_tcp module
 * (netstring JSON: commands in, events out); audio from its sine source, G.711.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { phoneOn, startAgent, type StartedAgent } from '../../src/testing/interop/call-agent.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { findTool } from '../../src/testing/interop/tools.js'
import type { SipPhone } from '../../src/testing/scripted-phone.js'

const DOMAIN = 'bravo.example'
const ALICE = { name: 'alice', password: 'alice-baresip-secret', number: '+14085550140' }
const BOB = { name: 'bob', password: 'bob-secret', number: '+14085550141' }

/** baresip's ctrl_tcp: netstrings ("LEN:JSON,") both ways. */
class BaresipControl {
  private buffer = ''
  readonly events: Record<string, unknown>[] = []
  private constructor(private readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.buffer += c.toString('utf8')
      for (;;) {
        const colon = this.buffer.indexOf(':')
        if (colon < 0) break
        const length = Number(this.buffer.slice(0, colon))
        if (this.buffer.length < colon + 1 + length + 1) break
        const body = this.buffer.slice(colon + 1, colon + 1 + length)
        this.buffer = this.buffer.slice(colon + 1 + length + 1)
        try {
          this.events.push(JSON.parse(body) as Record<string, unknown>)
        } catch {
          // not JSON: ignore
        }
      }
    })
  }

  /**
   * Connects to baresip's control port once it listens (baresip loads its modules first, which took over 10 s once
   * with the test suites on both cores); the error carries what baresip wrote, to say why it never listened.
   */
  static async open(port: number, output: () => string): Promise<BaresipControl> {
    const until = Date.now() + 25_000
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, LOCALHOST, () => resolve(s))
          s.once('error', reject)
        })
        return new BaresipControl(socket)
      } catch (e) {
        if (Date.now() > until) {
          throw new Error(`baresip's ctrl_tcp never listened on ${port}: ${output()}`, { cause: e })
        }
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }

  command(command: string, params = ''): void {
    const body = JSON.stringify({ command, params, token: String(Date.now()) })
    this.socket.write(`${Buffer.byteLength(body)}:${body},`)
  }

  async waitFor(type: string, ms = 10_000): Promise<Record<string, unknown>> {
    const until = Date.now() + ms
    for (;;) {
      const e = this.events.find((x) => x.type === type)
      if (e !== undefined) return e
      if (Date.now() > until) {
        throw new Error(
          `baresip: no ${type} within ${ms} ms; events: ${JSON.stringify(this.events.map((x) => x.type))}`,
        )
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  close(): void {
    this.socket.destroy()
  }
}

describe('baresip against our call agent (default digest offer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ime-baresip-'))
  let agent: StartedAgent
  let baresip: ChildProcess
  let control: BaresipControl
  let bob: SipPhone
  let output = ''

  beforeAll(async () => {
    agent = await startAgent(DOMAIN, [ALICE, BOB])
    const sipPort = await freePorts(2) // baresip binds SIP over TLS on sipPort + 1
    const ctrlPort = await freePorts(1)
    writeFileSync(
      join(dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen ${LOCALHOST}:${sipPort}`,
        // Loopback only; a player that needs no sound card (aubridge), the sine as the microphone.
        `net_interface ${LOCALHOST}`,
        'audio_player aubridge,nowhere',
        'audio_source ausine,440',
        'ausrc_srate 48000', // ausine works at 48 kHz, in stereo only
        'ausrc_channels 2',
        'audio_alert aubridge,nowhere',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module ausine.so',
        'module aubridge.so',
        'module_tmp account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen ${LOCALHOST}:${ctrlPort}`,
        '',
      ].join('\n'),
    )
    const outbound = `sip:${LOCALHOST}:${agent.internalTcp};transport=tcp`
    writeFileSync(
      join(dir, 'accounts'),
      `<sip:${ALICE.name}@${DOMAIN};transport=tcp>;auth_pass=${ALICE.password};outbound="${outbound}";` +
        `regint=300;answermode=auto;audio_codecs=PCMU\n`,
    )
    writeFileSync(join(dir, 'contacts'), '')
    baresip = spawn(findTool('baresip'), ['-f', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    baresip.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)))
    baresip.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)))
    control = await BaresipControl.open(ctrlPort, () => output.slice(-2000))
    bob = await phoneOn(agent, BOB)
    expect((await bob.register()).status).toBe(200)
  }, 45_000)

  afterAll(async () => {
    control?.close()
    baresip?.kill('SIGTERM')
    await bob?.close()
    await agent?.agent.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('registers with MD5 digest', async () => {
    // (Its REGISTER_OK event may come before the control connection: its log line says it too.)
    const until = Date.now() + 10_000
    while (!/alice@bravo\.example: \{0\/TCP\/v4\} 200 OK/.test(output) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(output).toMatch(/alice@bravo\.example: \{0\/TCP\/v4\} 200 OK \(\) \[1 binding\]/)
  })

  it('answers a call placed to it through the agent', async () => {
    const res = await bob.call(`sip:${ALICE.name}@${DOMAIN}`)
    expect(res.final.status).toBe(200)
    await control.waitFor('CALL_ESTABLISHED')
    expect((await bob.bye(res.dialog!)).status).toBe(200)
    await control.waitFor('CALL_CLOSED')
  })

  it('places a call through the agent, answering its 407 with MD5', async () => {
    control.events.length = 0
    control.command('dial', `sip:${BOB.name}@${DOMAIN}`)
    const established = await control.waitFor('CALL_ESTABLISHED').catch((e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(control.events)}\nbaresip said:\n${output}`)
    })
    expect(String(established.peeruri)).toContain(`sip:${BOB.name}@${DOMAIN}`)
    control.command('hangup')
    await control.waitFor('CALL_CLOSED')
  })
})
