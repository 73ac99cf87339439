/**
 * SIP conformance on every transport alike (issue 15): TCP, TLS, WebSocket, secure WebSocket and UDP, with raw
 * sockets writing the requests by hand. A Request-URI of another scheme gets 416; Max-Forwards 0 gets 483; an RFC
 * 2543-era request (a Via branch without the magic cookie) gets an answer; a request without a Via gets 400 or the
 * connection closed, never silence. And a softphone whose WebSocket has closed is unreachable at once (480).
 */
import { execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect as netConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { WebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import { CallAgent } from '../src/sip/agent/index.js'
import { SipPhone } from '../src/testing/scripted-phone.js'
import { StaticSipDirectory } from '../src/testing/static-sip-directory.js'

type Transport = 'TCP' | 'TLS' | 'WS' | 'WSS' | 'UDP'
/** What came back: the first response's status line, or 'closed' if the connection closed, or 'silence'. */
type Answer = { status: number; reason: string } | 'closed' | 'silence'

const rid = () => Math.random().toString(36).slice(2, 10)

function request(
  t: Transport,
  o: { method?: string; uri?: string; maxForwards?: number; branch?: string | null; via?: boolean } = {},
): string {
  const method = o.method ?? 'INVITE'
  const lines = [`${method} ${o.uri ?? 'sip:+14085550100@b.example'} SIP/2.0`]
  if (o.via !== false) {
    const branch = o.branch === null ? '' : `;branch=${o.branch ?? `z9hG4bK${rid()}`}`
    // A WebSocket client cannot be reached at an address: JsSIP writes an .invalid host (RFC 7118 section 5).
    const sentBy = t === 'WS' || t === 'WSS' ? 'df7jal23ls0d.invalid' : '127.0.0.1:5999'
    lines.push(`Via: SIP/2.0/${t} ${sentBy}${branch}`)
  }
  lines.push(
    `Max-Forwards: ${o.maxForwards ?? 70}`,
    `From: <sip:+16505550101@a.example>;tag=${rid()}`,
    `To: <sip:+14085550100@b.example>`,
    `Call-ID: ${rid()}@conformance`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:probe@127.0.0.1:5999>`,
    'Content-Length: 0',
    '',
    '',
  )
  return lines.join('\r\n')
}

/** Sends one message on a new connection of that transport and waits for the first response (or the close). */
async function probe(t: Transport, port: number, message: string, ca?: string, waitMs = 1_500): Promise<Answer> {
  return new Promise<Answer>((resolve) => {
    let done = false
    let cleanup = () => {}
    const finish = (a: Answer) => {
      if (done) return
      done = true
      clearTimeout(timer)
      cleanup()
      resolve(a)
    }
    const timer = setTimeout(() => finish('silence'), waitMs)
    const onText = (text: string) => {
      const m = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)/.exec(text)
      if (m !== null && m[1] !== '100') finish({ status: Number(m[1]), reason: m[2]! })
    }
    if (t === 'UDP') {
      const s = createSocket('udp4')
      cleanup = () => s.close()
      s.on('message', (d) => onText(d.toString('latin1')))
      s.send(message, port, '127.0.0.1')
    } else if (t === 'WS' || t === 'WSS') {
      const ws = new WebSocket(
        `${t === 'WS' ? 'ws' : 'wss'}://127.0.0.1:${port}`,
        'sip',
        ca === undefined ? {} : { ca },
      )
      cleanup = () => ws.terminate()
      ws.on('open', () => ws.send(message))
      ws.on('message', (d: Buffer) => onText(d.toString('latin1')))
      ws.on('close', () => finish('closed'))
      ws.on('error', () => finish('closed'))
    } else {
      const s = t === 'TCP' ? netConnect({ host: '127.0.0.1', port }) : tlsConnect({ host: '127.0.0.1', port, ca })
      cleanup = () => s.destroy()
      let buf = ''
      s.on(t === 'TCP' ? 'connect' : 'secureConnect', () => s.write(message))
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1')
        for (const part of buf.split(/\r\n\r\n/)) onText(part.replace(/^\s+/, ''))
      })
      s.on('close', () => finish('closed'))
      s.on('error', () => finish('closed'))
    }
  })
}

