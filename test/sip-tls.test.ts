/** TLS and secure WebSocket faces, when the call agent is given a certificate (made here with openssl). */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import { CallAgent } from '../src/sip/agent/index.js'
import { StaticSipDirectory } from '../src/testing/static-sip-directory.js'
import { SipPhone } from '../src/testing/scripted-phone.js'

describe('call agent over TLS and WSS', () => {
  let dir: string
  let agent: CallAgent
  let cert: string
  const phones: SipPhone[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ime-tls-'))
    // prettier-ignore
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
    const tls = { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') }
    agent = await CallAgent.start({
      domain: 'b.example',
      host: '127.0.0.1',
      edge: { tcpPort: 0, tls },
      internal: { tcpPort: 0, wsPort: 0, tls },
      directory: new StaticSipDirectory('b.example', [
        { name: 'bob', password: 'bob-pw', number: '+14085550100' as E164 },
      ]),
      routeTo: () => undefined,
      checkCaller: () => ({ ok: false, error: { code: 'missing', reason: 'ticket missing' } }),
      vouchFor: () => ({ ok: false, error: 'this test places no calls over learned routes' }),
      clock: systemClock,
    })
  })

  afterAll(async () => {
    for (const p of phones) await p.close()
    await agent.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('registers over TLS and over WSS, checking the server certificate', async () => {
    for (const transport of ['TLS', 'WSS'] as const) {
      const port = transport === 'TLS' ? agent.addresses.internal.tcp! : agent.addresses.internal.ws!
      const bob = await SipPhone.connect({
        transport,
        port,
        user: 'bob',
        password: 'bob-pw',
        domain: 'b.example',
        ca: cert,
      })
      phones.push(bob)
      expect((await bob.register()).status).toBe(200)
    }
  })

  it('refuses a client that does not trust the certificate, and a plain-text client', async () => {
    const port = agent.addresses.internal.tcp!
    await expect(
      SipPhone.connect({ transport: 'TLS', port, user: 'bob', password: 'bob-pw', domain: 'b.example' }),
    ).rejects.toThrow(/certificate/)
    const plain = await SipPhone.connect({
      transport: 'TCP',
      port,
      user: 'bob',
      password: 'bob-pw',
      domain: 'b.example',
    })
    phones.push(plain)
    plain.register().catch(() => undefined)
    const until = Date.now() + 5_000
    while (plain.isOpen && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    expect(plain.isOpen).toBe(false)
  })

  it('the edge speaks TLS too', async () => {
    const edge = await SipPhone.connect({
      transport: 'TLS',
      port: agent.addresses.edge.tcp!,
      user: 'x',
      password: '',
      domain: 'a.example',
      fromUser: '+16505550101',
      ca: cert,
    })
    phones.push(edge)
    const call = await edge.call('sip:+14085550100@b.example', [], false)
    expect(call.final.status).toBe(403)
    expect(call.final.reason).toBe('ticket missing')
  })
})
