/**
 * In-dialog requests go only along the route set recorded for their dialog (issue 15): a party of a call who adds
 * a Route after the proxy's flow token, or reuses the token in another dialog, or after it expired, gets nowhere.
 * Real sockets: a call agent on loopback, scripted phones over TCP and WebSocket, and a listener standing for the
 * host an attacker would have the proxy relay to.
 */
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import { CallAgent } from '../src/sip/agent/index.js'
import { responseTo, type SipRequest } from '../src/sip/message/index.js'
import { SipTransportHub } from '../src/sip/transport/index.js'
import { SipPhone } from '../src/testing/scripted-phone.js'
import { StaticSipDirectory } from '../src/testing/static-sip-directory.js'

const HOUR = 3600_000

describe('in-dialog requests follow only their dialog’s recorded route set', () => {
  const clock = new ManualClock(Date.now())
  let agent: CallAgent
  let relay: Server
  let relayPort: number
  let relayed = 0
  const phones: SipPhone[] = []

  const phone = async (user: string, transport: 'TCP' | 'WS') => {
    const a = agent.addresses.internal
    const p = await SipPhone.connect({
      transport,
      port: transport === 'TCP' ? a.tcp! : a.ws!,
      user,
      password: `${user}-pw`,
      domain: 'b.example',
    })
    phones.push(p)
    expect((await p.register()).status).toBe(200)
    return p
  }

  const call = async (callerTransport: 'TCP' | 'WS') => {
    const bob = await phone('bob', 'TCP')
    const carol = await phone('carol', callerTransport)
    const placed = await carol.call('sip:bob@b.example')
    expect(placed.final.status).toBe(200)
    return { bob, carol, dialog: placed.dialog! }
  }

  beforeAll(async () => {
    relay = createServer((s) => {
      relayed++
      s.on('data', () => undefined)
      s.on('error', () => undefined)
      s.destroy()
    })
    relayPort = await new Promise<number>((resolve) =>
      relay.listen(0, '127.0.0.1', () => resolve((relay.address() as { port: number }).port)),
    )
    agent = await CallAgent.start({
      domain: 'b.example',
      host: '127.0.0.1',
      edge: { tcpPort: 0 },
      internal: { tcpPort: 0, wsPort: 0 },
      directory: new StaticSipDirectory('b.example', [
        { name: 'bob', password: 'bob-pw', number: '+14085550100' as E164 },
        { name: 'carol', password: 'carol-pw', number: '+14085550111' as E164 },
      ]),
      routeTo: () => undefined,
      checkCaller: () => ({ ok: false, error: { code: 'missing', reason: 'ticket missing' } }),
      vouchFor: () => ({ ok: false, error: 'this test places no calls over learned routes' }),
      clock,
    })
  })

  afterAll(async () => {
    for (const p of phones) await p.close()
    await agent.stop()
    await new Promise<void>((resolve) => relay.close(() => resolve()))
  })

  it.each(['TCP', 'WS'] as const)(
    'a Route added after the flow token (caller over %s) is refused with 403, and nothing is relayed',
    async (transport) => {
      const { bob, carol, dialog } = await call(transport)
      const bobByes = () => bob.received.filter((r) => r.method === 'BYE').length
      const byesBefore = bobByes()
      const recorded = [...dialog.routeSet]
      dialog.routeSet = [...recorded, `<sip:127.0.0.1:${relayPort};transport=tcp;lr>`]
      const refused = await carol.bye({ ...dialog })
      expect(refused.status).toBe(403)
      expect(refused.reason).toBe('Route set not recorded for this dialog')
      // The callee's side may not add one either.
      const bobDialog = [...bob.dialogs.values()].at(-1)!
      const bobRefused = await bob.bye({
        ...bobDialog,
        routeSet: [...bobDialog.routeSet, `<sip:127.0.0.1:${relayPort};lr>`],
      })
      expect(bobRefused.status).toBe(403)
      await new Promise((r) => setTimeout(r, 200))
      expect(relayed).toBe(0)
      expect(bobByes()).toBe(byesBefore)
      // The dialog's own route set still works.
      dialog.routeSet = recorded
      expect((await carol.bye(dialog)).status).toBe(200)
    },
  )

  it('a proxy recorded before ours stays on the route: the callee’s BYE goes on to it, and nowhere else', async () => {
    // A proxy in front of the caller (e.g. another enterprise's) that recorded its route and answers 200.
    const seen: SipRequest[] = []
    const upstream = new SipTransportHub((m, c) => {
      if (m.kind !== 'request') return
      seen.push(m)
      const ok = responseTo(m, 200)
      if (ok.ok) c.send(ok.value)
    })
    try {
      const listener = await upstream.listenStream({ face: 'upstream', host: '127.0.0.1', port: 0 })
      const recorded = `<sip:127.0.0.1:${listener.port};transport=tcp;lr>`
      const bob = await phone('bob', 'TCP')
      const carol = await phone('carol', 'TCP')
      const placed = await carol.call('sip:bob@b.example', [['Record-Route', recorded]])
      expect(placed.final.status).toBe(200)
      const bobDialog = bob.dialogs.get(placed.dialog!.callId)!
      expect(bobDialog.routeSet.at(-1)).toBe(recorded)
      // Another host in place of the recorded proxy is refused.
      const swapped = [...bobDialog.routeSet.slice(0, -1), `<sip:127.0.0.1:${relayPort};transport=tcp;lr>`]
      expect((await bob.bye({ ...bobDialog, routeSet: swapped })).status).toBe(403)
      expect(relayed).toBe(0)
      expect((await bob.bye(bobDialog)).status).toBe(200)
      expect(seen.map((r) => r.method)).toEqual(['BYE'])
    } finally {
      await upstream.close()
    }
  })

  it('a flow token is bound to its dialog: in another Call-ID or with other tags it is refused (481)', async () => {
    const { bob, carol, dialog } = await call('TCP')
    const bobByes = () => bob.received.filter((r) => r.method === 'BYE').length
    const before = bobByes()
    expect((await carol.bye({ ...dialog, callId: 'another-call' })).status).toBe(481)
    expect((await carol.bye({ ...dialog, localTag: 'other-tag', remoteTag: 'and-another' })).status).toBe(481)
    expect(bobByes()).toBe(before)
    expect((await carol.bye(dialog)).status).toBe(200)
  })

  it('a flow token is honoured for 24 hours after the call began, then refused (481)', async () => {
    const { carol, dialog } = await call('TCP')
    clock.advance(23 * HOUR)
    expect((await carol.reInvite(dialog)).status).toBe(200)
    clock.advance(2 * HOUR)
    expect((await carol.bye(dialog)).status).toBe(481)
  })
})
