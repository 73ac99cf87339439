import { mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { E164 } from '../src/core/e164.js'
import { ringIdToHex } from '../src/core/ring.js'
import { startEnterpriseNode } from '../src/node.js'
import { SipPhone } from '../src/testing/scripted-phone.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('enterprise node over HTTP', () => {
  it('serves the API on a real port: sign-in, status, calls and their events, validation run, links', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-node-http-'))
    dirs.push(dataDir)
    const operatorToken = 'an-operator-token-0123456789'
    const node = await startEnterpriseNode({
      dataDir,
      overlay: 'test',
      domain: 'a.example',
      numbers: ['+12015550100' as E164],
      http: { port: 0, operatorToken },
      users: [{ name: 'alice', password: 'alice password', number: '+12015550100' }],
    })
    try {
      const http = node.http!
      expect(http.url).toBe(`http://127.0.0.1:${http.port}`)
      expect(node.users.ha1('alice', 'a.example', 'MD5')).toMatch(/^[0-9a-f]{32}$/)
      const signIn = await fetch(http.url + '/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ime-csrf': '1' },
        body: JSON.stringify({ user: 'alice', password: 'alice password', bearer: true }),
      })
      expect(signIn.status).toBe(200)
      const { token } = (await signIn.json()) as { token: string }
      const alice = { authorization: `Bearer ${token}` }
      const operator = { authorization: `Bearer ${operatorToken}` }

      const status = (await (await fetch(http.url + '/api/status', { headers: operator })).json()) as {
        nodeId: string
        domain: string
        counters: Record<string, number>
      }
      expect(status.nodeId).toBe(ringIdToHex(node.peer.chord.self.id))
      expect(status.domain).toBe('a.example')
      expect(status.counters).toMatchObject({ publishedNumbers: 1, ownClaims: 1, learnedRoutes: 0 })

      const abort = new AbortController()
      const stream = await fetch(http.url + '/api/events', { headers: alice, signal: abort.signal })
      const reader = stream.body!.getReader()
      await reader.read() // the stream's opening comment: subscribed
      const now = Date.now()
      node.recordCall({
        id: 'pstn-1',
        direction: 'outbound',
        caller: '+12015550100' as E164,
        called: '+12025550199' as E164,
        start: now - 60_000,
        end: now - 1000,
        path: 'pstn',
        outcome: 'answered',
        user: 'alice',
      })
      let text = ''
      while (!text.includes('pstn-1')) text += new TextDecoder().decode((await reader.read()).value)
      expect(text).toContain('event: call\n')
      abort.abort()

      const calls = (await (await fetch(http.url + '/api/calls', { headers: alice })).json()) as { calls: unknown[] }
      expect(calls.calls).toEqual([expect.objectContaining({ id: 'pstn-1', from: '+12015550100', path: 'pstn' })])

      // The call scheduled a validation; the operator runs it now: nobody claims the number.
      expect(node.validations.pending().map((p) => p.callId)).toEqual(['pstn-1'])
      const run = await fetch(http.url + '/api/validation/run', { method: 'POST', headers: operator })
      expect(await run.json()).toEqual({
        outcomes: [{ callId: 'pstn-1', number: '+12025550199', outcome: 'no-claim', kind: 'first', dropped: false }],
      })
      expect((await fetch(http.url + '/api/validation/run', { method: 'POST', headers: alice })).status).toBe(403)

      const link = node.http!.loginUrl('alice')
      if (!link.ok) throw new Error(link.error)
      const redeemed = await fetch(link.value, { redirect: 'manual' })
      expect(redeemed.status).toBe(303)
      expect(node.http!.loginUrl('mallory')).toEqual({ ok: false, error: 'no user mallory' })
      // The SIP side can accept a WebSocket upgrade by its session cookie.
      const cookie = redeemed.headers.get('set-cookie')!.split(';')[0]!
      const upgrade = { headers: { cookie } } as unknown as IncomingMessage
      expect(node.http!.authenticate(upgrade)).toMatchObject({ ok: true, value: { name: 'alice', via: 'cookie' } })
    } finally {
      await node.stop()
    }
    await expect(fetch(node.http!.url + '/api/health')).rejects.toThrow()
  }, 30_000)

  it('records a call between two of its users as internal: in both histories, never validated', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-node-http-'))
    dirs.push(dataDir)
    const node = await startEnterpriseNode({
      dataDir,
      overlay: 'test',
      domain: 'a.example',
      numbers: ['+12015550100' as E164, '+12015550101' as E164],
      http: { port: 0, operatorToken: 'an-operator-token-0123456789' },
      sip: { edge: {}, internal: { tcpPort: 0 } },
      users: [
        { name: 'alice', password: 'alice password', number: '+12015550100' },
        { name: 'anna', password: 'anna password', number: '+12015550101' },
      ],
      validation: { minCallMs: 0, delayMinMs: 0, delayMaxMs: 0 },
    })
    const phones: SipPhone[] = []
    try {
      const port = node.sip!.addresses.internal.tcp!
      for (const name of ['alice', 'anna']) {
        const p = await SipPhone.connect({
          transport: 'TCP',
          port,
          user: name,
          password: `${name} password`,
          domain: 'a.example',
        })
        phones.push(p)
        expect((await p.register()).status).toBe(200)
      }
      const [alice, anna] = phones as [SipPhone, SipPhone]
      const invited = anna.nextRequest('INVITE')
      const call = await alice.call('sip:+12015550101@a.example')
      expect(call.final.status).toBe(200)
      expect((await invited).headers.get('X-IME-Path')).toBe('internal')
      expect((await alice.bye(call.dialog!)).status).toBe(200)

      const records = node.calls.list()
      expect(records.map((r) => [r.user, r.direction, r.path, r.outcome])).toEqual(
        expect.arrayContaining([
          ['alice', 'outbound', 'internal', 'answered'],
          ['anna', 'inbound', 'internal', 'answered'],
        ]),
      )
      expect(records).toHaveLength(2)
      // Not a validation candidate: nothing queued, and no PSTN call for a claimer's proof to be about.
      expect(node.validations.pending()).toEqual([])
      expect(node.calls.inboundTo('+12015550101' as E164, 0, Date.now() + 1000)).toEqual([])
      expect(node.calls.lastOutboundTo('+12015550101' as E164, 0)).toBeUndefined()

      const history = async (user: string) => {
        const signIn = await fetch(node.http!.url + '/api/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-ime-csrf': '1' },
          body: JSON.stringify({ user, password: `${user} password`, bearer: true }),
        })
        const { token } = (await signIn.json()) as { token: string }
        const res = await fetch(node.http!.url + '/api/calls', { headers: { authorization: `Bearer ${token}` } })
        return ((await res.json()) as { calls: unknown[] }).calls
      }
      expect(await history('alice')).toEqual([
        expect.objectContaining({ direction: 'outbound', from: '+12015550100', to: '+12015550101', path: 'internal' }),
      ])
      expect(await history('anna')).toEqual([
        expect.objectContaining({ direction: 'inbound', from: '+12015550100', to: '+12015550101', path: 'internal' }),
      ])
    } finally {
      for (const p of phones) await p.close()
      await node.stop()
    }
  }, 30_000)

  it('refuses a user with a bad password at start, saying which', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-node-http-'))
    dirs.push(dataDir)
    await expect(
      startEnterpriseNode({ dataDir, overlay: 'test', users: [{ name: 'bob', password: 'short' }] }),
    ).rejects.toThrow('user bob: password of bob must be 8..1024 characters')
  })
})
