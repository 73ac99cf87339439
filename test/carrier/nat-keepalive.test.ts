/**
 * A trunk across NAT, against bare-socket carriers (test/carrier/support/bare-carrier.ts): the public address
 * (host and port) it is told to give goes in its Via and Contact; CRLF keep-alives (RFC 5626: a double CRLF on
 * TCP, a CRLFCRLF datagram on UDP) go down the registered flow; a registered TCP connection that closes (a NAT that
 * forgot it) is registered again at the next keep-alive, not at the next refresh minutes later.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { connectAlice, DOMAIN, startTrunkAgent } from './support/trunk-agent.js'
import { type CallAgentEvent } from '../../src/sip/agent/index.js'
import { LOCALHOST } from '../../src/testing/interop/ports.js'
import type { TrunkConfig } from '../../src/trunks/trunk-config.js'
import { until } from '../e2e/support/media.js'
import { requestsHeard, tcpCarrier, udpCarrier, type BareCarrier } from './support/bare-carrier.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function carrier(transport: 'udp' | 'tcp'): Promise<BareCarrier> {
  const c = transport === 'udp' ? await udpCarrier(LOCALHOST) : await tcpCarrier(LOCALHOST)
  cleanup.push(() => c.close())
  return c
}

async function agentWith(trunk: Partial<TrunkConfig> & { uri: string }, events: CallAgentEvent[] = []) {
  const agent = await startTrunkAgent({ pstn: { user: 'alpha', password: 'trunk-secret', ...trunk }, events })
  cleanup.push(() => agent.stop())
  await until(
    async () => agent.trunkRegistered,
    (r) => r,
    5_000,
  )
  return agent
}

const uriOf = (c: BareCarrier, transport: 'udp' | 'tcp') => `sip:${LOCALHOST}:${c.port};transport=${transport}`

describe('a trunk across NAT', () => {
  it.each(['udp', 'tcp'] as const)('over %s: the public host and port go in Via and Contact', async (transport) => {
    const c = await carrier(transport)
    await agentWith({ uri: uriOf(c, transport), publicAddress: '203.0.113.7:5099' })
    const register = requestsHeard(c.heard).find((h) => h.request.method === 'REGISTER')!
    expect(register.request.headers.get('Via')).toMatch(
      new RegExp(`^SIP/2.0/${transport.toUpperCase()} 203\\.0\\.113\\.7:5099;branch=z9hG4bK.+;rport$`),
    )
    expect(register.request.headers.get('Contact')).toBe(`<sip:alpha@203.0.113.7:5099;transport=${transport}>`)
  })

  it.each(['udp', 'tcp'] as const)(
    'over %s: a call out carries the public address in the Record-Route the trunk uses within the call',
    async (transport) => {
      const c = await carrier(transport)
      const agent = await agentWith({ uri: uriOf(c, transport), publicAddress: '203.0.113.7:5099' })
      const alice = await connectAlice(agent, cleanup)
      expect((await alice.register()).status).toBe(200)
      void alice.call(`sip:+13125550100@${DOMAIN}`).catch(() => undefined) // the bare carrier never answers
      const invite = await until(
        async () => requestsHeard(c.heard).find((h) => h.request.method === 'INVITE'),
        (h) => h !== undefined,
        4_000,
      )
      // The top Record-Route is the one the callee's side uses (RFC 3261 section 12.1.2: its route set in order).
      const top = invite!.request.headers.get('Record-Route')!.split(',')[0]!.trim()
      expect(top).toMatch(new RegExp(`^<sip:203\\.0\\.113\\.7:5099;transport=${transport};lr;ime=[^>]+>$`))
      // Alice's side keeps the internal face's own address.
      expect(invite!.request.headers.getAll('Record-Route').join(',')).toContain(
        `sip:${LOCALHOST}:${agent.addresses.internal.tcp};transport=tcp;lr`,
      )
    },
  )

  it.each(['udp', 'tcp'] as const)(
    'over %s: CRLF keep-alives go down the registered flow, no OPTIONS',
    async (transport) => {
      const c = await carrier(transport)
      await agentWith({ uri: uriOf(c, transport), keepalive: 'crlf', keepaliveS: 1 })
      await until(
        async () => c.heard.filter((h) => h.request === 'crlf').length,
        (n) => n >= 2,
        4_000,
      )
      const register = requestsHeard(c.heard)[0]!
      const pings = c.heard.filter((h) => h.request === 'crlf')
      for (const p of pings) expect(p.from).toEqual(register.from)
      expect(requestsHeard(c.heard).map((h) => h.request.method)).toEqual(['REGISTER'])
    },
    10_000,
  )

  it('over TCP: a registered connection that closes is registered again at the next CRLF keep-alive', async () => {
    const c = await carrier('tcp')
    const events: CallAgentEvent[] = []
    const agent = await agentWith({ uri: uriOf(c, 'tcp'), keepalive: 'crlf', keepaliveS: 1 }, events)
    const first = requestsHeard(c.heard)[0]!
    c.dropConnections()
    await until(
      async () => requestsHeard(c.heard).filter((h) => h.request.method === 'REGISTER').length,
      (n) => n >= 2,
      4_000,
    )
    const again = requestsHeard(c.heard).filter((h) => h.request.method === 'REGISTER')[1]!
    expect(again.from.port).not.toBe(first.from.port) // a new connection
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'trunk',
        state: 'unreachable',
        detail: expect.stringContaining('registering again'),
      }),
    )
    await until(
      async () => agent.trunkRegistered,
      (r) => r,
      2_000,
    )
  }, 10_000)
})
