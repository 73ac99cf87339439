/**
 * Several trunks (two providers, each its own account) in order of preference, against two bare-socket carriers
 * (test/carrier/support/bare-carrier.ts): both register, each on its own; a call out that the first answers 503
 * goes to the second, with the second account's caller-ID form and domain and, to its 407, the second account's
 * credentials; the events say which trunk; each branch has its own trunk's media mode (a bridged trunk's session,
 * through a real rtpengine, ends when the call moves to a direct one); IP-authenticated trunks share the trunk face.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { connectAlice, DOMAIN, startTrunkAgent } from './support/trunk-agent.js'
import { createMediaBridge, type MediaBridge } from '../../src/media-bridge/bridge.js'
import { createNgClient } from '../../src/media-bridge/ng-client.js'
import { startRtpengine } from '../../src/media-bridge/rtpengine.js'
import { type CallAgentEvent } from '../../src/sip/agent/index.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { audioOf } from '../../src/testing/rtp/plain-sdp.js'
import { SipPhone } from '../../src/testing/scripted-phone.js'
import type { TrunkConfig } from '../../src/trunks/trunk-config.js'
import { until } from '../e2e/support/media.js'
import { requestsHeard, tcpCarrier, type BareCarrier, type InviteAnswers } from './support/bare-carrier.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function carrier(invites: InviteAnswers): Promise<BareCarrier> {
  const c = await tcpCarrier(LOCALHOST, invites)
  cleanup.push(() => c.close())
  return c
}

async function agentWith(pstn: TrunkConfig[], events: CallAgentEvent[], mediaBridge?: MediaBridge) {
  const agent = await startTrunkAgent({ pstn, events, ...(mediaBridge !== undefined && { mediaBridge }) })
  cleanup.push(() => agent.stop())
  return agent
}

const uriOf = (c: BareCarrier) => `sip:${LOCALHOST}:${c.port};transport=tcp`
const invitesTo = (c: BareCarrier) => requestsHeard(c.heard).filter((h) => h.request.method === 'INVITE')

describe('several trunks in order of preference', () => {
  it('both register; a call out the first answers 503 goes to the second, as its account wants it', async () => {
    const main = await carrier({ status: 503 })
    const backup = await carrier({ status: 486, challenge: true })
    const events: CallAgentEvent[] = []
    const agent = await agentWith(
      [
        { name: 'main', uri: uriOf(main), user: 'alpha-main', password: 'main-secret' },
        {
          uri: uriOf(backup),
          user: '5550001',
          password: 'backup-secret',
          numberForm: 'digits',
          callerDomain: 'backup.example',
        },
      ],
      events,
    )
    await until(
      async () => agent.trunkRegistered,
      (r) => r,
      5_000,
    )
    expect(agent.trunkStatus).toEqual([
      { index: 0, name: 'main', registered: true },
      { index: 1, name: '1', registered: true },
    ])
    // Each registered with its own account.
    const registerOf = (c: BareCarrier) => requestsHeard(c.heard).find((h) => h.request.method === 'REGISTER')!
    expect(registerOf(main).request.headers.get('From')).toMatch(/^<sip:alpha-main@/)
    expect(registerOf(backup).request.headers.get('From')).toMatch(/^<sip:5550001@/)
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'trunk', state: 'registered', trunk: 0, name: 'main' }),
    )
    expect(events).toContainEqual(expect.objectContaining({ type: 'trunk', state: 'registered', trunk: 1 }))

    const alice = await connectAlice(agent, cleanup)
    expect((await alice.register()).status).toBe(200)
    const { final } = await alice.call(`sip:+13125550100@${DOMAIN}`)
    // The backup's answer (after its challenge was met) is the call's.
    expect(final.status).toBe(486)

    const [first] = invitesTo(main)
    expect(invitesTo(main)).toHaveLength(1)
    expect(first!.request.uri).toBe(`sip:+13125550100@${LOCALHOST}:${main.port};transport=tcp`)
    expect(first!.request.headers.get('From')).toMatch(new RegExp(`^<sip:\\+12025550101@${LOCALHOST}>;tag=`))

    // Two INVITEs to the backup: the first challenged 407, the second answered with the backup's own account.
    const [challenged, retried] = invitesTo(backup)
    expect(invitesTo(backup)).toHaveLength(2)
    for (const h of [challenged!, retried!]) {
      expect(h.request.uri).toBe(`sip:13125550100@${LOCALHOST}:${backup.port};transport=tcp`)
      expect(h.request.headers.get('From')).toMatch(/^<sip:12025550101@backup\.example>;tag=/)
      expect(h.request.headers.get('P-Asserted-Identity')).toBe('<sip:12025550101@backup.example>')
    }
    expect(challenged!.request.headers.get('Proxy-Authorization')).toBeUndefined()
    expect(retried!.request.headers.get('Proxy-Authorization')).toMatch(/username="5550001"/)
    // The From tag is the caller's, on both trunks.
    const tagOf = (from: string | undefined) => /;tag=([^;>]+)/.exec(from ?? '')?.[1]
    expect(tagOf(retried!.request.headers.get('From'))).toBe(tagOf(first!.request.headers.get('From')))

    expect(events).toContainEqual(
      expect.objectContaining({ type: 'trunk', state: 'failover', trunk: 0, name: 'main', to: 1 }),
    )
    expect(events.filter((e) => e.type === 'fallback')).toEqual([])
  }, 15_000)

  it('a trunk that cannot register says so with its index; the other registers', async () => {
    const backup = await carrier({ status: 486 })
    const events: CallAgentEvent[] = []
    const agent = await agentWith(
      [
        // Nothing listens on port 9 of loopback.
        { uri: `sip:${LOCALHOST}:9;transport=tcp`, user: 'alpha-main', password: 'main-secret' },
        { name: 'backup', uri: uriOf(backup), user: '5550001', password: 'backup-secret' },
      ],
      events,
    )
    await until(
      async () => agent.trunkStatus[1]?.registered,
      (r) => r === true,
      5_000,
    )
    expect(agent.trunkStatus[0]).toEqual({ index: 0, name: '0', registered: false })
    expect(agent.trunkRegistered).toBe(false)
    expect(events).toContainEqual(expect.objectContaining({ type: 'trunk', state: 'down', trunk: 0 }))
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'trunk', state: 'registered', trunk: 1, name: 'backup' }),
    )
  }, 10_000)

  it('IP-authenticated trunks share the trunk face: a call in is the trunk whose allowFrom has its address', async () => {
    const events: CallAgentEvent[] = []
    const agent = await agentWith(
      [
        {
          uri: 'sip:127.0.0.2:5060;transport=tcp',
          user: 'alpha-main',
          password: 'main-secret',
          register: false,
          allowFrom: ['127.0.0.2'],
          listen: { tcp: 0 },
        },
        {
          name: 'backup',
          uri: 'sip:127.0.0.3:5060;transport=tcp',
          user: '5550001',
          password: 'backup-secret',
          register: false,
          allowFrom: ['127.0.0.3'],
          numberForm: 'digits',
          publicAddress: '203.0.113.9:5080',
        },
      ],
      events,
    )
    const alice = await connectAlice(agent, cleanup)
    expect((await alice.register()).status).toBe(200)
    const carrierAt = async (localAddress: string) => {
      const c = await SipPhone.connect({
        transport: 'TCP',
        port: agent.addresses.trunk.tcp!,
        user: 'carrier',
        password: 'unused',
        domain: LOCALHOST,
        localAddress,
      })
      cleanup.push(() => c.close())
      return c
    }
    // The backup writes our number without the +, and it is read in the backup's form: Alice's phone answers; the
    // backup's public address is the Record-Route it is given.
    const backup = await carrierAt('127.0.0.3')
    const answered = await backup.call(`sip:12025550101@${LOCALHOST}`, [], false)
    expect(answered.final.status).toBe(200)
    expect(answered.final.headers.getAll('Record-Route').join(',')).toMatch(
      /<sip:203\.0\.113\.9:5080;transport=tcp;lr;ime=/,
    )
    // The main trunk (numbers as +E.164) has no such number.
    const main = await carrierAt('127.0.0.2')
    expect((await main.call(`sip:12025550101@${LOCALHOST}`, [], false)).final.status).toBe(404)
    expect((await main.call(`sip:+12025550101@${LOCALHOST}`, [], false)).final.status).toBe(200)
    // An address in no trunk's allowFrom is refused.
    const stranger = await carrierAt('127.0.0.4')
    expect((await stranger.call(`sip:+12025550101@${LOCALHOST}`, [], false)).final.status).toBe(403)
    expect(events).toContainEqual(expect.objectContaining({ type: 'trunk', state: 'refused' }))
  }, 15_000)

  it("each branch has its trunk's media: a bridged trunk's 503, then a direct trunk gets the phone's SDP", async () => {
    const min = await freePorts(20)
    const engine = await startRtpengine({
      ng: { host: LOCALHOST, port: await freePorts(1) },
      mediaAddress: LOCALHOST,
      mediaPorts: { min, max: min + 19 },
    })
    cleanup.push(() => engine.stop())
    const client = createNgClient({ address: engine.ng, timeoutMs: 600 })
    cleanup.push(async () => client.close())
    const bridged = await carrier({ status: 503 })
    const direct = await carrier({ status: 200 })
    const agent = await agentWith(
      [
        { uri: uriOf(bridged), user: 'alpha-main', password: 'main-secret', media: 'bridge' },
        { uri: uriOf(direct), user: '5550001', password: 'backup-secret', media: 'direct' },
      ],
      [],
      createMediaBridge({ client }),
    )
    await until(
      async () => agent.trunkRegistered,
      (r) => r,
      5_000,
    )
    const alice = await connectAlice(agent, cleanup)
    expect((await alice.register()).status).toBe(200)
    const call = await alice.call(`sip:+13125550100@${DOMAIN}`)
    expect(call.final.status).toBe(200)
    // The bridged trunk got rtpengine's offer; the direct one the phone's own SDP (its port 9).
    const sdpTo = (c: BareCarrier) => new TextDecoder().decode(invitesTo(c)[0]!.request.body)
    const toBridged = audioOf(sdpTo(bridged))!
    expect(toBridged.port >= min && toBridged.port <= min + 19).toBe(true)
    expect(audioOf(sdpTo(direct))!.port).toBe(9)
    // The session opened for the bridged trunk is gone: the direct call holds none in the bridge.
    await until(
      async () => agent.media.sessions(),
      (s) => s.length === 0,
      2_000,
    )
    expect(agent.media.sessions()).toEqual([])
  }, 20_000)

  it("a trunk's CA file that cannot be read stops the start, the error naming the trunk's index", async () => {
    const ok = {
      uri: `sip:${LOCALHOST}:9;transport=tcp`,
      user: 'a',
      password: 'b',
      register: false,
      allowFrom: [LOCALHOST],
    }
    const bad = { ...ok, uri: `sip:${LOCALHOST}:9;transport=tls`, tlsCaFile: '/nonexistent/ca.pem' }
    await expect(agentWith([ok, bad], [])).rejects.toThrow(/^pstn\.1\.tlsCaFile \/nonexistent\/ca\.pem: /)
  })
})