describe('SIP conformance on every transport', () => {
  let dir: string
  let cert: string
  let agent: CallAgent
  const phones: SipPhone[] = []
  /** Internal face in plain text (TCP, WS, UDP); the edge over TLS and WSS, and UDP. */
  const ports = (): [Transport, number][] => {
    const { internal, edge } = agent.addresses
    return [
      ['TCP', internal.tcp!],
      ['WS', internal.ws!],
      ['UDP', internal.udp!],
      ['TLS', edge.tcp!],
      ['WSS', edge.ws!],
      ['UDP', edge.udp!],
    ]
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ime-conformance-'))
    // prettier-ignore
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
    const tls = { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') }
    agent = await CallAgent.start({
      domain: 'b.example',
      host: '127.0.0.1',
      edge: { tcpPort: 0, wsPort: 0, udpPort: 0, tls },
      internal: { tcpPort: 0, wsPort: 0, udpPort: 0 },
      directory: new StaticSipDirectory('b.example', [
        { name: 'bob', password: 'bob-pw', number: '+14085550100' as E164 },
        { name: 'dave', password: 'dave-pw', number: '+14085550122' as E164 },
      ]),
      routeTo: () => undefined,
      checkCaller: () => ({ ok: false, error: { code: 'missing', reason: 'ticket missing' } }),
      vouchFor: () => ({ ok: false, error: 'this test places no calls over learned routes' }),
      clock: systemClock,
    })
  })

  afterAll(async () => {
    for (const p of phones) await p.close()
    await agent?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a Request-URI whose scheme is not sip, sips or tel gets 416', async () => {
    for (const [t, port] of ports()) {
      for (const uri of ['http://b.example/bob', 'mailto:bob@b.example', 'im:bob@b.example']) {
        for (const method of ['INVITE', 'OPTIONS']) {
          const a = await probe(t, port, request(t, { uri, method }), cert)
          expect({ t, uri, method, a }).toMatchObject({ a: { status: 416 } })
        }
      }
    }
  })

  it('Max-Forwards 0 on a request to be forwarded gets 483, over WebSocket too', async () => {
    for (const [t, port] of ports()) {
      const a = await probe(t, port, request(t, { maxForwards: 0 }), cert)
      expect({ t, a }).toMatchObject({ a: { status: 483 } })
    }
  })

  it('an RFC 2543-era request (a Via branch without the magic cookie, or none) is answered', async () => {
    for (const [t, port] of ports()) {
      for (const branch of ['1a2b3c4d', null]) {
        const a = await probe(t, port, request(t, { branch }), cert)
        expect({ t, branch, a }).toMatchObject({ a: { status: expect.any(Number) as number } })
      }
    }
  })

  it('a request without a Via gets 400 or the connection closed on a stream, never silence', async () => {
    for (const [t, port] of ports()) {
      if (t === 'UDP') continue // no Via: nowhere to answer a datagram (RFC 3261 section 18.2.2); dropped
      const a = await probe(t, port, request(t, { via: false }), cert)
      if (a !== 'closed') expect({ t, a }).toMatchObject({ a: { status: 400 } })
      expect(a).not.toBe('silence')
    }
  })

  it('a softphone whose WebSocket closed is unreachable at once: 480, in a call and for new calls', async () => {
    const { tcp, ws } = agent.addresses.internal
    const connect = async (user: string, transport: 'TCP' | 'WS') => {
      const port = transport === 'TCP' ? tcp! : ws!
      const p = await SipPhone.connect({ transport, port, user, password: `${user}-pw`, domain: 'b.example' })
      phones.push(p)
      expect((await p.register()).status).toBe(200)
      return p
    }
    // The scripted phone registers as JsSIP does over WebSocket: a Contact host under .invalid.
    const dave = await connect('dave', 'WS')
    expect(dave.contact).toMatch(/\.invalid;transport=ws$/)
    const bob = await connect('bob', 'TCP')
    const call = await bob.call('sip:dave@b.example')
    expect(call.final.status).toBe(200)
    await dave.close()
    const until = Date.now() + 5_000
    while (agent.registrations.current('dave', Date.now()).length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20))
    }
    const bye = await bob.bye(call.dialog!)
    expect(bye.status).toBe(480)
    expect(bye.reason).not.toMatch(/invalid|ENOTFOUND|getaddrinfo/)
    const again = await bob.call('sip:dave@b.example')
    expect(again.final.status).toBe(480)
    expect(again.final.reason).not.toMatch(/invalid|ENOTFOUND|getaddrinfo/)
  })
})
