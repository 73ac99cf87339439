/**
 * A trunk as providers run one, against the plain carrier (test/carrier/support/plain-carrier.ts) over real TCP:
 * our number in the provider's form in the Request-URI, From and P-Asserted-Identity; an IP-authenticated trunk
 * (no REGISTER; calls in accepted only from its addresses); failover from an address that is down to the next, for
 * calls and for registration; OPTIONS keep-alives. The caller is a scripted phone on the internal face (digest).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ALICE, connectAlice, DOMAIN, startTrunkAgent } from './support/trunk-agent.js'
import { CallAgent, type CallAgentEvent } from '../../src/sip/agent/index.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { SipPhone } from '../../src/testing/scripted-phone.js'
import type { TrunkConfig } from '../../src/trunks/trunk-config.js'
import { until } from '../e2e/support/media.js'
import { startPlainCarrier, type PlainCarrier } from './support/plain-carrier.js'

const LEGACY = '+13125550199'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function carrier(): Promise<PlainCarrier> {
  const c = await startPlainCarrier({ toneHz: 1_000 })
  cleanup.push(() => c.close())
  return c
}

async function agentWith(trunk: TrunkConfig, events: CallAgentEvent[] = []): Promise<CallAgent> {
  const agent = await startTrunkAgent({ pstn: trunk, events })
  cleanup.push(() => agent.stop())
  return agent
}

const alice = (agent: CallAgent): Promise<SipPhone> => connectAlice(agent, cleanup)

const invites = (c: PlainCarrier) => c.received.filter((r) => r.method === 'INVITE')

describe('trunks as providers run them', () => {
  it('a call out carries our number in the provider form: Request-URI, From (tag kept) and P-Asserted-Identity', async () => {
    const c = await carrier()
    const agent = await agentWith({
      uri: c.uri,
      user: 'alpha',
      password: 'trunk-secret',
      numberForm: 'digits',
      callerDomain: 'sip.carrier.example',
    })
    await until(
      async () => c.registered,
      (r) => r,
      5_000,
    )
    const phone = await alice(agent)
    const call = await phone.call(`sip:${LEGACY}@${DOMAIN}`)
    expect(call.final.status).toBe(200)
    const invite = invites(c).at(-1)!
    expect(invite.uri).toMatch(/^sip:13125550199@127\.0\.0\.1:\d+;transport=tcp$/)
    expect(invite.headers.get('From')).toMatch(/^<sip:12025550101@sip\.carrier\.example>;tag=\w+$/)
    expect(invite.headers.get('P-Asserted-Identity')).toBe('<sip:12025550101@sip.carrier.example>')
    // The dialog is the caller's: its From tag reached the carrier unchanged, so the BYE matches.
    expect(/tag=(\w+)/.exec(invite.headers.get('From')!)?.[1]).toBe(call.dialog!.localTag)
    expect((await phone.bye(call.dialog!)).status).toBe(200)
  })

  it('a 407 to the INVITE is answered with the trunk account, not passed to the caller; the ACK matches the retry', async () => {
    const account = { user: 'alpha-acct', password: 'trunk-secret' }
    const c = await startPlainCarrier({ toneHz: 1_000, challengeInvites: account })
    cleanup.push(() => c.close())
    const agent = await agentWith({
      uri: c.uri,
      ...account,
      register: false,
      allowFrom: ['127.0.0.1'],
    })
    const phone = await alice(agent)
    const call = await phone.call(`sip:${LEGACY}@${DOMAIN}`)
    expect(call.final.status).toBe(200)
    expect(call.provisional.map((r) => r.status)).not.toContain(407)
    const [first, retry] = invites(c)
    expect(first!.headers.get('Proxy-Authorization')).toBeUndefined()
    expect(retry!.headers.get('Proxy-Authorization')).toMatch(/^Digest .*username="alpha-acct"/)
    const seq = (h: string | undefined) => Number(h?.split(' ')[0])
    expect(seq(retry!.headers.get('CSeq'))).toBe(seq(first!.headers.get('CSeq')) + 1)
    // The caller sees its own CSeq; the carrier's ACK carries the retry's.
    expect(call.final.headers.get('CSeq')).toBe(first!.headers.get('CSeq'))
    const ack = await until(
      // The ACK of the 2xx (the 407's ACK, hop by hop, has the first INVITE's CSeq and another To tag).
      async () =>
        c.received.find(
          (r) => r.method === 'ACK' && (r.headers.get('To') ?? '').includes(`tag=${call.dialog!.remoteTag}`),
        ),
      (a) => a !== undefined,
      3_000,
    )
    expect(ack!.headers.get('CSeq')).toBe(`${seq(retry!.headers.get('CSeq'))} ACK`)
    expect((await phone.bye(call.dialog!)).status).toBe(200)

    // A wrong password: the carrier's 403 reaches the caller after one retry, not a loop of challenges.
    const wrong = await agentWith({
      uri: c.uri,
      user: account.user,
      password: 'not-it',
      register: false,
      allowFrom: ['127.0.0.1'],
    })
    const before = invites(c).length
    const refused = await (await alice(wrong)).call(`sip:${LEGACY}@${DOMAIN}`)
    expect(refused.final.status).toBe(403)
    expect(invites(c).length - before).toBe(2)
  })

  it('an IP-authenticated trunk: no REGISTER; its calls in on the trunk face reach the user; other addresses are refused', async () => {
    const c = await carrier()
    const agent = await agentWith({
      uri: c.uri,
      user: 'alpha',
      password: 'unused',
      register: false,
      allowFrom: ['127.0.0.1'],
      listen: { tcp: 0 },
    })
    const phone = await alice(agent)
    expect((await phone.register()).status).toBe(200)
    await c.connectTo(agent.addresses.trunk.tcp!)
    const res = await c.call(ALICE.number, LEGACY)
    expect(res.status).toBe(200)
    expect(phone.received.find((r) => r.method === 'INVITE')?.headers.get('X-IME-Path')).toBe('pstn')
    expect(c.received.filter((r) => r.method === 'REGISTER')).toEqual([])
    expect((await c.hangUp()).status).toBe(200)

    // The same carrier, not among another node's allowFrom: refused on its trunk face, and no phone rings.
    const events: CallAgentEvent[] = []
    const other = await agentWith(
      { uri: c.uri, user: 'alpha', password: 'unused', register: false, allowFrom: ['192.0.2.1'], listen: { tcp: 0 } },
      events,
    )
    await c.connectTo(other.addresses.trunk.tcp!)
    const refused = await c.call(ALICE.number, LEGACY)
    expect([refused.status, refused.reason]).toEqual([403, 'Not an address of this trunk'])
    expect(events.find((e) => e.type === 'trunk' && e.state === 'refused')?.detail).toMatch(/127\.0\.0\.1/)
  })

  it('a call fails over from an address that is down to the next, and says so', async () => {
    const c = await carrier()
    const dead = await freePorts(1)
    const events: CallAgentEvent[] = []
    const agent = await agentWith(
      {
        uri: `sip:${LOCALHOST}:${dead};transport=tcp`,
        failover: [c.uri],
        user: 'alpha',
        password: 'unused',
        register: false,
        allowFrom: ['127.0.0.1'],
      },
      events,
    )
    const phone = await alice(agent)
    const call = await phone.call(`sip:${LEGACY}@${DOMAIN}`)
    expect(call.final.status).toBe(200)
    expect(invites(c).length).toBe(1)
    expect(events.find((e) => e.type === 'trunk' && e.state === 'failover')?.detail).toMatch(/^503 /)
    expect(events.filter((e) => e.type === 'fallback')).toEqual([])
    await phone.bye(call.dialog!)
  })

  it('registration moves to the next address when the first is down', async () => {
    const c = await carrier()
    const dead = await freePorts(1)
    const events: CallAgentEvent[] = []
    const agent = await agentWith(
      { uri: `sip:${LOCALHOST}:${dead};transport=tcp`, failover: [c.uri], user: 'alpha', password: 'x' },
      events,
    )
    await until(
      async () => agent.trunkRegistered,
      (r) => r,
      5_000,
    )
    expect(c.registered).toBe(true)
    expect(events.find((e) => e.type === 'trunk' && e.state === 'registered')?.detail).toBe(c.uri)
  })

  it('OPTIONS keep-alives reach the trunk at the configured interval', async () => {
    const c = await carrier()
    const events: CallAgentEvent[] = []
    await agentWith(
      { uri: c.uri, user: 'alpha', password: 'x', register: false, allowFrom: ['127.0.0.1'], keepaliveS: 1 },
      events,
    )
    const n = await until(
      async () => c.received.filter((r) => r.method === 'OPTIONS').length,
      (k) => k >= 2,
      5_000,
    )
    expect(n).toBeGreaterThanOrEqual(2)
    await c.close()
    await until(
      async () => events.some((e) => e.type === 'trunk' && e.state === 'unreachable'),
      (x) => x,
      8_000,
    )
  })
})
